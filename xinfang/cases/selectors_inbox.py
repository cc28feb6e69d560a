"""Reads behind the workbench (工作台) and the case list: the inbox queues of the bureau and of a unit,
their counts, the next deadline of each row, sorting and paging.

Everything starts from ``cases_visible_to(user)``. Query counts do not grow with the rows shown: the
counts of all queues come from one statement (a scalar ``COUNT`` subquery per queue, each on its own
index), and a page of rows costs a count, the page's ids, the rows with their next deadline and one
prefetch of the petitioners (tests/web pin this).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import (
    CharField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from xinfang.accounts.access import cases_visible_to
from xinfang.accounts.roles import DISTRICT_WIDE_ROLES, UNIT_ROLES
from xinfang.cases.models import OPEN_DUTY, Case, CaseDeadline, CasePetitioner, CaseRating
from xinfang.deadlines.rules import OVERDUE_KINDS

PAGE_SIZE = 50
BUREAU = "bureau"
UNIT = "unit"
ROUTABLE_STATUSES = (Case.Status.REGISTERED, Case.Status.OBJECTED)
# The deadlines a unit answers for: the acceptance notice (信访工作条例 Art. 23 ¶3), the decision
# (Art. 34) and, for an assigned matter, the report of its result (Art. 22 (3)). The bureau follows every
# duty deadline of the district (supervision, Art. 38), as the overdue notifications do.
UNIT_DEADLINE_KINDS = ("accept_by", "decide_by", "report_by")


@dataclass(frozen=True)
class Queue:
    """One tile of the workbench: a named set of cases. ``tone`` colours the tile (late / soon)."""

    key: str
    label: str | Promise
    tone: str = ""


BUREAU_QUEUES: tuple[Queue, ...] = (
    Queue("to_route", _("待转送交办")),
    Queue("objected", _("被退回")),
    Queue("due_soon", _("即将到期"), "soon"),
    Queue("overdue", _("已逾期"), "late"),
    Queue("dissatisfied", _("不满意待跟进")),
)
UNIT_QUEUES: tuple[Queue, ...] = (
    Queue("to_accept", _("待受理")),
    Queue("to_handle", _("办理中")),
    Queue("due_soon", _("即将到期"), "soon"),
    Queue("overdue", _("已逾期"), "late"),
)


def inbox_side(user: Any) -> str | None:
    """Which workbench the user works at: the bureau's (district-wide roles) or their unit's."""
    role = getattr(user, "role", None)
    if role in DISTRICT_WIDE_ROLES:
        return BUREAU
    if role in UNIT_ROLES and getattr(user, "unit_id", None):
        return UNIT
    return None


def inbox_queues(user: Any) -> tuple[Queue, ...]:
    side = inbox_side(user)
    if side == BUREAU:
        return BUREAU_QUEUES
    if side == UNIT:
        return UNIT_QUEUES
    return ()


def due_soon_days() -> int:
    return int(settings.XINFANG["DUE_SOON_DAYS"])


def _open_duties(kinds: Sequence[str]) -> QuerySet:
    """Open duty deadlines of ``kinds``: exactly the condition of the partial indexes on CaseDeadline."""
    return CaseDeadline.objects.filter(OPEN_DUTY, kind__in=list(kinds))


def _queue_q(key: str, *, side: str, today: date) -> Q:
    """The condition of queue ``key``: used both by the counts and by the rows, so they always agree.
    Deadline conditions are non-correlated ``IN`` subqueries, evaluated once per query from the partial
    index of open duty deadlines (``deadline_duty_queue_idx``)."""
    kinds = UNIT_DEADLINE_KINDS if side == UNIT else OVERDUE_KINDS
    if key == "to_route":
        return Q(status__in=ROUTABLE_STATUSES)
    if key == "objected":
        return Q(status=Case.Status.OBJECTED)
    if key == "to_accept":
        return Q(status=Case.Status.ROUTED)
    if key == "to_handle":
        return Q(status=Case.Status.ACCEPTED)
    if key == "due_soon":
        # Due today or within DUE_SOON_DAYS, and not already marked overdue.
        soon = _open_duties(kinds).filter(overdue_at__isnull=True, due_date__gte=today,
                                          due_date__lte=today + timedelta(days=due_soon_days()))
        return Q(pk__in=soon.values("case_id"))
    if key == "overdue":
        return Q(pk__in=_open_duties(kinds).filter(overdue_at__isnull=False).values("case_id"))
    if key == "dissatisfied":
        # Policy (DOMAIN.md "After the reply"): 不满意 opens a follow-up for the bureau. It waits while the
        # rated answer is the case's latest one — until the petitioner asks for review or the case closes.
        # One correlated EXISTS on the (case, stage) key, reached through the status index and matching
        # the stage to the status: cheap on SQLite (~10,000 probes) and a single semi-join on PostgreSQL
        # (an OR of two EXISTS there became two hashed subplans costed past the JIT threshold).
        replied, reviewed = Case.Status.REPLIED, Case.Status.REVIEWED
        outer_status = ExpressionWrapper(OuterRef("status"), output_field=CharField())
        rated = (CaseRating.objects.alias(case_status=outer_status)
                 .filter(case=OuterRef("pk"), rating=CaseRating.Rating.DISSATISFIED)
                 .filter(Q(case_status=replied, stage=CaseRating.Stage.REPLY)
                         | Q(case_status=reviewed, stage=CaseRating.Stage.REVIEW)))
        return Q(Exists(rated), status__in=(replied, reviewed))
    raise KeyError(key)


def inbox_counts(*, user: Any) -> dict[str, int]:
    """The number of cases in each of the user's queues, in one statement: ``SELECT (SELECT COUNT(*) …),
    (SELECT COUNT(*) …), …`` with one scalar subquery per queue, each the queue's own queryset. Each count
    then runs on its own index (status, or the partial index of open duty deadlines) instead of one
    conditional aggregate visiting every visible case (bench pages, 100,000 cases: ~0.2–0.8 s → ~35 ms on
    SQLite)."""
    queues = inbox_queues(user)
    side = inbox_side(user)
    if not queues or side is None:
        return {}
    today = timezone.localdate()
    visible = cases_visible_to(user)
    parts: list[str] = []
    params: list[Any] = []
    for i, queue in enumerate(queues):
        ids = visible.filter(_queue_q(queue.key, side=side, today=today)).order_by().values("pk")
        try:
            sql, sql_params = ids.query.get_compiler(using=ids.db).as_sql()
        except EmptyResultSet:
            parts.append("0")
            continue
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) queue_{i})")  # noqa: S608 - SQL compiled by the ORM, values bound
        params.extend(sql_params)
    with connections[visible.db].cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)
        row = cursor.fetchone()
    return {queue.key: int(value or 0) for queue, value in zip(queues, row, strict=True)}


def inbox_queue_cases(*, user: Any, key: str) -> QuerySet:
    """The cases of queue ``key`` of the user's workbench (scoped)."""
    side = inbox_side(user)
    if side is None:
        return cases_visible_to(None)
    return cases_visible_to(user).filter(_queue_q(key, side=side, today=timezone.localdate()))


