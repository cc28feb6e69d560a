"""Several cases at once: bulk routing from the workbench (each case its own step, all-or-nothing per case)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from xinfang.accounts.access import access_case
from xinfang.cases.services.handling import case_route
from xinfang.core.audit import audit_record
from xinfang.core.errors import ApplicationError, NotFound


@dataclass(frozen=True)
class RouteOutcome:
    """What happened to one case of a bulk routing."""

    case_id: int
    number: str
    ok: bool
    reason: str = ""


def _refusal_text(exc: ApplicationError) -> str:
    parts = [str(exc.message)]
    for messages_ in (exc.errors or {}).values():
        parts.extend(str(m) for m in messages_ if str(m) not in parts)
    return " ".join(parts)


def cases_route_each(*, user: Any, case_ids: list[int], unit: Any, mode: str, note: str) -> list[RouteOutcome]:
    """Route each case through ``case_route``, each in its own transaction: a refused case (another's,
    wrong state, accused unit …) changes nothing and does not stop the others. Every refusal is audited
    here, after its rollback (a service's own denial row rolls back with it)."""
    outcomes = []
    for case_id in case_ids:
        number = ""
        try:
            # Outside any transaction, so the gateway's audited denial of an out-of-scope case stays written.
            case = access_case(user=user, case_id=case_id, action="case.route")
            number = case.number
            # One transaction per case (the service's own): its status update is conditional on the state
            # read here, so a case changed meanwhile is refused, not routed twice.
            case_route(case=case, unit=unit, mode=mode, actor=user, note=note)
        except NotFound:
            outcomes.append(RouteOutcome(case_id, "", False, _("事项不存在或您无权查看。")))
        except ApplicationError as exc:
            audit_record(actor=user, action="case.route", object_type="cases.case", object_id=str(case_id),
                         result="denied", detail={"unit": unit.code, "bulk": True, "reason": exc.code})
            outcomes.append(RouteOutcome(case_id, number, False, _refusal_text(exc)))
        else:
            outcomes.append(RouteOutcome(case_id, number, True))
    return outcomes


