"""Reads of xinfang/nlp: the active classifier (loaded once per process and version), the category and
unit suggestions for a petition, and the district's confirmed cases as training data.

The suggestions only read: nothing here writes a case (STYLE.md: nlp never edits cases). What staff then
chose is recorded by ``xinfang.nlp.services.suggestion_record``.
"""

from __future__ import annotations

import logging
import operator
import threading
from dataclasses import dataclass, field
from functools import reduce
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import CharField, Count, F, Q, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from xinfang.accounts.models import Unit
from xinfang.cases.models import Case, CaseEvent, Category, CategoryStreetRoute
from xinfang.nlp.classifier import ClassifierFormatError, TextClassifier, Word, classifier_loads
from xinfang.nlp.corpus import Corpus
from xinfang.nlp.keywords import keyword_rules, keywords_predict
from xinfang.nlp.models import ClassifierVersion
from xinfang.nlp.routing import RoutingHistory, UnitChoice, unit_candidates
from xinfang.nlp.store import ModelIntegrityError, model_file_read

logger = logging.getLogger(__name__)

LABELLED_COUNT_CACHE_KEY = "nlp:labelled-count"
LABELLED_COUNT_SECONDS = 300
# Alternatives shown next to the suggested category.
ALTERNATIVES = 2


def nlp_minimum_labelled() -> int:
    """Confirmed cases needed before the trained model replaces the keyword rules (setting
    ``XINFANG_NLP_MIN_LABELLED``)."""
    return int(settings.XINFANG.get("NLP_MIN_LABELLED", 200))


# --- The active classifier ---------------------------------------------------------------------------

_loaded: dict[tuple[int, str], TextClassifier] = {}
_refused: set[tuple[int, str]] = set()
_lock = threading.Lock()


@dataclass(frozen=True)
class ActiveClassifier:
    version: ClassifierVersion
    model: TextClassifier | None
    # Why ``model`` is None although a version is active: its file is missing or not the recorded one.
    error: str = ""


def classifier_active() -> ActiveClassifier | None:
    """The active version and its model, loaded once per process (a new version is picked up at the next
    call: the key is the row and its digest). A file whose SHA-256 differs from the recorded one is never
    read further, is logged, and leaves the suggestions on keyword rules."""
    version = ClassifierVersion.objects.filter(active=True).first()
    if version is None:
        return None
    key = (version.pk, version.sha256)
    model = _loaded.get(key)
    if model is not None:
        return ActiveClassifier(version=version, model=model)
    if key in _refused:
        return ActiveClassifier(version=version, model=None, error="integrity")
    with _lock:
        try:
            model = classifier_loads(model_file_read(name=version.file_name, sha256=version.sha256))
        except (ModelIntegrityError, ClassifierFormatError) as exc:
            logger.error("nlp: classifier v%s refused: %s", version.version, exc)
            _refused.add(key)
            return ActiveClassifier(version=version, model=None, error="integrity")
        _loaded.clear()
        _loaded[key] = model
    return ActiveClassifier(version=version, model=model)


def classifier_forget() -> None:
    """Drop the loaded models (tests; a process that just trained)."""
    with _lock:
        _loaded.clear()
        _refused.clear()


# --- Training data -----------------------------------------------------------------------------------


def confirmed_cases() -> Any:
    """Cases whose category counts as confirmed: set at registration and kept when the bureau routed the
    case (the officer read it). These are the labels ``xinfang nlp train`` learns from."""
    return Case.objects.filter(category__isnull=False, routed_at__isnull=False)


def labelled_case_count() -> int:
    """How many confirmed cases there are (cached for a few minutes: the intake page asks often)."""
    count = cache.get(LABELLED_COUNT_CACHE_KEY)
    if count is None:
        count = confirmed_cases().count()
        cache.set(LABELLED_COUNT_CACHE_KEY, count, LABELLED_COUNT_SECONDS)
    return int(count)


