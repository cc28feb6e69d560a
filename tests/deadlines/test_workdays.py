"""xinfang/core/workdays.py: counting statutory days, with tables of real cases (STYLE.md habit 3).

The official calendar is built from the chinese-calendar package data for 2025 and 2026 — the State
Council notices of November 2024 and November 2025 — not from the database, so these tests are pure.
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar.constants as cc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinfang.core.workdays import (
    Counting,
    Due,
    WorkCalendar,
    add_calendar_days,
    add_working_days,
    calendar_from_days,
    due_date,
    span_for,
)

OFFICIAL_YEARS = (2025, 2026)


def package_calendar(years: tuple[int, ...] = OFFICIAL_YEARS, *, extra: WorkCalendar | None = None) -> WorkCalendar:
    """The official calendar of ``years`` as the package has it (make-up days on weekends only, as the
    deadlines app stores them), plus the days of ``extra``."""
    holidays = {d for d in cc.holidays if d.year in years}
    workdays = {d for d in cc.workdays if d.year in years and d.weekday() >= 5}
    known = set(years)
    if extra is not None:
        holidays |= extra.holidays
        workdays |= extra.workdays
        known |= extra.known_years
    return calendar_from_days(holidays=holidays, workdays=workdays, known_years=known)


OFFICIAL = package_calendar()

# An assumed 2027 calendar for the year-end rows (the real one is published in November 2026): New Year's
# Day on Friday 2027-01-01, nothing else in early January.
ASSUMED_2027 = WorkCalendar(holidays=frozenset({date(2027, 1, 1)}), known_years=frozenset({2027}))
WITH_2027 = package_calendar(extra=ASSUMED_2027)

d = date.fromisoformat


# --- The package data the tables rely on ------------------------------------------------------------

@pytest.mark.parametrize(("day", "workday"), [
    # DOMAIN.md: National Day 2026 is 10-01..10-07 and Saturday 10-10 is a make-up working day. The
    # package agrees (it also has Sunday 09-20 as a make-up day, for the Mid-Autumn/National Day swap).
    (d("2026-10-01"), False),
    (d("2026-10-07"), False),   # a Wednesday off (调休)
    (d("2026-10-10"), True),    # Saturday, make-up working day
    (d("2026-10-11"), False),   # ordinary Sunday
    (d("2026-09-20"), True),    # Sunday, make-up working day
    (d("2026-09-25"), False),   # Mid-Autumn Festival, Friday
    # Spring Festival 2026: 02-15..02-23 off, Saturdays 02-14 and 02-28 worked.
    (d("2026-02-14"), True),
    (d("2026-02-16"), False),
    (d("2026-02-23"), False),   # a Monday off
    (d("2026-02-24"), True),
    (d("2026-02-28"), True),
    # 2025: Spring Festival 01-28..02-04 with Sunday 01-26 and Saturday 02-08 worked.
    (d("2025-01-26"), True),
    (d("2025-02-04"), False),
    (d("2025-02-08"), True),
    # A year with no official calendar: weekends only.
    (d("2027-01-01"), True),    # Friday: probably New Year's Day, but not known yet
    (d("2027-01-02"), False),   # Saturday
])
def test_official_calendar_from_package(day, workday):
    assert OFFICIAL.is_workday(day) is workday


def test_known_years():
    assert OFFICIAL.is_known(d("2026-12-31"))
    assert not OFFICIAL.is_known(d("2027-01-01"))
    assert not OFFICIAL.is_known(d("2024-12-31"))


# --- "日": calendar days, rolled to the next working day (民法典 Art. 201, 203) --------------------

@pytest.mark.parametrize(("start", "days", "expected", "provisional"), [
    # 15 days (信访工作条例 Art. 22, 23) ending on an ordinary Wednesday: nothing to roll.
    (d("2026-03-03"), 15, d("2026-03-18"), False),
    # Ends on Saturday 03-21: rolled to Monday.
    (d("2026-03-06"), 15, d("2026-03-23"), False),
    # Ends on Sunday 03-22: rolled to Monday.
    (d("2026-03-07"), 15, d("2026-03-23"), False),
    # Ends on 10-01, National Day: rolled over the whole week to Thursday 10-08.
    (d("2026-09-16"), 15, d("2026-10-08"), False),
    # Ends on the make-up working Saturday 10-10: a working day, not rolled.
    (d("2026-09-25"), 15, d("2026-10-10"), False),
    # Ends on the make-up working Sunday 09-20: not rolled.
    (d("2026-09-05"), 15, d("2026-09-20"), False),
    # Ends on Mid-Autumn Friday 09-25: rolled over the weekend to Monday 09-28.
    (d("2026-09-10"), 15, d("2026-09-28"), False),
    # Spring Festival 2026: ends on 02-16, rolled to Tuesday 02-24 after the nine days off.
    (d("2026-02-01"), 15, d("2026-02-24"), False),
    # Ends on the make-up Saturday 02-14 before Spring Festival: not rolled.
    (d("2026-01-30"), 15, d("2026-02-14"), False),
    # Spring Festival 2025: ends on 01-30, rolled to Wednesday 02-05.
    (d("2025-01-15"), 15, d("2025-02-05"), False),
    # Crossing 2025 → 2026: New Year's Day 2026 (Thu) to Saturday 01-03 off, Sunday 01-04 worked.
    (d("2025-12-17"), 15, d("2026-01-04"), False),
    # 30 days to ask for review (信访工作条例 Art. 35) ending on Sunday 10-04 inside National Day.
    (d("2026-09-04"), 30, d("2026-10-08"), False),
    # 60 days to decide (信访工作条例 Art. 34) ending on 10-02 (National Day) → Thursday 10-08.
    (d("2026-08-03"), 60, d("2026-10-08"), False),
    # The same case extended by 30 days (Art. 34): 90 days from acceptance, i.e. the extension runs on
    # from the nominal 60th day, not from the day it was rolled to; ends on Sunday 11-01 → Monday 11-02.
    (d("2026-08-03"), 60 + 30, d("2026-11-02"), False),
    # Year end, 2027 not loaded: 12-20 + 15 = Monday 2027-01-04, a day of an unknown year: provisional.
    (d("2026-12-20"), 15, d("2027-01-04"), True),
    # 12-17 + 15 = Friday 2027-01-01, a working day by weekends only: provisional.
    (d("2026-12-17"), 15, d("2027-01-01"), True),
    # Ends on Saturday 12-26 and rolls to Monday 12-28, all in 2026: final.
    (d("2026-12-11"), 15, d("2026-12-28"), False),
])
def test_calendar_days(start, days, expected, provisional):
    assert add_calendar_days(start, days, OFFICIAL) == Due(expected, provisional)
    assert due_date(start, days, Counting.CALENDAR_DAYS, OFFICIAL) == Due(expected, provisional)


@pytest.mark.parametrize(("start", "days", "expected"), [
    # The year-end rows once a 2027 calendar is supplied: no longer provisional.
    (d("2026-12-20"), 15, d("2027-01-04")),
    # 2027-01-01 is now a holiday: rolled over the weekend to Monday 01-04.
    (d("2026-12-17"), 15, d("2027-01-04")),
])
def test_calendar_days_year_end_with_next_year_loaded(start, days, expected):
    assert add_calendar_days(start, days, WITH_2027) == Due(expected, provisional=False)


def test_roll_over_into_an_unknown_year_is_provisional():
    # The nominal last day is in a known year but the days it rolls over are not: a made-up holiday on
    # 2026-12-31 rolls the deadline into 2027, whose Friday 01-01 may well be a holiday too.
    calendar = package_calendar(extra=WorkCalendar(holidays=frozenset({d("2026-12-31")})))
    assert add_calendar_days(d("2026-12-16"), 15, calendar) == Due(d("2027-01-01"), provisional=True)


@pytest.mark.parametrize(("start", "days", "expected"), [
    # Policy ROLL_TO_WORKDAY off: the last day stays on National Day ...
    (d("2026-09-16"), 15, d("2026-10-01")),
    # ... or on a Saturday ...
    (d("2026-03-06"), 15, d("2026-03-21")),
    # ... and a day of an unknown year is final: the calendar was not consulted.
    (d("2026-12-17"), 15, d("2027-01-01")),
])
def test_calendar_days_without_rolling(start, days, expected):
    assert add_calendar_days(start, days, OFFICIAL, roll_to_workday=False) == Due(expected, provisional=False)
    assert due_date(start, days, Counting.CALENDAR_DAYS, OFFICIAL, roll_to_workday=False) == Due(expected, False)


# --- "工作日": working days of the official calendar, make-up days included (Art. 23) ---------------

@pytest.mark.parametrize(("start", "days", "expected", "provisional"), [
    # DOMAIN.md: received Wed 2026-09-30, objection within 5 working days (信访工作条例 Art. 23):
    # 10-08 Thu, 10-09 Fri, 10-10 Sat (make-up), 10-12 Mon, 10-13 Tue.
    (d("2026-09-30"), 5, d("2026-10-13"), False),
    # A plain week: Friday + 5 working days = next Friday.
    (d("2026-03-06"), 5, d("2026-03-13"), False),
    # The make-up Sunday 09-20 counts: 09-18 Fri, 09-20 Sun, 09-21, 09-22, 09-23.
    (d("2026-09-17"), 5, d("2026-09-23"), False),
    # Spring Festival 2026: 02-13 Fri, 02-14 Sat (make-up), then nine days off, 02-24, 02-25, 02-26.
    (d("2026-02-12"), 5, d("2026-02-26"), False),
    # National Day 2025 (10-01..10-08 off, Saturday 10-11 worked): 10-09, 10-10, 10-11, 10-13, 10-14.
    (d("2025-09-30"), 5, d("2025-10-14"), False),
    # Received on a holiday: counting starts the next day all the same.
    (d("2026-10-03"), 5, d("2026-10-13"), False),
    # Year end with 2027 not loaded: 12-29, 12-30, 12-31, Fri 2027-01-01, Mon 01-04: provisional.
    (d("2026-12-28"), 5, d("2027-01-04"), True),
    # Within 2026 to the last working day of the year: final.
    (d("2026-12-24"), 5, d("2026-12-31"), False),
])
def test_working_days(start, days, expected, provisional):
    assert add_working_days(start, days, OFFICIAL) == Due(expected, provisional)
    assert due_date(start, days, Counting.WORKING_DAYS, OFFICIAL) == Due(expected, provisional)


def test_working_days_year_end_with_next_year_loaded():
    # With 2027-01-01 a holiday: 12-29, 12-30, 12-31, 01-04, 01-05, and final.
    assert add_working_days(d("2026-12-28"), 5, WITH_2027) == Due(d("2027-01-05"), provisional=False)


@pytest.mark.parametrize("counting", [Counting.WORKING_DAYS, "working"])
def test_due_date_takes_the_stored_counting_value(counting):
    # CaseDeadline.counting stores the plain string: "working" must count working days, not calendar days.
    assert due_date(d("2026-09-30"), 5, counting, OFFICIAL) == Due(d("2026-10-13"), False)


@pytest.mark.parametrize("counting", [Counting.CALENDAR_DAYS, "calendar"])
def test_due_date_calendar_value(counting):
    assert due_date(d("2026-09-16"), 15, counting, OFFICIAL) == Due(d("2026-10-08"), False)


def test_due_date_unknown_counting_refused():
    with pytest.raises(ValueError):
        due_date(d("2026-09-16"), 15, "lunar", OFFICIAL)


# --- Refused input -----------------------------------------------------------------------------------

@pytest.mark.parametrize("days", [0, -1, -15, True, 1.5])
def test_calendar_days_must_be_positive(days):
    # Every statutory period is at least one day: zero or negative is a caller's mistake.
    with pytest.raises(ValueError):
        add_calendar_days(d("2026-09-16"), days, OFFICIAL)


@pytest.mark.parametrize("days", [0, -1, -5, False, 2.0])
def test_working_days_must_be_positive(days):
    with pytest.raises(ValueError):
        add_working_days(d("2026-09-30"), days, OFFICIAL)


@pytest.mark.parametrize(("counting", "days", "low_bound"), [
    (Counting.CALENDAR_DAYS, 15, 45),
    (Counting.WORKING_DAYS, 5, 40),
    ("working", 5, 40),
])
def test_span_for_covers_the_computation(counting, days, low_bound):
    start, end = span_for(d("2026-09-30"), days, counting)
    assert start == d("2026-09-30")
    assert end - start >= timedelta(days=low_bound)


# --- Properties over the whole official range -----------------------------------------------------------

official_days = st.dates(min_value=d("2025-01-01"), max_value=d("2026-08-31"))


@settings(max_examples=300, deadline=None)
@given(start=official_days, days=st.integers(min_value=1, max_value=90))
def test_calendar_days_property(start, days):
    due = add_calendar_days(start, days, OFFICIAL)
    nominal = start + timedelta(days=days)
    assert not due.provisional
    assert OFFICIAL.is_workday(due.date)
    assert due.date >= nominal
    # Every day rolled over was a rest day (the longest run is the nine-day Spring Festival 2026).
    rolled = [nominal + timedelta(days=i) for i in range((due.date - nominal).days)]
    assert all(not OFFICIAL.is_workday(day) for day in rolled)
    assert len(rolled) <= 9


@settings(max_examples=300, deadline=None)
@given(start=official_days, days=st.integers(min_value=1, max_value=30))
def test_working_days_property(start, days):
    due = add_working_days(start, days, OFFICIAL)
    between = [start + timedelta(days=i) for i in range(1, (due.date - start).days + 1)]
    assert not due.provisional
    assert OFFICIAL.is_workday(due.date)
    assert sum(OFFICIAL.is_workday(day) for day in between) == days
