"""Supervision (督查督办): orders on a case or a unit with a required reply and a deadline, the unit's reply,
the issuer's review, reminders, and escalation to listed supervision (挂牌督办).

信访工作条例 Art. 38 ¶2: the petition bureau supervises as the work requires and reports back the problems
it finds; Art. 40 ¶1: where a unit handles petitions against the rules, or shirks, is perfunctory, delays,
falsifies or refuses to carry out the decision (推诿、敷衍、拖延、弄虚作假、拒不执行), it supervises in good
time; Art. 40 ¶4: the unit gives written feedback; Art. 39 ¶3: serious failures are met with 约谈、通报、
挂牌督办 and a deadline to put things right; Art. 41 (2): the annual report counts the 督办. One service per
step; each writes the order, a ``CaseEvent`` on the case's timeline (for an order on a case) and an audit
row in one transaction, and notifies on commit.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.accounts.access import unit_is_accused_in
from xinfang.accounts.models import Unit, User
from xinfang.accounts.roles import UNIT_ROLES
from xinfang.cases.models import Case
from xinfang.core.errors import Forbidden, InvalidTransition, ValidationFailed
from xinfang.governance.models import SupervisionOrder, SupervisionReply
from xinfang.governance.selectors import ISSUE_SUPERVISION, REPLY_SUPERVISION, supervision_can_reply
from xinfang.governance.services._common import (
    clean_choice,
    clean_due_date,
    clean_text,
    event_and_audit,
    require_case_visible,
    require_perm,
)
from xinfang.notifications.services import notify_unit, notify_users

Status = SupervisionOrder.Status
# Policy: the unit is reminded this many days before the reply is due (and again once it is overdue).
DEFAULT_REMIND_DAYS = 2


def remind_days() -> int:
    return int(getattr(settings, "XINFANG", {}).get("SUPERVISION_REMIND_DAYS", DEFAULT_REMIND_DAYS))


def _notify_unit_staff(order: SupervisionOrder, *, kind: str, text: str) -> int:
    """The staff of the supervised unit: through the gateway for an order on a case (an accused person
    is never told), all of the unit's handlers and heads for an order on the unit itself."""
    if order.case_id is not None:
        return notify_unit(case=order.case, kind=kind, text=text, unit_id=order.unit_id)
    staff = list(User.objects.filter(unit_id=order.unit_id, role__in=UNIT_ROLES, is_active=True))
    return notify_users(users=staff, kind=kind, text=text)


def _locked(order: SupervisionOrder) -> SupervisionOrder:
    return (SupervisionOrder.objects.select_for_update(of=("self",))
            .select_related("case", "unit", "issued_by").get(pk=order.pk))


def _subject(order: SupervisionOrder) -> str:
    return order.case.number if order.case_id and order.case else order.unit.name


@transaction.atomic
def supervision_issue(*, actor: Any, grounds: str, text: str, reply_due: date | None, case: Case | None = None,
                      unit: Unit | None = None) -> SupervisionOrder:
    """An order on a case (the unit handling it is supervised) or on a unit, with the grounds (Art. 40 ¶1,
    Art. 38 ¶3), what is required and the day the written reply is due."""
    require_perm(actor, ISSUE_SUPERVISION, _("您没有发出督办单的权限。"))
    if (case is None) == (unit is None):
        message = _("请选择督办的事项或单位（二者选一）。")
        raise ValidationFailed(message, errors={"case": [message], "unit": [message]})
    if case is not None:
        require_case_visible(actor, case)
        if case.handling_unit_id is None:
            message = _("该事项尚未转送交办，没有可督办的承办单位。")
            raise ValidationFailed(message, errors={"case": [message]})
        unit = case.handling_unit
        assert unit is not None
        # Belt and braces (Art. 30 ¶3): the handling unit is never the accused one.
        if unit_is_accused_in(unit=unit, case=case):
            message = _("不能向被反映单位督办该事项。")
            raise ValidationFailed(message, errors={"case": [message]})
    assert unit is not None
    if not unit.active:
        message = _("该单位已停用。")
        raise ValidationFailed(message, errors={"unit": [message]})
    grounds = clean_choice(grounds, SupervisionOrder.Grounds, field="grounds", message=_("请选择督办事由。"))
    text = clean_text(text, field="text", minimum=10, maximum=5000, message=_("督办要求至少10个字。"))
    due = clean_due_date(reply_due, field="reply_due", earliest=timezone.localdate() + timedelta(days=1))
    assert due is not None
    order = SupervisionOrder.objects.create(case=case, unit=unit, issued_by=actor, issuer_role=actor.role,
                                            issued_at=timezone.now(), grounds=grounds, text=text, reply_due=due)
    label = SupervisionOrder.Grounds(grounds).label
    event_and_audit(case=case, actor=actor, action="supervision_issued", obj=order,
                    note=_("督办 %(u)s（%(g)s），%(d)s前书面回复：%(t)s") % {
                        "u": unit.name, "g": label, "d": due.isoformat(), "t": text[:300]},
                    data={"order": order.pk, "unit": unit.code, "grounds": grounds, "reply_due": due.isoformat()})
    _notify_unit_staff(order, kind="supervision",
                       text=_("督办单 %(o)s（%(s)s）：请于%(d)s前书面回复。") % {
                           "o": order.number, "s": _subject(order), "d": due.isoformat()})
    return order


