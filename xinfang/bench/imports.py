"""`xinfang bench import`: bulk import throughput of a petition ledger (信访台账) through the import service.

Target (issue 4): ≥ 2,000 rows/s on SQLite. A ledger of ``--rows`` rows is generated as .xlsx with the
demo generator (valid GB 11643 ID numbers, mobile numbers, addresses, petition texts of the demo
templates; a title row above the header; the categories and the street of the benchmark district), then
imported with the shipped ``ledger.toml`` mapping exactly as ``xinfang import`` does: every row checked
(first pass), then written in one transaction by ``cases_register_batch`` (second pass) with encryption,
keyed hashes, case numbers, routing deadlines, events, audit rows and ``ImportedRecord`` rows. A second
import of the same file measures the idempotent path (every row already imported).
"""

from __future__ import annotations

import platform
import random
import resource
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import openpyxl
from django.db import connection
from django.utils import timezone

from xinfang.bench.lifecycle import _setup
from xinfang.cases.models import Case, CaseDeadline, CaseEvent
from xinfang.core.audit import audit_verify
from xinfang.core.models import AuditEntry
from xinfang.demo import texts
from xinfang.demo.generator import PetitionGenerator
from xinfang.imports.mapping import mappings_shipped
from xinfang.imports.models import ImportedRecord
from xinfang.imports.services import import_run

TARGET_ROWS_PER_SECOND = 2000
HEADER = ["编号", "来信来访日期", "信访人", "身份证号", "联系电话", "住址", "反映问题", "问题类别", "信访形式", "人数"]
CHANNELS = ["来信"] * 6 + ["来电"] * 3 + ["网上信访"]


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def ledger_write(path: Path, *, rows: int, seed: int, street: Any) -> None:
    """A ledger as a district keeps it in Excel, written row by row (openpyxl write-only)."""
    rng = random.Random(seed)
    today = timezone.localdate()
    generator = PetitionGenerator(rng=rng, today=today)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("台账")
    sheet.append([f"{today.year}年信访台账"])
    sheet.append(HEADER)
    for i in range(rows):
        template = rng.choice(texts.TEMPLATES)
        person = generator.person(street=street)
        when = today - timedelta(days=rng.randint(1, 365))
        channel = rng.choice(CHANNELS)
        code = {"来信": "letter", "来电": "phone", "网上信访": "online"}[channel]
        _title, content, _values = generator.petition(template=template, channel=code, street=street, person=person,
                                                      when=when)
        sheet.append([f"TZ-{i + 1:06d}", when.isoformat(), person.name, person.id_number, person.phone,
                      person.address, content, "住房保障", channel, 1])
    workbook.save(path)


def run(*, rows: int, seed: int) -> dict[str, Any]:
    ctx = _setup()
    registrar = ctx["registrar"]
    mapping = mappings_shipped()["ledger"]
    phases: dict[str, float] = {}

    def progress(phase: str, done: int, total: int) -> None:
        phases[phase] = time.perf_counter()

    with tempfile.TemporaryDirectory(prefix="xinfang-bench-import-") as tmp:
        path = Path(tmp) / "ledger.xlsx"
        t0 = time.perf_counter()
        ledger_write(path, rows=rows, seed=seed, street=ctx["street"])
        generated = time.perf_counter() - t0
        size = path.stat().st_size
        rss_before = _rss_mb()
        started = time.perf_counter()
        report = import_run(path=path, mapping=mapping, actor=registrar, progress=progress)
        elapsed = time.perf_counter() - started
        if not report.written:
            raise RuntimeError(f"the generated ledger did not import: {report.errors[:5]}")
        rss_after = _rss_mb()
        again_started = time.perf_counter()
        again = import_run(path=path, mapping=mapping, actor=registrar)
        again_elapsed = time.perf_counter() - again_started
    check_seconds = phases.get("check", started) - started
    write_seconds = elapsed - check_seconds
    verified = audit_verify()
    return {
        "benchmark": "import",
        "database": connection.vendor,
        "python": platform.python_version(),
        "rows": rows,
        "file_bytes": size,
        "generate_seconds": round(generated, 2),
        "import_seconds": round(elapsed, 2),
        "rows_per_second": round(rows / elapsed, 1),
        "check_pass_seconds": round(check_seconds, 2),
        "write_pass_seconds": round(write_seconds, 2),
        "write_pass_rows_per_second": round(rows / write_seconds, 1) if write_seconds > 0 else None,
        "reimport_seconds": round(again_elapsed, 2),
        "reimport_already_imported": again.already,
        "reimport_new": again.new,
        "cases": Case.objects.count(),
        "events": CaseEvent.objects.count(),
        "deadlines": CaseDeadline.objects.count(),
        "imported_records": ImportedRecord.objects.count(),
        "audit_rows": AuditEntry.objects.count(),
        "audit_chain_ok": verified.ok,
        "linked_repeats": report.linked,
        "peak_rss_mb_before_import": rss_before,
        "peak_rss_mb": rss_after,
        "target_rows_per_second": TARGET_ROWS_PER_SECOND,
    }
