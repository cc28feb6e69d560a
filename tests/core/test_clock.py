"""xinfang.core.clock: the start of a local day as a moment, and running code at another time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from xinfang.core.clock import clock_at, day_start

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_day_start_is_local_midnight_aware_in_the_current_time_zone():
    start = day_start(date(2026, 10, 9))
    assert timezone.is_aware(start)
    assert start == datetime(2026, 10, 9, tzinfo=SHANGHAI)
    # Beijing time is UTC+8: the local day begins at 16:00 UTC the day before.
    assert start.astimezone(UTC) == datetime(2026, 10, 8, 16, 0, tzinfo=UTC)
    assert day_start(date(2026, 10, 10)) - start == timedelta(days=1)


def test_day_start_follows_the_active_time_zone():
    with timezone.override(ZoneInfo("Europe/Berlin")):
        # Summer time (UTC+2) and winter time (UTC+1): the offset of that day's midnight.
        assert day_start(date(2026, 7, 1)).astimezone(UTC) == datetime(2026, 6, 30, 22, 0, tzinfo=UTC)
        assert day_start(date(2026, 12, 1)).astimezone(UTC) == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)


def test_day_start_bounds_a_day_as_the_filters_use_it():
    first, last = date(2026, 12, 31), date(2027, 1, 1)
    since, until = day_start(first), day_start(last + timedelta(days=1))
    inside = [datetime(2026, 12, 31, 0, 0, tzinfo=SHANGHAI), datetime(2027, 1, 1, 23, 59, 59, tzinfo=SHANGHAI)]
    outside = [datetime(2026, 12, 30, 23, 59, 59, tzinfo=SHANGHAI), datetime(2027, 1, 2, 0, 0, tzinfo=SHANGHAI)]
    assert all(since <= moment < until for moment in inside)
    assert not any(since <= moment < until for moment in outside)


def test_clock_at_moves_now_and_localdate_and_refuses_a_naive_moment():
    moment = datetime(2026, 10, 9, 1, 30, tzinfo=SHANGHAI)
    with clock_at(moment):
        assert timezone.now() == moment and timezone.now().tzinfo == UTC
        assert timezone.localdate() == date(2026, 10, 9)
        assert day_start(timezone.localdate()) <= timezone.now()
    with pytest.raises(ValueError, match="aware"), clock_at(datetime(2026, 10, 9, 1, 30)):
        pass
