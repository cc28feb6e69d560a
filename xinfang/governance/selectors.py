"""Reads of the backlog register and of supervision orders. Everything reaches a user through the case
gateway (``xinfang.accounts.access``): an entry or an order about a case is visible exactly when its case
is (a handler sees their unit's, an accusation never reaches the accused unit); an order on a unit without
a case is visible to the district-wide roles and to the staff of that unit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.accounts.access import access_case, cases_visible_to
from xinfang.accounts.models import Unit, User
from xinfang.accounts.roles import ADMIN_ROLES, DISTRICT_WIDE_ROLES, UNIT_ROLES
from xinfang.api.pagination import MAX_ID
from xinfang.cases.models import Case, CaseDocument
from xinfang.core.audit import audit_record
from xinfang.core.clock import day_start
from xinfang.core.errors import NotFound
from xinfang.governance.models import (
    AfterCareTask,
    BacklogEntry,
    BacklogNote,
    BacklogRule,
    BacklogTeamMember,
    SupervisionOrder,
    SupervisionReply,
)
from xinfang.governance.rules import EffectiveRule, rules_effective

VIEW_BACKLOG = "governance.view_backlog"
REGISTER_BACKLOG = "governance.register_backlog"
LEAD_BACKLOG = "governance.lead_backlog"
VIEW_SUPERVISION = "governance.view_supervision"
ISSUE_SUPERVISION = "governance.issue_supervision"
REPLY_SUPERVISION = "governance.reply_supervision"


def _pk(value: Any) -> int:
    """A primary key from a URL or a body; anything else (or beyond a 64-bit column) names nothing."""
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise NotFound() from None
    if not 0 < pk <= MAX_ID:
        raise NotFound()
    return pk


# --- Rules ---------------------------------------------------------------------------------------------

def backlog_rules() -> list[EffectiveRule]:
    """The rules of the register as the scan applies them (defaults overridden by stored rows)."""
    return rules_effective(list(BacklogRule.objects.all()))


# --- The register --------------------------------------------------------------------------------------

def backlog_entries_visible(*, user: Any) -> QuerySet:
    """The entries ``user`` may see: those whose case the gateway shows them."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.has_perm(VIEW_BACKLOG):
        return BacklogEntry.objects.none()
    # A correlated EXISTS, not ``case IN (visible cases)``: the register holds a few hundred entries, the
    # gateway's set may be a million cases, and SQLite would build that set before reading the entries
    # (220 ms of the analytics overview with 1,000,000 cases; docs/benchmarks.md).
    return BacklogEntry.objects.filter(Exists(cases_visible_to(user).filter(pk=OuterRef("case_id"))))


def backlog_list(*, user: Any, outcome: str = "", mine: bool = False, unit_id: int | None = None,
                 leader_id: int | None = None) -> QuerySet:
    """The register as the list shows it: newest first, with the case, its unit and the leader."""
    rows = backlog_entries_visible(user=user).select_related("case", "unit", "leader")
    if outcome:
        rows = rows.filter(outcome=outcome)
    if mine:
        rows = rows.filter(leader=user)
    if unit_id:
        rows = rows.filter(unit_id=unit_id)
    if leader_id:
        rows = rows.filter(leader_id=leader_id)
    return rows.annotate(
        milestones_open=Count("milestones", filter=Q(milestones__done_at__isnull=True), distinct=True),
        aftercare_open=Count("aftercare", filter=Q(aftercare__status=AfterCareTask.Status.OPEN), distinct=True),
    ).order_by("-entered_at", "-id")


def backlog_entry_access(*, user: Any, entry_id: Any, action: str = "backlog.read") -> BacklogEntry:
    """The entry ``entry_id`` if ``user`` may see it; otherwise ``NotFound`` — through ``access_case``,
    which audits a denial (an entry outside the caller's scope looks exactly like a missing one)."""
    pk = _pk(entry_id)
    if not user.has_perm(VIEW_BACKLOG):
        raise NotFound()
    case_id = BacklogEntry.objects.filter(pk=pk).values_list("case_id", flat=True).first()
    if case_id is None:
        raise NotFound()
    access_case(user=user, case_id=case_id, action=action)
    return BacklogEntry.objects.select_related("case", "case__handling_unit", "unit", "leader").get(pk=pk)


