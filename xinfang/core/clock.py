"""Running code as if at another time: for the demo generator, benchmarks and tests; and the start of a
local day as a moment.

All of xinfang reads the time through ``django.utils.timezone.now()`` (and ``localdate()``, which calls
it), so patching that one function moves every service's clock consistently.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from unittest import mock

from django.utils import timezone


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Within the block, ``timezone.now()`` answers ``moment`` (which must be aware)."""
    if timezone.is_naive(moment):
        raise ValueError("clock_at needs an aware datetime")
    # In UTC, as the real ``timezone.now()`` answers: the audit chain hashes ``at.isoformat()`` and must
    # hash the same text when it is read back from the database (in UTC) to be verified.
    with mock.patch("django.utils.timezone.now", return_value=moment.astimezone(UTC)):
        yield


def day_start(day: date) -> datetime:
    """Local midnight at the start of ``day``, as an aware datetime in the current time zone: the bound of
    the "received on days a to b" filters (``received_at >= day_start(a)`` and ``< day_start(b + 1 day)``)."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
