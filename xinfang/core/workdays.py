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
    """The official working calendar of some years, as the exceptions to the Monday–Friday week.

    - ``holidays``: rest days by the State Council's notice — statutory holidays and the rest days moved
      by 调休. Days that fall on a weekend may be listed too (the chinese-calendar package lists whole
      holiday runs); listing them changes nothing.
    - ``workdays``: make-up working days (调休上班) that fall on a Saturday or Sunday.
    - ``known_years``: the years whose official calendar is loaded. A day of any other year is judged by
      the weekend alone, and a deadline that depends on such a day is ``provisional``.

    A day is a working day if it is a make-up working day, else if it is not a holiday and is Monday–Friday.
    """

    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)
    known_years: frozenset[int] = field(default_factory=frozenset)

    def is_workday(self, day: date) -> bool:
        """A working day: a make-up working day, or a Monday–Friday that is not a holiday. (A year not in
        ``known_years`` has no entries, so only its weekends count as rest days.)"""
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def is_known(self, day: date) -> bool:
        """The official calendar of ``day``'s year is loaded, so ``is_workday`` is final for it."""
        return day.year in self.known_years


@dataclass(frozen=True)
class Due:
    """A computed deadline: the last day on which the act is on time, and whether it rests on a year
    with no official calendar (weekends only)."""

    date: date
    provisional: bool


def _check_days(days: int) -> None:
    # Every statutory period is at least one day; 0 or less is a caller's mistake, not "on the spot".
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValueError(f"days must be a positive whole number, not {days!r}")


def _next_workday(day: date, calendar: WorkCalendar) -> tuple[date, bool]:
    """``day`` itself if it is a working day, else the next working day; and whether any day looked at
    (``day`` and every day rolled over) lies in a year with no official calendar."""
    provisional = not calendar.is_known(day)
    while not calendar.is_workday(day):
        day += timedelta(days=1)
        provisional = provisional or not calendar.is_known(day)
    return day, provisional


def add_calendar_days(start: date, days: int, calendar: WorkCalendar, *, roll_to_workday: bool = True) -> Due:
    """The last day of a period of ``days`` "日" (calendar days) beginning after ``start``.

    The day of the triggering event is not counted (民法典 Art. 201); when the last day is a rest day the
    period ends on the next working day (民法典 Art. 203; policy ``roll_to_workday``, on by default).
    Provisional when the nominal last day or a day rolled over lies in a year with no official calendar;
    without rolling the result does not depend on the calendar and is never provisional.
    """
    _check_days(days)
    end = start + timedelta(days=days)
    if not roll_to_workday:
        return Due(end, provisional=False)
    rolled, provisional = _next_workday(end, calendar)
    return Due(rolled, provisional)


def add_working_days(start: date, days: int, calendar: WorkCalendar) -> Due:
    """The ``days``-th "工作日" (working day of the official calendar, make-up days included) after
    ``start``; the start day is not counted (信访工作条例 Art. 23: objection within 5 working days).

    Provisional when any day walked over — counted or skipped — lies in a year with no official calendar
    (a skipped Saturday there might yet be a make-up working day). The result is a working day, so it is
    never rolled.
    """
    _check_days(days)
    day = start
    counted = 0
    provisional = False
    while counted < days:
        day += timedelta(days=1)
        provisional = provisional or not calendar.is_known(day)
        if calendar.is_workday(day):
            counted += 1
    return Due(day, provisional)


def due_date(start: date, days: int, counting: Counting | str, calendar: WorkCalendar, *,
             roll_to_workday: bool = True) -> Due:
    """The due date of a period counted in ``counting`` (a ``Counting`` or its stored value)."""
    # Compare by value: the stored string "working" is equal to, but not the same object as, the member.
    if Counting(counting) == Counting.WORKING_DAYS:
        return add_working_days(start, days, calendar)
    return add_calendar_days(start, days, calendar, roll_to_workday=roll_to_workday)


def span_for(start: date, days: int, counting: Counting | str) -> tuple[date, date]:
    """A date range wide enough to hold every day the computation may look at (for loading the calendar).

    The longest official holiday run is 9 days; working days are padded for weekends and holidays.
    """
    if Counting(counting) == Counting.WORKING_DAYS:
        return start, start + timedelta(days=days * 2 + 30)
    return start, start + timedelta(days=days + 30)


def calendar_from_days(*, holidays: Iterable[date], workdays: Iterable[date],
                       known_years: Iterable[int]) -> WorkCalendar:
    """A ``WorkCalendar`` from any iterables (the deadlines app passes database rows, tests pass tables)."""
    return WorkCalendar(frozenset(holidays), frozenset(workdays), frozenset(known_years))
