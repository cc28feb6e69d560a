"""Hotspots (形势研判): the pure maths, no Django (docs/analytics.md, "Hotspots").

1. Rising cells. A cell is one category in one street. Its baseline is its own daily rate over the
   ``baseline_days`` before the current window; under "nothing changed" its count in the window is
   Poisson with mean ``expected = rate × window_days``. The cell is a hotspot when that count is improbably
   high (one-sided Poisson test, ``P(X ≥ count) = poisson.sf(count - 1, expected)`` below ``alpha``), it is
   at least ``min_count`` and at least ``min_excess`` above what was expected — so that 1 → 2 is never a
   hotspot — ranked by the rate ratio. A cell new in the window (no baseline) is judged against a floor
   rate of half a case over the baseline, the usual continuity correction.

2. Key phrases. Each petition (title + content) becomes the set of its words (jieba), without the
   project's function words (nlp/tokens.py) and without one-character words and numbers. A phrase scores
   by how much more often petitions of the window use it than petitions of the baseline (the log ratio of
   smoothed document frequencies, a contrastive TF-IDF) times how many petitions of the window use it;
   phrases in fewer than ``min_docs`` petitions are left out.
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from scipy.special import pdtrc  # the Poisson upper tail; scipy.stats would cost ~0.4 s at start-up

from xinfang.nlp.tokens import FUNCTION_WORDS

ALPHA = 0.01
MIN_COUNT = 5
MIN_EXCESS = 3.0
# Words that say nothing about the matter in a petition, on top of the function words.
PETITION_STOP_WORDS = frozenset({
    *FUNCTION_WORDS, "问题", "反映", "要求", "希望", "情况", "有关", "部门", "解决", "处理", "请求", "相关", "信访",
    "事项", "群众", "目前", "现在", "今年", "去年", "多次", "一直", "至今", "年月日", "领导", "政府", "帮助", "尽快",
    "请", "谢谢", "您好", "你好", "严重", "存在", "导致", "造成", "影响",
})
_NUMBERISH = re.compile(r"^[\d\W_a-zA-Z]+$")


@dataclass(frozen=True)
class CellTest:
    """The test of one cell: its counts, expectation, rate ratio, p-value and verdict."""

    count: int
    baseline: int
    expected: float
    ratio: float
    p_value: float
    rising: bool


def cell_test(*, count: int, baseline: int, window_days: int, baseline_days: int, alpha: float = ALPHA,
              min_count: int = MIN_COUNT, min_excess: float = MIN_EXCESS) -> CellTest:
    """Test a cell's ``count`` in ``window_days`` against its ``baseline`` count in ``baseline_days``."""
    if window_days <= 0 or baseline_days <= 0:
        raise ValueError("window and baseline need at least one day each")
    rate = max(baseline, 0.5) / baseline_days
    expected = rate * window_days
    p_value = float(pdtrc(count - 1, expected)) if count > 0 else 1.0  # = poisson.sf(count - 1, expected)
    ratio = (count / window_days) / rate
    rising = count >= min_count and count - expected >= min_excess and p_value < alpha
    return CellTest(count=count, baseline=baseline, expected=expected, ratio=ratio, p_value=p_value, rising=rising)


def rising_cells(cells: dict[tuple[int, int], tuple[int, int]], *, window_days: int, baseline_days: int,
                 alpha: float = ALPHA, min_count: int = MIN_COUNT, min_excess: float = MIN_EXCESS,
                 ) -> list[tuple[tuple[int, int], CellTest]]:
    """The rising cells of ``{cell: (count in window, count in baseline)}``, the steepest (rate ratio, then
    smallest p-value) first."""
    found = []
    for cell, (count, baseline) in cells.items():
        test = cell_test(count=count, baseline=baseline, window_days=window_days, baseline_days=baseline_days,
                         alpha=alpha, min_count=min_count, min_excess=min_excess)
        if test.rising:
            found.append((cell, test))
    found.sort(key=lambda item: (-item[1].ratio, item[1].p_value, item[0]))
    return found


def words_of(tokens: Iterable[str]) -> set[str]:
    """The content words of a segmented text: no function or petition stop words, no single characters,
    no numbers or Latin codes."""
    return {t for t in (t.strip() for t in tokens)
            if len(t) >= 2 and t not in PETITION_STOP_WORDS and not _NUMBERISH.match(t)}


@dataclass(frozen=True)
class Phrase:
    text: str
    docs: int  # petitions of the window using it
    baseline_docs: int
    score: float


def key_phrases(current: Sequence[AbstractSet[str]], baseline: Sequence[AbstractSet[str]], *, top: int = 20,
                min_docs: int = 3) -> list[Phrase]:
    """The phrases of ``current`` petitions (each a set of words) that stand out against ``baseline``."""
    if not current:
        return []
    now, before = Counter(w for doc in current for w in doc), Counter(w for doc in baseline for w in doc)
    n, m = len(current), len(baseline)
    phrases = []
    for word, docs in now.items():
        if docs < min_docs:
            continue
        lift = math.log(((docs + 0.5) / (n + 1)) / ((before.get(word, 0) + 0.5) / (m + 1)))
        phrases.append(Phrase(text=word, docs=docs, baseline_docs=before.get(word, 0),
                              score=docs * max(lift, 0.0) if m else float(docs)))
    phrases.sort(key=lambda p: (-p.score, -p.docs, p.text))
    return [p for p in phrases if p.score > 0][:top]


# Segmenting is the hotspots page's cost (jieba: ~1 ms a petition); a petition's words do not change, so the
# words of the last few thousand texts are kept per process, keyed by a digest of the text (not the text
# itself: petitions are sensitive and long). 4,096 entries cover both windows of one page (2 × 2,000) at a
# few megabytes.
SEGMENT_CACHE_SIZE = 4096
_segmented: OrderedDict[bytes, frozenset[str]] = OrderedDict()
_segmented_lock = threading.Lock()


def segment(text: str) -> frozenset[str]:
    """The content words of one petition's text (jieba's accurate mode), from the per-process cache when
    the same text was segmented lately."""
    key = hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()
    with _segmented_lock:
        words = _segmented.get(key)
        if words is not None:
            _segmented.move_to_end(key)
            return words
    import jieba

    jieba.setLogLevel(60)
    words = frozenset(words_of(jieba.lcut(text)))
    with _segmented_lock:
        _segmented[key] = words
        while len(_segmented) > SEGMENT_CACHE_SIZE:
            _segmented.popitem(last=False)
    return words
