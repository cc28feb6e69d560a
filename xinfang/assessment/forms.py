"""Forms of the assessment pages: the shape of the input only; the rules of a scheme are the service's
(``services.scheme_validate``), whose errors are put back on the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinfang.assessment.metrics import METRICS
from xinfang.assessment.selectors import YEAR_MAX, YEAR_MIN, SchemeData


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=YEAR_MIN, max_value=YEAR_MAX)

    @classmethod
    def from_query(cls, data: Any) -> YearForm:
        return cls(data if data.get("year") else {"year": timezone.localdate().year})


class DrillForm(YearForm):
    only = forms.ChoiceField(label=_("显示"), required=False,
                             choices=[("", _("全部")), ("hit", _("计入分子的")), ("miss", _("未计入分子的"))])


def _weight_name(code: str) -> str:
    return f"{code}__weight"


def _target_name(code: str) -> str:
    return f"{code}__target"


class SchemeForm(forms.Form):
    """A weight and a target per metric, and the small-sample rules."""

    min_n = forms.IntegerField(label=_("最小样本量"), help_text=_("样本量少于此数的指标标记为样本不足，不计入得分。"))
    max_interval = forms.FloatField(label=_("置信区间最大宽度"),
                                    help_text=_("95%威尔逊置信区间宽于此值的指标也视为样本不足（0至1）。"))
    min_coverage = forms.FloatField(label=_("参与排名的最低权重覆盖率"),
                                    help_text=_("样本充足指标的权重合计占全部权重的比例低于此值的单位不参与排名（0至1）。"))

    def __init__(self, *args: Any, scheme: SchemeData | None = None, **kwargs: Any) -> None:
        if scheme is not None and "initial" not in kwargs:
            initial: dict[str, Any] = {"min_n": scheme.min_n, "max_interval": scheme.max_interval,
                                       "min_coverage": scheme.min_coverage}
            for metric in METRICS:
                initial[_weight_name(metric.code)] = scheme.weight(metric.code)
                initial[_target_name(metric.code)] = scheme.target(metric.code)
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        for metric in METRICS:
            self.fields[_weight_name(metric.code)] = forms.FloatField(
                label=_("%(m)s 权重") % {"m": metric.name}, help_text=_("不小于0；0表示不计入得分。"))
            hint = _("不超过该比例为达标") if metric.lower_is_better else _("达到该比例为达标")
            self.fields[_target_name(metric.code)] = forms.FloatField(
                label=_("%(m)s 目标") % {"m": metric.name}, help_text=_("大于0且不超过1；%(h)s。") % {"h": hint})

    def metric_rows(self) -> list[tuple[Any, Any, Any]]:
        return [(m, self[_weight_name(m.code)], self[_target_name(m.code)]) for m in METRICS]

    def service_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"metrics": {m.code: {"weight": data.get(_weight_name(m.code)), "target": data.get(_target_name(m.code))}
                            for m in METRICS},
                "min_n": data.get("min_n"), "max_interval": data.get("max_interval"),
                "min_coverage": data.get("min_coverage")}

    def add_service_errors(self, errors: dict[str, list[str]], message: str) -> None:
        self.add_error(None, message)
        for key, messages in errors.items():
            code, _dot, part = key.partition(".")
            name = f"{code}__{part}" if part else key
            for text in messages:
                self.add_error(name if name in self.fields else None, str(text))


class ReportForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=YEAR_MIN, max_value=YEAR_MAX)
    recommendations = forms.CharField(
        label=_("改进工作、完善政策的建议"), max_length=5000, widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("已根据考核结果起草，可修改后生成报告（《信访工作条例》第四十一条第一款第三项）。"))
