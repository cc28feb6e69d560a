"""Forms of the alerts pages. They check the shape of the input; the rules (lengths, who may act, states)
stay in the services, whose errors are put back on these forms (``form_add_service_errors``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from xinfang.accounts.models import Unit, User
from xinfang.alerts.models import Alert, GroupVisitNotice, SensitivePeriod
from xinfang.alerts.selectors import AlertFilters


def _date(**kwargs: Any) -> forms.DateField:
    return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **kwargs)


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


STATUS_FILTERS = [("", _("全部")), ("active", _("未关闭")), *Alert.Status.choices]


def streets() -> Any:
    return Unit.objects.filter(kind=Unit.Kind.STREET, active=True).order_by("sort", "code")


class AlertFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False, choices=STATUS_FILTERS)
    rule = forms.ChoiceField(label=_("规则"), required=False, choices=[("", _("全部")), *Alert.Rule.choices])
    severity = forms.ChoiceField(label=_("等级"), required=False, choices=[("", _("全部")), *Alert.Severity.choices])
    street = forms.ModelChoiceField(label=_("街道"), required=False, queryset=Unit.objects.none(),
                                    empty_label=_("全部"))
    date_from = _date(label=_("预警日期自"), required=False)
    date_to = _date(label=_("至"), required=False)
    mine = forms.BooleanField(label=_("只看我负责的"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["street"].queryset = streets()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("结束日期不能早于开始日期。"))
        return data

    def filters(self) -> AlertFilters:
        """The filters of a valid form; none of an invalid one (the page shows its errors)."""
        if not self.is_valid():
            return AlertFilters()
        data = self.cleaned_data
        return AlertFilters(status=data["status"], rule=data["rule"], severity=data["severity"],
                            street_id=data["street"].pk if data["street"] else None, date_from=data["date_from"],
                            date_to=data["date_to"], mine=bool(data["mine"]))


class AlertNoteForm(forms.Form):
    text = forms.CharField(label=_("跟进情况"), max_length=2000, widget=_textarea(3),
                           help_text=_("核查了什么、采取了哪些措施、下一步安排。"))


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj}（{obj.unit.name} · {obj.get_role_display()}）" if obj.unit_id else str(obj)


class AlertAssignForm(forms.Form):
    owner = OwnerChoiceField(label=_("负责人"), queryset=User.objects.none(), empty_label=_("请选择负责人"))

    def __init__(self, *args: Any, candidates: list[User] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = [u.pk for u in candidates or []]
        self.fields["owner"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(pk__in=ids).select_related("unit").order_by("unit__sort", "username"))


class AlertCloseForm(forms.Form):
    reason = forms.ChoiceField(label=_("关闭原因"), choices=Alert.CloseReason.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("处置情况"), max_length=1000, widget=_textarea(3),
                           help_text=_("已处置：写明采取的措施和结果；误报：写明判断依据。"))


class SensitivePeriodForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100, help_text=_("例如：全国两会、重要纪念日、重大活动。"))
    start = _date(label=_("开始日期"))
    end = _date(label=_("结束日期"))
    level = forms.TypedChoiceField(label=_("级别"), coerce=int, choices=SensitivePeriod.Level.choices,
                                   help_text=_("重要：显著性水平×2、最少件数×0.75；特别重要：显著性水平×5、最少件数×0.5。"))
    note = forms.CharField(label=_("说明"), max_length=300, required=False)


class GroupNoticeForm(forms.Form):
    source = forms.ChoiceField(label=_("信息来源"), choices=GroupVisitNotice.Source.choices)
    reporting_unit = forms.ModelChoiceField(label=_("报告单位"), queryset=Unit.objects.none(),
                                            empty_label=_("请选择单位"))
    street = forms.ModelChoiceField(label=_("所在街道"), required=False, queryset=Unit.objects.none(),
                                    empty_label=_("未注明"))
    expected_date = _date(label=_("预计日期"))
    place = forms.CharField(label=_("预计地点"), max_length=200)
    expected_people = forms.IntegerField(label=_("预计人数"), min_value=2, max_value=100000)
    subject = forms.CharField(label=_("诉求事项"), max_length=500, widget=_textarea(3))
    case_number = forms.CharField(label=_("关联事项编号"), max_length=20, required=False,
                                  help_text=_("可不填。"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reporting_unit"].queryset = (  # type: ignore[attr-defined]
            Unit.objects.filter(active=True).order_by("path"))
        self.fields["street"].queryset = streets()  # type: ignore[attr-defined]