@transaction.atomic
def supervision_reply(*, order: SupervisionOrder, actor: Any, text: str) -> SupervisionReply:
    """The supervised unit's written reply (Art. 40 ¶4), by its staff; a late reply is marked late."""
    require_perm(actor, REPLY_SUPERVISION, _("您没有回复督办单的权限。"))
    order = _locked(order)
    if order.case is not None:
        require_case_visible(actor, order.case)
    if not supervision_can_reply(user=actor, order=order):
        raise Forbidden(_("只有被督办单位可以回复督办单。"))
    if order.status != Status.OPEN:
        raise InvalidTransition(_("督办单当前为“%(s)s”，不能回复。") % {"s": order.get_status_display()})
    text = clean_text(text, field="text", minimum=10, maximum=5000, message=_("回复内容至少10个字。"))
    now = timezone.now()
    if not SupervisionOrder.objects.filter(pk=order.pk, status=Status.OPEN).update(status=Status.REPLIED):
        raise InvalidTransition(_("督办单已回复。"))
    late = timezone.localdate(now) > order.reply_due
    reply = SupervisionReply.objects.create(order=order, unit=order.unit, author=actor, text=text, at=now, late=late)
    order.status = Status.REPLIED
    event_and_audit(case=order.case, actor=actor, action="supervision_replied", obj=order,
                    note=(_("（逾期回复）") if late else "") + text[:500],
                    data={"order": order.pk, "reply": reply.pk, "late": late})
    notify_users(users=[order.issued_by], case=order.case, kind="supervision_replied",
                 text=_("督办单 %(o)s（%(s)s）已回复，请审核。") % {"o": order.number, "s": _subject(order)})
    return reply


@transaction.atomic
def supervision_review(*, order: SupervisionOrder, actor: Any, accept: bool, note: str,
                       reply_due: date | None = None) -> SupervisionOrder:
    """The issuing side reviews the reply: accepted, the order is closed (办结); returned, the unit replies
    again by the new due date."""
    require_perm(actor, ISSUE_SUPERVISION, _("您没有审核督办回复的权限。"))
    order = _locked(order)
    if order.case is not None:
        require_case_visible(actor, order.case)
    if order.status != Status.REPLIED:
        raise InvalidTransition(_("督办单当前为“%(s)s”，不能审核。") % {"s": order.get_status_display()})
    note = clean_text(note, field="note", minimum=4 if not accept else 0, maximum=2000,
                      message=_("退回时请写明理由。"))
    now = timezone.now()
    reply = order.replies.order_by("-at", "-id").first()
    if accept:
        updated = SupervisionOrder.objects.filter(pk=order.pk, status=Status.REPLIED).update(
            status=Status.CLOSED, closed_at=now, closed_by=actor, closing_note=note)
        action, review = "supervision_closed", SupervisionReply.Review.ACCEPTED
        text = _("督办回复已认可，督办单办结。") + note
    else:
        due = clean_due_date(reply_due, field="reply_due", earliest=timezone.localdate(now) + timedelta(days=1))
        assert due is not None
        updated = SupervisionOrder.objects.filter(pk=order.pk, status=Status.REPLIED).update(
            status=Status.OPEN, reply_due=due, reminder_stage=0, overdue_at=None)
        action, review = "supervision_returned", SupervisionReply.Review.RETURNED
        text = _("督办回复被退回，请于%(d)s前重新回复：%(n)s") % {"d": due.isoformat(), "n": note}
    if not updated:
        raise InvalidTransition(_("督办单已被审核。"))
    if reply is not None:
        SupervisionReply.objects.filter(pk=reply.pk).update(review=review, review_note=note)
    order.refresh_from_db()
    event_and_audit(case=order.case, actor=actor, action=action, obj=order, note=text,
                    data={"order": order.pk, "accepted": accept})
    if not accept:
        _notify_unit_staff(order, kind="supervision_returned",
                           text=_("督办单 %(o)s（%(s)s）的回复被退回，请于%(d)s前重新回复。") % {
                               "o": order.number, "s": _subject(order), "d": order.reply_due.isoformat()})
    return order


