"""The one permission-scoped gateway to cases (STYLE.md habit 2; SECURITY.md 1–2).

Every view, API, export, search and job reaches a case through ``cases_visible_to`` or ``access_case``.
Two rules live here and nowhere else:

1. Unit scoping: district-wide roles (registrar, bureau officer, leader) see the district's cases; unit
   roles (handler, unit head) see the cases their unit handles (and its sub-units' where the unit is so
   configured); the three admins see no petition content.
2. Accusations never reach the accused (信访工作条例 Art. 30 ¶3, Art. 46(5)): a case naming a unit as
   accused is invisible to the members of that unit and of every unit below it, whatever their role, and
   a case naming a user as accused is invisible to that user. Routing to such a unit is refused by
   ``unit_is_accused_in``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from xinfang.accounts.models import Unit, User
from xinfang.accounts.roles import DISTRICT_WIDE_ROLES, UNIT_ROLES
from xinfang.core.audit import audit_record
from xinfang.core.errors import NotFound


def accused_case_ids(user: User) -> QuerySet:
    """The ids (``case_id`` values) of the cases that accuse ``user`` or a unit at or above theirs: never
    shown to them (Art. 30 ¶3). Aggregates read from a roll-up subtract these (xinfang/analytics)."""
    from xinfang.cases.models import CaseAccused

    own_units = user.unit.ancestor_ids() if user.unit_id and user.unit else []
    return CaseAccused.objects.filter(Q(unit_id__in=own_units) | Q(user_id=user.pk)).values("case_id")


def cases_visible_to(user: Any) -> QuerySet:
    """All cases ``user`` may see, as a queryset to filter further."""
    from xinfang.cases.models import Case

    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Case.objects.none()
    if user.role in DISTRICT_WIDE_ROLES:
        scoped = Case.objects.all()
    elif user.role in UNIT_ROLES and user.unit_id:
        unit = user.unit
        if unit.scope_includes_children:
            scoped = Case.objects.filter(handling_unit__path__startswith=unit.path)
        else:
            scoped = Case.objects.filter(handling_unit_id=unit.pk)
    else:
        return Case.objects.none()
    return scoped.exclude(id__in=accused_case_ids(user))


def access_case(*, user: Any, case_id: Any, action: str = "case.read", for_update: bool = False,
                detail: bool = False) -> Any:
    """The case ``case_id`` if ``user`` may see it; otherwise ``NotFound`` (a case outside the caller's
    scope looks exactly like a missing one) and an audited denial. ``detail`` loads everything the case
    page shows in the same round of queries."""
    from xinfang.cases.models import Case
    from xinfang.cases.selectors import case_detail_queryset

    try:
        pk = int(case_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    queryset = cases_visible_to(user).select_related("category", "street", "handling_unit", "registered_unit")
    if detail:
        queryset = case_detail_queryset(queryset)
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    case = queryset.filter(pk=pk).first()
    if case is None:
        if Case.objects.filter(pk=pk).exists():
            audit_record(actor=user, action=action, object_type="cases.case", object_id=str(pk),
                         result="denied", detail={"reason": "out_of_scope"})
        raise NotFound()
    return case


def unit_is_accused_in(*, unit: Unit, case: Any) -> bool:
    """True if ``unit`` is an accused unit of ``case`` or lies below one (Art. 30 ¶3)."""
    from xinfang.cases.models import CaseAccused

    ancestors = unit.ancestor_ids()
    return CaseAccused.objects.filter(case=case, unit_id__in=ancestors).exists()


def user_is_accused_in(*, user: User, case: Any) -> bool:

    return accused_case_ids(user).filter(case_id=case.pk).exists()
