"""Writes of xinfang/nlp: training a new classifier version, and recording what staff did with a
suggestion. Neither touches a case.

Training (``classifier_train``): the labelled texts are split once and for all by a hash of each row's key
(a case's number, a CSV row's text): about one in five is held out, and a case held out today is held
out at every later training too. So the active model never trained on the held-out rows of a new
training, and both are scored on exactly the same unseen rows: the new version replaces the active one
only if its macro-F1 there is at least as high. ``force`` overrides the comparison and is audited as such.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.cases.models import Case, Category
from xinfang.core.audit import audit_record
from xinfang.core.errors import ValidationFailed
from xinfang.nlp.classifier import (
    ALGORITHM,
    ClassifierConfig,
    ClassifierFormatError,
    classifier_dumps,
    classifier_fit,
    classifier_loads,
)
from xinfang.nlp.corpus import Corpus
from xinfang.nlp.evaluation import classification_metrics
from xinfang.nlp.models import ClassifierVersion, Suggestion
from xinfang.nlp.selectors import (
    CaseRouteSuggestion,
    CategorySuggestion,
    UnitSuggestion,
    classifier_forget,
    nlp_minimum_labelled,
)
from xinfang.nlp.store import ModelIntegrityError, model_file_read, model_file_remove, model_file_write

# One row in HELDOUT_MODULUS is held out.
HELDOUT_MODULUS = 5


def heldout_row(key: str) -> bool:
    """Whether the row with ``key`` belongs to the held-out part (stable across trainings)."""
    digest = hashlib.sha256(f"xinfang-nlp-heldout:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % HELDOUT_MODULUS == 0


@dataclass(frozen=True)
class TrainResult:
    """What ``classifier_train`` did: ``version`` is the new active version, or None when the new model
    was refused (``previous_macro_f1`` > ``macro_f1`` on the same held-out rows and no ``force``)."""

    version: ClassifierVersion | None
    macro_f1: float
    previous_version: int | None
    previous_macro_f1: float | None
    train_count: int
    heldout_count: int
    train_seconds: float
    forced: bool = False
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def refused(self) -> bool:
        return self.version is None


def _split(corpus: Corpus, keys: Sequence[str]) -> tuple[list[int], list[int]]:
    train: list[int] = []
    heldout: list[int] = []
    for index, key in enumerate(keys):
        (heldout if heldout_row(key) else train).append(index)
    return train, heldout


def classifier_train(*, corpus: Corpus, keys: Sequence[str] | None = None, source: str, actor: Any,
                     force: bool = False, config: ClassifierConfig | None = None) -> TrainResult:
    """Train a classifier on ``corpus`` (labels: category codes or names), score it on its held-out part
    against the active version, and make it the active version if it is not worse (or ``force``)."""
    minimum = nlp_minimum_labelled()
    if len(corpus) < minimum:
        message = _("已确认分类的样本只有 %(n)d 条，少于训练所需的 %(m)d 条；在此之前按关键词规则建议分类。") % {
            "n": len(corpus), "m": minimum}
        raise ValidationFailed(message, errors={"corpus": [message]})
    keys = list(keys) if keys is not None else corpus.texts
    if len(keys) != len(corpus):
        raise ValueError("one key per row")
    train_rows, heldout_rows = _split(corpus, keys)
    train_labels = [corpus.labels[i] for i in train_rows]
    if len(set(train_labels)) < 2 or not heldout_rows:
        message = _("训练数据至少需要两个分类，并且要有留出样本。")
        raise ValidationFailed(message, errors={"corpus": [message]})
    started = time.perf_counter()
    model = classifier_fit([corpus.texts[i] for i in train_rows], train_labels, config=config)
    train_seconds = time.perf_counter() - started
    heldout_texts = [corpus.texts[i] for i in heldout_rows]
    truth = [corpus.labels[i] for i in heldout_rows]
    metrics = classification_metrics(truth, model.predict_labels(heldout_texts))
    previous = ClassifierVersion.objects.filter(active=True).first()
    previous_f1: float | None = None
    if previous is not None:
        try:
            old = classifier_loads(model_file_read(name=previous.file_name, sha256=previous.sha256))
        except (ModelIntegrityError, ClassifierFormatError):
            # A refused file is no model to keep: anything trained replaces it.
            previous_f1 = None
        else:
            previous_f1 = classification_metrics(truth, old.predict_labels(heldout_texts))["macro_f1"]
    worse = previous_f1 is not None and metrics["macro_f1"] < previous_f1
    detail = {"source": source, "macro_f1": metrics["macro_f1"], "train": len(train_rows),
              "heldout": len(heldout_rows), "previous_version": previous.version if previous else None,
              "previous_macro_f1": previous_f1}
    result = dict(macro_f1=metrics["macro_f1"], previous_version=previous.version if previous else None,
                  previous_macro_f1=previous_f1, train_count=len(train_rows), heldout_count=len(heldout_rows),
                  train_seconds=round(train_seconds, 2), metrics=metrics)
    if worse and not force:
        audit_record(actor=actor, action="nlp.classifier.train", object_type="nlp.classifierversion",
                     result="denied", detail={**detail, "reason": "worse_than_active"})
        return TrainResult(version=None, **result)
    number = (ClassifierVersion.objects.aggregate(n=Max("version"))["n"] or 0) + 1
    blob = classifier_dumps(model)
    name, digest = model_file_write(blob=blob, version=number)
    try:
        with transaction.atomic():
            ClassifierVersion.objects.filter(active=True).update(active=False)
            version = ClassifierVersion.objects.create(
                version=number, created_at=timezone.now(), created_by=actor if getattr(actor, "pk", None) else None,
                source=source[:200], algorithm=ALGORITHM, labels=list(model.labels), train_count=len(train_rows),
                heldout_count=len(heldout_rows), heldout_macro_f1=metrics["macro_f1"],
                metrics={**metrics, "train_seconds": round(train_seconds, 2), "features": model.vectorizer.size,
                         "temperature": model.temperature, "model": model.config.describe(),
                         "previous_macro_f1": previous_f1},
                file_name=name, sha256=digest, size=len(blob),
                active=True, forced=bool(worse and force),
            )
            audit_record(actor=actor, action="nlp.classifier.train", obj=version,
                         detail={**detail, "version": number, "sha256": digest, "forced": bool(worse and force)})
    except Exception:
        model_file_remove(name)
        raise
    classifier_forget()
    return TrainResult(version=version, forced=bool(worse and force), **result)


def suggestion_record(*, case: Case, actor: Any, category: CategorySuggestion | None = None,
                      chosen_category: Category | None = None, unit: UnitSuggestion | None = None,
                      chosen_unit: Any = None) -> Suggestion | None:
    """Record what staff did with a suggestion shown for ``case``: the category suggested at intake and the
    one registered (``category``/``chosen_category``), or the unit suggested at routing and the one routed
    to (``unit``/``chosen_unit``). Nothing is recorded when nothing was suggested. Never changes the case."""
    now = timezone.now()
    user = actor if getattr(actor, "pk", None) else None
    if category is not None:
        if category.category is None:
            return None
        return Suggestion.objects.create(
            case=case, kind=Suggestion.Kind.CATEGORY, source=category.source, at=now, actor=user,
            suggested_category=category.category, chosen_category=chosen_category,
            accepted=chosen_category is not None and chosen_category.pk == category.category.pk,
            confidence=category.confidence, model_version=category.model_version,
            words=[w.text for w in category.words])
    if unit is not None:
        if unit.unit is None:
            return None
        return Suggestion.objects.create(
            case=case, kind=Suggestion.Kind.UNIT, source=unit.source, at=now, actor=user,
            suggested_category=unit.category, chosen_category=case.category,
            suggested_unit=unit.unit, chosen_unit=chosen_unit,
            accepted=chosen_unit is not None and chosen_unit.pk == unit.unit.pk, confidence=unit.confidence)
    return None


@dataclass(frozen=True)
class SuggestedRouting:
    """One case of ``cases_route_suggested``: what the cases service did (``outcome``: ok, or the reason
    of the refusal), the unit chosen, the unit suggested and whether the two are the same."""

    outcome: Any
    unit: Any
    suggested: Any
    accepted: bool


def cases_route_suggested(*, user: Any, case_ids: Sequence[int], units: dict[int, Any],
                          suggestions: dict[int, CaseRouteSuggestion], mode: str, note: str) -> list[SuggestedRouting]:
    """Bulk routing with suggestions (the page "按建议转送交办" and ``POST /api/v1/cases/bulk-route/each/``):
    each case of ``case_ids`` to its own unit ``units[id]``, one mode for all, every case through the cases
    service (``cases_route_each``: its own transaction, the gateway, Art. 30 refusals, audited refusals) —
    this module writes no case itself. For each case routed, what was done with the suggestion shown
    (``suggestions``, from ``cases_route_suggest``) is recorded as on the route form (``suggestion_record``:
    accepted or corrected). A case without a unit is reported as not found (missing or out of scope,
    the gateway's audited denial) or as having no unit chosen."""
    from xinfang.accounts.access import access_case
    from xinfang.cases.services.bulk import RouteOutcome, cases_route_each
    from xinfang.core.errors import NotFound

    outcomes: dict[int, Any] = {}
    by_unit: dict[int, list[int]] = {}
    unit_of: dict[int, Any] = {}
    for pk in case_ids:
        unit = units.get(pk)
        if unit is not None:
            by_unit.setdefault(unit.pk, []).append(pk)
            unit_of[unit.pk] = unit
    for unit_pk, ids in by_unit.items():
        for outcome in cases_route_each(user=user, case_ids=ids, unit=unit_of[unit_pk], mode=mode, note=note):
            outcomes[outcome.case_id] = outcome
    for pk in case_ids:
        if pk in outcomes:
            continue
        try:
            case = access_case(user=user, case_id=pk, action="case.route")
        except NotFound:
            outcomes[pk] = RouteOutcome(pk, "", False, _("事项不存在或您无权查看。"))
        else:
            outcomes[pk] = RouteOutcome(pk, case.number, False, _("未选择承办单位，请重新选择该事项。"))
    routed = {case.pk: case for case in Case.objects.filter(pk__in=[pk for pk, o in outcomes.items() if o.ok])
              .select_related("category")}
    results = []
    for pk in case_ids:
        outcome = outcomes[pk]
        shown = suggestions.get(pk)
        suggestion = shown.unit if shown is not None else None
        suggested = suggestion.unit if suggestion is not None else None
        chosen = units.get(pk)
        if outcome.ok:
            suggestion_record(case=routed[pk], actor=user, unit=suggestion, chosen_unit=chosen)
        results.append(SuggestedRouting(outcome=outcome, unit=chosen, suggested=suggested,
                                        accepted=suggested is not None and chosen is not None
                                        and chosen.pk == suggested.pk))
    return results
