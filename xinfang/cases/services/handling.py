"""From routing to the written reply: 转送/交办, 受理, 不予受理, 退回, 延期, 答复."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinfang.accounts.access import unit_is_accused_in, user_is_accused_in
from xinfang.accounts.models import Unit
from xinfang.cases.models import Case, CaseDeadline, CaseDocument
from xinfang.cases.services.events import case_transition, not_allowed
from xinfang.core.audit import audit_record
from xinfang.core.errors import Forbidden, InvalidTransition, ValidationFailed
from xinfang.deadlines.rules import MAX_EXTENSION_DAYS, REPORT_MAX_DAYS, RULES
from xinfang.deadlines.services import deadline_cancel, deadline_extend, deadline_meet, deadline_open
from xinfang.notifications.services import notify_bureau, notify_unit, outbox_enqueue_for_petitioners

# 诉访分离 (信访工作条例 Art. 28 ¶2, Art. 31 (1)–(4)): the legal channel a refused claim belongs to.
LEGAL_CHANNELS: dict[str, Any] = {
    "litigation": gettext_lazy("诉讼"),
    "administrative_review": gettext_lazy("行政复议"),
    "administrative_litigation": gettext_lazy("行政诉讼"),
    "arbitration": gettext_lazy("仲裁（含劳动人事争议仲裁）"),
    "procuratorate": gettext_lazy("检察机关法律监督"),
    "police": gettext_lazy("公安机关法律程序"),
    "party_appeal": gettext_lazy("党员申诉、申请复审"),
    "administrative_procedure": gettext_lazy("行政裁决、确认、许可、处罚等行政程序"),
    "other_authority": gettext_lazy("向有权处理的机关、单位提出"),
    "none": gettext_lazy("无（其他不予受理情形）"),
}


def _require(actor: Any, perm: str, message: str) -> None:
    if not actor.has_perm(perm):
        raise Forbidden(message)


def _require_handler_of(actor: Any, case: Case, *, perm: str = "cases.handle_case") -> Unit:
    """The actor works in the unit handling the case (or above it, where the unit sees its sub-units);
    answers the handling unit."""
    _require(actor, perm, _("您没有办理该事项的权限。"))
    unit = getattr(actor, "unit", None)
    handling = case.handling_unit
    if unit is None or handling is None:
        raise Forbidden(_("只有承办单位可以办理该事项。"))
    if unit.pk != handling.pk and not (unit.scope_includes_children and handling.path.startswith(unit.path)):
        raise Forbidden(_("只有承办单位可以办理该事项。"))
    if user_is_accused_in(user=actor, case=case):
        # 信访工作条例 Art. 30 ¶3, Art. 46(5): a person accused never handles the accusation, even when it
        # went (rightly) to their unit; the same message as above, so the refusal does not disclose it.
        raise Forbidden(_("只有承办单位可以办理该事项。"))
    return handling


def case_handled_by(*, user: Any, case: Case, perm: str = "cases.handle_case") -> bool:
    """True if ``user`` may act for the handling unit of ``case`` with ``perm`` (the rule the services
    enforce); the case page uses it to offer only the actions that will be allowed."""
    try:
        _require_handler_of(user, case, perm=perm)
    except Forbidden:
        return False
    return True


def _deadline(case: Case, kind: str) -> CaseDeadline | None:
    return CaseDeadline.objects.filter(case=case, kind=kind, cancelled=False).first()


def _issue_document(*, case: Case, kind: str, body: str, actor: Any) -> CaseDocument:
    """An issued notice or opinion, published to the petitioner; the .docx comes from the template of its
    kind (issue documents are drafted in the workbench)."""
    label = CaseDocument.Kind(kind).label
    return CaseDocument.objects.create(case=case, kind=kind, title=f"{label}（{case.number}）", body=body,
                                       public=True, issued_at=timezone.now(), created_by=actor)


def case_route(*, case: Case, unit: Unit, mode: str, actor: Any, note: str = "",
               report_days: int | None = None) -> Case:
    """Transfer (转送) or assign (交办) the case to the unit that has the power to handle it
    (信访工作条例 Art. 22). Never to an accused unit or a unit below one (Art. 30 ¶3). An assignment opens
    the deadline for the report of the result (``report_by``, Art. 22 (3)): ``report_days`` days, by
    default the rule's; a transfer takes no ``report_days``."""
    # The checks run before the transaction of the step: a refused attempt to pass an accusation to the
    # accused must stay in the audit log (SECURITY.md 2, 8), not be rolled back with the step.
    _require(actor, "cases.route_case", _("您没有转送交办的权限。"))
    if case.status not in (Case.Status.REGISTERED, Case.Status.OBJECTED):
        raise not_allowed(case, _("转送交办"))
    if mode not in Case.RouteMode.values:
        raise ValidationFailed(_("转交方式必须是转送或交办。"), errors={"mode": [_("必须是 transfer 或 assign。")]})
    if report_days is not None:
        if mode != Case.RouteMode.ASSIGN:
            message = _("只有交办需要设定反馈期限。")
            raise ValidationFailed(message, errors={"report_days": [message]})
        if isinstance(report_days, bool) or not isinstance(report_days, int) or not 1 <= report_days <= REPORT_MAX_DAYS:
            message = _("反馈期限为1至%(n)d日（《信访工作条例》第二十二条、第三十四条）。") % {"n": REPORT_MAX_DAYS}
            raise ValidationFailed(message, errors={"report_days": [message]})
    if not unit.active or unit.kind == Unit.Kind.BUREAU:
        raise ValidationFailed(_("不能转送交办到该单位。"), errors={"unit": [_("请选择一个启用的承办单位。")]})
    if unit_is_accused_in(unit=unit, case=case):
        audit_record(actor=actor, action="case.route", obj=case, result="denied",
                     detail={"unit": unit.code, "reason": "accused_unit"})
        raise ValidationFailed(
            _("不得将检举控告材料转给被检举控告的单位或其下属单位（《信访工作条例》第三十条）。"),
            errors={"unit": [_("该单位是被反映单位。")]},
        )
    return _case_route(case=case, unit=unit, mode=mode, actor=actor, note=note, report_days=report_days)


