"""Bulk import of 12345 exports and legacy ledgers (issue 4, "Import"; SECURITY.md 13).

Two passes over the file, both streamed:

1. ``import_analyse`` reads and checks EVERY row (dates, ID numbers, phones, categories, streets, group
   sizes, required fields and every rule of ``case_register``) and looks up which source ids were imported
   before. It writes nothing; its report is the dry run, the web preview and the error list.
2. ``import_run`` writes only when the first pass found no error: a second pass turns the rows into
   petitions for ``cases_register_batch`` in chunks, all inside ONE transaction with the
   ``ImportedRecord`` rows, so a file is imported completely or not at all. A row that fails on the second
   pass (the file changed in between) rolls everything back.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from xinfang.accounts.models import Unit
from xinfang.cases.models import Case, Category
from xinfang.cases.services.registration import CHANNELS, MATTER_TYPES, PetitionerInput, registration_errors
from xinfang.cases.services.registration_batch import BatchPetition, cases_register_batch
from xinfang.core.audit import audit_record
from xinfang.core.db import insert_many
from xinfang.core.errors import Forbidden, ValidationFailed
from xinfang.core.idnumber import id_number_mask, id_number_normalize, phone_mask
from xinfang.imports.mapping import FieldMap, Mapping
from xinfang.imports.models import ImportedRecord
from xinfang.imports.reader import MAX_BYTES, MAX_ROWS, ImportFileError, table_open

MAX_ERRORS = 1000  # errors listed in a report; the total is always counted
WRITE_CHUNK = 2000  # rows per call of cases_register_batch (memory stays flat on large files)
LOOKUP_CHUNK = 500
# Up to this many new rows, the rows checked by the first pass are written as they are (~2 KB each in
# memory); a larger file is read and checked a second time while it is written, so memory stays flat.
KEEP_ROWS = 50_000
TITLE_FROM_CONTENT = 30
_SPLIT_NAMES = re.compile(r"[、,，;；\s]+")
_SPLIT_PHONES = re.compile(r"[,，;；、/]+")

# gettext_noop: marked for makemessages here, translated only when a row has the error (a file has many rows).
UNKNOWN_CHANNEL = gettext_noop("未知的信访形式：%(v)s")
UNKNOWN_MATTER_TYPE = gettext_noop("未知的事项类型：%(v)s")
UNKNOWN_CATEGORY = gettext_noop("未知的问题分类：%(v)s")
AMBIGUOUS_CATEGORY = gettext_noop("分类名称“%(v)s”不唯一，请在映射中改按代码（by = \"code\"）导入。")
UNKNOWN_STREET = gettext_noop("未知的街道（镇）：%(v)s")
AMBIGUOUS_STREET = gettext_noop("街道名称“%(v)s”不唯一，请在映射中改按代码（by = \"code\"）导入。")

Progress = Callable[[str, int, int], None]  # (phase "check" | "write", rows done, rows in all or 0)


@dataclass(frozen=True)
class RowError:
    """One problem: the file, the row as Excel shows it (0: the file itself), the column, the reason."""

    file: str
    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    """What an import found and did."""

    file: str
    file_hash: str
    source: str
    rows: int = 0
    new: int = 0
    already: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_total: int = 0
    preview: list[dict[str, Any]] = field(default_factory=list)
    written: bool = False
    linked: int = 0
    numbers: tuple[str, str] | None = None  # first and last case number written

    @property
    def ok(self) -> bool:
        return self.error_total == 0

    def add_error(self, row: int, column: str, message: str) -> None:
        self.error_total += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(RowError(self.file, row, column, str(message)))


def import_report_summary(report: ImportReport) -> dict[str, Any]:
    """What an import found and did, as plain values (the result page keeps it in the session; the API
    answers it)."""
    return {"file": report.file, "source": report.source, "rows": report.rows, "new": report.new,
            "already": report.already, "linked": report.linked, "written": report.written,
            "first": report.numbers[0] if report.numbers else "", "last": report.numbers[1] if report.numbers else "",
            "error_total": report.error_total,
            "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in report.errors]}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


# --- Reading one row ---------------------------------------------------------------------------------

@dataclass
class ParsedRow:
    row: int
    source_id: str
    petition: BatchPetition | None
    errors: list[tuple[str, str]]  # (column, message)


class RowParser:
    """Turns a row of the file into a ``BatchPetition`` with the mapping, or into errors per column.
    Categories and streets are looked up once per file."""

    def __init__(self, *, mapping: Mapping, headers: list[str]):
        self.mapping = mapping
        present = set(headers)
        # field name -> the column it is read from in this file ("" when the optional column is absent)
        self.columns: dict[str, str] = {}
        for name, spec in mapping.fields.items():
            self.columns[name] = next((h for h in spec.headers if h in present), "")
        self.categories_by: dict[str, list[Category]] = {}
        by_code = mapping.fields["category"].by == "code" if "category" in mapping.fields else False
        for category in Category.objects.filter(active=True):
            key = category.code if by_code else category.name
            self.categories_by.setdefault(key, []).append(category)
        self.streets_by: dict[str, list[Unit]] = {}
        by_code = mapping.fields["street"].by == "code" if "street" in mapping.fields else False
        for unit in Unit.objects.filter(kind=Unit.Kind.STREET, active=True):
            key = unit.code if by_code else unit.name
            self.streets_by.setdefault(key, []).append(unit)

    def column_of(self, name: str) -> str:
        """The column a field is read from, for the error report (the field's first header if unmapped)."""
        if self.columns.get(name):
            return self.columns[name]
        spec = self.mapping.fields.get(name)
        return spec.headers[0] if spec else name

    def _raw(self, values: dict[str, Any], name: str) -> Any:
        column = self.columns.get(name, "")
        return values.get(column, "") if column else ""

    def _text(self, values: dict[str, Any], name: str) -> str:
        raw = self._raw(values, name)
        if isinstance(raw, datetime | date | time):
            return raw.isoformat()
        return str(raw or "").strip()

    def _text_of_row(self, values: dict[str, Any], name: str) -> str:
        # Each field's text is read once per row (parse and its helpers ask several times).
        text = self._row_texts.get(name)
        if text is None:
            text = self._row_texts[name] = self._text(values, name)
        return text

    def parse(self, number: int, values: dict[str, Any]) -> ParsedRow:
        m = self.mapping
        errors: list[tuple[str, str]] = []
        self._row_texts: dict[str, str] = {}

        def err(name: str, message: str) -> None:
            errors.append((self.column_of(name), message))

        for name, spec in m.fields.items():
            if spec.required and not self._text_of_row(values, name) and not spec.fallback:
                err(name, _("必填，不能为空。"))
        source_id = self._text_of_row(values, "source_id")
        if len(source_id) > 100:
            err("source_id", _("编号不能超过100个字符。"))
        received_at = self._received_at(values, err)
        channel = self._choice(values, "channel", m.channel, CHANNELS, err, UNKNOWN_CHANNEL)
        matter_type = self._choice(values, "matter_type", m.matter_type, MATTER_TYPES, err, UNKNOWN_MATTER_TYPE)
        content = self._text_of_row(values, "content")
        title = self._text_of_row(values, "title")
        if not title and "title" in m.fields and m.fields["title"].fallback == "content":
            title = re.split(r"[。！？!?\n]", content, maxsplit=1)[0][:TITLE_FROM_CONTENT].strip()
        category = self._lookup(values, "category", self.categories_by, err, UNKNOWN_CATEGORY, AMBIGUOUS_CATEGORY)
        street = self._lookup(values, "street", self.streets_by, err, UNKNOWN_STREET, AMBIGUOUS_STREET)
        group_size = m.group_size
        raw_size = self._text_of_row(values, "group_size")
        if raw_size:
            text = raw_size.removesuffix("人").strip()
            if text.endswith(".0"):
                text = text[:-2]
            if text.isdigit() and text.isascii():
                group_size = int(text)
            else:
                err("group_size", _("人数应为整数：%(v)s") % {"v": raw_size})
        id_number = self._text_of_row(values, "id_number")
        if id_number:
            id_number = id_number_normalize(id_number)
        phone = self._text_of_row(values, "phone")
        if phone:
            phone = _SPLIT_PHONES.split(phone)[0].strip()
        person = PetitionerInput(name=self._text_of_row(values, "name"), id_number=id_number, phone=phone,
                                 address=self._text_of_row(values, "address"))
        names = [n for n in _SPLIT_NAMES.split(self._text_of_row(values, "representatives")) if n]
        representatives = [PetitionerInput(name=n) for n in names]
        petition = None
        if received_at is not None and not errors:
            rule_errors, checked = registration_errors(
                channel=channel, received_at=received_at, matter_type=matter_type, title=title, content=content,
                petitioners=[person], group_size=group_size, representatives=representatives, street=street)
            for key, messages in rule_errors.items():
                column = self._column_for_rule(key)
                for message in messages:
                    errors.append((column, str(message)))
            if not rule_errors:
                # ``checked``: the batch writer trusts this check instead of repeating it for every row.
                petition = BatchPetition(channel=channel, received_at=received_at, matter_type=matter_type,
                                         title=title, content=content, petitioners=[person], group_size=group_size,
                                         representatives=representatives, category=category, street=street,
                                         checked=tuple(checked))
        return ParsedRow(row=number, source_id=source_id, petition=petition, errors=errors)

    def _column_for_rule(self, key: str) -> str:
        """The column behind an error key of ``registration_errors`` (``petitioners[0].phone`` → phone)."""
        if key.startswith("representatives"):
            return self.column_of("representatives") if self.columns.get("representatives") \
                else self.column_of("group_size")
        if key.startswith("petitioners"):
            leaf = key.rsplit(".", 1)[-1] if "." in key else "name"
            return self.column_of(leaf)
        if key == "title" and not self.columns.get("title"):
            return self.column_of("content")
        return self.column_of(key)

    def _received_at(self, values: dict[str, Any], err: Callable[[str, str], None]) -> datetime | None:
        raw = self._raw(values, "received_at")
        when: datetime | None = None
        if isinstance(raw, datetime):
            when = raw
        elif isinstance(raw, date):
            when = datetime.combine(raw, time())
        elif isinstance(raw, str) and raw.strip():
            text = raw.strip()
            for fmt in self.mapping.fields["received_at"].formats:
                try:
                    when = datetime.strptime(text, fmt)  # noqa: DTZ007 - made aware below
                    break
                except ValueError:
                    continue
            if when is None:
                err("received_at", _("日期“%(v)s”无法识别（可用格式：%(f)s）。")
                    % {"v": text, "f": "、".join(self.mapping.fields["received_at"].formats)})
                return None
        else:
            return None
        if timezone.is_naive(when):
            when = timezone.make_aware(when)
        return when

    def _choice(self, values: dict[str, Any], name: str, default: str, allowed: frozenset[str],
                err: Callable[[str, str], None], message: str) -> str:
        text = self._text_of_row(values, name)
        if not text:
            return default
        spec = self.mapping.fields[name]
        value = spec.values.get(text, text)
        if value not in allowed:
            err(name, _(message) % {"v": text})
            return default
        return value

    def _lookup(self, values: dict[str, Any], name: str, table: dict[str, list[Any]],
                err: Callable[[str, str], None], unknown: str, ambiguous: str) -> Any:
        text = self._text_of_row(values, name)
        if not text:
            return None
        spec: FieldMap = self.mapping.fields[name]
        key = spec.values.get(text, text)
        found = table.get(key, [])
        if not found:
            err(name, _(unknown) % {"v": text})
            return None
        if len(found) > 1:
            err(name, _(ambiguous) % {"v": text})
            return None
        return found[0]

    def preview(self, parsed: ParsedRow) -> dict[str, Any]:
        """A row as the preview shows it: mapped values, personal numbers masked (SECURITY.md 6)."""
        p = parsed.petition
        if p is None:
            return {"row": parsed.row, "source_id": parsed.source_id, "ok": False}
        person = p.petitioners[0]
        return {
            "row": parsed.row, "source_id": parsed.source_id, "ok": True,
            "received_at": timezone.localtime(p.received_at).strftime("%Y-%m-%d %H:%M"),
            "channel": Case.Channel(p.channel).label, "matter_type": Case.MatterType(p.matter_type).label,
            "title": p.title, "name": person.name,
            "id_number": id_number_mask(person.id_number) if person.id_number else "",
            "phone": phone_mask(person.phone) if person.phone else "",
            "category": p.category.name if p.category else "", "street": p.street.name if p.street else "",
            "group_size": p.group_size,
        }


# --- The two passes ----------------------------------------------------------------------------------

def _parsed_rows(path: Path, *, mapping: Mapping, report: ImportReport, max_bytes: int, max_rows: int,
                 ) -> tuple[RowParser, Iterator[ParsedRow]]:
    table = table_open(path, mapping=mapping, max_bytes=max_bytes, max_rows=max_rows)
    for row, column, message in table.merge_errors:
        report.add_error(row, column, message)
    parser = RowParser(mapping=mapping, headers=table.headers)
    return parser, (parser.parse(number, values) for number, values in table.rows)


def _imported_ids(source: str, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(ids), LOOKUP_CHUNK):
        found.update(ImportedRecord.objects.filter(source=source, source_id__in=ids[start:start + LOOKUP_CHUNK])
                     .values_list("source_id", flat=True))
    return found


def import_analyse(*, path: Path, mapping: Mapping, file_name: str = "", preview_rows: int = 10,
                   max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS, progress: Progress | None = None,
                   file_hash: str = "", keep: list[ParsedRow] | None = None) -> ImportReport:
    """Check every row of the file and count what is new and what was imported before; writes nothing.
    A file that cannot be read at all gives one error on row 0. ``keep``: a list that receives the new,
    valid rows while there are at most KEEP_ROWS of them (emptied beyond that), so that ``import_run``
    does not read and check a file of ordinary size twice."""
    report = ImportReport(file=file_name or path.name, file_hash=file_hash or file_sha256(path),
                          source=mapping.source)
    try:
        parser, parsed_rows = _parsed_rows(path, mapping=mapping, report=report, max_bytes=max_bytes,
                                           max_rows=max_rows)
        first_row: dict[str, int] = {}
        pending: list[ParsedRow] = []

        def settle(batch: list[ParsedRow]) -> None:
            # Rows imported before are skipped, whatever they hold now; the others must be valid.
            done = _imported_ids(mapping.source, [p.source_id for p in batch if p.source_id])
            for parsed in batch:
                if parsed.source_id and parsed.source_id in done:
                    report.already += 1
                    continue
                for column, message in parsed.errors:
                    report.add_error(parsed.row, column, message)
                if not parsed.errors:
                    report.new += 1
                    if keep is not None and report.new <= KEEP_ROWS:
                        keep.append(parsed)

        for parsed in parsed_rows:
            report.rows += 1
            if parsed.source_id:
                earlier = first_row.setdefault(parsed.source_id, parsed.row)
                if earlier != parsed.row:
                    parsed.errors.append((parser.column_of("source_id"),
                                          _("编号“%(id)s”与第 %(row)d 行重复。") % {"id": parsed.source_id, "row": earlier}))
                    parsed.petition = None
            if len(report.preview) < preview_rows:
                report.preview.append({**parser.preview(parsed), "errors": [m for _c, m in parsed.errors]})
            pending.append(parsed)
            if len(pending) >= LOOKUP_CHUNK:
                settle(pending)
                pending = []
                if progress:
                    progress("check", report.rows, 0)
        settle(pending)
        if keep is not None and report.new > KEEP_ROWS:
            keep.clear()
        if progress:
            progress("check", report.rows, report.rows)
        if report.rows == 0 and report.error_total == 0:
            report.add_error(0, "", _("表头下面没有数据行。"))
    except ImportFileError as exc:
        report.add_error(0, "", str(exc))
    return report


def import_run(*, path: Path, mapping: Mapping, actor: Any, file_name: str = "", dry_run: bool = False,
               expected_hash: str = "", max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS,
               progress: Progress | None = None) -> ImportReport:
    """Check the whole file, then — only if every row is valid and not ``dry_run`` — register the new rows
    as cases of ``actor`` (channel and defaults from the mapping) in one transaction, with an
    ``ImportedRecord`` per row and an ``import.file`` audit row. ``expected_hash``: the SHA-256 the file
    had when it was previewed (the web flow); a different file is refused."""
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm("cases.register_case"):
        raise Forbidden(_("您没有登记信访事项的权限。"))
    file_hash = file_sha256(path)
    if expected_hash and file_hash != expected_hash:
        raise ValidationFailed(_("文件在预览之后被改动，请重新上传。"))
    kept: list[ParsedRow] = []
    report = import_analyse(path=path, mapping=mapping, file_name=file_name, preview_rows=0, max_bytes=max_bytes,
                            max_rows=max_rows, progress=progress, file_hash=file_hash, keep=kept)
    if dry_run or not report.ok or report.new == 0:
        return report
    try:
        _write(path=path, mapping=mapping, actor=actor, report=report, max_bytes=max_bytes, max_rows=max_rows,
               progress=progress, kept=kept if len(kept) == report.new else None)
    except IntegrityError:
        # Another import of the same rows committed first (the unique source id): nothing of this one stays.
        raise ValidationFailed(_("这些记录正在被另一次导入写入，请稍后重新导入（本次未写入任何数据）。")) from None
    return report


@transaction.atomic
def _write(*, path: Path, mapping: Mapping, actor: Any, report: ImportReport, max_bytes: int, max_rows: int,
           progress: Progress | None, kept: list[ParsedRow] | None) -> None:
    check = ImportReport(file=report.file, file_hash=report.file_hash, source=mapping.source)
    parsed_rows: Iterable[ParsedRow]
    if kept is not None:
        parsed_rows = kept
    else:
        _parser, parsed_rows = _parsed_rows(path, mapping=mapping, report=check, max_bytes=max_bytes,
                                            max_rows=max_rows)
    now = timezone.now()
    written = 0
    first_number = last_number = ""
    detail = {"via": "import", "source": mapping.source, "file_hash": file_hash_short(report.file_hash)}

    def flush(batch: list[ParsedRow]) -> None:
        nonlocal written, first_number, last_number
        done = _imported_ids(mapping.source, [p.source_id for p in batch])
        batch = [p for p in batch if p.source_id not in done]
        if not batch:
            return
        bad = [p for p in batch if p.petition is None]
        if bad:
            # The file no longer reads as it did a moment ago: undo everything.
            raise ValidationFailed(_("文件第 %(row)d 行在写入时校验失败，本次未写入任何数据。") % {"row": bad[0].row})
        results = cases_register_batch(actor=actor, petitions=[p.petition for p in batch if p.petition],
                                       audit_detail=detail)
        insert_many(ImportedRecord, [
            {"source": mapping.source, "source_id": parsed.source_id, "case_id": result.case.pk, "imported_at": now,
             "imported_by_id": actor.pk, "file_hash": report.file_hash}
            for parsed, result in zip(batch, results, strict=True)])
        report.linked += sum(1 for result in results if result.linked_to is not None)
        first_number = first_number or results[0].case.number
        last_number = results[-1].case.number
        written += len(results)
        if progress:
            progress("write", written, report.new)

    pending: list[ParsedRow] = []
    for parsed in parsed_rows:
        pending.append(parsed)
        if len(pending) >= WRITE_CHUNK:
            flush(pending)
            pending = []
    flush(pending)
    if check.error_total or written != report.new:
        raise ValidationFailed(_("文件在校验之后发生了变化，本次未写入任何数据；请重新导入。"))
    report.written = True
    report.numbers = (first_number, last_number) if written else None
    audit_record(actor=actor, action="import.file", object_type="imports.file", object_id=report.file_hash[:16],
                 detail={"source": mapping.source, "file": report.file[:200], "file_hash": report.file_hash,
                         "rows": report.rows, "new": report.new, "already": report.already,
                         "linked": report.linked})


def file_hash_short(file_hash: str) -> str:
    return file_hash[:16]