def training_corpus_from_cases() -> tuple[Corpus, list[str]]:
    """The confirmed cases as labelled texts (label: the category's code), with each case's number as
    the key that decides, once and for all, whether it is held out."""
    texts: list[str] = []
    labels: list[str] = []
    keys: list[str] = []
    rows = confirmed_cases().order_by("pk").values_list("number", "title", "content", "category__code")
    for number, title, content, code in rows.iterator(chunk_size=2000):
        texts.append(f"{title} {content}")
        labels.append(code)
        keys.append(number)
    return Corpus(texts=texts, labels=labels, source="cases", layout="title,body,label"), keys


# --- Category suggestion -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CategorySuggestion:
    """The category suggested for a text. ``source``: "model", "keywords" or "" (nothing to suggest).
    ``fallback``: why the keyword rules answered — "too_few" (fewer confirmed cases than the minimum),
    "no_model" (none trained yet), "integrity" (the model file was refused), "labels" (the model knows
    none of the active categories), "" otherwise."""

    category: Category | None
    confidence: float = 0.0
    words: tuple[Word, ...] = ()
    source: str = ""
    model_version: int | None = None
    fallback: str = ""
    labelled: int = 0
    minimum: int = 0
    alternatives: tuple[tuple[Category, float], ...] = field(default_factory=tuple)

    @property
    def percent(self) -> int:
        return round(self.confidence * 100)

    @property
    def alternatives_percent(self) -> list[tuple[Category, int]]:
        # Alternatives below 5 % are noise, not alternatives.
        return [(category, round(confidence * 100)) for category, confidence in self.alternatives if confidence >= 0.05]


def _categories_by_label() -> tuple[dict[str, Category], list[Category]]:
    """Active categories, found by code and (for models trained on a CSV with names) by name."""
    categories = list(Category.objects.filter(active=True).order_by("sort", "code"))
    by_label: dict[str, Category] = {}
    for category in categories:
        by_label.setdefault(category.name, category)
    for category in categories:
        by_label[category.code] = category
    return by_label, categories


def category_suggest(*, title: str, content: str) -> CategorySuggestion:
    """The category to suggest for a petition: from the trained model when there is one trained on at
    least the minimum of confirmed cases, else from each category's keywords."""
    text = f"{title or ''} {content or ''}".strip()
    minimum = nlp_minimum_labelled()
    if not text:
        return CategorySuggestion(category=None, minimum=minimum)
    by_label, categories = _categories_by_label()
    return _category_suggest(text, by_label=by_label, categories=categories, active=classifier_active(),
                             minimum=minimum)


def categories_suggest(texts: list[tuple[str, str]]) -> list[CategorySuggestion]:
    """``category_suggest`` for several ``(title, content)`` at once (bulk routing): the categories and the
    model are read once, whatever the number of texts."""
    minimum = nlp_minimum_labelled()
    if not texts:
        return []
    by_label, categories = _categories_by_label()
    active = classifier_active()
    suggestions = []
    for title, content in texts:
        text = f"{title or ''} {content or ''}".strip()
        suggestions.append(_category_suggest(text, by_label=by_label, categories=categories, active=active,
                                             minimum=minimum) if text
                           else CategorySuggestion(category=None, minimum=minimum))
    return suggestions


