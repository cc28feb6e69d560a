"""Input and output shapes of the governance API (/api/v1/governance/). As in ``xinfang/cases``, answers are
built by the functions below as plain dicts; the output serializers describe them for the OpenAPI schema
(tests/api/test_fuzz.py checks every answer against them)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from xinfang.api.pagination import MAX_ID, paginated
from xinfang.cases.models import Case
from xinfang.cases.serializers import ReferenceOut
from xinfang.governance.models import (
    AfterCareTask,
    BacklogEntry,
    BacklogMilestone,
    BacklogNote,
    SupervisionOrder,
    SupervisionReply,
)
from xinfang.governance.selectors import StockFlow, StockFlowRow


def _id(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def _text(max_length: int, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, **kwargs)


# --- Inputs ------------------------------------------------------------------------------------------------

class BacklogRegisterIn(serializers.Serializer):
    case = _id(help_text="The id of a case the caller can see.")
    reason = _text(2000, help_text="Why the case enters the register (at least 4 characters; audited).")


class BacklogLeaderIn(serializers.Serializer):
    leader = _id(help_text="The user id of a leader (role leader) who can see the case; a leader may name "
                           "themself for an entry that has none.")
    note = _text(1000, required=False, allow_blank=True, default="")


class BacklogTeamIn(serializers.Serializer):
    members = serializers.ListField(child=_id(), max_length=20, allow_empty=True,
                                    help_text="User ids: the whole team (replaces it).")


class BacklogPlanIn(serializers.Serializer):
    plan = _text(5000, help_text="The resolution plan (at least 10 characters).")


class BacklogMilestoneIn(serializers.Serializer):
    title = _text(200)
    due_date = serializers.DateField(help_text="From today up to three years ahead.")


class BacklogDoneIn(serializers.Serializer):
    note = _text(1000, required=False, allow_blank=True, default="")


class BacklogNoteIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=BacklogNote.Kind.choices)
    held_on = serializers.DateField(help_text="Not before the case was received, not after today.")
    text = _text(5000)
    participants = _text(300, required=False, allow_blank=True, default="")


class BacklogCloseIn(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=BacklogEntry.Outcome.choices,
                                      help_text="resolved (案结事了) or stopped (息诉罢访); open is refused.")
    summary = _text(5000, help_text="At least 10 characters.")


class AfterCareIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AfterCareTask.Kind.choices, help_text="疏导, 帮扶 or 救助 (Art. 37).")
    text = _text(2000)
    assignee = _id(required=False, allow_null=True, default=None)
    due_date = serializers.DateField(required=False, allow_null=True, default=None)


class AfterCareDoneIn(serializers.Serializer):
    note = _text(1000, help_text="What was done (at least 4 characters).")


class SupervisionIssueIn(serializers.Serializer):
    case = _id(required=False, allow_null=True, default=None,
               help_text="A case the caller can see (its handling unit is supervised); or give unit.")
    unit = _text(32, required=False, allow_blank=True, default="", help_text="A unit code, for an order on a unit.")
    grounds = serializers.ChoiceField(choices=SupervisionOrder.Grounds.choices, help_text="信访工作条例 Art. 40 ¶1.")
    text = _text(5000, help_text="What is required (at least 10 characters).")
    reply_due = serializers.DateField(help_text="After today, at most three years ahead.")


class SupervisionReplyIn(serializers.Serializer):
    text = _text(5000, help_text="The unit's written reply (at least 10 characters).")


class SupervisionReviewIn(serializers.Serializer):
    accept = serializers.BooleanField(help_text="true: the order is closed; false: returned for a new reply.")
    note = _text(2000, required=False, allow_blank=True, default="")
    reply_due = serializers.DateField(required=False, allow_null=True, default=None,
                                      help_text="The new due date when returning.")


class SupervisionEscalateIn(serializers.Serializer):
    reason = _text(2000, help_text="Why the order is listed (挂牌督办, Art. 39 ¶3).")


# --- Outputs -----------------------------------------------------------------------------------------------

class GovernanceCaseOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Case.Status.choices)


class StaffRefOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    unit = serializers.CharField(allow_null=True)


class BacklogRuleMatchOut(serializers.Serializer):
    rule = serializers.CharField()
    value = serializers.IntegerField()


class BacklogEntryOut(serializers.Serializer):
    id = serializers.IntegerField()
    case = GovernanceCaseOut()
    # (A field named like Field.source: the metaclass takes it off the class, so nothing is shadowed.)
    source = serializers.ChoiceField(choices=BacklogEntry.Source.choices)  # type: ignore[assignment]
    rules = BacklogRuleMatchOut(many=True)
    reason = serializers.CharField(allow_blank=True)
    unit = ReferenceOut(allow_null=True)
    entered_at = serializers.DateTimeField()
    leader = StaffRefOut(allow_null=True)
    outcome = serializers.ChoiceField(choices=BacklogEntry.Outcome.choices)
    closed_at = serializers.DateTimeField(allow_null=True)


class BacklogMilestoneOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    due_date = serializers.DateField()
    done_at = serializers.DateTimeField(allow_null=True)
    done_note = serializers.CharField(allow_blank=True)


class BacklogNoteOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=BacklogNote.Kind.choices)
    held_on = serializers.DateField()
    participants = serializers.CharField(allow_blank=True)
    text = serializers.CharField()
    author = serializers.CharField(allow_blank=True)


class AfterCareOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=AfterCareTask.Kind.choices)
    text = serializers.CharField()
    assignee = StaffRefOut(allow_null=True)
    due_date = serializers.DateField(allow_null=True)
    status = serializers.ChoiceField(choices=AfterCareTask.Status.choices)
    done_at = serializers.DateTimeField(allow_null=True)
    done_note = serializers.CharField(allow_blank=True)


class BacklogEntryDetailOut(BacklogEntryOut):
    plan = serializers.CharField(allow_blank=True)
    closing_summary = serializers.CharField(allow_blank=True)
    team = StaffRefOut(many=True)
    milestones = BacklogMilestoneOut(many=True)
    notes = BacklogNoteOut(many=True)
    aftercare = AfterCareOut(many=True)


BacklogEntryPage = paginated("BacklogEntryPage", BacklogEntryOut(many=True))


class StockFlowRowOut(serializers.Serializer):
    unit = ReferenceOut(allow_null=True, help_text="null: entries of cases not yet routed to a unit.")
    at_start = serializers.IntegerField(help_text="Open backlog at the start of the period.")
    added = serializers.IntegerField(help_text="Entered during the period.")
    resolved = serializers.IntegerField(help_text="Closed as 案结事了 during the period.")
    stopped = serializers.IntegerField(help_text="Closed as 息诉罢访 during the period.")
    remaining = serializers.IntegerField(help_text="Open at the end: at_start + added - resolved - stopped.")


class StockFlowOut(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    rows = StockFlowRowOut(many=True)
    total = StockFlowRowOut()


class SupervisionReplyOut(serializers.Serializer):
    id = serializers.IntegerField()
    unit = ReferenceOut()
    author = serializers.CharField()
    text = serializers.CharField()
    at = serializers.DateTimeField()
    late = serializers.BooleanField()
    review = serializers.ChoiceField(choices=SupervisionReply.Review.choices, allow_blank=True,
                                     help_text="Empty while not reviewed.")


class SupervisionOrderOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    case = GovernanceCaseOut(allow_null=True)
    unit = ReferenceOut()
    issued_by = StaffRefOut()
    issued_at = serializers.DateTimeField()
    grounds = serializers.ChoiceField(choices=SupervisionOrder.Grounds.choices)
    text = serializers.CharField()
    reply_due = serializers.DateField()
    status = serializers.ChoiceField(choices=SupervisionOrder.Status.choices)
    listed = serializers.BooleanField(help_text="Under listed supervision (挂牌督办).")
    listed_reason = serializers.CharField(allow_blank=True)
    overdue = serializers.BooleanField(help_text="Awaiting a reply after the due date.")
    closed_at = serializers.DateTimeField(allow_null=True)


class SupervisionOrderDetailOut(SupervisionOrderOut):
    replies = SupervisionReplyOut(many=True)


SupervisionOrderPage = paginated("SupervisionOrderPage", SupervisionOrderOut(many=True))


# --- Builders ----------------------------------------------------------------------------------------------

def _when(value: Any) -> str | None:
    return value.isoformat() if value else None


def _staff(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "name": str(user), "unit": user.unit.name if user.unit_id and user.unit else None}


def _unit(unit: Any) -> dict[str, Any] | None:
    return {"code": unit.code, "name": unit.name} if unit is not None else None


def _case(case: Case) -> dict[str, Any]:
    return {"id": case.pk, "number": case.number, "title": case.title, "status": case.status}


def backlog_entry_data(entry: BacklogEntry) -> dict[str, Any]:
    return {
        "id": entry.pk, "case": _case(entry.case), "source": entry.source,
        "rules": [{"rule": str(r.get("rule", "")), "value": int(r.get("value", 0))} for r in entry.rules or []],
        "reason": entry.reason, "unit": _unit(entry.unit), "entered_at": entry.entered_at.isoformat(),
        "leader": _staff(entry.leader), "outcome": entry.outcome, "closed_at": _when(entry.closed_at),
    }


def _milestone(m: BacklogMilestone) -> dict[str, Any]:
    return {"id": m.pk, "title": m.title, "due_date": m.due_date.isoformat(), "done_at": _when(m.done_at),
            "done_note": m.done_note}


def _note(n: BacklogNote) -> dict[str, Any]:
    return {"id": n.pk, "kind": n.kind, "held_on": n.held_on.isoformat(), "participants": n.participants,
            "text": n.text, "author": str(n.author) if n.author else ""}


def _aftercare(t: AfterCareTask) -> dict[str, Any]:
    return {"id": t.pk, "kind": t.kind, "text": t.text, "assignee": _staff(t.assignee),
            "due_date": t.due_date.isoformat() if t.due_date else None, "status": t.status,
            "done_at": _when(t.done_at), "done_note": t.done_note}


def backlog_entry_detail_data(entry: BacklogEntry) -> dict[str, Any]:
    """``entry`` as loaded by ``backlog_entry_detail`` (team, milestones, notes, after-care prefetched)."""
    return {
        **backlog_entry_data(entry), "plan": entry.plan, "closing_summary": entry.closing_summary,
        "team": [_staff(m.user) for m in entry.team_members.all()],
        "milestones": [_milestone(m) for m in entry.milestones.all()],
        "notes": [_note(n) for n in entry.notes.all()],
        "aftercare": [_aftercare(t) for t in entry.aftercare.all()],
    }


def _flow_row(row: StockFlowRow, unit: Any) -> dict[str, Any]:
    return {"unit": unit, "at_start": row.at_start, "added": row.added, "resolved": row.resolved,
            "stopped": row.stopped, "remaining": row.remaining}


def stock_flow_data(figures: StockFlow, codes: dict[int, str]) -> dict[str, Any]:
    return {
        "start": figures.start.isoformat(), "end": figures.end.isoformat(),
        "rows": [_flow_row(r, {"code": codes.get(r.unit_id, ""), "name": r.unit_name} if r.unit_id else None)
                 for r in figures.rows],
        "total": _flow_row(figures.total, None),
    }


def supervision_order_data(order: SupervisionOrder, *, today: Any) -> dict[str, Any]:
    return {
        "id": order.pk, "number": order.number, "case": _case(order.case) if order.case_id and order.case else None,
        "unit": _unit(order.unit), "issued_by": _staff(order.issued_by), "issued_at": order.issued_at.isoformat(),
        "grounds": order.grounds, "text": order.text, "reply_due": order.reply_due.isoformat(),
        "status": order.status, "listed": order.listed, "listed_reason": order.listed_reason,
        "overdue": order.status == SupervisionOrder.Status.OPEN and order.reply_due < today,
        "closed_at": _when(order.closed_at),
    }


def supervision_reply_data(reply: SupervisionReply) -> dict[str, Any]:
    return {"id": reply.pk, "unit": _unit(reply.unit), "author": str(reply.author), "text": reply.text,
            "at": reply.at.isoformat(), "late": reply.late, "review": reply.review}


# --- The rules of the register and the case file (API twins of /governance/rules/ and the file upload) --------

class BacklogRuleOut(serializers.Serializer):
    code = serializers.CharField(help_text="open_days, repeats, group_visit or dissatisfied_review.")
    label = serializers.CharField()  # type: ignore[assignment]
    enabled = serializers.BooleanField()
    threshold = serializers.IntegerField()
    default = serializers.IntegerField(help_text="The threshold when no override is stored.")
    minimum = serializers.IntegerField()
    maximum = serializers.IntegerField()
    overridden = serializers.BooleanField()
    description = serializers.CharField()


class BacklogRuleChangeIn(serializers.Serializer):
    code = serializers.CharField(max_length=40)
    threshold = serializers.IntegerField()
    enabled = serializers.BooleanField()


class BacklogRulesIn(serializers.Serializer):
    rules = BacklogRuleChangeIn(many=True, allow_empty=False,
                                help_text="The rules to change (the others stay as they are); all or nothing.")


def backlog_rule_data(rule: Any) -> dict[str, Any]:
    return {"code": rule.kind, "label": rule.label, "enabled": rule.active, "threshold": rule.threshold,
            "default": rule.spec.threshold, "minimum": rule.spec.minimum, "maximum": rule.spec.maximum,
            "overridden": rule.overridden, "description": str(rule.spec.explanation)}


class BacklogFilesIn(serializers.Serializer):
    attachments = serializers.ListField(
        child=serializers.FileField(max_length=200, allow_empty_file=True),
        help_text="The page's upload field: pdf, jpg, png, docx, xlsx or txt; checked by content too.")