@transaction.atomic
def _case_route(*, case: Case, unit: Unit, mode: str, actor: Any, note: str, report_days: int | None) -> Case:
    today = timezone.localdate()
    now = timezone.now()
    information_only = case.matter_type == Case.MatterType.INFORMATION
    # 反映情况 (Art. 29 ¶1 first clause): recorded and forwarded; nothing to accept or decide.
    to = Case.Status.CLOSED if information_only else Case.Status.ROUTED
    extra = {"closed_at": now, "closed_reason": "forwarded"} if information_only else {}
    assigned = mode == Case.RouteMode.ASSIGN and not information_only
    data: dict[str, Any] = {"unit": unit.code, "mode": mode}
    if assigned:
        data["report_days"] = report_days or RULES["report_by"].days
    case_transition(case=case, allowed=[case.status], to=to, actor=actor, action="routed", action_label=_("转送交办"),
                    note=note, data=data, handling_unit=unit, route_mode=mode, routed_at=now, **extra)
    deadline_meet(case=case, kind="route_by", at=now)
    if not information_only:
        # Art. 23 ¶3: acceptance notice within 15 days, objection within 5 working days of receipt.
        deadline_open(case=case, kind="accept_by", start=today)
        deadline_open(case=case, kind="object_by", start=today)
    if assigned:
        # Art. 22 (3): the assigned unit reports the result (办结报告) within the time the bureau set. A
        # re-assignment after an objection restarts it; a transfer after one leaves none running.
        deadline_open(case=case, kind="report_by", start=today, days=report_days)
    else:
        deadline_cancel(case=case, kinds=["report_by"])
    notify_unit(case=case, kind="routed",
                text=_("%(n)s 已%(m)s贵单位办理。") % {"n": case.number, "m": Case.RouteMode(mode).label})
    return case


@transaction.atomic
def case_accept(*, case: Case, actor: Any, note: str = "") -> Case:
    """The unit accepts the matter and tells the petitioner in writing (受理告知书, Art. 23 ¶3);
    the 60-day handling clock starts (Art. 34)."""
    handling = _require_handler_of(actor, case)
    now = timezone.now()
    case_transition(case=case, allowed=[Case.Status.ROUTED], to=Case.Status.ACCEPTED, actor=actor,
                    action="accepted", action_label=_("受理"), note=note, accepted_at=now)
    deadline_meet(case=case, kind="accept_by", at=now)
    deadline_cancel(case=case, kinds=["object_by"])
    decide = deadline_open(case=case, kind="decide_by", start=timezone.localdate(now))
    _issue_document(case=case, kind=CaseDocument.Kind.ACCEPTANCE_NOTICE, actor=actor,
                    body=_("您反映的信访事项（%(n)s）已由%(u)s受理，将于%(d)s前办结并书面答复。")
                    % {"n": case.number, "u": handling.name, "d": decide.due_date.isoformat()})
    outbox_enqueue_for_petitioners(case=case, body=_("您的信访事项%(n)s已受理。") % {"n": case.number})
    return case


