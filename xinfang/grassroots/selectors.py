"""Reads of the grassroots records, scoped by the unit tree (SECURITY.md 1: another unit's record answers 404).

Who sees what (``grassroots_scope``):

- without ``grassroots.view_grassroots`` (the three admins, the suggestion office): nothing;
- the bureau officer and the leaders, and anyone whose unit is the petition bureau or the district
  government: the whole district ("the bureau sees all");
- everyone else: the records of their own unit and the units below it, and those naming a street in that
  subtree — a street's staff see their street's disputes, mediations and visits, including those of the
  street's neighbourhoods and service points (家门口服务点); a service point's staff see only their point's.
  A mediation is also seen by the units taking part in it (the police station and judicial office of a
  三所联动 mediation).

The schedule of reception days is public information (信访工作条例 Art. 18 ¶1: the times and places of
reception are published), so every member of staff with the permission sees all of it; the people received
are personal data and follow the unit rule (the receiving unit, the joint units, the leader).

Cases are never read here directly: a service point's intake list goes through the gateway
(``xinfang.accounts.access.cases_visible_to``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import (
    CharField,
    Count,
    DateField,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, TruncDate

from xinfang.accounts.access import cases_visible_to
from xinfang.accounts.models import Unit, User
from xinfang.core.audit import audit_record
from xinfang.core.errors import NotFound
from xinfang.grassroots.models import (
    Dispute,
    Mediation,
    MediationParticipant,
    Party,
    Reception,
    ReceptionDay,
    Visit,
    VisitFinding,
)

VIEW = "grassroots.view_grassroots"
# Units whose members see the whole district's grassroots records.
DISTRICT_UNIT_KINDS = frozenset({Unit.Kind.BUREAU, Unit.Kind.GOVERNMENT})
DISTRICT_ROLES = frozenset({User.Role.OFFICER, User.Role.LEADER})
# The largest primary key a 64-bit column holds: a larger id in a URL names nothing.
MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class GrassrootsScope:
    """What a user sees: everything, the subtree of the unit with materialized path ``path``, or nothing."""

    everything: bool = False
    path: str = ""

    @property
    def nothing(self) -> bool:
        return not self.everything and not self.path

    def covers(self, *units: Unit | None) -> bool:
        """True if any of ``units`` lies in the scope."""
        if self.everything:
            return True
        return bool(self.path) and any(u is not None and u.path.startswith(self.path) for u in units)


def grassroots_scope(user: Any) -> GrassrootsScope:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return GrassrootsScope()
    if not user.has_perm(VIEW):
        return GrassrootsScope()
    if user.role in DISTRICT_ROLES:
        return GrassrootsScope(everything=True)
    unit = user.unit if user.unit_id else None
    if unit is None:
        return GrassrootsScope()
    if unit.kind in DISTRICT_UNIT_KINDS:
        return GrassrootsScope(everything=True)
    return GrassrootsScope(path=unit.path)


def _pk(value: Any) -> int:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise NotFound() from None
    if not 0 < pk <= MAX_ID:
        raise NotFound()
    return pk


def _denied(*, user: Any, model: Any, pk: int, action: str) -> None:
    """An existing record outside the caller's scope: audited like a case (SECURITY.md 8), then 404."""
    if model.objects.filter(pk=pk).exists():
        audit_record(actor=user, action=action, object_type=model._meta.label_lower, object_id=str(pk),
                     result="denied", detail={"reason": "out_of_scope"})
    raise NotFound()


# --- Disputes ----------------------------------------------------------------------------------------

def disputes_visible_to(user: Any) -> QuerySet[Dispute]:
    scope = grassroots_scope(user)
    queryset = Dispute.objects.all()
    if scope.everything:
        return queryset
    if scope.nothing:
        return queryset.none()
    return queryset.filter(Q(unit__path__startswith=scope.path) | Q(street__path__startswith=scope.path))


def access_dispute(*, user: Any, pk: Any, action: str = "dispute.read", for_update: bool = False) -> Dispute:
    """The dispute ``pk`` if ``user`` may see it; otherwise ``NotFound`` (and an audited denial)."""
    key = _pk(pk)
    queryset = disputes_visible_to(user).select_related("unit", "street", "category", "case", "recorded_by")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    dispute = queryset.filter(pk=key).first()
    if dispute is None:
        _denied(user=user, model=Dispute, pk=key, action=action)
    assert dispute is not None  # noqa: S101 - _denied raised otherwise
    return dispute


