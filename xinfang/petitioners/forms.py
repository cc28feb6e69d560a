"""Forms of the petitioners pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from xinfang.petitioners.models import CaseLink
from xinfang.petitioners.selectors import figures_period_problem


def _date(**kwargs: Any) -> forms.DateField:
    return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **kwargs)


class PeriodForm(forms.Form):
    start = _date(label=_("起始日期"))
    end = _date(label=_("截止日期"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end:
            problem = figures_period_problem(start, end)
            if problem:
                self.add_error("end", problem)
        return data


class CaseLinkForm(forms.Form):
    other = forms.CharField(label=_("关联事项编号"), max_length=20)
    kind = forms.ChoiceField(label=_("关联类型"), choices=CaseLink.Kind.choices)
    note = forms.CharField(label=_("说明"), max_length=500, required=False)
