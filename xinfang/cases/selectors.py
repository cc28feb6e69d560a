"""Reads of cases. Anything a user sees goes through ``xinfang.accounts.access`` first; these helpers
take an already scoped queryset or case."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from django.db.models import Prefetch, QuerySet

from xinfang.cases.models import (
    Case,
    CaseDeadline,
    CaseDocument,
    CaseEvent,
    CasePetitioner,
    Category,
    CategoryStreetRoute,
)
from xinfang.deadlines.rules import KINDS

# Simple similarity until the NLP module brings a better one: character bigrams after NFKC folding.
SIMILAR_TEXT_THRESHOLD = 0.5


def _bigrams(text: str) -> set[str]:
    folded = "".join(ch for ch in unicodedata.normalize("NFKC", text).lower() if ch.isalnum())
    return {folded[i:i + 2] for i in range(len(folded) - 1)}


def text_similarity(a: str, b: str) -> float:
    """Jaccard similarity of character bigrams (0..1); robust to punctuation and full/half width."""
    x, y = _bigrams(a), _bigrams(b)
    if not x or not y:
        return 0.0
    return len(x & y) / len(x | y)


def petitioner_open_matter_similar(*, petitioner_ids: Sequence[int], category: Category | None, title: str,
                                   content: str) -> Case | None:
    """An open case of the same petitioner(s) on what looks like the same matter (信访工作条例 Art. 19 ¶3):
    same category (when both have one) and a similar title and text."""
    if not petitioner_ids:
        return None
    candidates = Case.objects.filter(
        status__in=Case.OPEN_STATUSES, case_petitioners__petitioner_id__in=list(petitioner_ids)
    ).distinct().order_by("-received_at")[:20]
    best: tuple[float, Case | None] = (0.0, None)
    for case in candidates:
        if category is not None and case.category_id and case.category_id != category.pk:
            continue
        score = text_similarity(f"{title} {content}", f"{case.title} {case.content}")
        if score >= SIMILAR_TEXT_THRESHOLD and score > best[0]:
            best = (score, case)
    return best[1]


def category_default_unit(*, category: Category | None, street: Any = None) -> Any:
    """The unit that handles ``category`` by default: the street's own route when there is one, else the
    category's default unit (DOMAIN.md "Categories": the mapping is data)."""
    if category is None:
        return None
    if street is not None:
        route = CategoryStreetRoute.objects.filter(category=category, street=street).select_related("unit").first()
        if route is not None:
            return route.unit
    return category.default_unit


def case_detail_queryset(scoped: QuerySet) -> QuerySet:
    """Everything the case page and API show, in a fixed number of queries."""
    return scoped.select_related("category", "street", "handling_unit", "registered_unit", "repeat_of").prefetch_related(
        Prefetch("case_petitioners", queryset=CasePetitioner.objects.select_related("petitioner")),
        Prefetch("events", queryset=CaseEvent.objects.order_by("at", "id")),
        Prefetch("deadlines", queryset=CaseDeadline.objects.all()),
        Prefetch("documents", queryset=CaseDocument.objects.all()),
        "accused__unit",
        "ratings",
    )


def case_deadlines_map(case: Case) -> dict[str, dict[str, Any] | None]:
    """``{kind: {"date": "YYYY-MM-DD", "provisional": bool} | None}`` for every kind; None when the
    deadline does not (or no longer) apply."""
    by_kind = {d.kind: d for d in case.deadlines.all()}
    result: dict[str, dict[str, Any] | None] = {}
    for kind in KINDS:
        deadline = by_kind.get(kind)
        if deadline is None or deadline.cancelled:
            result[kind] = None
        else:
            result[kind] = {"date": deadline.due_date.isoformat(), "provisional": deadline.provisional}
    return result


def case_deadline_states(case: Case) -> list[dict[str, Any]]:
    """The deadlines with their state, for staff: met, overdue, open."""
    rows = []
    for deadline in sorted(case.deadlines.all(), key=lambda d: KINDS.index(d.kind)):
        if deadline.cancelled:
            continue
        rows.append({
            "kind": deadline.kind,
            "date": deadline.due_date.isoformat(),
            "provisional": deadline.provisional,
            "met_at": deadline.met_at.isoformat() if deadline.met_at else None,
            "overdue": deadline.overdue_at is not None,
        })
    return rows


def case_find_by_query_code_hash(code_hash: str) -> Case | None:
    return case_detail_queryset(Case.objects.filter(query_code_hash=code_hash)).first()
