"""Writes of the petitioners app: a bureau officer links two cases, or removes a link (issue 6, 重复信访).
Each is one transaction: the checks, the row, an event on both cases' timelines and the audit row
(STYLE.md habit 1; SECURITY.md 9: a failed audit write fails the step)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.accounts.access import cases_visible_to
from xinfang.cases.models import Case
from xinfang.cases.services.events import case_event_append
from xinfang.core.audit import audit_record
from xinfang.core.errors import Forbidden, NotFound, ValidationFailed
from xinfang.petitioners.models import CaseLink
from xinfang.petitioners.selectors import LINK_PERMISSION

NOTE_MAX = 500


def _require_link_permission(actor: Any) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(LINK_PERMISSION):
        raise Forbidden(_("您没有关联信访事项的权限。"))


def _clean_note(note: Any) -> str:
    text = (note if isinstance(note, str) else "").strip()
    if "\x00" in text:
        message = _("说明含有无效字符。")
        raise ValidationFailed(message, errors={"note": [message]})
    if len(text) > NOTE_MAX:
        message = _("最多%(n)d个字。") % {"n": NOTE_MAX}
        raise ValidationFailed(message, errors={"note": [message]})
    return text


def case_link(*, actor: Any, case: Case, other: Case, kind: str, note: str = "") -> CaseLink:
    """Record that ``case`` is ``kind`` (repeat of, duplicate of, related to) of ``other``. Both cases must
    be in the actor's scope (the one being viewed: 404; the other: a field error, as if it did not exist);
    no self-links and no second link of the same kind between the same two cases (either direction)."""
    _require_link_permission(actor)
    visible = cases_visible_to(actor)
    if not visible.filter(pk=case.pk).exists():
        raise NotFound()
    if kind not in CaseLink.Kind.values:
        message = _("关联类型无效。")
        raise ValidationFailed(message, errors={"kind": [message]})
    not_found = _("未找到该事项。")
    if other is None or not visible.filter(pk=other.pk).exists():
        raise ValidationFailed(not_found, errors={"other": [not_found]})
    if other.pk == case.pk:
        message = _("不能与本事项自身关联。")
        raise ValidationFailed(message, errors={"other": [message]})
    text = _clean_note(note)
    duplicate = _("这两个事项已有此类关联。")
    with transaction.atomic():
        pair = Q(from_case=case, to_case=other) | Q(from_case=other, to_case=case)
        if CaseLink.objects.filter(pair, kind=kind).exists():
            raise ValidationFailed(duplicate, errors={"other": [duplicate]}, code="duplicate")
        now = timezone.now()
        try:
            with transaction.atomic():
                link = CaseLink.objects.create(from_case=case, to_case=other, kind=kind, note=text,
                                               created_by=actor, created_at=now)
        except IntegrityError:
            # Two officers linking the same pair at once: the second one is told, nothing half-written.
            raise ValidationFailed(duplicate, errors={"other": [duplicate]}, code="duplicate") from None
        label = CaseLink.Kind(kind).label
        data = {"link": link.pk, "kind": kind}
        case_event_append(case=case, actor=actor, action="case_link", at=now, data={**data, "case": other.pk},
                          note=_("关联事项 %(n)s（%(k)s）") % {"n": other.number, "k": label}
                          + (f"：{text}" if text else ""))
        case_event_append(case=other, actor=actor, action="case_link", at=now, data={**data, "case": case.pk},
                          note=_("被事项 %(n)s 关联（%(k)s）") % {"n": case.number, "k": label}
                          + (f"：{text}" if text else ""))
        audit_record(actor=actor, action="case.link", obj=link,
                     detail={"from": case.pk, "to": other.pk, "kind": kind})
    return link


def case_unlink(*, actor: Any, link: CaseLink) -> None:
    """Remove a link; both of its cases must be in the actor's scope. The events and the audit row keep
    what was there."""
    _require_link_permission(actor)
    visible = cases_visible_to(actor)
    if visible.filter(pk__in=[link.from_case_id, link.to_case_id]).count() != 2:
        raise NotFound()
    with transaction.atomic():
        deleted, _rows = CaseLink.objects.filter(pk=link.pk).delete()
        if not deleted:
            raise NotFound()
        now = timezone.now()
        label = CaseLink.Kind(link.kind).label
        data = {"link": link.pk, "kind": link.kind}
        for here, other in ((link.from_case, link.to_case), (link.to_case, link.from_case)):
            case_event_append(case=here, actor=actor, action="case_unlink", at=now, data={**data, "case": other.pk},
                              note=_("取消与事项 %(n)s 的关联（%(k)s）") % {"n": other.number, "k": label})
        audit_record(actor=actor, action="case.unlink", object_type="petitioners.caselink", object_id=str(link.pk),
                     detail={"from": link.from_case_id, "to": link.to_case_id, "kind": link.kind})