def dispute_list(*, user: Any, status: str = "", risk_level: str = "", street: Unit | None = None,
                 q: str = "") -> QuerySet[Dispute]:
    queryset = disputes_visible_to(user).select_related("unit", "street", "category", "case")
    if status:
        queryset = queryset.filter(status=status)
    if risk_level:
        queryset = queryset.filter(risk_level=risk_level)
    if street is not None:
        queryset = queryset.filter(street=street)
    if q:
        queryset = queryset.filter(Q(title__icontains=q) | Q(description__icontains=q))
    return queryset.annotate(n_parties=Count("parties", distinct=True)).order_by("-found_on", "-id")


# --- Mediations --------------------------------------------------------------------------------------

def mediations_visible_to(user: Any) -> QuerySet[Mediation]:
    scope = grassroots_scope(user)
    queryset = Mediation.objects.all()
    if scope.everything:
        return queryset
    if scope.nothing:
        return queryset.none()
    taking_part = MediationParticipant.objects.filter(mediation=OuterRef("pk"), unit__path__startswith=scope.path)
    return queryset.filter(Q(unit__path__startswith=scope.path) | Q(street__path__startswith=scope.path)
                           | Exists(taking_part))


def access_mediation(*, user: Any, pk: Any, action: str = "mediation.read", for_update: bool = False) -> Mediation:
    key = _pk(pk)
    queryset = mediations_visible_to(user).select_related("unit", "street", "dispute", "case", "recorded_by")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    mediation = queryset.filter(pk=key).first()
    if mediation is None:
        _denied(user=user, model=Mediation, pk=key, action=action)
    assert mediation is not None  # noqa: S101
    return mediation


def mediation_list(*, user: Any, status: str = "", kind: str = "", outcome: str = "", unit: Unit | None = None,
                   case_id: int | None = None) -> QuerySet[Mediation]:
    queryset = mediations_visible_to(user).select_related("unit", "street", "case")
    if status:
        queryset = queryset.filter(status=status)
    if kind:
        queryset = queryset.filter(kind=kind)
    if outcome:
        queryset = queryset.filter(outcome=outcome)
    if unit is not None:
        queryset = queryset.filter(unit__path__startswith=unit.path)
    if case_id is not None:
        queryset = queryset.filter(case_id=case_id)
    return queryset.annotate(n_sessions=Count("sessions", distinct=True)).order_by("-started_on", "-id")


def mediation_detail(mediation: Mediation) -> dict[str, Any]:
    """Everything the mediation page and the API show besides the row itself, in four queries."""
    return {
        "parties": list(mediation.parties.all()),
        "participants": list(mediation.participants.select_related("unit")),
        "sessions": list(mediation.sessions.select_related("recorded_by")),
        "follow_ups": list(mediation.follow_ups.select_related("recorded_by")),
    }


# --- Visits ------------------------------------------------------------------------------------------

def visits_visible_to(user: Any) -> QuerySet[Visit]:
    scope = grassroots_scope(user)
    queryset = Visit.objects.all()
    if scope.everything:
        return queryset
    if scope.nothing:
        return queryset.none()
    return queryset.filter(Q(unit__path__startswith=scope.path) | Q(street__path__startswith=scope.path))


def access_visit(*, user: Any, pk: Any, action: str = "visit.read") -> Visit:
    key = _pk(pk)
    visit = visits_visible_to(user).select_related("unit", "street", "case", "recorded_by").filter(pk=key).first()
    if visit is None:
        _denied(user=user, model=Visit, pk=key, action=action)
    assert visit is not None  # noqa: S101
    return visit


def access_finding(*, user: Any, pk: Any, action: str = "finding.read", for_update: bool = False) -> VisitFinding:
    key = _pk(pk)
    queryset = VisitFinding.objects.filter(visit__in=visits_visible_to(user)).select_related(
        "visit", "visit__unit", "visit__street", "category", "case")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    finding = queryset.filter(pk=key).first()
    if finding is None:
        _denied(user=user, model=VisitFinding, pk=key, action=action)
    assert finding is not None  # noqa: S101
    return finding


def visit_list(*, user: Any, kind: str = "", case_id: int | None = None) -> QuerySet[Visit]:
    queryset = visits_visible_to(user).select_related("unit", "street", "case")
    if kind:
        queryset = queryset.filter(kind=kind)
    if case_id is not None:
        queryset = queryset.filter(case_id=case_id)
    return queryset.annotate(n_findings=Count("findings", distinct=True)).order_by("-visited_at", "-id")


