"""xinfang calendar load FILE | seed | years | show YEAR: the official holiday calendar in the database.

The State Council publishes each year's calendar in November; the chinese-calendar package stops at 2026.
An admin loads every later year from a file (format: docs/examples/calendar-2027-example.csv). Loading a
year recomputes the provisional deadlines that rested on it (DOMAIN.md, "Counting days").
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.core.errors import ValidationFailed
from xinfang.deadlines.models import CalendarDay, CalendarYear
from xinfang.deadlines.services import (
    CalendarLoadResult,
    calendar_load,
    calendar_parse_file,
    calendar_seed_from_package,
)

WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def _error(exc: ValidationFailed) -> CommandError:
    """Every bad row on its own line, after the summary."""
    lines = [str(exc.message)]
    for field, problems in exc.errors.items():
        lines += [f"  {problem}" if field == "file" else f"  {field}: {problem}" for problem in problems]
    return CommandError("\n".join(lines))


class Command(BaseCommand):
    help = "The official holiday calendar: load a year from a file, seed from chinese-calendar, list, show."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{load,seed,years,show}")
        load = actions.add_parser("load", help="load the years in FILE (CSV date,kind,name or JSON), replacing them")
        load.add_argument("file", type=Path)
        load.add_argument("--source", default="", help="where the calendar comes from (default: the file name)")
        seed = actions.add_parser("seed", help="load the years the chinese-calendar package knows")
        seed.add_argument("--only-missing", action="store_true",
                          help="only years not loaded yet (keep corrections made by an admin)")
        actions.add_parser("years", help="list the years whose official calendar is loaded")
        show = actions.add_parser("show", help="list the holidays and make-up working days of YEAR")
        show.add_argument("year", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "load":
            self._load(options["file"], source=options["source"])
        elif action == "seed":
            self._seed(only_missing=options["only_missing"])
        elif action == "years":
            self._years()
        else:
            self._show(options["year"])

    def _report(self, result: CalendarLoadResult) -> None:
        years = ", ".join(map(str, result.years))
        self.stdout.write(_("已载入年份：%(y)s") % {"y": years})
        self.stdout.write(_("节假日和调休上班日：%(n)d 天") % {"n": result.days})
        self.stdout.write(_("重新计算的期限：%(n)d 个") % {"n": result.recomputed})

    def _load(self, path: Path, *, source: str) -> None:
        try:
            rows, years = calendar_parse_file(path)
            result = calendar_load(rows=rows, years=years, source=source or f"file {path.name}")
        except ValidationFailed as exc:
            raise _error(exc) from exc
        self._report(result)

    def _seed(self, *, only_missing: bool) -> None:
        try:
            result = calendar_seed_from_package(only_missing=only_missing)
        except ValidationFailed as exc:  # pragma: no cover - the package's own data is valid
            raise _error(exc) from exc
        if not result.years:
            self.stdout.write(_("chinese-calendar 中的年份都已载入，未做修改。"))
            return
        self._report(result)

    def _years(self) -> None:
        from xinfang.cases.models import CaseDeadline

        counts = {
            row["date__year"]: row
            for row in CalendarDay.objects.values("date__year").annotate(
                holidays=Count("id", filter=Q(kind=CalendarDay.Kind.HOLIDAY)),
                workdays=Count("id", filter=Q(kind=CalendarDay.Kind.WORKDAY)),
            )
        }
        loaded = list(CalendarYear.objects.all())
        if not loaded:
            self.stdout.write(_("尚未载入任何年度的官方日历。"))
        for entry in loaded:
            row = counts.get(entry.year, {"holidays": 0, "workdays": 0})
            self.stdout.write(
                f"{entry.year}  "
                + _("休息日 %(h)d 天，调休上班 %(w)d 天，来源：%(s)s，载入于 %(t)s")
                % {"h": row["holidays"], "w": row["workdays"], "s": entry.source,
                   "t": timezone.localtime(entry.loaded_at).strftime("%Y-%m-%d %H:%M")}
            )
        # The next year's calendar is due from the State Council in November: say so until it is loaded.
        known = {entry.year for entry in loaded}
        this_year = timezone.localdate().year
        missing = [y for y in (this_year, this_year + 1) if y not in known]
        if missing:
            self.stdout.write(_("未载入：%(y)s（这些年份的期限只按周末计算，标记为暂定）")
                              % {"y": ", ".join(map(str, missing))})
        provisional = CaseDeadline.objects.filter(provisional=True, met_at__isnull=True, cancelled=False).count()
        self.stdout.write(_("暂定的未到期期限：%(n)d 个") % {"n": provisional})

    def _show(self, year: int) -> None:
        entry = CalendarYear.objects.filter(year=year).first()
        if entry is None:
            raise CommandError(_("%(y)d 年的官方日历尚未载入（期限按周末计算并标记为暂定）。") % {"y": year})
        self.stdout.write(_("%(y)d 年官方日历（来源：%(s)s）") % {"y": year, "s": entry.source})
        days = CalendarDay.objects.filter(date__gte=date(year, 1, 1), date__lte=date(year, 12, 31))
        if not days:
            self.stdout.write(_("（没有节假日或调休上班日）"))
        for day in days:
            self.stdout.write(f"{day.date.isoformat()} {WEEKDAYS[day.date.weekday()]} "
                              f"{day.get_kind_display()} {day.name}".rstrip())
