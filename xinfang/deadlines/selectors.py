"""Reads of the holiday calendar."""

from __future__ import annotations

from datetime import date

from xinfang.core.workdays import WorkCalendar
from xinfang.deadlines.models import CalendarDay, CalendarYear


def work_calendar_between(*, start: date, end: date) -> WorkCalendar:
    """The official calendar for the days from ``start`` to ``end`` (two small indexed queries)."""
    holidays: set[date] = set()
    workdays: set[date] = set()
    for day, kind in CalendarDay.objects.filter(date__range=(start, end)).values_list("date", "kind"):
        (holidays if kind == CalendarDay.Kind.HOLIDAY else workdays).add(day)
    known = set(
        CalendarYear.objects.filter(year__range=(start.year, end.year)).values_list("year", flat=True)
    )
    return WorkCalendar(frozenset(holidays), frozenset(workdays), frozenset(known))


def calendar_years_loaded() -> list[int]:
    return list(CalendarYear.objects.values_list("year", flat=True))