# -- rows: next deadline, sorting, paging ------------------------------------------------------------

def _next_duty() -> QuerySet:
    return _open_duties(OVERDUE_KINDS).filter(case=OuterRef("pk")).order_by("due_date")


def cases_with_next_deadline(queryset: QuerySet) -> QuerySet:
    """Annotate ``next_due`` (the earliest open duty deadline), ``next_due_provisional`` (it rests on a
    year with no official calendar) and ``is_overdue``; correlated subqueries, so use on a page of rows."""
    return queryset.annotate(
        next_due=Subquery(_next_duty().values("due_date")[:1]),
        next_due_provisional=Subquery(_next_duty().values("provisional")[:1]),
        is_overdue=Exists(CaseDeadline.objects.filter(case=OuterRef("pk")).filter(
            overdue_at__isnull=False, met_at__isnull=True, cancelled=False)),
    )


# Sortable columns: URL key → model field. Anything else falls back to the default (newest first).
SORTS: dict[str, str] = {
    "number": "number",
    "received": "received_at",
    "status": "status",
    "unit": "handling_unit__name",
    "category": "category__name",
    "street": "street__name",
    "deadline": "next_due",
}
DEFAULT_SORT = "-received"


# Every value ``sort`` may take (the API declares them; the pages fall back to the default on others).
SORT_CHOICES: tuple[str, ...] = tuple(key for name in SORTS for key in (name, f"-{name}"))


def sort_parse(value: Any, *, default: str = DEFAULT_SORT) -> str:
    """A whitelisted sort key (``number``, ``-received`` …); unknown keys give ``default``."""
    text = value.strip() if isinstance(value, str) else ""
    return text if text.lstrip("-") in SORTS else default


# Sort keys that can be empty (a NULL from a LEFT JOIN or a case with no open deadline): those sort last.
# The others are NOT NULL columns, ordered without a NULLS clause, so PostgreSQL can read them from their
# index (``DESC NULLS LAST`` does not match a plain index and cost a sort of the whole table).
NULLABLE_SORTS = frozenset({"unit", "category", "street", "deadline"})


def _ordering(sort: str) -> list[Any]:
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    expression = F(SORTS[key])
    if key in NULLABLE_SORTS:
        primary = expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
    else:
        primary = expression.desc() if descending else expression.asc()
    return [primary, F("id").desc() if descending else F("id").asc()]


