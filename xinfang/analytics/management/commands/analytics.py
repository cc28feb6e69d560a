"""xinfang analytics rebuild | refresh | status: the overview's daily roll-up (docs/analytics.md)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from xinfang.analytics.rollup import rollup_rebuild, rollup_refresh, rollup_status


class Command(BaseCommand):
    help = "Rebuild or refresh the analytics roll-up, or show its state."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["rebuild", "refresh", "status"])

    def handle(self, *args: Any, **options: Any) -> None:
        result: dict[str, Any]
        if options["action"] == "status":
            st = rollup_status()
            result = {"built_at": st.built_at, "refreshed_at": st.refreshed_at, "watermark": st.watermark,
                      "build_seconds": st.build_seconds, "rows": st.rows, "first_day": st.first_day,
                      "last_day": st.last_day, "cases_changed_since_watermark": st.pending_cases}
        else:
            done = rollup_rebuild() if options["action"] == "rebuild" else rollup_refresh(deep=True)
            result = {"rebuilt": done.rebuilt, "days": len(done.days), "cases": done.cases, "ratings": done.ratings,
                      "rows": done.rows, "seconds": round(done.seconds, 3)}
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2, default=str))
