"""What a user may do with a case now, and the cases related to it: reads shared by the case page
(``views/detail.py``) and the API (``GET /api/v1/cases/{id}/actions/`` and ``…/related/``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q
from django.utils import timezone

from xinfang.accounts.access import cases_visible_to
from xinfang.cases.models import Case, CaseDeadline
from xinfang.cases.services.handling import case_handled_by
from xinfang.cases.services.new_facts import OVERRIDE_PERMISSION, case_new_facts_overridable

# Every workflow action of the case page, in the order the page shows them (and its URL names:
# ``cases:case_<name>``; the API's are ``/api/v1/cases/{id}/<route>/``).
CASE_ACTIONS: tuple[str, ...] = ("route", "accept", "refuse", "object", "extend", "reply", "review_decide",
                                 "re_review_decide", "accept_new_facts")


def _open_deadline(case: Case, kind: str) -> CaseDeadline | None:
    return next((d for d in case.deadlines.all() if d.kind == kind and not d.cancelled), None)


def _window_open(case: Case, kind: str, today: date) -> bool:
    deadline = _open_deadline(case, kind)
    return deadline is None or today <= deadline.due_date


def case_actions_allowed(*, user: Any, case: Case, today: date | None = None) -> list[str]:
    """The actions ``user`` may take on ``case`` now, in the order the page shows them. It mirrors the
    checks of the services (which still decide) so that the page offers nothing that will be refused."""
    today = today or timezone.localdate()
    status = case.status
    allowed: list[str] = []
    if status in (Case.Status.REGISTERED, Case.Status.OBJECTED) and user.has_perm("cases.route_case"):
        allowed.append("route")
    if status == Case.Status.ROUTED and case_handled_by(user=user, case=case):
        allowed += ["accept", "refuse"]
        # 信访工作条例 Art. 23 ¶3: an objection only within 5 working days of receipt.
        if _window_open(case, "object_by", today):
            allowed.append("object")
    if status == Case.Status.ACCEPTED:
        if case_handled_by(user=user, case=case):
            allowed.append("reply")
        # Art. 34: one extension, approved by the head, before the handling deadline has passed.
        if (not case.extension_days and _window_open(case, "decide_by", today)
                and case_handled_by(user=user, case=case, perm="cases.approve_extension")):
            allowed.append("extend")
    if user.has_perm("cases.decide_review"):
        if status == Case.Status.REVIEW_REQUESTED:
            allowed.append("review_decide")
        elif status == Case.Status.RE_REVIEW_REQUESTED:
            allowed.append("re_review_decide")
    # Art. 36 ¶3: a repeat after re-review is not accepted again, unless the bureau officer records new facts.
    if case_new_facts_overridable(case) and user.has_perm(OVERRIDE_PERMISSION):
        allowed.append("accept_new_facts")
    return allowed


def case_related_visible(*, user: Any, case: Case) -> list[Case]:
    """The original of a repeat petition and the petitions linked to this one, as far as ``user`` may
    see them (through the gateway, one query)."""
    related = Q(repeat_of_id=case.pk)
    if case.repeat_of_id:
        related |= Q(pk=case.repeat_of_id)
    return list(cases_visible_to(user).filter(related).exclude(pk=case.pk)
                .only("id", "number", "title", "status", "received_at", "repeat_of_id").order_by("received_at", "id"))
