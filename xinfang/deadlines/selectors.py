"""Reads of the holiday calendar."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import connection

from xinfang.core.workdays import WorkCalendar
from xinfang.deadlines.models import CalendarDay, CalendarYear

_cache: dict[str, Any] = {"version": None, "calendar": None}


def _calendar_version() -> tuple[Any, ...]:
    # One cheap raw query per computation. Every change of the calendar goes through ``calendar_load`` or
    # ``calendar_day_set`` (one day, written afresh in the same way); ``calendar_load`` rewrites the CalendarYear rows of the years it touches (loaded_at moves)
    # and deletes and re-inserts their days (the largest day id moves: ids are never reused), so the
    # version changes in every process, not only in the one that loaded the file — even when two loads
    # share one clock reading (``clock_at`` in tests and the demo) and leave as many days as before.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*), MAX(loaded_at), (SELECT COUNT(*) FROM deadlines_calendarday),"
            " (SELECT MAX(id) FROM deadlines_calendarday) FROM deadlines_calendaryear"
        )
        return tuple(cursor.fetchone())


def work_calendar() -> WorkCalendar:
    """The whole official calendar (a few dozen rows a year), cached per process and reloaded when the
    database says it changed."""
    version = _calendar_version()
    if _cache["version"] != version or _cache["calendar"] is None:
        holidays: set[date] = set()
        workdays: set[date] = set()
        for day, kind in CalendarDay.objects.values_list("date", "kind"):
            (holidays if kind == CalendarDay.Kind.HOLIDAY else workdays).add(day)
        known = set(CalendarYear.objects.values_list("year", flat=True))
        _cache["calendar"] = WorkCalendar(frozenset(holidays), frozenset(workdays), frozenset(known))
        _cache["version"] = version
    return _cache["calendar"]


def work_calendar_forget() -> None:
    """Drop this process's cached calendar (``calendar_load`` calls it; other processes see the version)."""
    _cache["version"] = None
    _cache["calendar"] = None


def work_calendar_between(*, start: date, end: date) -> WorkCalendar:
    """The official calendar covering ``start`` to ``end`` (the cached whole calendar serves any range)."""
    return work_calendar()


def calendar_years_loaded() -> list[int]:
    """The years whose official calendar is loaded, in order."""
    return list(CalendarYear.objects.values_list("year", flat=True))
