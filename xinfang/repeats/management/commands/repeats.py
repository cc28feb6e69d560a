"""xinfang repeats index [--rebuild] | status: the repeat index (docs/nlp.md, "Repeats and similarity")."""

from __future__ import annotations

import json
import resource
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from xinfang.repeats.selectors import vocabulary_current
from xinfang.repeats.services import repeats_index_pending, repeats_index_rebuild, repeats_index_sweep


class Command(BaseCommand):
    help = "Build or bring up to date the repeat index, or show its state."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["index", "status"])
        parser.add_argument("--rebuild", action="store_true",
                            help="take a new vocabulary snapshot and file every case again")
        parser.add_argument("--json", dest="json_path", help="write the result as JSON here")

    def handle(self, *args, **options) -> None:
        result: dict[str, Any]
        if options["action"] == "status":
            result = self._status()
        elif options["rebuild"]:
            result = repeats_index_rebuild(log=lambda line: self.stderr.write(line) if options["verbosity"] > 1 else None)
        else:
            started = time.perf_counter()
            pending = 0
            while (done := repeats_index_pending()):
                pending += done
            swept = repeats_index_sweep()
            result = {"indexed": pending + swept, "seconds": round(time.perf_counter() - started, 2)}
        result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        text = json.dumps(result, ensure_ascii=False, indent=2)
        if options["json_path"]:
            with open(options["json_path"], "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
        self.stdout.write(text)

    def _status(self) -> dict[str, Any]:
        counts: dict[str, Any] = {}
        with connection.cursor() as cursor:
            for name, table in (("cases", "cases_case"), ("indexed", "repeats_casesignature"),
                                ("pending", "repeats_pendingcase"), ("postings", "repeats_casekey")):
                cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - fixed table names
                counts[name] = cursor.fetchone()[0]
        vocabulary = vocabulary_current()
        counts.update(vocabulary_version=vocabulary.version, vocabulary_documents=vocabulary.documents,
                      vocabulary_terms=int(vocabulary.codes.size))
        return counts
