"""Forms of the reference pages. They only check shapes and turn choices into objects; the rules (no cycle
in a tree, unique codes, a make-up working day on a weekend only, …) are the services' and come back as
``ValidationFailed`` shown next to the fields (``form_add_service_errors``)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from xinfang.accounts.models import Unit
from xinfang.cases.models import Category
from xinfang.deadlines.models import CalendarDay
from xinfang.deadlines.services import CalendarRow, calendar_parse_file
from xinfang.reference.selectors import TreeRow, category_tree, unit_tree

# A year's calendar is a few dozen lines; anything much larger is not a calendar file.
CALENDAR_FILE_MAX_BYTES = 256 * 1024
CALENDAR_FILE_SUFFIXES = (".csv", ".json")
INDENT = "\u3000"  # an ideographic space per level: the indentation survives in a <select>


def _tree_label(row: TreeRow) -> str:
    node = row.node
    label = f"{INDENT * row.depth}{node.name}（{node.code}）"
    if not node.active:
        label += str(_("［已停用］"))
    return label


class TreeChoiceField(forms.ChoiceField):
    """A <select> over a tree, indented, answering the chosen object (or None when left empty)."""

    def __init__(self, *, rows: list[TreeRow], empty_label: Any, **kwargs: Any):
        self.objects = {str(row.node.pk): row.node for row in rows}
        choices = [("", empty_label), *((str(row.node.pk), _tree_label(row)) for row in rows)]
        kwargs.setdefault("required", False)
        super().__init__(choices=choices, **kwargs)

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        return self.objects.get(value) if value else None


def _unit_rows(*, keep: list[Unit | None]) -> list[TreeRow]:
    """The active units, plus the inactive ones named in ``keep`` (the value already stored stays
    selectable, so an unrelated edit does not silently change it)."""
    keep_ids = {u.pk for u in keep if u is not None}
    return [row for row in unit_tree() if row.node.active or row.node.pk in keep_ids]


class UnitForm(forms.Form):
    """Create or edit a unit. ``unit``: the unit edited (None: a new one)."""

    code = forms.CharField(label=_("代码"), max_length=32)
    name = forms.CharField(label=_("名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=Unit.Kind.choices)
    sort = forms.IntegerField(label=_("排序"), initial=0, min_value=-32768, max_value=32767,
                              help_text=_("同级单位按排序号、再按代码排列。"))
    scope_includes_children = forms.BooleanField(
        label=_("可查看下级单位案件"), required=False,
        help_text=_("勾选后，本单位经办人可以查看下级单位承办的信访事项。"))

    def __init__(self, *args: Any, unit: Unit | None = None, **kwargs: Any):
        if unit is not None and "initial" not in kwargs:
            kwargs["initial"] = {"code": unit.code, "name": unit.name, "kind": unit.kind,
                                 "parent": str(unit.parent_id or ""), "sort": unit.sort,
                                 "scope_includes_children": unit.scope_includes_children}
        super().__init__(*args, **kwargs)
        self.unit = unit
        rows = _unit_rows(keep=[unit.parent if unit is not None else None])
        # Field order: the parent right after the kind.
        self.fields["parent"] = TreeChoiceField(rows=rows, empty_label=_("（无，作为顶级单位）"),
                                                label=_("上级单位"),
                                                help_text=_("更换上级单位会连同全部下级单位一起移动。"))
        self.order_fields(["code", "name", "kind", "parent", "sort", "scope_includes_children"])

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip()

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()


class CategoryForm(forms.Form):
    """Create or edit a category. ``category``: the one edited (None: a new one)."""

    code = forms.CharField(label=_("代码"), max_length=32)
    name = forms.CharField(label=_("名称"), max_length=100)
    sort = forms.IntegerField(label=_("排序"), initial=0, min_value=-32768, max_value=32767)
    active = forms.BooleanField(label=_("启用"), required=False, initial=True,
                                help_text=_("停用后登记时不再提供该分类；已有的信访事项不受影响。"))
    keywords = forms.CharField(
        label=_("关键词"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("登记时据以推荐本分类的词语，用空格、逗号或换行分隔；分类名称本身也算一个。已确认分类的事项足够多、训练了分类模型后，改由模型推荐。"))

    def __init__(self, *args: Any, category: Category | None = None, **kwargs: Any):
        if category is not None and "initial" not in kwargs:
            kwargs["initial"] = {"code": category.code, "name": category.name,
                                 "parent": str(category.parent_id or ""),
                                 "default_unit": str(category.default_unit_id or ""),
                                 "sort": category.sort, "active": category.active, "keywords": category.keywords}
        super().__init__(*args, **kwargs)
        self.category = category
        self.fields["parent"] = TreeChoiceField(rows=category_tree(), empty_label=_("（无，作为一级分类）"),
                                                label=_("上级分类"))
        keep = [category.default_unit if category is not None else None]
        self.fields["default_unit"] = TreeChoiceField(
            rows=_unit_rows(keep=keep), empty_label=_("（未设置，由信访办人工转送）"), label=_("默认责任单位"),
            help_text=_("登记时按分类推荐的承办单位；某街道另有设置的，以街道设置为准。"))
        order = ["code", "name", "parent", "default_unit", "sort", "active", "keywords"]
        if category is None:
            del self.fields["active"]
            order.remove("active")
        self.order_fields(order)

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip()

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()


class StreetRoutesForm(forms.Form):
    """The routing table of one category: for each street, the responsible unit (empty: the category's
    default unit applies)."""

    def __init__(self, *args: Any, category: Category, streets: list[Unit], routes: dict[int, Unit],
                 **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.category = category
        self.streets = streets
        default = category.default_unit.name if category.default_unit else _("未设置")
        empty = _("（按分类默认：%(unit)s）") % {"unit": default}
        rows = _unit_rows(keep=list(routes.values()))
        for street in streets:
            name = self.field_name(street)
            self.fields[name] = TreeChoiceField(rows=rows, empty_label=empty, label=street.name)
            self.initial[name] = str(routes[street.pk].pk) if street.pk in routes else ""

    @staticmethod
    def field_name(street: Unit) -> str:
        return f"street_{street.pk}"

    def routes(self) -> dict[Unit, Unit | None]:
        """Street → unit (or None) for every street of the table, from the cleaned data."""
        return {street: self.cleaned_data.get(self.field_name(street)) for street in self.streets}

    def rows(self) -> list[tuple[Unit, forms.BoundField]]:
        return [(street, self[self.field_name(street)]) for street in self.streets]


class CalendarDayForm(forms.Form):
    """One day of the official calendar."""

    ORDINARY = ""
    kind = forms.ChoiceField(
        label=_("类型"), required=False,
        choices=[(ORDINARY, _("普通日（周一至周五上班，周末休息）")), *CalendarDay.Kind.choices],
        help_text=_("调休上班只能设在周六或周日。"))
    name = forms.CharField(label=_("名称"), max_length=50, required=False, help_text=_("例如：春节、国庆节。"))


class CalendarUploadForm(forms.Form):
    """A year's calendar file, in the format of ``xinfang calendar load``
    (docs/examples/calendar-2027-example.csv): CSV ``date,kind,name`` or JSON."""

    file = forms.FileField(label=_("日历文件（CSV 或 JSON）"),
                           help_text=_("UTF-8 编码，每行：日期（YYYY-MM-DD）、类型（holiday 休息日 / workday "
                                       "调休上班）、名称。载入将替换文件所含年份的全部设置。"))
    source = forms.CharField(label=_("来源"), max_length=80, required=False,
                             help_text=_("例如：国务院办公厅关于2027年部分节假日安排的通知。"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if Path(upload.name or "").suffix.lower() not in CALENDAR_FILE_SUFFIXES:
            raise forms.ValidationError(_("只接受 .csv 或 .json 文件。"))
        if upload.size > CALENDAR_FILE_MAX_BYTES:
            raise forms.ValidationError(_("文件过大（上限 %(n)d KB）。") % {"n": CALENDAR_FILE_MAX_BYTES // 1024})
        return upload

    def parse(self) -> tuple[list[CalendarRow], list[int]]:
        """The rows and years of the uploaded file, read by the command's own parser (raises
        ``ValidationFailed`` naming every bad row). The upload is copied to a private temporary file with
        a generated name and removed at once: nothing uploaded stays on disk (SECURITY.md 14)."""
        upload = self.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
            handle.flush()
            return calendar_parse_file(Path(handle.name))

    def source_label(self) -> str:
        upload = self.cleaned_data["file"]
        return self.cleaned_data.get("source") or f"upload {Path(upload.name).name}"
