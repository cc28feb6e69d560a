"""xinfang bench NAME [--json FILE] [options]: benchmarks with JSON reports (never timed unit tests)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xinfang.bench.runner import run_isolated

BENCHMARKS = ["lifecycle", "pages", "import", "nlp", "analytics"]


class Command(BaseCommand):
    help = "Run a benchmark in a throw-away database and write a JSON report."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", choices=BENCHMARKS)
        parser.add_argument("--json", dest="json_path", help="write the report here (also printed)")
        parser.add_argument("--database-url", help="PostgreSQL server to run on (a new database is created "
                                                    "and dropped); default: a temporary SQLite file")
        parser.add_argument("--keep-db", metavar="FILE",
                            help="pages, SQLite: keep the database in FILE and reuse it on the next run "
                                 "(seeded when missing, migrated and topped up to --cases otherwise)")
        parser.add_argument("--registrations", type=int, default=3000)
        parser.add_argument("--workers", type=int, default=2,
                            help="lifecycle: worker processes registering at once in the parallel run (1: none)")
        parser.add_argument("--cases", type=int, default=100_000,
                            help="cases in the table (detail API of lifecycle; workbench and list of pages)")
        parser.add_argument("--requests", type=int, default=1000)
        parser.add_argument("--rounds", type=int, default=30, help="timed requests per page (pages)")
        parser.add_argument("--rows", type=int, default=20_000, help="rows of the generated ledger (import)")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--queries", type=int, default=1000, help="planted rewritten repeats (nlp)")
        parser.add_argument("--exact-sample", type=int, default=200,
                            help="rewrites also searched by brute force, the ceiling (nlp)")
        parser.add_argument("--teddy", help="nlp: path of the Teddy Cup 2020 messages.csv mixed into the "
                                            "background (default ../shared/data/teddy2020/; 'none': generated only)")

    def handle(self, *args, **options) -> None:
        if not os.environ.get("XINFANG_BENCH_CHILD"):
            argv = [a for a in sys.argv[1:]]
            for option in ("--database-url", "--keep-db"):  # the parent's business, not the child's
                argv = [a for a in argv if not a.startswith(f"{option}=")]
                if option in argv:
                    index = argv.index(option)
                    del argv[index:index + 2]
            if options["keep_db"] and (options["database_url"] or options["name"] != "pages"):
                raise CommandError("--keep-db is for `bench pages` on SQLite (without --database-url).")
            if options["json_path"]:
                # The child runs in another working directory context only for the database; keep paths absolute.
                index = argv.index("--json")
                argv[index + 1] = str(Path(options["json_path"]).resolve())
            code = run_isolated(argv, database_url=options["database_url"], keep_db=options["keep_db"])
            if code:
                sys.exit(code)
            return
        if options["name"] == "nlp":
            from xinfang.repeats import bench as nlp

            report = nlp.run(cases=options["cases"], queries=options["queries"], exact_sample=options["exact_sample"],
                             seed=options["seed"], teddy_path=options["teddy"])
        elif options["name"] == "import":
            from xinfang.bench import imports

            report = imports.run(rows=options["rows"], seed=options["seed"])
        elif options["name"] == "analytics":
            from xinfang.bench import analytics

            # Its own defaults (issue 7): one year of 1,000,000 cases, 10 rounds, unless named.
            given = {a.split("=", 1)[0] for a in sys.argv}
            report = analytics.run(cases=options["cases"] if "--cases" in given else 1_000_000,
                                   rounds=options["rounds"] if "--rounds" in given else 10, seed=options["seed"])
        elif options["name"] == "pages":
            from xinfang.bench import pages

            report = pages.run(cases=options["cases"], rounds=options["rounds"], seed=options["seed"])
        else:
            from xinfang.bench import lifecycle

            report = lifecycle.run(registrations=options["registrations"], detail_cases=options["cases"],
                                   requests=options["requests"], seed=options["seed"],
                                   workers=options["workers"])
        text = json.dumps(report, ensure_ascii=False, indent=2)
        if options["json_path"]:
            path = Path(options["json_path"])
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text + "\n", encoding="utf-8")
        self.stdout.write(text)
