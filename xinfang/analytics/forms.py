"""Forms of the analytics pages: the period and scope pickers (GET)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from xinfang.analytics.selectors import period_problem, scope_choices


def _date(**kwargs: Any) -> forms.DateField:
    return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **kwargs)


class _ScopeForm(forms.Form):
    scope = forms.ChoiceField(label=_("范围"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # A scope outside the user's is not offered; asked for anyway, the view answers 404 (selectors).
        choices = scope_choices(user)
        field: Any = self.fields["scope"]
        field.choices = choices
        field.valid_value = lambda value: True


class OverviewForm(_ScopeForm):
    start = _date(label=_("起始日期"))
    end = _date(label=_("截止日期"))

    field_order = ["start", "end", "scope"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end:
            problem = period_problem(start, end)
            if problem:
                self.add_error("end", problem)
        return data


class HotspotsForm(_ScopeForm):
    end = _date(label=_("截止日期"), help_text=_("近28天与此前12周比较。"))

    field_order = ["end", "scope"]

    def clean_end(self) -> Any:
        end = self.cleaned_data.get("end")
        if end is not None:
            problem = period_problem(end, end)
            if problem:
                raise forms.ValidationError(problem)
        return end
