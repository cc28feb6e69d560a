"""The export form of the case list and of the export page."""

from __future__ import annotations

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from xinfang.exports.models import ExportJob

PREFIX = "export"


class ExportForm(forms.Form):
    """Format, and for users allowed to, a full export with its reason. ``query`` carries the list's
    filter as its query string (the list page keeps it in step when htmx filters in place)."""

    query = forms.CharField(required=False, max_length=4000, widget=forms.HiddenInput(attrs={"data-follow-query": ""}))
    format = forms.ChoiceField(label=_("文件格式"), choices=ExportJob.Format.choices, initial=ExportJob.Format.XLSX,
                               widget=forms.RadioSelect)
    full = forms.BooleanField(label=_("导出完整身份证号和电话"), required=False,
                              help_text=_("仅限有权限的人员，须说明理由；文件标明含个人信息，在后台生成。"))
    reason = forms.CharField(label=_("导出理由"), required=False, max_length=200,
                             help_text=_("导出完整个人信息时必填，将记入审计日志。"))

    def params(self) -> QueryDict:
        """The list's parameters (filters and sort) the form was posted with."""
        return QueryDict(self.cleaned_data.get("query", "") or "")