def _category_suggest(text: str, *, by_label: dict[str, Category], categories: list[Category],
                      active: ActiveClassifier | None, minimum: int) -> CategorySuggestion:
    if active is None:
        fallback = "no_model"
    elif active.model is None:
        fallback = "integrity"
    elif active.version.labelled_count < minimum:
        fallback = "too_few"
    else:
        prediction = active.model.predict([text])[0]
        ranked = [(by_label[s.label], s.confidence) for s in prediction.ranking if s.label in by_label]
        if ranked:
            category, confidence = ranked[0]
            words = prediction.words if by_label.get(prediction.label) == category else ()
            return CategorySuggestion(category=category, confidence=round(confidence, 4), words=words,
                                      source="model", model_version=active.version.version,
                                      labelled=active.version.labelled_count, minimum=minimum,
                                      alternatives=tuple(ranked[1:1 + ALTERNATIVES]))
        # Trained on labels that are none of today's active categories (codes renamed, a foreign CSV).
        fallback = "labels"
    labelled = active.version.labelled_count if active is not None and fallback == "too_few" else labelled_case_count()
    rules = keyword_rules((c.code, c.name, c.keywords) for c in categories)
    rule_prediction = keywords_predict(text, rules)
    if rule_prediction is None:
        return CategorySuggestion(category=None, source="", fallback=fallback, labelled=labelled, minimum=minimum)
    by_code = {c.code: c for c in categories}
    return CategorySuggestion(
        category=by_code[rule_prediction.label], confidence=rule_prediction.confidence, words=rule_prediction.words,
        source="keywords", fallback=fallback, labelled=labelled, minimum=minimum,
        alternatives=tuple((by_code[s.label], s.confidence) for s in rule_prediction.ranking[1:1 + ALTERNATIVES]),
    )


# --- Unit suggestion ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitSuggestion:
    """The responsible unit suggested for a category and street, and why: ``source`` "street" (the
    street's own route), "default" (the category's default unit), "history" (earlier cases of this
    category and street were handled there), or "" (nothing to suggest). ``category_suggested``: the
    category itself is the suggestion (none was chosen yet)."""

    unit: Unit | None
    source: str = ""
    confidence: float = 0.0
    confirmed: int = 0
    total: int = 0
    category: Category | None = None
    category_suggested: bool = False
    street: Unit | None = None

    @property
    def percent(self) -> int:
        return round(self.confidence * 100)

    @property
    def reason(self) -> str:
        """Why this unit, in a few words, shown next to it."""
        if self.unit is None:
            return ""
        if self.source == "history":
            values = {"c": self.confirmed, "n": self.total, "street": self.street.name if self.street else ""}
            why = (_("历史转办：该分类在%(street)s已确认的 %(n)d 件事项中，%(c)d 件由该单位办理") if self.street
                   else _("历史转办：该分类已确认的 %(n)d 件事项中，%(c)d 件由该单位办理")) % values
        elif self.source == "street":
            why = _("%(street)s属地责任单位") % {"street": self.street.name if self.street else ""}
        else:
            why = _("按分类默认")
        if self.category_suggested and self.category is not None:
            why += _("，按建议分类“%(name)s”") % {"name": self.category.name}
        return _("（%(why)s）") % {"why": why}


def routing_history(*, category: Category, street: Unit | None) -> RoutingHistory:
    """Confirmed routings (the unit accepted the case) and objections (退回) of earlier cases of this
    category and street, per unit: one query (two counts in a UNION ALL), plus one for the units' codes
    when there were objections; no case content."""
    pair = (category.pk, street.pk if street is not None else None)
    return _routing_histories({pair}).get(pair, RoutingHistory())