def backlog_entry_detail(*, entry: BacklogEntry) -> BacklogEntry:
    """``entry`` with its team, milestones, notes, after-care and the case's attachments loaded."""
    return (BacklogEntry.objects.select_related("case", "case__handling_unit", "case__category", "unit", "leader",
                                                "entered_by", "closed_by")
            .prefetch_related(
                Prefetch("team_members", queryset=BacklogTeamMember.objects.select_related("user", "user__unit")),
                "milestones", "milestones__done_by",
                Prefetch("notes", queryset=BacklogNote.objects.select_related("author")),
                Prefetch("aftercare", queryset=AfterCareTask.objects.select_related("assignee", "done_by")),
            ).get(pk=entry.pk))


def backlog_attachments(*, entry: BacklogEntry) -> list[CaseDocument]:
    """The file of the backlog case: the case's attachments (the same documents the case page lists)."""
    return list(CaseDocument.objects.filter(case_id=entry.case_id, kind=CaseDocument.Kind.ATTACHMENT)
                .order_by("created_at", "id"))


def backlog_is_team(*, entry: BacklogEntry, user: Any) -> bool:
    """The leader in charge or a member of the team."""
    if not getattr(user, "is_authenticated", False):
        return False
    if entry.leader_id == user.pk:
        return True
    return BacklogTeamMember.objects.filter(entry=entry, user_id=user.pk).exists()


def _can_see_case(user: User, case_id: int) -> bool:
    return cases_visible_to(user).filter(pk=case_id).exists()


def backlog_leader_candidates(*, entry: BacklogEntry) -> list[User]:
    """The leaders who may take charge of the entry: active, holding ``lead_backlog``, seeing the case."""
    leaders = User.objects.filter(role=User.Role.LEADER, is_active=True).select_related("unit").order_by("username")
    return [u for u in leaders if u.has_perm(LEAD_BACKLOG) and _can_see_case(u, entry.case_id)]


def backlog_team_candidates(*, entry: BacklogEntry) -> list[User]:
    """Staff who may join the team: bureau officers and leaders, and the staff of the handling unit and of
    the units above it that see their sub-units' cases — each checked through the gateway (never a member
    of an accused unit)."""
    case = entry.case
    units: list[int] = []
    if case.handling_unit_id and case.handling_unit:
        units = case.handling_unit.ancestor_ids()
    candidates = (User.objects.filter(is_active=True)
                  .filter(Q(role__in=[User.Role.OFFICER, User.Role.LEADER])
                          | Q(role__in=list(UNIT_ROLES), unit_id__in=units))
                  .exclude(role__in=list(ADMIN_ROLES)).select_related("unit").order_by("unit__sort", "username"))
    return [u for u in candidates if u.pk != entry.leader_id and _can_see_case(u, entry.case_id)]


# --- Stock and flow --------------------------------------------------------------------------------------

@dataclass
class StockFlowRow:
    """The register's figures for one unit over a period (控制增量、化解存量)."""

    unit_id: int | None
    unit_name: str
    at_start: int = 0
    added: int = 0
    resolved: int = 0
    stopped: int = 0
    remaining: int = 0

    @property
    def closed(self) -> int:
        return self.resolved + self.stopped


@dataclass
class StockFlow:
    """Rows per unit and their total for the period ``start``–``end`` (both days included)."""

    start: date
    end: date
    rows: list[StockFlowRow] = field(default_factory=list)
    total: StockFlowRow = field(default_factory=lambda: StockFlowRow(unit_id=None, unit_name=""))


# The days a period may cover, and its longest span.
PERIOD_EARLIEST = date(2000, 1, 1)
PERIOD_LATEST = date(2099, 12, 31)
PERIOD_MAX_DAYS = 5 * 366


def stock_flow_period_problem(start: date, end: date) -> str | None:
    """Why ``start``–``end`` is not a period the table can show, or None."""
    if start > end:
        return str(_("截止日期不能早于起始日期。"))
    if start < PERIOD_EARLIEST or end > PERIOD_LATEST:
        return str(_("统计期间须在%(a)s至%(b)s之间。") % {"a": PERIOD_EARLIEST.isoformat(),
                                                        "b": PERIOD_LATEST.isoformat()})
    if (end - start).days > PERIOD_MAX_DAYS:
        return str(_("统计期间最长五年。"))
    return None