@transaction.atomic
def case_refuse(*, case: Case, actor: Any, reason: str, legal_channel: str) -> Case:
    """The unit does not accept the matter, with the reasons and, for a matter that belongs to another
    legal procedure, the channel to use (不予受理告知书; 诉访分离, Art. 28 ¶2, Art. 31)."""
    _require_handler_of(actor, case)
    if case.status != Case.Status.ROUTED:
        raise not_allowed(case, _("不予受理"))
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if len(reason) < 4:
        errors["reason"] = [_("请写明不予受理的理由。")]
    if legal_channel not in LEGAL_CHANNELS:
        errors["legal_channel"] = [_("请选择应当导入的法定途径。")]
    elif case.matter_type == Case.MatterType.CLAIM and legal_channel == "none":
        errors["legal_channel"] = [_("申诉求决事项不予受理时，必须告知信访人应当通过的法定途径。")]
    if errors:
        raise ValidationFailed(_("不予受理的信息不完整。"), errors=errors)
    now = timezone.now()
    case_transition(case=case, allowed=[Case.Status.ROUTED], to=Case.Status.REFUSED, actor=actor, action="refused",
                    action_label=_("不予受理"), note=reason, data={"legal_channel": legal_channel},
                    refuse_reason=reason, legal_channel=legal_channel, closed_at=now, closed_reason="refused")
    deadline_meet(case=case, kind="accept_by", at=now)
    # Art. 22 (3): for an assigned matter the refusal, with its notice, is the result reported back.
    deadline_meet(case=case, kind="report_by", at=now)
    deadline_cancel(case=case, kinds=["object_by"])
    _issue_document(case=case, kind=CaseDocument.Kind.REFUSAL_NOTICE, actor=actor,
                    body=_("您反映的信访事项（%(n)s）不予受理。理由：%(r)s。请通过以下途径依法提出：%(c)s。")
                    % {"n": case.number, "r": reason, "c": LEGAL_CHANNELS[legal_channel]})
    outbox_enqueue_for_petitioners(case=case, body=_("您的信访事项%(n)s不予受理，详见告知书。") % {"n": case.number})
    return case


@transaction.atomic
def case_object(*, case: Case, actor: Any, reason: str) -> Case:
    """The unit objects that the matter is not within its powers (退回), with reasons, within 5 working
    days of receiving it (信访工作条例 Art. 23 ¶3); the case goes back to the bureau to be routed again."""
    _require_handler_of(actor, case)
    if case.status != Case.Status.ROUTED:
        raise not_allowed(case, _("提出异议"))
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationFailed(_("请详细说明异议理由。"), errors={"reason": [_("请详细说明异议理由。")]})
    window = _deadline(case, "object_by")
    today = timezone.localdate()
    if window is not None and today > window.due_date:
        raise InvalidTransition(
            _("异议期限已于%(d)s届满（收到之日起5个工作日，《信访工作条例》第二十三条）。") % {"d": window.due_date}
        )
    now = timezone.now()
    from_unit = case.handling_unit
    case_transition(case=case, allowed=[Case.Status.ROUTED], to=Case.Status.OBJECTED, actor=actor,
                    action="objected", action_label=_("提出异议"), note=reason,
                    data={"unit": from_unit.code if from_unit else None}, handling_unit=None, route_mode="")
    deadline_meet(case=case, kind="object_by", at=now)
    # The matter goes back to the bureau: the unit owes no acceptance notice and no report any more.
    deadline_cancel(case=case, kinds=["accept_by", "report_by"])
    # Policy (configurable): the bureau routes again within REROUTE_DAYS of the objection.
    deadline_open(case=case, kind="route_by", start=today, days=settings.XINFANG["REROUTE_DAYS"])
    notify_bureau(case=case, kind="objected",
                  text=_("%(u)s 对 %(n)s 提出异议：%(r)s") % {"u": from_unit, "n": case.number, "r": reason[:100]})
    return case


