"""Keyword rules: the category suggestion while the district has too few confirmed cases to train on.

Each category has its own words (``Category.keywords``, edited on the category page; the category's name
counts as one of them). A text scores, for each category, the summed length of its words found in it
(a longer word says more: 物业服务费 over 物业), each word counted at most three times. The confidence is
the best category's share of all scores, discounted while the evidence is thin; the page says the
suggestion came from keywords. Pure, no Django.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from xinfang.nlp.classifier import LabelScore, Prediction, Word
from xinfang.nlp.tokens import text_fold

_SEPARATORS = re.compile(r"[\s,，、;；|/]+")
MAX_COUNT = 3
EVIDENCE = 4.0


@dataclass(frozen=True)
class KeywordRule:
    """The words of one category (``label``: its code)."""

    label: str
    keywords: tuple[str, ...]


def keywords_parse(text: str) -> tuple[str, ...]:
    """The words of a keyword field: separated by spaces, commas (, ，、), semicolons or new lines;
    duplicates dropped, order kept."""
    seen: dict[str, None] = {}
    for word in _SEPARATORS.split(text or ""):
        word = word.strip()
        if word:
            seen.setdefault(word, None)
    return tuple(seen)


def keyword_rules(categories: Iterable[tuple[str, str, str]]) -> list[KeywordRule]:
    """Rules from ``(code, name, keywords text)`` of each category; the name is one of the words."""
    return [KeywordRule(label=code, keywords=keywords_parse(f"{name} {keywords}")) for code, name, keywords in categories]


def keywords_predict(text: str, rules: Sequence[KeywordRule], *, words: int = 5) -> Prediction | None:
    """The category whose words ``text`` contains most, or None when it contains none."""
    folded = text_fold(text)
    if not folded:
        return None
    scored: list[tuple[float, str, list[Word]]] = []
    for rule in rules:
        found: list[Word] = []
        score = 0.0
        for keyword in rule.keywords:
            key = text_fold(keyword)
            if not key:
                continue
            count = min(folded.count(key), MAX_COUNT)
            if count:
                weight = float(count * len(key))
                score += weight
                found.append(Word(text=keyword, weight=weight))
        if score:
            scored.append((score, rule.label, sorted(found, key=lambda w: -w.weight)))
    if not scored:
        return None
    scored.sort(key=lambda item: -item[0])
    total = sum(score for score, _label, _words in scored)
    best_score, best_label, best_words = scored[0]
    # The best category's share of all scores, discounted while the evidence is thin (one two-character
    # word: a third; four: two thirds): rules are no model, a single hit is no certainty.
    confidence = best_score / total * best_score / (best_score + EVIDENCE)
    return Prediction(label=best_label, confidence=round(confidence, 4),
                      ranking=tuple(LabelScore(label, round(score / total, 4)) for score, label, _ in scored),
                      words=tuple(best_words[:words]))
