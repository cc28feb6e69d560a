"""xinfang deadlines sweep [--today YYYY-MM-DD]: the case clock by hand (the worker runs it every 10 minutes).

Marks the deadlines of units and the bureau whose last day has passed as overdue (once each) and closes
the cases whose petitioner let the window for review or re-review pass (信访工作条例 Art. 35, 36).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from xinfang.cases.services import case_close_expired
from xinfang.deadlines.services import deadlines_mark_overdue


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(_("日期 %(d)r 不是 YYYY-MM-DD。") % {"d": text}) from None


class Command(BaseCommand):
    help = "Run the deadline sweep: mark overdue deadlines, close cases whose review window passed."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{sweep}")
        sweep = actions.add_parser("sweep", help="mark overdue deadlines and close expired cases")
        sweep.add_argument("--today", help="judge as if today were this day (YYYY-MM-DD; default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        today = _day(options["today"]) if options.get("today") else None
        overdue = deadlines_mark_overdue(today=today)
        closed = case_close_expired(today=today)
        self.stdout.write(_("标记逾期的期限：%(n)d 个") % {"n": overdue})
        self.stdout.write(_("期满办结的事项：%(n)d 件") % {"n": closed})