@transaction.atomic
def supervision_escalate(*, order: SupervisionOrder, actor: Any, reason: str) -> SupervisionOrder:
    """挂牌督办 (信访工作条例 Art. 39 ¶3): a serious failure is listed — on the list every member of staff sees —
    until the order is closed. Decided by the bureau or a leader, with the reason."""
    require_perm(actor, ISSUE_SUPERVISION, _("您没有挂牌督办的权限。"))
    order = _locked(order)
    if order.case is not None:
        require_case_visible(actor, order.case)
    if order.status == Status.CLOSED:
        raise InvalidTransition(_("督办单已办结，不能挂牌督办。"))
    if order.listed:
        raise InvalidTransition(_("该督办单已挂牌督办。"))
    reason = clean_text(reason, field="reason", minimum=4, maximum=2000, message=_("请写明挂牌督办的理由。"))
    now = timezone.now()
    if not SupervisionOrder.objects.filter(pk=order.pk, listed=False).update(
            listed=True, listed_at=now, listed_by=actor, listed_reason=reason):
        raise InvalidTransition(_("该督办单已挂牌督办。"))
    order.refresh_from_db()
    event_and_audit(case=order.case, actor=actor, action="supervision_listed", obj=order,
                    note=_("挂牌督办：%(r)s") % {"r": reason[:500]}, data={"order": order.pk})
    _notify_unit_staff(order, kind="supervision_listed",
                       text=_("督办单 %(o)s（%(s)s）已挂牌督办，请限期整改并书面回复。") % {
                           "o": order.number, "s": _subject(order)})
    return order


def supervision_remind(*, today: date | None = None) -> dict[str, int]:
    """The reminder job: orders awaiting a reply that fall due within ``remind_days()`` get a "due soon"
    reminder, overdue ones an "overdue" reminder to the unit and the issuer (and an event on the case).
    Each stage is claimed with a conditional update of ``reminder_stage``, so several workers (or a job
    that overlaps the next) never remind twice. Returns how many of each were sent."""
    today = today or timezone.localdate()
    soon, overdue = 0, 0
    due_soon = (SupervisionOrder.objects.filter(status=Status.OPEN, reminder_stage__lt=1, reply_due__gte=today,
                                                reply_due__lte=today + timedelta(days=remind_days()))
                .values_list("pk", flat=True))
    for pk in list(due_soon):
        with transaction.atomic():
            if not SupervisionOrder.objects.filter(pk=pk, status=Status.OPEN, reminder_stage__lt=1).update(
                    reminder_stage=1):
                continue
            order = SupervisionOrder.objects.select_related("case", "unit").get(pk=pk)
            _notify_unit_staff(order, kind="supervision_due",
                               text=_("督办单 %(o)s（%(s)s）将于%(d)s到期，请按时书面回复。") % {
                                   "o": order.number, "s": _subject(order), "d": order.reply_due.isoformat()})
            soon += 1
    late = (SupervisionOrder.objects.filter(status=Status.OPEN, reminder_stage__lt=2, reply_due__lt=today)
            .values_list("pk", flat=True))
    for pk in list(late):
        with transaction.atomic():
            now = timezone.now()
            if not SupervisionOrder.objects.filter(pk=pk, status=Status.OPEN, reminder_stage__lt=2).update(
                    reminder_stage=2, overdue_at=now):
                continue
            order = SupervisionOrder.objects.select_related("case", "unit", "issued_by").get(pk=pk)
            text = _("督办单 %(o)s（%(s)s）已超过回复期限（%(d)s）。") % {
                "o": order.number, "s": _subject(order), "d": order.reply_due.isoformat()}
            event_and_audit(case=order.case, actor=None, action="supervision_overdue", obj=order, note=text,
                            data={"order": order.pk, "reply_due": order.reply_due.isoformat()})
            _notify_unit_staff(order, kind="supervision_overdue", text=text)
            notify_users(users=[order.issued_by], case=order.case, kind="supervision_overdue", text=text)
            overdue += 1
    return {"due_soon": soon, "overdue": overdue}
