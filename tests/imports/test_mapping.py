"""Mapping files (docs/import.md): the shipped ones parse; mistakes are named, never half-understood."""

from __future__ import annotations

import pytest

from xinfang.imports.mapping import MappingError, mapping_parse, mappings_shipped

MINIMAL = """
[source]
name = "test"
[defaults]
channel = "letter"
matter_type = "claim"
[columns.source_id]
header = "编号"
[columns.received_at]
header = ["日期", "来信日期"]
[columns.title]
header = "标题"
fallback = "content"
optional = true
[columns.content]
header = "内容"
[columns.name]
header = "姓名"
"""


def test_shipped_mappings_parse():
    shipped = mappings_shipped()
    assert set(shipped) == {"hotline-12345", "ledger"}
    hotline, ledger = shipped["hotline-12345"], shipped["ledger"]
    assert hotline.source == "12345" and hotline.channel == "hotline"
    assert hotline.fields["source_id"].headers == ("工单编号", "工单号")
    assert hotline.fields["matter_type"].values["举报"] == "accusation"
    assert ledger.fields["channel"].values["来访"] == "visit"
    assert ledger.fields["received_at"].formats[0] == "%Y-%m-%d"
    assert ledger.merged_cells == "fill"


def test_minimal_mapping_defaults():
    mapping = mapping_parse(MINIMAL)
    assert mapping.fields["received_at"].headers == ("日期", "来信日期")
    assert mapping.fields["received_at"].formats  # the default formats
    assert mapping.fields["source_id"].required and not mapping.fields["title"].required
    assert [f.name for f in mapping.required_headers()] == ["source_id", "received_at", "content", "name"]


@pytest.mark.parametrize(("change", "message"), [
    (lambda t: t.replace('name = "test"', ""), "来源名称"),
    (lambda t: t.replace('channel = "letter"', 'channel = "pigeon"'), "channel"),
    (lambda t: t.replace('matter_type = "claim"', 'matter_type = "x"'), "matter_type"),
    (lambda t: t + '[columns.colour]\nheader = "颜色"\n', "colour"),
    (lambda t: t + '[columns.street]\nheader = "街道"\nby = "pinyin"\n', "by"),
    (lambda t: t + '[columns.channel]\nheader = "形式"\nmap = { "来信" = "pigeon" }\n', "pigeon"),
    (lambda t: t.replace('[columns.name]\nheader = "姓名"\n', ""), "name"),
    (lambda t: t.replace('header = "内容"', "header = 3"), "header"),
    (lambda t: t.replace("[source]", "[source\n"), "TOML"),
    (lambda t: t.replace('name = "test"', 'name = "test"\nmerged_cells = "ignore"'), "merged_cells"),
])
def test_mistakes_are_named(change, message):
    with pytest.raises(MappingError) as caught:
        mapping_parse(change(MINIMAL))
    assert message in str(caught.value)