@dataclass
class CaseRow:
    """A case as a list shows it: the next deadline, days left, the row's colour."""

    case: Case
    next_due: date | None
    provisional: bool
    days_left: int | None
    tone: str  # "late", "soon" or ""
    petitioners: list[Any]
    url: str = ""  # the case page, filled in by the view

    @property
    def badge(self) -> str:
        """The deadline's state in words: 逾期 N 天 / 今天到期 / 剩 N 天 (built here, not per row in the
        template: the list renders 50 of them)."""
        if self.days_left is None:
            return ""
        if self.tone == "late":
            return (ngettext("逾期 %(n)d 天", "逾期 %(n)d 天", self.days_late) % {"n": self.days_late}
                    if self.days_late else gettext("已逾期"))
        if self.days_left == 0:
            return gettext("今天到期")
        return ngettext("剩 %(n)d 天", "剩 %(n)d 天", self.days_left) % {"n": self.days_left}

    @property
    def badge_class(self) -> str:
        return self.tone or "ok"

    @property
    def days_late(self) -> int:
        """Days past the next deadline (0 when it has not passed)."""
        return -self.days_left if self.days_left is not None and self.days_left < 0 else 0

    @property
    def routable(self) -> bool:
        return self.case.status in ROUTABLE_STATUSES


def case_row(case: Any, *, today: date, soon_days: int) -> CaseRow:
    next_due = getattr(case, "next_due", None)
    days_left = (next_due - today).days if next_due else None
    if getattr(case, "is_overdue", False) or (days_left is not None and days_left < 0):
        tone = "late"
    elif days_left is not None and days_left <= soon_days:
        tone = "soon"
    else:
        tone = ""
    return CaseRow(case=case, next_due=next_due, provisional=bool(getattr(case, "next_due_provisional", False)),
                   days_left=days_left, tone=tone,
                   petitioners=[link.petitioner for link in case.case_petitioners.all()])


def case_rows_queryset(queryset: QuerySet) -> QuerySet:
    """What a row of a list or export needs, in a fixed number of queries. Long texts and the encrypted
    personal data are not loaded: a row shows the title and masked numbers only."""
    people = (CasePetitioner.objects.select_related("petitioner").order_by("position")
              .only("id", "case_id", "position", "petitioner__id", "petitioner__name", "petitioner__id_masked",
                    "petitioner__phone_masked"))
    return (cases_with_next_deadline(queryset).select_related("category", "street", "handling_unit")
            .defer("content", "reply_text", "refuse_reason")
            .prefetch_related(Prefetch("case_petitioners", queryset=people)))


def case_page_ids(queryset: QuerySet, *, sort: str, page: Any, per_page: int = PAGE_SIZE) -> tuple[Page, list[int]]:
    """The page ``page`` of ``queryset`` sorted by ``sort`` (already whitelisted), as ids: a count and one
    ordered query of ids. Sorting by deadline annotates the next deadline on the whole filtered set."""
    ids_query = cases_ordered(queryset, sort=sort).values_list("pk", flat=True)
    page_obj = Paginator(ids_query, per_page).get_page(page)
    return page_obj, list(page_obj.object_list)


def cases_ordered(queryset: QuerySet, *, sort: str) -> QuerySet:
    """``queryset`` in the order of ``sort`` (already whitelisted), ties broken by id: the order of the
    list pages, their export and the API lists. Sorting by deadline annotates the next deadline on the
    whole filtered set."""
    ordered = queryset
    if sort.lstrip("-") == "deadline":
        ordered = ordered.annotate(next_due=Subquery(_next_duty().values("due_date")[:1]))
    return ordered.order_by(*_ordering(sort))


def cases_for_ids(queryset: QuerySet, ids: Sequence[int]) -> list[Case]:
    """The cases ``ids`` with what a row shows, in the order of ``ids``: two queries. Fetched through the
    caller's (scoped) queryset again, not ``Case.objects`` — defence in depth."""
    if not ids:
        return []
    by_id = {c.pk: c for c in case_rows_queryset(queryset.filter(pk__in=list(ids)))}
    return [by_id[pk] for pk in ids if pk in by_id]


def case_rows_window(queryset: QuerySet, *, sort: str, offset: int, limit: int) -> tuple[int, list[CaseRow]]:
    """The rows ``offset`` to ``offset + limit`` of ``queryset`` sorted by ``sort``, and the total: the API's
    page of a list (limit/offset) with the same rows, order and deadlines as the page's. Four queries."""
    total = queryset.count()
    ids = list(cases_ordered(queryset, sort=sort).values_list("pk", flat=True)[offset:offset + limit]) \
        if offset < total else []
    today = timezone.localdate()
    soon = due_soon_days()
    return total, [case_row(case, today=today, soon_days=soon) for case in cases_for_ids(queryset, ids)]


def case_list_page(queryset: QuerySet, *, sort: str, page: Any, per_page: int = PAGE_SIZE) -> tuple[Page, list[CaseRow]]:
    """One page of rows: the ids of the page first (so the correlated deadline subqueries run for these
    rows only), then the rows. Four queries whatever the page size."""
    page_obj, ids = case_page_ids(queryset, sort=sort, page=page, per_page=per_page)
    today = timezone.localdate()
    soon = due_soon_days()
    return page_obj, [case_row(case, today=today, soon_days=soon) for case in cases_for_ids(queryset, ids)]
