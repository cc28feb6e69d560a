"""Forms of the grassroots pages. They check what can be checked field by field (so each message sits next
to its field); the services check everything again (the API calls them too) and whatever only they know
comes back onto the form (``xinfang.core.pages.form_add_service_errors``, ``formset_add_service_errors``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.forms.formsets import BaseFormSet, formset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinfang.accounts.models import Unit, User
from xinfang.cases.forms.intake import DATETIME_LOCAL_FORMAT, clean_id_number_text, clean_phone_text
from xinfang.cases.models import Case, Category
from xinfang.core.errors import ApplicationError
from xinfang.deadlines.rules import MAX_REPRESENTATIVES
from xinfang.grassroots.models import (
    Dispute,
    Mediation,
    MediationFollowUp,
    MediationParticipant,
    Party,
    ReceptionDay,
    Visit,
)
from xinfang.grassroots.selectors import grassroots_scope
from xinfang.grassroots.services import MAX_PARTICIPANTS, MAX_PARTIES, ParticipantInput, PartyInput

_ID_ATTRS = {"autocomplete": "off", "spellcheck": "false", "maxlength": "20"}
_DATE = {"type": "date"}
# <input type="date"> takes only ISO dates: without it the localized format (2026/11/20 in Chinese) leaves an
# initial value blank in the browser (found by tests/browser/test_grassroots.py).
_DATE_FORMAT = "%Y-%m-%d"
_DATETIME_FORMATS = [DATETIME_LOCAL_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def _datetime_field(label: Any, *, required: bool = True, help_text: Any = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, required=required, input_formats=_DATETIME_FORMATS, help_text=help_text,
        error_messages={"invalid": _("时间格式不正确。")},
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL_FORMAT))


def _now_local() -> str:
    return timezone.localtime().strftime(DATETIME_LOCAL_FORMAT)


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def recording_units(user: Any) -> Any:
    """The units a user may file a record under: their own unit and those below it (the bureau: any)."""
    scope = grassroots_scope(user)
    units = Unit.objects.filter(active=True).order_by("path")
    if scope.everything:
        return units
    if scope.nothing:
        return units.none()
    return units.filter(path__startswith=scope.path)


def _streets() -> Any:
    return Unit.objects.filter(kind=Unit.Kind.STREET, active=True).order_by("sort", "code")


def _categories() -> Any:
    return Category.objects.filter(active=True).order_by("sort", "code")


# --- Parties and participants --------------------------------------------------------------------------

class PartyForm(forms.Form):
    """One party: a person or an organisation. An untouched row is ignored."""

    role = forms.ChoiceField(label=_("当事人身份"), choices=Party.Role.choices, initial=Party.Role.APPLICANT)
    name = forms.CharField(label=_("姓名（名称）"), max_length=100, required=False,
                           widget=forms.TextInput(attrs={"autocomplete": "off"}))
    id_number = forms.CharField(label=_("身份证号"), required=False, max_length=20,
                                widget=forms.TextInput(attrs=_ID_ATTRS))
    phone = forms.CharField(label=_("电话"), required=False, max_length=20,
                            widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}))
    address = forms.CharField(label=_("住址"), required=False, max_length=200,
                              widget=forms.TextInput(attrs={"autocomplete": "off"}))

    def clean_id_number(self) -> str:
        return clean_id_number_text(self.cleaned_data.get("id_number", ""))

    def clean_phone(self) -> str:
        return clean_phone_text(self.cleaned_data.get("phone", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.has_changed() and not str(data.get("name", "")).strip():
            self.add_error("name", _("请填写姓名。"))
        return data

    def to_input(self) -> PartyInput:
        data = self.cleaned_data
        return PartyInput(name=str(data.get("name", "")).strip(), role=data.get("role") or Party.Role.APPLICANT,
                          id_number=data.get("id_number", ""), phone=data.get("phone", ""),
                          address=str(data.get("address", "")).strip())


class _RowsFormSet(BaseFormSet):
    def filled_forms(self) -> list[forms.Form]:
        """The rows with something typed in (an untouched row is ignored)."""
        return [form for form in self.forms if form.has_changed()]


PartyFormSet = formset_factory(PartyForm, formset=_RowsFormSet, extra=3, max_num=MAX_PARTIES, validate_max=True,
                               absolute_max=MAX_PARTIES)
# 信访工作条例 Art. 20 ¶3: at most 5 representatives of a group visit (one row above, so that a sixth is
# read and refused by the service with the article's message).
PersonFormSet = formset_factory(PartyForm, formset=_RowsFormSet, extra=2, max_num=MAX_REPRESENTATIVES + 1,
                                absolute_max=MAX_REPRESENTATIVES + 1)


def party_inputs(formset: Any) -> list[PartyInput]:
    return [form.to_input() for form in formset.filled_forms()]


class ParticipantForm(forms.Form):
    """An organisation taking part in a mediation, and its mediator."""

    # The initial kind of an empty row is the first one offered, so an untouched extra row stays unchanged and is
    # ignored (as PartyForm.role); without it every extra row counted as filled in a browser.
    kind = forms.ChoiceField(label=_("参与单位类型"), choices=MediationParticipant.Kind.choices,
                             initial=MediationParticipant.Kind.COMMITTEE)
    unit = forms.ModelChoiceField(label=_("本区单位"), required=False, queryset=Unit.objects.none(),
                                  empty_label=_("（非本区单位）"))
    organisation = forms.CharField(label=_("参与单位"), max_length=100, required=False,
                                   help_text=_("非本区单位（如律师事务所）填写名称。"))
    mediator = forms.CharField(label=_("调解员"), max_length=50, required=False)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(active=True).exclude(  # type: ignore[attr-defined]
            kind=Unit.Kind.SERVICE_POINT).order_by("path")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.has_changed():
            if not str(data.get("mediator", "")).strip():
                self.add_error("mediator", _("请填写调解员。"))
            if not data.get("unit") and not str(data.get("organisation", "")).strip():
                self.add_error("organisation", _("请选择本区单位或填写参与单位名称。"))
        return data

    def to_input(self) -> ParticipantInput:
        data = self.cleaned_data
        return ParticipantInput(kind=data["kind"], organisation=str(data.get("organisation", "")).strip(),
                                mediator=str(data.get("mediator", "")).strip(), unit=data.get("unit"))


ParticipantFormSet = formset_factory(ParticipantForm, formset=_RowsFormSet, extra=3, max_num=MAX_PARTICIPANTS,
                                     validate_max=True, absolute_max=MAX_PARTICIPANTS)
# 三所联动: the three rows a joint mediation starts with.
JOINT_ROWS = [{"kind": MediationParticipant.Kind.POLICE_STATION}, {"kind": MediationParticipant.Kind.JUDICIAL_OFFICE},
              {"kind": MediationParticipant.Kind.LAW_FIRM}]


def formset_add_service_errors(formset: Any, exc: ApplicationError, *, prefix: str) -> list[str]:
    """Put the service's ``<prefix>[i].<field>`` errors on the i-th filled row of ``formset``; return the
    messages that belong to the list as a whole (``<prefix>``)."""
    rows = formset.filled_forms()
    general: list[str] = []
    for key, messages in (exc.errors or {}).items():
        if key == prefix:
            general.extend(str(m) for m in messages)
            continue
        if not key.startswith(f"{prefix}["):
            continue
        index_text, _sep, field = key[len(prefix) + 1:].partition("].")
        try:
            row = rows[int(index_text)]
        except (ValueError, IndexError):
            general.extend(str(m) for m in messages)
            continue
        for message in messages:
            row.add_error(field if field in row.fields else None, str(message))
    return general


# --- Disputes ------------------------------------------------------------------------------------------

class DisputeForm(forms.Form):
    title = forms.CharField(label=_("纠纷名称"), max_length=200)
    description = forms.CharField(label=_("纠纷情况"), max_length=20000, widget=forms.Textarea(attrs={"rows": 6}))
    category = forms.ModelChoiceField(label=_("分类"), required=False, queryset=Category.objects.none(),
                                      empty_label=_("（请选择）"))
    risk_level = forms.ChoiceField(label=_("风险等级"), choices=Dispute.Risk.choices, initial=Dispute.Risk.LOW)
    source = forms.ChoiceField(label=_("来源"), choices=Dispute.Source.choices, initial=Dispute.Source.SCREENING)
    found_on = forms.DateField(label=_("发现日期"), widget=forms.DateInput(attrs=_DATE, format=_DATE_FORMAT))
    unit = forms.ModelChoiceField(label=_("登记单位"), queryset=Unit.objects.none(), required=False,
                                  empty_label=_("（本单位）"))
    street = forms.ModelChoiceField(label=_("所属街道"), required=False, queryset=Unit.objects.none(),
                                    empty_label=_("（按登记单位）"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = _categories()  # type: ignore[attr-defined]
        self.fields["unit"].queryset = recording_units(user)  # type: ignore[attr-defined]
        self.fields["street"].queryset = _streets()  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("found_on", timezone.localdate())


class DisputeFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部")), *Dispute.Status.choices])
    risk_level = forms.ChoiceField(label=_("风险等级"), required=False,
                                   choices=[("", _("全部")), *Dispute.Risk.choices])
    q = forms.CharField(label=_("关键词"), required=False, max_length=100)


class ResolveForm(forms.Form):
    resolution = forms.CharField(label=_("化解情况"), max_length=20000, widget=forms.Textarea(attrs={"rows": 4}))


class ConvertForm(forms.Form):
    """Turn a record into a case (信访事项) in one step."""

    matter_type = forms.ChoiceField(label=_("事项类型"), choices=Case.MatterType.choices,
                                    initial=Case.MatterType.CLAIM)
    channel = forms.ChoiceField(label=_("信访渠道"), choices=Case.Channel.choices, initial=Case.Channel.VISIT)
    title = forms.CharField(label=_("标题"), max_length=200)
    content = forms.CharField(label=_("信访内容"), max_length=20000, required=False,
                              widget=forms.Textarea(attrs={"rows": 4}), help_text=_("不填则使用原记录的情况说明。"))


class ReceptionRegisterForm(forms.Form):
    matter_type = forms.ChoiceField(label=_("事项类型"), choices=Case.MatterType.choices,
                                    initial=Case.MatterType.CLAIM)
    title = forms.CharField(label=_("标题"), max_length=200)
    category = forms.ModelChoiceField(label=_("分类"), required=False, queryset=Category.objects.none(),
                                      empty_label=_("（请选择）"))

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = _categories()  # type: ignore[attr-defined]


# --- Mediations ----------------------------------------------------------------------------------------

class MediationForm(forms.Form):
    kind = forms.ChoiceField(label=_("调解类型"), choices=Mediation.Kind.choices, initial=Mediation.Kind.PEOPLE,
                             widget=forms.RadioSelect)
    title = forms.CharField(label=_("调解事项"), max_length=200)
    matter = forms.CharField(label=_("纠纷事实和争议事项"), max_length=20000, widget=forms.Textarea(attrs={"rows": 5}))
    started_on = forms.DateField(label=_("受理日期"), widget=forms.DateInput(attrs=_DATE, format=_DATE_FORMAT))
    unit = forms.ModelChoiceField(label=_("调解单位"), queryset=Unit.objects.none(), required=False,
                                  empty_label=_("（本单位）"))
    street = forms.ModelChoiceField(label=_("所属街道"), required=False, queryset=Unit.objects.none(),
                                    empty_label=_("（按调解单位）"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = recording_units(user)  # type: ignore[attr-defined]
        self.fields["street"].queryset = _streets()  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("started_on", timezone.localdate())


class MediationFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部")), *Mediation.Status.choices])
    kind = forms.ChoiceField(label=_("调解类型"), required=False, choices=[("", _("全部")), *Mediation.Kind.choices])
    outcome = forms.ChoiceField(label=_("调解结果"), required=False,
                                choices=[("", _("全部")), *Mediation.Outcome.choices])


class SessionForm(forms.Form):
    held_at = _datetime_field(_("调解时间"))
    place = forms.CharField(label=_("调解地点"), max_length=200)
    notes = forms.CharField(label=_("调解记录"), max_length=20000, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("held_at", _now_local())

    def clean_held_at(self) -> datetime | None:
        return _aware(self.cleaned_data.get("held_at"))


class ConcludeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("调解结果"), choices=Mediation.Outcome.choices, widget=forms.RadioSelect)
    agreement_terms = forms.CharField(label=_("协议内容"), max_length=20000, required=False,
                                      widget=forms.Textarea(attrs={"rows": 5}),
                                      help_text=_("达成协议时填写，每条一行；将写入人民调解协议书。"))
    performance = forms.CharField(label=_("履行方式和期限"), max_length=500, required=False)
    performance_due = forms.DateField(label=_("履行期限"), required=False, widget=forms.DateInput(attrs=_DATE, format=_DATE_FORMAT))
    referral_note = forms.CharField(label=_("导入法定途径说明"), max_length=20000, required=False,
                                    widget=forms.Textarea(attrs={"rows": 3}),
                                    help_text=_("引导诉讼或仲裁时填写：向哪个法院或仲裁机构提出，已告知当事人的事项。"))


class FollowUpForm(forms.Form):
    visited_on = forms.DateField(label=_("回访日期"), widget=forms.DateInput(attrs=_DATE, format=_DATE_FORMAT))
    method = forms.ChoiceField(label=_("回访方式"), choices=MediationFollowUp.Method.choices)
    result = forms.ChoiceField(label=_("履行情况"), choices=MediationFollowUp.Result.choices)
    notes = forms.CharField(label=_("回访情况"), max_length=20000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("visited_on", timezone.localdate())


# --- Visits and reception days -------------------------------------------------------------------------

class VisitForm(forms.Form):
    kind = forms.ChoiceField(label=_("走访类型"), choices=Visit.Kind.choices, initial=Visit.Kind.WALK,
                             widget=forms.RadioSelect)
    case_number = forms.CharField(label=_("信访事项编号"), max_length=20, required=False,
                                  help_text=_("上门办信必填，如 XF-2026-000123。"))
    visited_at = _datetime_field(_("走访时间"))
    place = forms.CharField(label=_("地点"), max_length=200)
    visitors = forms.CharField(label=_("走访人员"), max_length=200)
    summary = forms.CharField(label=_("走访情况"), max_length=20000, widget=forms.Textarea(attrs={"rows": 5}))
    unit = forms.ModelChoiceField(label=_("登记单位"), queryset=Unit.objects.none(), required=False,
                                  empty_label=_("（本单位）"))
    street = forms.ModelChoiceField(label=_("所属街道"), required=False, queryset=Unit.objects.none(),
                                    empty_label=_("（按登记单位）"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = recording_units(user)  # type: ignore[attr-defined]
        self.fields["street"].queryset = _streets()  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("visited_at", _now_local())
            self.initial.setdefault("visitors", str(user))

    def clean_visited_at(self) -> datetime | None:
        return _aware(self.cleaned_data.get("visited_at"))

    def clean_case_number(self) -> str:
        return str(self.cleaned_data.get("case_number", "")).strip().upper()


class VisitFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("走访类型"), required=False, choices=[("", _("全部")), *Visit.Kind.choices])


class FindingForm(forms.Form):
    title = forms.CharField(label=_("问题"), max_length=200)
    description = forms.CharField(label=_("问题情况"), max_length=20000, widget=forms.Textarea(attrs={"rows": 4}))
    category = forms.ModelChoiceField(label=_("分类"), required=False, queryset=Category.objects.none(),
                                      empty_label=_("（请选择）"))

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = _categories()  # type: ignore[attr-defined]


def receiving_leaders() -> Any:
    """Who may receive the public on a reception day: district leaders and unit heads."""
    return User.objects.filter(is_active=True, role__in=[User.Role.LEADER, User.Role.UNIT_HEAD]).select_related(
        "unit").order_by("role", "unit__path", "username")


class _LeaderChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj}（{obj.unit.name if obj.unit else obj.get_role_display()}）"


class ReceptionDayForm(forms.Form):
    leader = _LeaderChoiceField(label=_("接访领导"), queryset=User.objects.none())
    date = forms.DateField(label=_("接访日期"), widget=forms.DateInput(attrs=_DATE, format=_DATE_FORMAT))
    starts_at = forms.TimeField(label=_("开始时间"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    ends_at = forms.TimeField(label=_("结束时间"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    place = forms.CharField(label=_("接访地点"), max_length=200)
    unit = forms.ModelChoiceField(label=_("接访单位"), queryset=Unit.objects.none())
    topic = forms.CharField(label=_("接访主题"), max_length=200, required=False)
    joint_units = forms.ModelMultipleChoiceField(label=_("联合接访单位"), required=False, queryset=Unit.objects.none(),
                                                 widget=forms.SelectMultiple(attrs={"size": 6}),
                                                 help_text=_("《信访工作条例》第十八条第三款：联合接待，一站式解决。"))

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = receiving_leaders()  # type: ignore[attr-defined]
        units = Unit.objects.filter(active=True).order_by("path")
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["joint_units"].queryset = units  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())
            self.initial.setdefault("starts_at", "09:00")
            self.initial.setdefault("ends_at", "11:30")


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("取消原因"), max_length=200)


class ReceptionForm(forms.Form):
    matter = forms.CharField(label=_("反映事项"), max_length=20000, widget=forms.Textarea(attrs={"rows": 4}))
    response = forms.CharField(label=_("接访领导答复"), max_length=20000, required=False,
                               widget=forms.Textarea(attrs={"rows": 3}))
    received_at = _datetime_field(_("接待时间"), required=False, help_text=_("不填则为当前时间（接访当天）。"))

    def clean_received_at(self) -> datetime | None:
        return _aware(self.cleaned_data.get("received_at"))


class ReceptionDayFilterForm(forms.Form):
    start = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs=_DATE, format=_DATE_FORMAT))
    status = forms.ChoiceField(label=_("状态"), required=False,
                               choices=[("", _("全部")), *ReceptionDay.Status.choices])
