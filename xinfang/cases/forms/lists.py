"""Forms of the workbench and the case list: the filter form (GET; what ``CaseFilterSet`` reads), the
search by full ID or phone number (POST, so the number never reaches a URL) and bulk routing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from xinfang.accounts.models import Unit
from xinfang.cases.forms.intake import clean_id_number_text, clean_phone_text
from xinfang.cases.models import Case, Category

MAX_BULK_CASES = 200
_EMPTY = [("", _("全部"))]


def _units_choices(queryset: Any) -> list[tuple[str, str]]:
    return [*_EMPTY, *((u.code, u.name) for u in queryset.only("code", "name"))]


class CaseFilterForm(forms.Form):
    """The filter bar of the case list. Bound to ``request.GET`` only to show what is being filtered on;
    the filtering itself (and its errors) is ``CaseFilterSet``'s. Codes, not ids, go in the URL."""

    number = forms.CharField(label=_("编号"), required=False, max_length=20)
    name = forms.CharField(label=_("信访人姓名"), required=False, max_length=50, help_text=_("须填写完整姓名。"))
    q = forms.CharField(label=_("标题或内容"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search"}))
    category = forms.ChoiceField(label=_("分类"), required=False)
    street = forms.ChoiceField(label=_("所属街道"), required=False)
    unit = forms.ChoiceField(label=_("承办单位"), required=False)
    status = forms.MultipleChoiceField(label=_("状态"), required=False, choices=Case.Status.choices,
                                       widget=forms.CheckboxSelectMultiple)
    channel = forms.ChoiceField(label=_("渠道"), required=False, choices=[*_EMPTY, *Case.Channel.choices])
    matter_type = forms.ChoiceField(label=_("事项类型"), required=False,
                                    choices=[*_EMPTY, *Case.MatterType.choices])
    overdue = forms.BooleanField(label=_("仅看已逾期"), required=False,
                                 widget=forms.CheckboxInput(attrs={"value": "1"}))
    received_from = forms.DateField(label=_("收到日期自"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    received_to = forms.DateField(label=_("收到日期至"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["category"].choices = [*_EMPTY, *((c.code, c.name) for c in
                                                  Category.objects.filter(active=True).only("code", "name"))]
        fields["street"].choices = _units_choices(Unit.objects.filter(active=True, kind=Unit.Kind.STREET))
        fields["unit"].choices = _units_choices(
            Unit.objects.filter(active=True).exclude(kind__in=[Unit.Kind.BUREAU, Unit.Kind.GOVERNMENT])
            .order_by("path"))


class PersonSearchForm(forms.Form):
    """Search by a full ID or phone number. Posted, never in the URL (SECURITY.md 5): the view turns the
    numbers into their keyed hashes and redirects to the list filtered by the hashes. ``keep`` carries
    the other filters of the list being looked at."""

    prefix = "person"

    id_number = forms.CharField(label=_("身份证号"), required=False, max_length=20,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    phone = forms.CharField(label=_("电话"), required=False, max_length=20,
                            widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}))
    keep = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def clean_id_number(self) -> str:
        return clean_id_number_text(self.cleaned_data.get("id_number", ""))

    def clean_phone(self) -> str:
        return clean_phone_text(self.cleaned_data.get("phone", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not data.get("id_number") and not data.get("phone"):
            raise forms.ValidationError(_("请填写身份证号或电话。"), code="empty")
        return data

    def kept_filters(self) -> QueryDict:
        """The list's other filters, to be kept after the search (a fresh page, any earlier person filter
        replaced)."""
        kept = QueryDict(self.cleaned_data.get("keep", ""), mutable=True)
        for key in ("page", "id_hash", "phone_hash", "csrfmiddlewaretoken"):
            kept.pop(key, None)
        return kept


class BulkRouteForm(forms.Form):
    """Route several cases (待转送交办 / 被退回) to one unit in one mode; each goes through ``case_route``."""

    cases = forms.TypedMultipleChoiceField(label=_("事项"), coerce=int, choices=[],
                                           error_messages={"required": _("请至少选择一件事项。"),
                                                           "invalid_choice": _("所选事项无效。")})
    unit = forms.ModelChoiceField(label=_("转送交办至"), queryset=Unit.objects.none(), to_field_name="code",
                                  empty_label=_("请选择承办单位"),
                                  error_messages={"required": _("请选择承办单位。"),
                                                  "invalid_choice": _("请选择一个启用的承办单位。")})
    mode = forms.ChoiceField(label=_("转交方式"), choices=Case.RouteMode.choices, initial=Case.RouteMode.TRANSFER,
                             widget=forms.RadioSelect)
    note = forms.CharField(label=_("说明"), required=False, max_length=500,
                           widget=forms.TextInput())
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        # The service refuses the bureau itself and inactive units; the list offers neither.
        fields["unit"].queryset = (Unit.objects.filter(active=True)
                                   .exclude(kind__in=[Unit.Kind.BUREAU, Unit.Kind.GOVERNMENT]).order_by("path"))

    def clean_cases(self) -> list[int]:
        ids = list(dict.fromkeys(self.cleaned_data.get("cases") or []))
        if len(ids) > MAX_BULK_CASES:
            raise forms.ValidationError(_("一次最多转送交办%(n)d件。") % {"n": MAX_BULK_CASES}, code="too_many")
        return ids

    def full_clean(self) -> None:
        # Any integer id is a valid choice here; whether the user may route it is the gateway's question.
        if self.is_bound:
            raw = self.data.getlist("cases") if hasattr(self.data, "getlist") else []
            fields: Any = self.fields
            fields["cases"].choices = [(v, v) for v in raw if str(v).isdigit()]
        super().full_clean()


class BulkSelectionForm(forms.Form):
    """The cases ticked on a list for bulk routing (the first step of routing them with suggestions)."""

    cases = forms.TypedMultipleChoiceField(label=_("事项"), coerce=int, choices=[],
                                           error_messages={"required": _("请至少选择一件事项。"),
                                                           "invalid_choice": _("所选事项无效。")})
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def clean_cases(self) -> list[int]:
        ids = list(dict.fromkeys(self.cleaned_data.get("cases") or []))
        if len(ids) > MAX_BULK_CASES:
            raise forms.ValidationError(_("一次最多转送交办%(n)d件。") % {"n": MAX_BULK_CASES}, code="too_many")
        return ids

    def full_clean(self) -> None:
        # Any integer id is a valid choice here; whether the user may route it is the gateway's question.
        if self.is_bound:
            raw = self.data.getlist("cases") if hasattr(self.data, "getlist") else []
            fields: Any = self.fields
            fields["cases"].choices = [(v, v) for v in raw if str(v).isdigit()]
        super().full_clean()


def bulk_unit_queryset() -> Any:
    """The units a case may be routed to from a bulk form: active, neither the bureau nor the government
    (the service refuses those)."""
    return (Unit.objects.filter(active=True).exclude(kind__in=[Unit.Kind.BUREAU, Unit.Kind.GOVERNMENT])
            .order_by("path"))


class BulkRouteEachForm(BulkSelectionForm):
    """Route the ticked cases each to its own unit, one mode for all: a unit field per case
    (``unit-<id>``), preset to the suggested unit (xinfang/nlp) — keeping it accepts the suggestion,
    choosing another corrects it. ``case_ids``: the cases given a field (those the user may see)."""

    mode = forms.ChoiceField(label=_("转交方式"), choices=Case.RouteMode.choices, initial=Case.RouteMode.TRANSFER,
                             widget=forms.RadioSelect)
    note = forms.CharField(label=_("说明"), required=False, max_length=500, widget=forms.TextInput())

    def __init__(self, *args: Any, case_ids: list[int], suggested: dict[int, str] | None = None,
                 **kwargs: Any):
        super().__init__(*args, **kwargs)
        # One query for every row: plain choices, not a ModelChoiceField per row (a query each).
        self.units = {u.code: u for u in bulk_unit_queryset().only("id", "code", "name", "kind", "active", "path")}
        choices = [("", _("请选择承办单位")), *((code, u.name) for code, u in self.units.items())]
        suggested = suggested or {}
        self.case_ids = list(case_ids)
        fields: Any = self.fields
        for pk in self.case_ids:
            fields[self.unit_field(pk)] = forms.ChoiceField(
                label=_("转送交办至"), choices=choices, initial=suggested.get(pk, ""),
                error_messages={"required": _("请选择承办单位。"), "invalid_choice": _("请选择一个启用的承办单位。")})

    @staticmethod
    def unit_field(pk: int) -> str:
        return f"unit-{pk}"

    def chosen_units(self) -> dict[int, Unit]:
        """The unit chosen for each case with a field (after ``is_valid``)."""
        return {pk: self.units[self.cleaned_data[self.unit_field(pk)]] for pk in self.case_ids
                if self.cleaned_data.get(self.unit_field(pk)) in self.units}
