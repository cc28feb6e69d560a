"""Column mappings of import files (TOML, docs/import.md): which column holds which field, how values
are read, and the defaults of fields a source does not have."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from xinfang.cases.models import Case

MAPPINGS_DIR = Path(__file__).resolve().parent / "mappings"

# The fields a row can fill, in the order of docs/import.md.
FIELDS = ("source_id", "received_at", "channel", "matter_type", "title", "content", "name", "id_number", "phone",
          "address", "category", "street", "group_size", "representatives")
# A value is needed on every row (title: unless it falls back to the content).
REQUIRED_VALUES = frozenset({"source_id", "received_at", "content", "name", "title"})
FIELD_KEYS = frozenset({"header", "required", "optional", "map", "formats", "by", "fallback"})
SOURCE_KEYS = frozenset({"name", "label", "header_row", "sheet", "merged_cells"})
DEFAULT_KEYS = frozenset({"channel", "matter_type", "group_size"})
DEFAULT_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                        "%Y/%m/%d", "%Y年%m月%d日")


class MappingError(ValueError):
    """The mapping file cannot be used; the message says why (translated)."""


@dataclass(frozen=True)
class FieldMap:
    """How one field is read: the column (first header found among ``headers``), whether every row needs a
    value, whether the column may be missing from the file, a map of source values, date formats, how a
    category or street is named (``name`` or ``code``), and ``fallback = "content"`` for a title."""

    name: str
    headers: tuple[str, ...]
    required: bool
    optional: bool = False
    values: dict[str, str] = field(default_factory=dict)
    formats: tuple[str, ...] = ()
    by: str = "name"
    fallback: str = ""


@dataclass(frozen=True)
class Mapping:
    """A parsed mapping file."""

    source: str
    label: str
    fields: dict[str, FieldMap]
    channel: str
    matter_type: str
    group_size: int = 1
    header_row: int = 0  # 0: detected
    sheet: str = ""
    merged_cells: str = "fill"
    path: str = ""

    def required_headers(self) -> list[FieldMap]:
        """The fields whose column must be in the file."""
        return [f for f in self.fields.values() if not f.optional]


def header_normalize(text: Any) -> str:
    """Headers are matched without any white space (ledgers wrap long headers onto two lines)."""
    return "".join(str(text or "").split())


def _strings(value: Any, where: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(v, str) and v.strip() for v in items):
        raise MappingError(_("映射文件中 %(where)s 应为非空文本或文本列表。") % {"where": where})
    return tuple(items)


def mapping_parse(text: str, *, path: str = "") -> Mapping:
    """Parse and check a mapping; raises ``MappingError`` naming the first problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(_("映射文件不是有效的 TOML：%(e)s") % {"e": exc}) from None
    source = data.get("source", {})
    defaults = data.get("defaults", {})
    columns = data.get("columns", {})
    if not isinstance(source, dict) or not isinstance(defaults, dict) or not isinstance(columns, dict):
        raise MappingError(_("映射文件应包含 [source]、[defaults] 和 [columns.*] 表。"))
    unknown = (set(data) - {"source", "defaults", "columns"}) | (set(source) - SOURCE_KEYS) \
        | (set(defaults) - DEFAULT_KEYS) | (set(columns) - set(FIELDS))
    if unknown:
        raise MappingError(_("映射文件中有未知的项：%(keys)s") % {"keys": "、".join(sorted(map(str, unknown)))})
    name = source.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 40:
        raise MappingError(_("映射文件应在 [source] 中给出来源名称 name（不超过40个字符）。"))
    merged = source.get("merged_cells", "fill")
    if merged not in ("fill", "error"):
        raise MappingError(_("merged_cells 只能是 \"fill\" 或 \"error\"。"))
    header_row = source.get("header_row", 0)
    if not isinstance(header_row, int) or isinstance(header_row, bool) or not 0 <= header_row <= 1000:
        raise MappingError(_("header_row 应为0（自动识别）或表头所在的行号。"))
    channel = defaults.get("channel", "")
    if channel not in Case.Channel.values:
        raise MappingError(_("[defaults] 中的 channel 应为以下之一：%(v)s") % {"v": ", ".join(Case.Channel.values)})
    matter_type = defaults.get("matter_type", "")
    if matter_type not in Case.MatterType.values:
        raise MappingError(_("[defaults] 中的 matter_type 应为以下之一：%(v)s")
                           % {"v": ", ".join(Case.MatterType.values)})
    group_size = defaults.get("group_size", 1)
    if not isinstance(group_size, int) or isinstance(group_size, bool) or group_size < 1:
        raise MappingError(_("[defaults] 中的 group_size 应为正整数。"))

    fields: dict[str, FieldMap] = {}
    for key, spec in columns.items():
        where = f"[columns.{key}]"
        if not isinstance(spec, dict):
            raise MappingError(_("%(where)s 应为一个表。") % {"where": where})
        extra = set(spec) - FIELD_KEYS
        if extra:
            raise MappingError(_("%(where)s 中有未知的项：%(keys)s") % {"where": where, "keys": "、".join(sorted(extra))})
        headers = tuple(h for h in (header_normalize(x) for x in _strings(spec.get("header"), f"{where} header")))
        values = spec.get("map", {})
        if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
            raise MappingError(_("%(where)s 中的 map 应为“源值 = 目标值”的表。") % {"where": where})
        formats = _strings(spec["formats"], f"{where} formats") if "formats" in spec else ()
        if key == "received_at" and not formats:
            formats = DEFAULT_DATE_FORMATS
        by = spec.get("by", "name")
        if by not in ("name", "code"):
            raise MappingError(_("%(where)s 中的 by 只能是 \"name\" 或 \"code\"。") % {"where": where})
        fallback = spec.get("fallback", "")
        if fallback not in ("", "content") or (fallback and key != "title"):
            raise MappingError(_("只有标题可以设 fallback = \"content\"。"))
        required = spec.get("required", key in REQUIRED_VALUES and not fallback)
        optional = spec.get("optional", False)
        if not isinstance(required, bool) or not isinstance(optional, bool):
            raise MappingError(_("%(where)s 中的 required 和 optional 应为 true 或 false。") % {"where": where})
        if key in ("channel", "matter_type"):
            allowed = Case.Channel.values if key == "channel" else Case.MatterType.values
            wrong = sorted(v for v in values.values() if v not in allowed)
            if wrong:
                raise MappingError(_("%(where)s 中的目标值无效：%(v)s") % {"where": where, "v": "、".join(wrong)})
        fields[key] = FieldMap(name=key, headers=headers, required=required, optional=optional,
                               values={str(k).strip(): v.strip() for k, v in values.items()}, formats=formats,
                               by=by, fallback=fallback)
    missing = [key for key in ("source_id", "received_at", "content", "name") if key not in fields]
    if "title" not in fields:
        missing.append("title")
    if missing:
        raise MappingError(_("映射文件缺少必需的列：%(keys)s") % {"keys": "、".join(missing)})
    return Mapping(source=name.strip(), label=str(source.get("label", name)).strip(), fields=fields, channel=channel,
                   matter_type=matter_type, group_size=group_size, header_row=header_row,
                   sheet=str(source.get("sheet", "")), merged_cells=merged, path=path)


def mapping_load(path: str | Path) -> Mapping:
    """Read and parse a mapping file (UTF-8)."""
    target = Path(path)
    try:
        text = target.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(_("无法读取映射文件 %(p)s：%(e)s") % {"p": target.name, "e": exc}) from None
    return mapping_parse(text, path=str(target))


def mappings_shipped() -> dict[str, Mapping]:
    """The mappings that come with xinfang (``xinfang/imports/mappings/*.toml``), by file stem."""
    return {p.stem: mapping_load(p) for p in sorted(MAPPINGS_DIR.glob("*.toml"))}
