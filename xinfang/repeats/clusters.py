"""Clusters of similar recent petitions from different people: the early warning of issue 7.

Many people raising the same matter within days (a closed bus line, unpaid wages at one company, a smell
from one factory) is what a bureau wants to see before it becomes a group visit. ``repeat_clusters`` takes
the recent cases a user may see (through the gateway), links every two whose texts are at least
``threshold`` similar (IDF-weighted cosine of shingles, ``xinfang.nlp.similarity``), and answers the
connected groups with cases from at least ``min_people`` different petitioners. The representative text
is the group's medoid: the case most similar to all the others.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.db.models import QuerySet
from django.utils import timezone
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from xinfang.accounts.access import cases_visible_to
from xinfang.cases.models import Case, CasePetitioner
from xinfang.nlp.similarity import shared_terms
from xinfang.nlp.textnorm import petition_shingles, shingle_text
from xinfang.repeats.selectors import vocabulary_current

CLUSTER_DAYS = 30
CLUSTER_THRESHOLD = 0.5
CLUSTER_MIN_CASES = 3
CLUSTER_MIN_PEOPLE = 2
# The newest cases of the window looked at (a pairwise comparison; ~1 s at this size).
CLUSTER_MAX_CASES = 3000


@dataclass
class RepeatCluster:
    """A group of similar recent petitions: its cases (newest first), the representative case, how many
    different people, when it started and last grew, and the streets and categories it spans."""

    cases: list[Case]
    representative: Case
    people: int
    first_at: datetime
    last_at: datetime
    shared: list[str] = field(default_factory=list)
    streets: list[tuple[str, int]] = field(default_factory=list)
    categories: list[tuple[str, int]] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.cases)


def repeat_clusters(*, user: Any, days: int = CLUSTER_DAYS, threshold: float = CLUSTER_THRESHOLD,
                    min_cases: int = CLUSTER_MIN_CASES, min_people: int = CLUSTER_MIN_PEOPLE,
                    max_cases: int = CLUSTER_MAX_CASES, now: datetime | None = None,
                    scope: QuerySet | None = None) -> list[RepeatCluster]:
    """The clusters among the cases ``user`` may see received in the last ``days`` days, largest first.

    ``scope`` is for background jobs with no user (the district-wide early-warning scan, xinfang.alerts):
    the cases to look at, chosen by the caller, who must then show the result to people only through the
    gateway. Pages and APIs pass ``user`` and never ``scope``."""
    now = now or timezone.now()
    base = scope if scope is not None else cases_visible_to(user)
    recent = list(base.filter(received_at__gte=now - timedelta(days=days), received_at__lte=now)
                  .select_related("category", "street").order_by("-received_at", "-id")[:max_cases])
    if len(recent) < min_cases:
        return []
    vocabulary = vocabulary_current()
    arrays = [petition_shingles(title=case.title, content=case.content) for case in recent]
    sizes = np.fromiter((a.size for a in arrays), dtype=np.int64, count=len(arrays))
    codes = np.concatenate(arrays) if sizes.sum() else np.zeros(0, dtype=np.uint32)
    if codes.size == 0:
        return []
    columns, inverse = np.unique(codes, return_inverse=True)
    weights = vocabulary.weights(columns)[inverse]
    rows = np.repeat(np.arange(len(recent)), sizes)
    matrix = csr_matrix((weights, (rows, inverse)), shape=(len(recent), columns.size))
    lengths = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    lengths[lengths == 0] = 1.0
    matrix = csr_matrix(matrix.multiply(1.0 / lengths[:, None]))
    similar = (matrix @ matrix.T).tocsr()
    similar.data[similar.data < threshold] = 0.0
    similar.eliminate_zeros()
    count, labels = connected_components(similar, directed=False)
    people: dict[int, set[int]] = {}
    for case_id, petitioner_id in CasePetitioner.objects.filter(case_id__in=[c.pk for c in recent]).values_list(
            "case_id", "petitioner_id"):
        people.setdefault(case_id, set()).add(petitioner_id)
    clusters = []
    for label in range(count):
        members = np.flatnonzero(labels == label)
        if members.size < min_cases:
            continue
        persons: set[int] = set()
        for index in members:
            # A case without a named petitioner counts as one person of its own (a negative stand-in id).
            persons |= people.get(recent[index].pk) or {-recent[index].pk}
        if len(persons) < min_people:
            continue
        block = similar[members][:, members]
        medoid = members[int(np.argmax(np.asarray(block.sum(axis=1)).ravel()))]
        cases = [recent[i] for i in members]
        others = [i for i in members if i != medoid]
        shared = [shingle_text(c) for c in shared_terms(arrays[medoid], arrays[others[0]], vocabulary=vocabulary)] \
            if others else []
        clusters.append(RepeatCluster(
            cases=cases, representative=recent[medoid], people=len(persons),
            first_at=min(c.received_at for c in cases), last_at=max(c.received_at for c in cases), shared=shared,
            streets=Counter(c.street.name for c in cases if c.street).most_common(3),
            categories=Counter(c.category.name for c in cases if c.category).most_common(3)))
    clusters.sort(key=lambda c: (-c.size, -c.last_at.timestamp()))
    return clusters