def _routing_histories(pairs: set[tuple[int, int | None]]) -> dict[tuple[int, int | None], RoutingHistory]:
    """``routing_history`` of each (category id, street id or None) of ``pairs`` at once — pairs without
    history are left out. The case page shows this with every route form and the bulk review for all its
    cases (query counts pinned: tests/web/test_case_page.py, test_bulk_route_suggestions.py), so both counts
    come in one statement: the confirmed routings per handling unit, and the objections per objecting unit —
    whose code is in the event's data (cases/services/handling.py ``case_object``); one more for the units
    of those codes."""
    if not pairs:
        return {}

    def of_pairs(prefix: str) -> Q:  # street_id=None is IS NULL
        return reduce(operator.or_, (Q(**{f"{prefix}category_id": category_id, f"{prefix}street_id": street_id})
                                     for category_id, street_id in pairs))

    accepted_rows = (Case.objects.filter(of_pairs(""), accepted_at__isnull=False, handling_unit__isnull=False)
                     .order_by()
                     .annotate(h_kind=Value("accepted", output_field=CharField()), h_category=F("category_id"),
                               h_street=F("street_id"), h_key=Cast("handling_unit", output_field=CharField()))
                     .values_list("h_kind", "h_category", "h_street", "h_key").annotate(h_n=Count("id")))
    # An objection by an actor without a unit stores {"unit": null}: no unit to count against (SQLite's KT
    # would read that as the text "null").
    objected_rows = (CaseEvent.objects.filter(of_pairs("case__"), action="objected")
                     .exclude(data__unit=None).order_by()
                     .annotate(h_kind=Value("objected", output_field=CharField()),
                               h_category=F("case__category_id"), h_street=F("case__street_id"),
                               h_key=KT("data__unit"))
                     .values_list("h_kind", "h_category", "h_street", "h_key").annotate(h_n=Count("id")))
    accepted: dict[tuple[int, int | None], dict[int, int]] = {}
    codes: dict[tuple[int, int | None], dict[str, int]] = {}
    for kind, category_id, street_id, key, n in accepted_rows.union(objected_rows, all=True):
        if not key:
            continue
        if kind == "accepted":
            accepted.setdefault((category_id, street_id), {})[int(key)] = n
        else:
            codes.setdefault((category_id, street_id), {})[key] = n
    all_codes = {code for counter in codes.values() for code in counter}
    by_code = dict(Unit.objects.filter(code__in=all_codes).values_list("code", "pk")) if all_codes else {}
    return {pair: RoutingHistory(accepted=accepted.get(pair, {}),
                                 objected={by_code[code]: n for code, n in codes.get(pair, {}).items()
                                           if code in by_code})
            for pair in accepted.keys() | codes.keys()}


def unit_choices(*, category: Category, street: Unit | None) -> list[UnitChoice]:
    """The units worth suggesting for ``category`` in ``street``, best first (routing table corrected by
    history; xinfang.nlp.routing)."""
    route = None
    if street is not None:
        route = CategoryStreetRoute.objects.filter(category=category, street=street).values_list(
            "unit_id", flat=True).first()
    table_unit, table_source = (route, "street") if route is not None else (category.default_unit_id, "default")
    return unit_candidates(table_unit_id=table_unit, table_source=table_source,
                           history=routing_history(category=category, street=street))


def unit_suggest(*, category: Category | None, street: Unit | None, allowed: Any = None,
                 category_suggested: bool = False) -> UnitSuggestion:
    """The unit to suggest: the best of ``unit_choices`` that is active, not the bureau and, when
    ``allowed(unit)`` is given, allowed by it (the route form passes "not an accused unit",
    信访工作条例 Art. 30)."""
    if category is None:
        return UnitSuggestion(unit=None, street=street)
    choices = unit_choices(category=category, street=street)
    units = Unit.objects.in_bulk([c.unit_id for c in choices])
    return _unit_pick(choices, units, category=category, street=street, allowed=allowed,
                      category_suggested=category_suggested)


def _unit_pick(choices: list[UnitChoice], units: dict[int, Unit], *, category: Category, street: Unit | None,
               allowed: Any, category_suggested: bool) -> UnitSuggestion:
    for choice in choices:
        unit = units.get(choice.unit_id)
        if unit is None or not unit.active or unit.kind == Unit.Kind.BUREAU:
            continue
        if allowed is not None and not allowed(unit):
            continue
        return UnitSuggestion(unit=unit, source=choice.source, confidence=choice.confidence,
                              confirmed=choice.confirmed, total=choice.total, category=category,
                              category_suggested=category_suggested, street=street)
    return UnitSuggestion(unit=None, category=category, category_suggested=category_suggested, street=street)