@transaction.atomic
def case_extend(*, case: Case, actor: Any, days: int, reason: str) -> Case:
    """Extend the handling deadline once, by at most 30 days, with the head's approval; the petitioner is
    told why (延期告知书, 信访工作条例 Art. 34)."""
    _require_handler_of(actor, case, perm="cases.approve_extension")
    if case.status != Case.Status.ACCEPTED:
        raise not_allowed(case, _("延期"))
    # 信访工作条例 Art. 34: one extension. The status does not change on an extension, so the conditional
    # update in case_transition cannot stop a second one made from a copy read before the first: read the
    # count again, with the row locked until commit.
    case.extension_days = Case.objects.select_for_update().values_list("extension_days", flat=True).get(pk=case.pk)
    if case.extension_days:
        raise InvalidTransition(_("办理期限只能延长一次（《信访工作条例》第三十四条）。"))
    errors: dict[str, list[str]] = {}
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_EXTENSION_DAYS:
        errors["days"] = [_("延长期限为1至30日（《信访工作条例》第三十四条）。")]
    reason = (reason or "").strip()
    if len(reason) < 4:
        errors["reason"] = [_("请写明延期理由，将告知信访人。")]
    if errors:
        raise ValidationFailed(_("延期申请不完整。"), errors=errors)
    decide = _deadline(case, "decide_by")
    if decide is not None and timezone.localdate() > decide.due_date:
        raise InvalidTransition(_("办理期限已于%(d)s届满，不能再延期。") % {"d": decide.due_date})
    case_transition(case=case, allowed=[Case.Status.ACCEPTED], to=Case.Status.ACCEPTED, actor=actor,
                    action="extended", action_label=_("延期"), note=reason, data={"days": days},
                    extension_days=days)
    extended = deadline_extend(case=case, kind="decide_by", extra_days=days)
    # An assigned matter's report follows the handling time it reports on (Art. 22 (3), Art. 34).
    if _deadline(case, "report_by") is not None:
        deadline_extend(case=case, kind="report_by", extra_days=days)
    _issue_document(case=case, kind=CaseDocument.Kind.EXTENSION_NOTICE, actor=actor,
                    body=_("您反映的信访事项（%(n)s）因%(r)s，办理期限延长%(days)d日，至%(d)s。")
                    % {"n": case.number, "r": reason, "days": days, "d": extended.due_date.isoformat()})
    outbox_enqueue_for_petitioners(case=case, body=_("您的信访事项%(n)s办理期限已延长，详见延期告知书。") % {"n": case.number})
    return case


@transaction.atomic
def case_reply(*, case: Case, actor: Any, outcome: str, text: str) -> Case:
    """The written answer (处理意见书: support / explain / reject, Art. 32; or a mediation or settlement
    agreement, Art. 33). For a claim (申诉求决) the 30-day window to ask for review opens (Art. 35); other
    matters close with the answer."""
    _require_handler_of(actor, case)
    if case.status != Case.Status.ACCEPTED:
        raise not_allowed(case, _("答复"))
    errors: dict[str, list[str]] = {}
    if outcome not in Case.Outcome.values:
        errors["outcome"] = [_("处理意见必须是支持、解释说明、不予支持或调解和解之一。")]
    text = (text or "").strip()
    if len(text) < 10:
        errors["text"] = [_("处理意见书正文至少10个字，并载明事实、理由和依据（《信访工作条例》第三十二条）。")]
    if errors:
        raise ValidationFailed(_("答复内容不完整。"), errors=errors)
    now = timezone.now()
    reviewable = case.matter_type == Case.MatterType.CLAIM
    to = Case.Status.REPLIED if reviewable else Case.Status.CLOSED
    extra = {} if reviewable else {"closed_at": now, "closed_reason": "replied"}
    case_transition(case=case, allowed=[Case.Status.ACCEPTED], to=to, actor=actor, action="replied",
                    action_label=_("答复"), note=text[:500], data={"outcome": outcome}, outcome=outcome,
                    reply_text=text, replied_at=now, **extra)
    deadline_meet(case=case, kind="decide_by", at=now)
    # Art. 22 (3): the reply (处理意见书, sent to the bureau with the case) is the result reported back on an
    # assigned matter.
    deadline_meet(case=case, kind="report_by", at=now)
    if reviewable:
        deadline_open(case=case, kind="review_request_by", start=timezone.localdate(now))
    _issue_document(case=case, kind=CaseDocument.Kind.REPLY_OPINION, actor=actor, body=text)
    outbox_enqueue_for_petitioners(case=case, body=_("您的信访事项%(n)s已答复，请凭查询码查看并评价。") % {"n": case.number})
    return case
