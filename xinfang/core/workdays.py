"""Counting statutory days: pure functions over dates (DOMAIN.md, "Counting days").

Policy (configurable where marked):
- "日" are calendar days; the day of the triggering event is not counted (民法典 Art. 201).
- When the last day is a statutory holiday or rest day, the deadline moves to the next working day
  (民法典 Art. 203) — ``roll_to_workday``.
- "工作日" are working days of the official calendar, make-up working days (调休) included
  (信访工作条例 Art. 23: objection within 5 working days).
- A year with no official calendar is counted by weekends only and the result is ``provisional``.

Nothing here reads the database: ``WorkCalendar`` is built by the deadlines app and passed in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum


class Counting(StrEnum):
    CALENDAR_DAYS = "calendar"
    WORKING_DAYS = "working"


@dataclass(frozen=True)
class WorkCalendar:
    """The official calendar for some years: holidays (休息日 including weekends moved by 调休 are not
    listed; only days that differ from the weekday/weekend pattern are).

    ``holidays`` are rest days that fall on weekdays or are named holidays; ``workdays`` are make-up
    working days that fall on weekends; ``known_years`` are the years whose official calendar is loaded.
    """

    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)
    known_years: frozenset[int] = field(default_factory=frozenset)

    def is_workday(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def is_known(self, day: date) -> bool:
        return day.year in self.known_years


@dataclass(frozen=True)
class Due:
    """A computed deadline: the last day on which the act is on time, and whether it rests on a year
    with no official calendar (weekends only)."""

    date: date
    provisional: bool


def _next_workday(day: date, calendar: WorkCalendar) -> tuple[date, bool]:
    provisional = not calendar.is_known(day)
    while not calendar.is_workday(day):
        day += timedelta(days=1)
        provisional = provisional or not calendar.is_known(day)
    return day, provisional


def add_calendar_days(start: date, days: int, calendar: WorkCalendar, *, roll_to_workday: bool = True) -> Due:
    """``days`` calendar days after ``start`` (the start day not counted); rolled to a working day."""
    if days < 0:
        raise ValueError("days must not be negative")
    end = start + timedelta(days=days)
    if not roll_to_workday:
        return Due(end, provisional=False)
    rolled, provisional = _next_workday(end, calendar)
    return Due(rolled, provisional)


def add_working_days(start: date, days: int, calendar: WorkCalendar) -> Due:
    """The ``days``-th working day after ``start`` (the start day not counted)."""
    if days < 1:
        raise ValueError("days must be at least 1")
    day = start
    counted = 0
    provisional = False
    while counted < days:
        day += timedelta(days=1)
        provisional = provisional or not calendar.is_known(day)
        if calendar.is_workday(day):
            counted += 1
    return Due(day, provisional)


def due_date(start: date, days: int, counting: Counting, calendar: WorkCalendar, *,
             roll_to_workday: bool = True) -> Due:
    if counting is Counting.WORKING_DAYS:
        return add_working_days(start, days, calendar)
    return add_calendar_days(start, days, calendar, roll_to_workday=roll_to_workday)


def span_for(start: date, days: int, counting: Counting) -> tuple[date, date]:
    """A date range wide enough to hold every day the computation may look at (for loading the calendar).

    The longest official holiday run is 9 days; working days are padded for weekends and holidays.
    """
    if counting is Counting.WORKING_DAYS:
        return start, start + timedelta(days=days * 2 + 30)
    return start, start + timedelta(days=days + 30)


def calendar_from_days(*, holidays: Iterable[date], workdays: Iterable[date], known_years: Iterable[int]) -> WorkCalendar:
    return WorkCalendar(frozenset(holidays), frozenset(workdays), frozenset(known_years))
