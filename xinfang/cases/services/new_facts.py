"""The audited override of 信访工作条例 Art. 36 ¶3: a petition on a matter already closed by re-review is
recorded and not accepted again (``case_register`` closes it as ``final_after_re_review``) — unless the
petitioner brings new facts or reasons. Then the bureau officer accepts it as a new matter, with a written
statement of what is new (issue 6, 重复信访).

Who: the bureau officer (``cases.route_case``). Whether a petition is a new matter is the bureau's call at
intake (Art. 22: it registers, then transfers or assigns), so the same person who routes decides; a unit
never sees such a petition before it is routed, and the registrar records but does not judge.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.cases.models import Case
from xinfang.cases.services.events import case_event_append, case_transition
from xinfang.core.audit import audit_record
from xinfang.core.errors import Forbidden, InvalidTransition, ValidationFailed
from xinfang.deadlines.services import deadline_open

OVERRIDE_PERMISSION = "cases.route_case"
# The closing reason ``case_register`` gives a petition on a matter closed by re-review (Art. 36 ¶3).
FINAL_AFTER_RE_REVIEW = "final_after_re_review"
STATEMENT_MIN = 10
STATEMENT_MAX = 2000


def case_new_facts_overridable(case: Case) -> bool:
    """The only state the override applies to: recorded and not accepted again after re-review."""
    return case.status == Case.Status.CLOSED and case.closed_reason == FINAL_AFTER_RE_REVIEW


def _statement_clean(statement: Any) -> str:
    text = (statement if isinstance(statement, str) else "").strip()
    message = ""
    if "\x00" in text:
        message = _("说明含有无效字符。")
    elif len(text) < STATEMENT_MIN:
        message = _("请写明信访人提出的新的事实和理由（至少%(n)d个字）。") % {"n": STATEMENT_MIN}
    elif len(text) > STATEMENT_MAX:
        message = _("最多%(n)d个字。") % {"n": STATEMENT_MAX}
    if message:
        raise ValidationFailed(message, errors={"statement": [message]})
    return text


def case_accept_new_facts(*, case: Case, actor: Any, statement: str) -> Case:
    """Accept ``case`` — a petition closed as ``final_after_re_review`` — as a new matter because the
    petitioner brings new facts or reasons (信访工作条例 Art. 36 ¶3 bars only "the same facts and reasons").

    The case goes back to ``registered`` with the 15-day routing deadline counted from today (Art. 22: the
    bureau's time starts when it takes the petition up as a matter to route); the statement goes on both
    timelines (this case and the matter closed by re-review) and into the audit log. Refused in every other
    state, for anyone without ``cases.route_case``, and without a statement of at least 10 characters."""
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(OVERRIDE_PERMISSION):
        audit_record(actor=actor, action="case.accept_new_facts", obj=case, result="denied")
        raise Forbidden(_("只有区信访办经办人可以因新的事实和理由将其作为新事项受理。"))
    if not case_new_facts_overridable(case):
        raise InvalidTransition(
            _("只有复核后重复信访、已登记不再受理的事项，才能因新的事实和理由作为新事项受理"
              "（《信访工作条例》第三十六条第三款）。"))
    text = _statement_clean(statement)
    original = case.repeat_of
    with transaction.atomic():
        now = timezone.now()
        case_transition(
            case=case, allowed=[Case.Status.CLOSED], to=Case.Status.REGISTERED, actor=actor,
            action="accepted_new_facts", action_label=_("作为新事项受理"), note=text,
            data={"case": original.pk if original else None}, closed_at=None, closed_reason="")
        # Art. 22: registered, then transferred or assigned within 15 days.
        deadline_open(case=case, kind="route_by", start=timezone.localdate(now))
        if original is not None:
            case_event_append(
                case=original, actor=actor, action="new_facts_case", at=now, data={"case": case.pk},
                note=_("信访人提出新的事实和理由，%(n)s 作为新的信访事项受理：%(s)s") % {"n": case.number, "s": text})
        audit_record(actor=actor, action="case.accept_new_facts", obj=case,
                     detail={"original": original.pk if original else None, "statement": text[:500]})
    return case
