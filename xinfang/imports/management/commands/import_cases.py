"""xinfang import FILE --mapping MAPPING.toml [--dry-run] [--user USERNAME] [--report ERRORS.csv]

Bulk import of a 12345 export or a petition ledger (docs/import.md). Every row is checked first; the file
is written in one transaction only when no row has an error. Exit code 0 when the file was imported (or,
with --dry-run, would be), 1 when it has errors or cannot be read.
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from xinfang.accounts.models import User
from xinfang.core.errors import ApplicationError
from xinfang.imports.mapping import MAPPINGS_DIR, Mapping, MappingError, mapping_load
from xinfang.imports.services import ImportReport, RowError, import_analyse, import_run


class ProgressBar:
    """A plain-text progress bar on stderr: redrawn in place on a terminal, one line per phase otherwise."""

    WIDTH = 30

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.tty = stream.isatty()
        self.last = 0.0
        self.phase = ""

    def __call__(self, phase: str, done: int, total: int) -> None:
        label = _("校验") if phase == "check" else _("写入")
        finished = total > 0 and done >= total
        now = time.monotonic()
        if not finished and now - self.last < 0.2:
            return
        self.last = now
        if total:
            filled = self.WIDTH * done // max(total, 1)
            line = f"{label} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {done}/{total} {100 * done // total}%"
        else:
            line = f"{label} {done} …"
        if self.tty:
            self.stream.write("\r" + line + ("\n" if finished else ""))
            self.stream.flush()
        elif finished:
            self.stream.write(line + "\n")


def mapping_resolve(value: str) -> Mapping:
    """A mapping file, or the name of a shipped one (``ledger``, ``hotline-12345``)."""
    path = Path(value)
    if not path.exists() and (MAPPINGS_DIR / f"{value}.toml").exists():
        path = MAPPINGS_DIR / f"{value}.toml"
    return mapping_load(path)


def report_write_csv(path: Path, errors: list[RowError]) -> None:
    """The row-level error report as CSV (UTF-8 with BOM, so Excel shows the Chinese right)."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([_("文件"), _("行号"), _("列"), _("原因")])
        for error in errors:
            writer.writerow([error.file, error.row or "", error.column, error.message])


class Command(BaseCommand):
    help = "Import a 12345 export or a petition ledger (.xlsx/.csv) with a column mapping (docs/import.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=".xlsx or .csv file")
        parser.add_argument("--mapping", required=True,
                            help="mapping TOML file, or a shipped one: ledger, hotline-12345")
        parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
        parser.add_argument("--user", help="username of the importing registrar (needed unless --dry-run)")
        parser.add_argument("--report", help="write the row-level error report to this CSV file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("找不到文件：%(p)s") % {"p": path})
        try:
            mapping = mapping_resolve(options["mapping"])
        except MappingError as exc:
            raise CommandError(str(exc)) from None
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"], is_active=True).first()
            if actor is None:
                raise CommandError(_("没有这个用户：%(u)s") % {"u": options["user"]})
        elif not options["dry_run"]:
            raise CommandError(_("请用 --user 指定导入人（登记员或经办人）。"))
        progress = ProgressBar(sys.stderr)
        started = time.perf_counter()
        try:
            if actor is None:
                report = import_analyse(path=path, mapping=mapping, preview_rows=0, progress=progress)
            else:
                report = import_run(path=path, mapping=mapping, actor=actor, dry_run=options["dry_run"],
                                    progress=progress)
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from None
        elapsed = time.perf_counter() - started
        self._summary(report, dry_run=options["dry_run"], elapsed=elapsed)
        if options["report"]:
            report_write_csv(Path(options["report"]), report.errors)
        if not report.ok:
            sys.exit(1)

    def _summary(self, report: ImportReport, *, dry_run: bool, elapsed: float) -> None:
        out = self.stdout
        out.write(_("文件：%(f)s（来源 %(s)s，SHA-256 %(h)s）") % {"f": report.file, "s": report.source,
                                                            "h": report.file_hash[:16]})
        out.write(_("数据行 %(rows)d；新记录 %(new)d；此前已导入 %(already)d；错误 %(errors)d。")
                  % {"rows": report.rows, "new": report.new, "already": report.already, "errors": report.error_total})
        if report.error_total:
            for error in report.errors:
                where = _("第 %(row)d 行") % {"row": error.row} if error.row else _("文件")
                column = f" [{error.column}]" if error.column else ""
                out.write(f"  {error.file} {where}{column}: {error.message}")
            if report.error_total > len(report.errors):
                out.write(_("……共 %(n)d 个错误，仅列出前 %(m)d 个。") % {"n": report.error_total, "m": len(report.errors)})
            out.write(_("文件有错误，未写入任何数据。"))
        elif dry_run:
            out.write(_("试运行：校验通过，未写入任何数据。"))
        elif report.written:
            out.write(_("已导入 %(n)d 件（%(first)s 至 %(last)s），其中并入在办事项 %(linked)d 件；用时 %(s).1f 秒。")
                      % {"n": report.new, "first": report.numbers[0] if report.numbers else "",
                         "last": report.numbers[1] if report.numbers else "", "linked": report.linked, "s": elapsed})
        else:
            out.write(_("没有新记录需要导入。"))
