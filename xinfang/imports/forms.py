"""Forms of the import pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from xinfang.imports.mapping import mappings_shipped
from xinfang.imports.reader import SUFFIXES, WEB_MAX_BYTES, WEB_MAX_ROWS


def mapping_choices() -> list[tuple[str, str]]:
    return [(key, f"{m.label}（{key}）") for key, m in mappings_shipped().items()]


class ImportUploadForm(forms.Form):
    """The file to import and the mapping of its columns (one of the shipped mappings)."""

    file = forms.FileField(
        label=_("文件（.xlsx 或 .csv）"),
        help_text=_("12345 工单导出或信访台账。CSV 可为 UTF-8 或 GBK 编码。网页上传上限 %(mb)d MB、%(rows)d 行，"
                    "更大的文件请由管理员用命令行导入。") % {"mb": WEB_MAX_BYTES // (1024 * 1024), "rows": WEB_MAX_ROWS})
    mapping = forms.ChoiceField(label=_("列映射"), choices=mapping_choices,
                                help_text=_("文件各列与系统字段的对应关系，见 docs/import.md。"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        suffix = Path(upload.name or "").suffix.lower()
        if suffix not in SUFFIXES:
            raise forms.ValidationError(_("只能导入 .xlsx 或 .csv 文件。"))
        if upload.size > WEB_MAX_BYTES:
            raise forms.ValidationError(_("文件过大（上限 %(n)d MB）。") % {"n": WEB_MAX_BYTES // (1024 * 1024)})
        return upload


class ImportConfirmForm(forms.Form):
    """The previewed file, by the generated name it is kept under."""

    token = forms.RegexField(regex=r"^[0-9a-f]{32}$", widget=forms.HiddenInput)
