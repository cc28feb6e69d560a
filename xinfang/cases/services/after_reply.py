"""After the answer: the petitioner's rating, review (复查) and re-review (复核), and closing."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.cases.models import Case, CaseDeadline, CaseDocument, CaseRating
from xinfang.cases.services.events import case_event_append, case_transition, not_allowed
from xinfang.core.errors import Forbidden, InvalidTransition, ValidationFailed
from xinfang.deadlines.services import deadline_cancel, deadline_meet, deadline_open
from xinfang.notifications.services import notify_bureau, notify_unit, outbox_enqueue_for_petitioners


def _open_window(case: Case, kind: str, article: str) -> None:
    deadline = CaseDeadline.objects.filter(case=case, kind=kind, cancelled=False).first()
    if deadline is not None and timezone.localdate() > deadline.due_date:
        raise InvalidTransition(
            _("申请期限已于%(d)s届满（%(a)s）。") % {"d": deadline.due_date.isoformat(), "a": article}
        )


def _petitioner(actor: Any) -> Any:
    """The actor of a step the petitioner takes (rating, asking for review): without a staff account it
    is the petitioner (logged as 信访人), never the system, whose ``None`` marks the automatic steps."""
    return AnonymousUser() if actor is None else actor


def _rating_stage(case: Case) -> str | None:
    if case.re_review_outcome:
        return CaseRating.Stage.RE_REVIEW
    if case.review_outcome:
        return CaseRating.Stage.REVIEW
    if case.replied_at:
        return CaseRating.Stage.REPLY
    return None


@transaction.atomic
def case_rate(*, case: Case, rating: str, actor: Any = None) -> CaseRating:
    """The petitioner rates the latest answer once (满意 / 基本满意 / 不满意). Policy: 不满意 opens a
    follow-up for the bureau (DOMAIN.md) and counts against the unit in assessment."""
    actor = _petitioner(actor)
    if rating not in CaseRating.Rating.values:
        raise ValidationFailed(_("评价必须是满意、基本满意或不满意。"),
                               errors={"rating": [_("必须是 satisfied、basically_satisfied 或 dissatisfied。")]})
    stage = _rating_stage(case)
    if stage is None:
        raise InvalidTransition(_("该事项尚未答复，暂不能评价。"))
    try:
        with transaction.atomic():
            result = CaseRating.objects.create(case=case, stage=stage, rating=rating, unit=case.handling_unit,
                                               at=timezone.now())
    except IntegrityError:
        raise InvalidTransition(_("您已经评价过该答复。")) from None
    case_event_append(case=case, actor=actor, action="rated", note=str(CaseRating.Rating(rating).label),
                      data={"stage": stage, "rating": rating})
    if rating == CaseRating.Rating.DISSATISFIED:
        notify_bureau(case=case, kind="dissatisfied",
                      text=_("信访人对 %(n)s 的答复不满意，请跟进。") % {"n": case.number})
    return result


@transaction.atomic
def case_review_request(*, case: Case, reason: str, actor: Any = None) -> Case:
    """The petitioner asks for review within 30 days of the written reply (信访工作条例 Art. 35)."""
    actor = _petitioner(actor)
    if case.status != Case.Status.REPLIED:
        raise not_allowed(case, _("申请复查"))
    _open_window(case, "review_request_by", _("《信访工作条例》第三十五条"))
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationFailed(_("请写明申请复查的理由。"), errors={"reason": [_("请写明申请复查的理由。")]})
    now = timezone.now()
    case_transition(case=case, allowed=[Case.Status.REPLIED], to=Case.Status.REVIEW_REQUESTED, actor=actor,
                    action="review_requested", action_label=_("申请复查"), note=reason[:2000])
    deadline_meet(case=case, kind="review_request_by", at=now)
    deadline_open(case=case, kind="review_decide_by", start=timezone.localdate(now))
    notify_bureau(case=case, kind="review_requested", text=_("%(n)s 申请复查。") % {"n": case.number})
    return case


def _decide(*, case: Case, actor: Any, outcome: str, text: str, stage: str) -> None:
    if not actor.has_perm("cases.decide_review"):
        raise Forbidden(_("您没有作出复查复核意见的权限。"))
    errors: dict[str, list[str]] = {}
    if outcome not in Case.ReviewOutcome.values:
        errors["outcome"] = [_("意见必须是维持、变更或撤销重办之一。")]
    if len((text or "").strip()) < 10:
        errors["text"] = [_("意见书正文至少10个字。")]
    if errors:
        raise ValidationFailed(_("%(s)s意见不完整。") % {"s": stage}, errors=errors)


@transaction.atomic
def case_review_decide(*, case: Case, actor: Any, outcome: str, text: str) -> Case:
    """The review opinion within 30 days of the request (Art. 35); the petitioner may then ask for
    re-review within 30 days (Art. 36)."""
    if case.status != Case.Status.REVIEW_REQUESTED:
        raise not_allowed(case, _("作出复查意见"))
    _decide(case=case, actor=actor, outcome=outcome, text=text, stage=_("复查"))
    now = timezone.now()
    case_transition(case=case, allowed=[Case.Status.REVIEW_REQUESTED], to=Case.Status.REVIEWED, actor=actor,
                    action="review_decided", action_label=_("作出复查意见"), note=text.strip()[:500],
                    data={"outcome": outcome}, review_outcome=outcome)
    deadline_meet(case=case, kind="review_decide_by", at=now)
    deadline_open(case=case, kind="re_review_request_by", start=timezone.localdate(now))
    CaseDocument.objects.create(case=case, kind=CaseDocument.Kind.REVIEW_OPINION, title=f"复查意见书（{case.number}）",
                                body=text.strip(), public=True, issued_at=now, created_by=actor)
    notify_unit(case=case, kind="review_decided", text=_("%(n)s 复查意见已作出。") % {"n": case.number})
    outbox_enqueue_for_petitioners(case=case, body=_("您的信访事项%(n)s复查意见已作出。") % {"n": case.number})
    return case


@transaction.atomic
def case_re_review_request(*, case: Case, reason: str, actor: Any = None) -> Case:
    """The petitioner asks for re-review within 30 days of the review opinion (Art. 36)."""
    actor = _petitioner(actor)
    if case.status != Case.Status.REVIEWED:
        raise not_allowed(case, _("申请复核"))
    _open_window(case, "re_review_request_by", _("《信访工作条例》第三十六条"))
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationFailed(_("请写明申请复核的理由。"), errors={"reason": [_("请写明申请复核的理由。")]})
    now = timezone.now()
    case_transition(case=case, allowed=[Case.Status.REVIEWED], to=Case.Status.RE_REVIEW_REQUESTED, actor=actor,
                    action="re_review_requested", action_label=_("申请复核"), note=reason[:2000])
    deadline_meet(case=case, kind="re_review_request_by", at=now)
    deadline_open(case=case, kind="re_review_decide_by", start=timezone.localdate(now))
    notify_bureau(case=case, kind="re_review_requested", text=_("%(n)s 申请复核。") % {"n": case.number})
    return case


@transaction.atomic
def case_re_review_decide(*, case: Case, actor: Any, outcome: str, text: str) -> Case:
    """The re-review opinion within 30 days (Art. 36); the matter is closed for good: the same facts and
    reasons are not accepted again (Art. 36 ¶3)."""
    if case.status != Case.Status.RE_REVIEW_REQUESTED:
        raise not_allowed(case, _("作出复核意见"))
    _decide(case=case, actor=actor, outcome=outcome, text=text, stage=_("复核"))
    now = timezone.now()
    case_transition(case=case, allowed=[Case.Status.RE_REVIEW_REQUESTED], to=Case.Status.CLOSED, actor=actor,
                    action="re_review_decided", action_label=_("作出复核意见"), note=text.strip()[:500],
                    data={"outcome": outcome}, re_review_outcome=outcome, closed_at=now, closed_reason="re_reviewed")
    deadline_meet(case=case, kind="re_review_decide_by", at=now)
    CaseDocument.objects.create(case=case, kind=CaseDocument.Kind.RE_REVIEW_OPINION,
                                title=f"复核意见书（{case.number}）", body=text.strip(), public=True, issued_at=now,
                                created_by=actor)
    outbox_enqueue_for_petitioners(case=case, body=_("您的信访事项%(n)s复核意见已作出。") % {"n": case.number})
    return case


def case_close_expired(*, today: date | None = None) -> int:
    """Close cases whose petitioner let the window for review or re-review pass (Art. 35, 36).
    Safe with several workers: each case is closed by a conditional update on its status."""
    today = today or timezone.localdate()
    closing = {
        Case.Status.REPLIED: ("review_request_by", "no_review_requested"),
        Case.Status.REVIEWED: ("re_review_request_by", "no_re_review_requested"),
    }
    closed = 0
    for status, (kind, reason) in closing.items():
        ids = list(CaseDeadline.objects.filter(kind=kind, met_at__isnull=True, cancelled=False, due_date__lt=today,
                                               case__status=status).values_list("case_id", flat=True))
        for case_id in ids:
            with transaction.atomic():
                case = Case.objects.filter(pk=case_id, status=status).first()
                if case is None:
                    continue
                try:
                    case_transition(case=case, allowed=[status], to=Case.Status.CLOSED, actor=None, action="closed",
                                    action_label=_("办结"), note=_("信访人未在期限内申请，事项办结。"),
                                    data={"reason": reason}, closed_at=timezone.now(), closed_reason=reason)
                except InvalidTransition:
                    continue  # another worker closed it first
                deadline_cancel(case=case, kinds=[kind])
                closed += 1
    return closed