@dataclass(frozen=True)
class CaseRouteSuggestion:
    """What ``cases_route_suggest`` suggests for one case: the unit, and the category suggestion when the
    case has no category yet (the unit then follows the suggested category)."""

    unit: UnitSuggestion
    category: CategorySuggestion | None = None


def cases_route_suggest(cases: list[Case]) -> dict[int, CaseRouteSuggestion]:
    """``unit_suggest`` for several cases at once (bulk routing), by case id, with the same rules as the
    route form (``xinfang.cases.forms.detail.route_suggestion``): the category's route in the case's street,
    corrected by history; for a case without a category, of the category suggested from its text; never a
    unit that is inactive, the bureau, or accused in the case (信访工作条例 Art. 30 ¶3).

    A bounded number of queries whatever the number of cases (docs/nlp.md): routes, accepted routings with
    objections (one UNION ALL), the objecting units, candidate units and accused units are each one query
    for all the cases;
    the category suggestions of cases without a category two more. ``cases`` come from the gateway
    (``cases_visible_to``), with ``category`` and ``street`` selected."""
    if not cases:
        return {}
    from xinfang.cases.models import CaseAccused

    missing = [case for case in cases if case.category_id is None]
    category_suggestions = dict(zip([case.pk for case in missing],
                                    categories_suggest([(case.title, case.content) for case in missing]),
                                    strict=True))
    chosen: dict[int, tuple[Category | None, bool]] = {}
    for case in cases:
        if case.category_id is not None:
            chosen[case.pk] = (case.category, False)
        else:
            suggested = category_suggestions[case.pk].category
            chosen[case.pk] = (suggested, suggested is not None)
    pairs = {(category.pk, case.street_id) for case in cases
             for category, _suggested in [chosen[case.pk]] if category is not None}
    category_ids = {category_id for category_id, _street in pairs}
    street_ids = {street_id for _category, street_id in pairs if street_id is not None}
    routes: dict[tuple[int, int], int] = {}
    if pairs:
        for route_category, route_street, route_unit in CategoryStreetRoute.objects.filter(
                category_id__in=category_ids, street_id__in=street_ids).values_list("category_id", "street_id",
                                                                                   "unit_id"):
            routes.setdefault((route_category, route_street), route_unit)
    histories = _routing_histories(pairs)
    categories_by_id = {category.pk: category for category, _suggested in chosen.values() if category is not None}
    choices: dict[tuple[int, int | None], list[UnitChoice]] = {}
    for pair in pairs:
        route = routes.get((pair[0], pair[1])) if pair[1] is not None else None
        table_unit: int | None = route
        table_source = "street"
        if route is None:
            table_unit, table_source = categories_by_id[pair[0]].default_unit_id, "default"
        choices[pair] = unit_candidates(
            table_unit_id=table_unit, table_source=table_source,
            history=histories.get(pair, RoutingHistory()))
    units = Unit.objects.in_bulk({c.unit_id for cs in choices.values() for c in cs})
    accused: dict[int, set[int]] = {}
    for case_id, unit_id in CaseAccused.objects.filter(case_id__in=[case.pk for case in cases],
                                                       unit__isnull=False).values_list("case_id", "unit_id"):
        accused.setdefault(case_id, set()).add(unit_id)
    result: dict[int, CaseRouteSuggestion] = {}
    for case in cases:
        category_or_none, category_suggested = chosen[case.pk]
        street = case.street
        if category_or_none is None:
            unit = UnitSuggestion(unit=None, street=street)
        else:
            against = accused.get(case.pk, set())
            unit = _unit_pick(choices[(category_or_none.pk, case.street_id)], units, category=category_or_none,
                              street=street,
                              allowed=lambda u, against=against: not against.intersection(u.ancestor_ids()),
                              category_suggested=category_suggested)
        result[case.pk] = CaseRouteSuggestion(unit=unit, category=category_suggestions.get(case.pk))
    return result
