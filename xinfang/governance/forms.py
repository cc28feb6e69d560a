"""Forms of the governance pages. They check only the shape of the input (required, a date, a choice);
the rules (lengths, who may act, states, dates allowed) stay in the services, whose errors are put back
on these forms (``form_add_service_errors``)."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinfang.accounts.models import Unit, User
from xinfang.cases.forms.intake import MultipleFileField, MultipleFileInput
from xinfang.cases.services.attachments import ALLOWED_TYPES
from xinfang.governance.models import AfterCareTask, BacklogEntry, BacklogNote, SupervisionOrder
from xinfang.governance.selectors import stock_flow_period_problem


def _textarea(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _date(**kwargs: Any) -> forms.DateField:
    return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **kwargs)


def _users(users: list[User]) -> Any:
    return User.objects.filter(pk__in=[u.pk for u in users]).select_related("unit").order_by("unit__sort", "username")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj}（{obj.unit.name}）" if obj.unit_id else str(obj)


class UsersChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj}（{obj.unit.name} · {obj.get_role_display()}）" if obj.unit_id else str(obj)


# --- The register ---------------------------------------------------------------------------------------

class BacklogFilterForm(forms.Form):
    outcome = forms.ChoiceField(label=_("化解结果"), required=False,
                                choices=[("", _("全部")), *BacklogEntry.Outcome.choices])


class BacklogRegisterForm(forms.Form):
    """An officer enters a case by decision (the case is named by its number)."""

    number = forms.CharField(label=_("事项编号"), max_length=20)
    reason = forms.CharField(label=_("列入理由"), max_length=2000, widget=_textarea(3),
                             help_text=_("例如：多次重复信访、涉及群体利益、矛盾易激化等。理由将记入审计日志。"))


class LeaderForm(forms.Form):
    leader = UserChoiceField(queryset=User.objects.none(), label=_("包案领导"), empty_label=_("请选择区领导"))
    note = forms.CharField(label=_("说明"), required=False, max_length=1000, widget=_textarea(2))

    def __init__(self, *args: Any, candidates: list[User], **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["leader"]).queryset = _users(candidates)


class TakeChargeForm(forms.Form):
    note = forms.CharField(label=_("说明"), required=False, max_length=1000, widget=_textarea(2))


class TeamForm(forms.Form):
    members = UsersChoiceField(queryset=User.objects.none(), label=_("专班成员"), required=False,
                               widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, candidates: list[User], **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField, self.fields["members"]).queryset = _users(candidates)


class PlanForm(forms.Form):
    plan = forms.CharField(label=_("化解方案"), max_length=5000, widget=_textarea(6),
                           help_text=_("写明化解思路、责任分工和工作措施。"))


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("工作节点"), max_length=200)
    due_date = _date(label=_("完成期限"))


class MilestoneDoneForm(forms.Form):
    note = forms.CharField(label=_("完成情况"), required=False, max_length=1000)


class NoteForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=BacklogNote.Kind.choices, initial=BacklogNote.Kind.PROGRESS,
                             widget=forms.RadioSelect)
    held_on = _date(label=_("日期"), initial=timezone.localdate)
    participants = forms.CharField(label=_("参加人员"), required=False, max_length=300)
    text = forms.CharField(label=_("内容"), max_length=5000, widget=_textarea(4))


class FileForm(forms.Form):
    attachments = MultipleFileField(
        label=_("材料"), required=True,
        widget=MultipleFileInput(attrs={"accept": ",".join(f".{ext}" for ext in ALLOWED_TYPES)}),
        help_text=_("会议纪要、听证笔录、协议书等，支持 PDF、图片、Word、Excel、文本。"))


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("化解结果"), widget=forms.RadioSelect,
                                choices=[(BacklogEntry.Outcome.RESOLVED, BacklogEntry.Outcome.RESOLVED.label),
                                         (BacklogEntry.Outcome.STOPPED, BacklogEntry.Outcome.STOPPED.label)])
    summary = forms.CharField(label=_("化解情况"), max_length=5000, widget=_textarea(4))


class AfterCareForm(forms.Form):
    kind = forms.ChoiceField(label=_("帮扶类型"), choices=AfterCareTask.Kind.choices, widget=forms.RadioSelect,
                             help_text=_("《信访工作条例》第三十七条：疏导教育、矛盾化解、帮扶救助。"))
    text = forms.CharField(label=_("帮扶内容"), max_length=2000, widget=_textarea(3))
    assignee = UserChoiceField(queryset=User.objects.none(), label=_("责任人"), required=False,
                               empty_label=_("（不指定）"))
    due_date = _date(label=_("完成期限"), required=False)

    def __init__(self, *args: Any, candidates: list[User], **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["assignee"]).queryset = _users(candidates)


class AfterCareDoneForm(forms.Form):
    note = forms.CharField(label=_("落实情况"), max_length=1000)


class StockFlowForm(forms.Form):
    date_from = _date(label=_("起始日期"))
    date_to = _date(label=_("截止日期"))

    @staticmethod
    def default_period(today: date | None = None) -> dict[str, date]:
        """This year so far."""
        today = today or timezone.localdate()
        return {"date_from": today.replace(month=1, day=1), "date_to": today}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            problem = stock_flow_period_problem(start, end)
            if problem:
                self.add_error("date_to", problem)
        return data


class RuleForm(forms.Form):
    threshold = forms.IntegerField(label=_("阈值"), min_value=0, max_value=100000)
    active = forms.BooleanField(label=_("启用"), required=False)


# --- Supervision -------------------------------------------------------------------------------------------

class SupervisionFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False,
                               choices=[("", _("全部")), *SupervisionOrder.Status.choices])
    overdue = forms.BooleanField(label=_("仅看逾期未回复"), required=False)


class SupervisionIssueForm(forms.Form):
    """An order on a case (named by its number) or on a unit."""

    number = forms.CharField(label=_("事项编号"), max_length=20, required=False,
                             help_text=_("督办某一信访事项时填写；督办单位整体工作时留空并选择单位。"))
    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), label=_("被督办单位"), required=False,
                                  empty_label=_("（督办事项时不选）"))
    grounds = forms.ChoiceField(label=_("督办事由"), choices=SupervisionOrder.Grounds.choices,
                                help_text=_("《信访工作条例》第四十条第一款。"))
    text = forms.CharField(label=_("督办要求"), max_length=5000, widget=_textarea(4))
    reply_due = _date(label=_("回复期限"))

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["unit"]).queryset = Unit.objects.filter(active=True).exclude(
            kind__in=[Unit.Kind.BUREAU, Unit.Kind.GOVERNMENT]).order_by("path")


class SupervisionReplyForm(forms.Form):
    text = forms.CharField(label=_("回复内容"), max_length=5000, widget=_textarea(5),
                           help_text=_("书面反馈整改和办理情况（《信访工作条例》第四十条第四款）。"))


class SupervisionReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("审核意见"), widget=forms.RadioSelect,
                                 choices=[("accept", _("认可，办结督办单")), ("return", _("退回，要求重新回复"))])
    note = forms.CharField(label=_("意见说明"), required=False, max_length=2000, widget=_textarea(3))
    reply_due = _date(label=_("重新回复期限"), required=False, help_text=_("退回时填写。"))


class SupervisionEscalateForm(forms.Form):
    reason = forms.CharField(label=_("挂牌督办理由"), max_length=2000, widget=_textarea(3),
                             help_text=_("《信访工作条例》第三十九条第三款：履职不力、存在严重问题的，挂牌督办，责令限期整改。"))