# --- Reception days ----------------------------------------------------------------------------------

def reception_days_visible_to(user: Any) -> QuerySet[ReceptionDay]:
    """The published schedule: every day, for any member of staff who may see grassroots work."""
    if grassroots_scope(user).nothing:
        return ReceptionDay.objects.none()
    return ReceptionDay.objects.all()


def reception_day_receptions_allowed(*, user: Any, day: ReceptionDay) -> bool:
    """Whether ``user`` may see and record the people received on ``day``: the receiving unit's subtree,
    the joint units', the leader who receives, or the whole district."""
    scope = grassroots_scope(user)
    if scope.nothing:
        return False
    if scope.everything or day.leader_id == user.pk:
        return True
    return scope.covers(day.unit, *day.joint_units.all())


def receptions_visible_to(user: Any) -> QuerySet[Reception]:
    scope = grassroots_scope(user)
    queryset = Reception.objects.all()
    if scope.everything:
        return queryset
    if scope.nothing:
        return queryset.none()
    joint = ReceptionDay.joint_units.through.objects.filter(receptionday_id=OuterRef("day_id"),
                                                            unit__path__startswith=scope.path)
    return queryset.filter(Q(day__unit__path__startswith=scope.path) | Q(day__leader_id=user.pk) | Exists(joint))


def access_reception_day(*, user: Any, pk: Any, for_update: bool = False) -> ReceptionDay:
    key = _pk(pk)
    queryset = reception_days_visible_to(user).select_related("leader", "unit", "scheduled_by")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    day = queryset.filter(pk=key).first()
    if day is None:
        raise NotFound()
    return day


def access_reception(*, user: Any, pk: Any, action: str = "reception.read", for_update: bool = False) -> Reception:
    key = _pk(pk)
    queryset = receptions_visible_to(user).select_related("day", "day__unit", "day__leader", "case")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    reception = queryset.filter(pk=key).first()
    if reception is None:
        _denied(user=user, model=Reception, pk=key, action=action)
    assert reception is not None  # noqa: S101
    return reception


def reception_day_list(*, user: Any, start: date | None = None, end: date | None = None,
                       status: str = "") -> QuerySet[ReceptionDay]:
    queryset = reception_days_visible_to(user).select_related("leader", "unit").prefetch_related("joint_units")
    if start is not None:
        queryset = queryset.filter(date__gte=start)
    if end is not None:
        queryset = queryset.filter(date__lte=end)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.annotate(n_received=Count("receptions", distinct=True)).order_by("date", "starts_at", "id")


# --- Parties -----------------------------------------------------------------------------------------

def access_party(*, user: Any, pk: Any, action: str = "party.read") -> Party:
    """A party of a record ``user`` may see (through its dispute, mediation, finding or reception)."""
    key = _pk(pk)
    visible = (Q(dispute__in=disputes_visible_to(user)) | Q(mediation__in=mediations_visible_to(user))
               | Q(finding__visit__in=visits_visible_to(user)) | Q(reception__in=receptions_visible_to(user)))
    party = Party.objects.filter(visible, pk=key).first()
    if party is None:
        _denied(user=user, model=Party, pk=key, action=action)
    assert party is not None  # noqa: S101
    return party


# --- Service points (家门口服务点) ---------------------------------------------------------------------

def service_points_visible_to(user: Any) -> QuerySet[Unit]:
    scope = grassroots_scope(user)
    queryset = Unit.objects.filter(kind=Unit.Kind.SERVICE_POINT, active=True)
    if scope.everything:
        return queryset
    if scope.nothing:
        return queryset.none()
    return queryset.filter(path__startswith=scope.path)


def access_service_point(*, user: Any, pk: Any) -> Unit:
    key = _pk(pk)
    point = service_points_visible_to(user).select_related("parent").filter(pk=key).first()
    if point is None:
        _denied(user=user, model=Unit, pk=key, action="service_point.read")
    assert point is not None  # noqa: S101
    return point


def service_point_list(*, user: Any) -> QuerySet[Unit]:
    """The service points the user sees, each with its open disputes and ongoing mediations counted."""
    open_disputes = Dispute.objects.filter(unit=OuterRef("pk"), status__in=[Dispute.Status.OPEN,
                                                                            Dispute.Status.MEDIATING])
    ongoing = Mediation.objects.filter(unit=OuterRef("pk"), status=Mediation.Status.ONGOING)
    def counted(queryset: QuerySet) -> Any:
        return Coalesce(Subquery(queryset.order_by().values("unit").annotate(n=Count("id")).values("n")[:1]), 0)

    return (service_points_visible_to(user).select_related("parent")
            .annotate(n_disputes=counted(open_disputes), n_mediations=counted(ongoing))
            .order_by("path"))


