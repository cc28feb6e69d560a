"""Labelled texts from a CSV file, for ``xinfang nlp train --csv`` and ``xinfang nlp evaluate``.

Two layouts: ``text,label``, or ``title,body,label`` (title and body joined). Extra columns (an id, a date)
are ignored; the Chinese headers of common exports are understood too (内容, 标题, 正文, 分类 …). The
encoding is UTF-8 with or without BOM when the whole file decodes as such, else GB18030 (a superset of GBK,
what Chinese Excel writes); the delimiter is the one of ``, \\t ; |`` that splits the header into the
expected columns (a sniffer is easily fooled by the commas of Chinese text). Text may be raw or already
word-segmented: the classifier folds both to the same form (``xinfang.nlp.tokens``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from xinfang.nlp.tokens import text_is_segmented

ENCODINGS = ("utf-8-sig", "gb18030")
DELIMITERS = (",", "\t", ";", "|")
MAX_BYTES = 512 * 1024 * 1024
# A petition with its attachments typed in can be long; the csv module's default limit is 128 KiB.
MAX_FIELD = 16 * 1024 * 1024

COLUMN_NAMES = {
    "text": ("text", "content", "内容", "文本", "信访内容"),
    "title": ("title", "标题", "留言主题", "主题"),
    "body": ("body", "正文", "留言详情", "详情"),
    "label": ("label", "category", "分类", "类别", "内容分类", "一级标签", "一级分类"),
}


class CorpusError(ValueError):
    """The file cannot be read as labelled texts (encoding, header, rows); the message is translated."""


@dataclass
class Corpus:
    """Labelled texts and how they were read."""

    texts: list[str]
    labels: list[str]
    source: str = ""
    layout: str = "text,label"
    encoding: str = "utf-8"
    delimiter: str = ","
    skipped: int = 0
    segmented: int = 0
    extra: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.texts)

    def describe(self) -> dict[str, object]:
        return {"file": self.source, "rows": len(self.texts), "layout": self.layout, "encoding": self.encoding,
                "delimiter": self.delimiter, "skipped_rows": self.skipped, "segmented_rows": self.segmented,
                "labels": len(set(self.labels))}


def _decode(data: bytes) -> tuple[str, str]:
    if b"\x00" in data[:8192]:
        raise CorpusError(_("该文件不是文本文件（可能是 UTF-16 或二进制文件），请另存为 UTF-8 或 GBK 编码的 CSV。"))
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise CorpusError(_("无法识别文件编码：既不是 UTF-8 也不是 GBK/GB18030。"))


def _columns(header: list[str]) -> dict[str, int]:
    names = [h.strip().strip("\ufeff").lower() for h in header]
    found: dict[str, int] = {}
    for column, aliases in COLUMN_NAMES.items():
        for alias in aliases:
            if alias in names:
                found[column] = names.index(alias)
                break
    return found


def _layout(found: dict[str, int]) -> str | None:
    if "label" not in found:
        return None
    if "title" in found and "body" in found:
        return "title,body,label"
    if "text" in found:
        return "text,label"
    return None


def corpus_parse(content: str, *, source: str = "", encoding: str = "utf-8") -> Corpus:
    """Labelled texts from CSV ``content`` (already decoded)."""
    first_line = content.split("\n", 1)[0].rstrip("\r")
    for delimiter in DELIMITERS:
        header = next(csv.reader([first_line], delimiter=delimiter), [])
        found = _columns(header)
        layout = _layout(found)
        if layout is not None:
            break
    else:
        raise CorpusError(_("CSV 文件的表头须包含 text,label 两列，或 title,body,label 三列。"))
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, MAX_FIELD))
    texts: list[str] = []
    labels: list[str] = []
    skipped = segmented = 0
    reader = csv.reader(io.StringIO(content), delimiter=delimiter)
    try:
        next(reader)
        for record in reader:
            def cell(column: str, record: list[str] = record) -> str:
                index = found[column]
                return record[index].strip() if index < len(record) else ""

            label = cell("label")
            text = cell("text") if layout == "text,label" else " ".join(
                part for part in (cell("title"), cell("body")) if part)
            if not label or not text:
                skipped += 1
                continue
            segmented += text_is_segmented(text)
            texts.append(text)
            labels.append(label)
    except csv.Error as exc:
        raise CorpusError(_("CSV 文件第 %(row)d 行格式有误：%(e)s") % {"row": reader.line_num, "e": exc}) from None
    finally:
        csv.field_size_limit(limit)
    if not texts:
        raise CorpusError(_("文件中没有带分类的文本。"))
    return Corpus(texts=texts, labels=labels, source=source, layout=layout, encoding=encoding,
                  delimiter=delimiter, skipped=skipped, segmented=segmented)


def corpus_read(path: Path) -> Corpus:
    """Labelled texts from the CSV file at ``path``; ``CorpusError`` says what is wrong with it."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise CorpusError(_("文件过大（超过 %(mb)d MB）。") % {"mb": MAX_BYTES // (1024 * 1024)})
        data = path.read_bytes()
    except OSError as exc:
        raise CorpusError(_("无法读取文件：%(e)s") % {"e": exc.strerror or exc}) from None
    content, encoding = _decode(data)
    return corpus_parse(content, source=path.name, encoding=encoding)