def backlog_stock_flow(*, user: Any, start: date, end: date) -> StockFlow:
    """Backlog at the start of the period, added and closed (案结事了 / 息诉罢访) within it, and remaining at
    its end, by the unit each entry was counted against — over the entries ``user`` may see. Always
    ``remaining = at_start + added - resolved - stopped``."""
    since, until = day_start(start), day_start(end + timedelta(days=1))
    still_open = Q(closed_at__isnull=True)
    figures = (backlog_entries_visible(user=user).values("unit_id").annotate(
        at_start=Count("id", filter=Q(entered_at__lt=since) & (still_open | Q(closed_at__gte=since))),
        added=Count("id", filter=Q(entered_at__gte=since, entered_at__lt=until)),
        resolved=Count("id", filter=Q(closed_at__gte=since, closed_at__lt=until,
                                      outcome=BacklogEntry.Outcome.RESOLVED)),
        stopped=Count("id", filter=Q(closed_at__gte=since, closed_at__lt=until,
                                     outcome=BacklogEntry.Outcome.STOPPED)),
        remaining=Count("id", filter=Q(entered_at__lt=until) & (still_open | Q(closed_at__gte=until))),
    ).order_by())
    units = {u.pk: u for u in Unit.objects.filter(pk__in=[f["unit_id"] for f in figures if f["unit_id"]])}
    result = StockFlow(start=start, end=end)
    for f in figures:
        unit = units.get(f["unit_id"])
        row = StockFlowRow(unit_id=f["unit_id"], unit_name=unit.name if unit else "",
                           at_start=f["at_start"], added=f["added"], resolved=f["resolved"], stopped=f["stopped"],
                           remaining=f["remaining"])
        if not (row.at_start or row.added or row.closed or row.remaining):
            continue
        result.rows.append(row)
        for name in ("at_start", "added", "resolved", "stopped", "remaining"):
            setattr(result.total, name, getattr(result.total, name) + getattr(row, name))
    sort = {u.pk: (u.sort, u.code) for u in units.values()}
    result.rows.sort(key=lambda r: sort.get(r.unit_id or 0, (10**9, "")))
    return result


# --- Supervision -----------------------------------------------------------------------------------------

def _unit_scope(user: Any) -> Q:
    """Orders on units (without a case) that ``user``'s unit role covers."""
    unit = getattr(user, "unit", None)
    if unit is None:
        return Q(pk__in=[])
    if unit.scope_includes_children:
        return Q(unit__path__startswith=unit.path)
    return Q(unit_id=unit.pk)