def service_point_intake(*, user: Any, point: Unit) -> QuerySet:
    """The petitions registered at ``point`` (online or in person, channel 家门口服务点 or any other), as
    far as the gateway lets ``user`` see them."""
    return (cases_visible_to(user).filter(registered_unit_id=point.pk)
            .select_related("category", "handling_unit").order_by("-received_at", "-id"))


def service_point_street(point: Unit) -> Unit | None:
    """The street (街道/镇) a service point lies in, if any."""
    return Unit.objects.filter(pk__in=point.ancestor_ids(), kind=Unit.Kind.STREET).first()


# --- The case page -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class CaseGrassrootsItem:
    """A grassroots record linked to a case, as the case page lists it."""

    kind: str
    pk: int
    title: str
    status: str
    on: date | None
    url_name: str
    visible: bool


_ITEM_URLS = {
    "dispute": "grassroots:dispute_detail",
    "mediation": "grassroots:mediation_detail",
    "visit": "grassroots:visit_detail",
    "finding": "grassroots:visit_detail",
    "reception": "grassroots:reception_day_detail",
}


def case_grassroots(*, user: Any, case: Any) -> list[CaseGrassrootsItem]:
    """The disputes, mediations, visits, visit findings and receptions linked to ``case``, in one query
    (the case page's query count is pinned: tests/web/test_case_page.py). The caller already may see the
    case; each item says whether the user may also open the grassroots record itself (else no link)."""

    def rows(queryset: QuerySet, kind: str, *, title: str, status: str, on: Any, target: str, unit: str,
             street: str) -> QuerySet:
        # Every column an annotation, selected in the order annotated, so the five parts line up.
        return queryset.filter(case_id=case.pk).order_by().annotate(
            g_kind=Value(kind, output_field=CharField()), g_title=Cast(title, output_field=CharField()),
            g_status=Cast(status, output_field=CharField()), g_on=on, g_target=Cast(target, output_field=IntegerField()),
            g_unit=Cast(unit, output_field=CharField()), g_street=Cast(street, output_field=CharField()),
        ).values_list("g_kind", "g_title", "g_status", "g_on", "g_target", "g_unit", "g_street")

    union = rows(Dispute.objects.all(), "dispute", title="title", status="status",
                 on=Cast("found_on", output_field=DateField()), target="pk", unit="unit__path",
                 street="street__path").union(
        rows(Mediation.objects.all(), "mediation", title="title", status="status",
             on=Cast("started_on", output_field=DateField()), target="pk", unit="unit__path", street="street__path"),
        rows(Visit.objects.all(), "visit", title="kind", status="kind", on=TruncDate("visited_at"), target="pk",
             unit="unit__path", street="street__path"),
        rows(VisitFinding.objects.all(), "finding", title="title", status="status", on=TruncDate("visit__visited_at"),
             target="visit_id", unit="visit__unit__path", street="visit__street__path"),
        rows(Reception.objects.all(), "reception", title="matter", status="day__status", on=TruncDate("received_at"),
             target="day_id", unit="day__unit__path", street="day__unit__path"),
        all=True,
    )
    scope = grassroots_scope(user)
    labels: dict[str, dict[str, Any]] = {
        "dispute": dict(Dispute.Status.choices), "mediation": dict(Mediation.Status.choices),
        "visit": dict(Visit.Kind.choices), "finding": dict(VisitFinding.Status.choices),
        "reception": dict(ReceptionDay.Status.choices),
    }
    items = []
    for kind, title, status, on, target, unit_path, street_path in union:
        if kind == "visit":
            title, status = str(labels["visit"].get(title, title)), ""
        visible = scope.everything or (bool(scope.path) and any(
            (path or "").startswith(scope.path) for path in (unit_path, street_path)))
        items.append(CaseGrassrootsItem(
            kind=kind, pk=target, title=title[:60], status=str(labels[kind].get(status, status)) if status else "",
            on=on, url_name=_ITEM_URLS[kind], visible=visible))
    items.sort(key=lambda item: (item.on or date.min, item.kind))
    return items