def supervision_orders_visible(*, user: Any) -> QuerySet:
    """The orders ``user`` may see: on a case the gateway shows them; on a unit, for the district-wide roles
    and the staff of that unit."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.has_perm(VIEW_SUPERVISION):
        return SupervisionOrder.objects.none()
    on_case = Q(case__isnull=False, case__in=cases_visible_to(user).values("pk"))
    if user.role in DISTRICT_WIDE_ROLES:
        on_unit = Q(case__isnull=True)
    elif user.role in UNIT_ROLES:
        on_unit = Q(case__isnull=True) & _unit_scope(user)
    else:
        return SupervisionOrder.objects.none()
    return SupervisionOrder.objects.filter(on_case | on_unit)


def supervision_list(*, user: Any, status: str = "", listed: bool = False, overdue: bool = False) -> QuerySet:
    rows = supervision_orders_visible(user=user).select_related("case", "unit", "issued_by")
    if status:
        rows = rows.filter(status=status)
    if listed:
        rows = rows.filter(listed=True)
    if overdue:
        rows = rows.filter(status=SupervisionOrder.Status.OPEN, reply_due__lt=timezone.localdate())
    return rows.order_by("-issued_at", "-id")


def supervision_listed(*, user: Any, include_closed: bool = False) -> QuerySet:
    """挂牌督办: the listed orders ``user`` may see, the ones still open first."""
    rows = supervision_list(user=user, listed=True)
    if not include_closed:
        rows = rows.exclude(status=SupervisionOrder.Status.CLOSED)
    return rows.order_by("status", "reply_due", "-id")


def supervision_order_access(*, user: Any, order_id: Any, action: str = "supervision.read") -> SupervisionOrder:
    """The order ``order_id`` if ``user`` may see it, else ``NotFound`` (a denial on a case is audited by
    the gateway, one on a unit's order here)."""
    pk = _pk(order_id)
    order = supervision_orders_visible(user=user).select_related("case", "unit", "issued_by", "listed_by",
                                                                 "closed_by").filter(pk=pk).first()
    if order is None:
        existing = SupervisionOrder.objects.filter(pk=pk).values("case_id").first()
        if existing is not None:
            audit_record(actor=user, action=action, object_type="governance.supervisionorder", object_id=str(pk),
                         result="denied", detail={"reason": "out_of_scope", "case": existing["case_id"]})
        raise NotFound()
    return order


def supervision_replies(*, order: SupervisionOrder) -> list[SupervisionReply]:
    return list(order.replies.select_related("author", "unit"))


def supervision_can_reply(*, user: Any, order: SupervisionOrder) -> bool:
    """``user`` works in the supervised unit (or above it, where the unit sees its sub-units) and holds
    ``reply_supervision``: the rule ``supervision_reply`` enforces."""
    unit = getattr(user, "unit", None)
    if not user.has_perm(REPLY_SUPERVISION) or unit is None:
        return False
    return unit.pk == order.unit_id or (unit.scope_includes_children and order.unit.path.startswith(unit.path))


# --- The case page ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CaseBacklogItem:
    id: int
    outcome: str
    outcome_label: str
    leader: str


@dataclass(frozen=True)
class CaseOrderItem:
    id: int
    number: str
    status: str
    status_label: str
    listed: bool
    reply_due: date


@dataclass
class CaseGovernance:
    """What the case page shows of governance: the backlog entry and the supervision orders of the case,
    and whether the user may add either."""

    entry: CaseBacklogItem | None
    orders: list[CaseOrderItem]
    can_register: bool
    can_issue: bool
    can_view_backlog: bool


def case_governance(*, user: Any, case: Case) -> CaseGovernance:
    """One query (the case page's query count is pinned): the case joined to its entry (and its leader)
    and to its orders — one row per order, the entry's columns repeated. ``case`` came through the gateway."""
    can_view_backlog = user.has_perm(VIEW_BACKLOG)
    can_view_orders = user.has_perm(VIEW_SUPERVISION)
    rows: list[Any] = []
    if can_view_backlog or can_view_orders:
        rows = list(Case.objects.filter(pk=case.pk).values(
            "backlog_entry__id", "backlog_entry__outcome", "backlog_entry__leader__username",
            "backlog_entry__leader__full_name", "supervision_orders__id", "supervision_orders__status",
            "supervision_orders__listed", "supervision_orders__reply_due", "supervision_orders__issued_at",
        ).order_by("-supervision_orders__issued_at", "-supervision_orders__id"))
    entry = None
    if can_view_backlog and rows and rows[0]["backlog_entry__id"] is not None:
        first = rows[0]
        entry = CaseBacklogItem(
            id=first["backlog_entry__id"], outcome=first["backlog_entry__outcome"],
            outcome_label=str(BacklogEntry.Outcome(first["backlog_entry__outcome"]).label),
            leader=first["backlog_entry__leader__full_name"] or first["backlog_entry__leader__username"] or "")
    orders = []
    if can_view_orders:
        for row in rows:
            if row["supervision_orders__id"] is None:
                continue
            order = SupervisionOrder(pk=row["supervision_orders__id"], issued_at=row["supervision_orders__issued_at"],
                                     status=row["supervision_orders__status"])
            orders.append(CaseOrderItem(id=order.pk, number=order.number, status=order.status,
                                        status_label=str(order.get_status_display()),
                                        listed=row["supervision_orders__listed"],
                                        reply_due=row["supervision_orders__reply_due"]))
    return CaseGovernance(entry=entry, orders=orders, can_view_backlog=can_view_backlog,
                          can_register=entry is None and can_view_backlog and user.has_perm(REGISTER_BACKLOG),
                          can_issue=user.has_perm(ISSUE_SUPERVISION) and case.handling_unit_id is not None)
