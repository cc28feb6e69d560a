"""The daily roll-up of the overview (docs/analytics.md, "How the roll-up stays correct").

``DailyCount`` rows are a pure function of the case table (and of the ratings): for every local day of
receipt, every scope a case counts in (the district; its handling unit exactly; its street) and every
dimension value, the cases received that day and how many of them are open, group visits and repeats,
and the ratings given on them. Nothing but this module writes them.

Staying correct as cases change: every writer of a case row sets ``Case.updated_at`` (``case_transition``
in cases/services/events.py for every workflow step; ``case_register`` and ``cases_register_batch`` when
the row is inserted — the batch's later ``repeat_of`` update runs in the same transaction as the insert),
and ratings are only ever added (``case_rate``). ``rollup_refresh`` reads the cases whose ``updated_at``
is past the watermark and the ratings past the
rating watermark, and recomputes exactly the days those cases were received on — a day is always
recomputed whole, so a case that moved from one category, unit or status to another is counted once, in
its new place. ``received_at`` never changes after registration. The overview refreshes before it reads;
a Huey task refreshes every five minutes with a longer overlap and rebuilds everything at night, and
``xinfang analytics rebuild`` does the same by hand (after a restore, or a bulk edit made in SQL).

Overdue changes without a case update (the sweep, deadlines/services.py ``deadlines_mark_overdue``, marks
deadlines only): a third watermark on ``CaseDeadline.overdue_at`` recomputes the days of newly marked ones;
meeting, cancelling or extending a deadline is part of a workflow step, which updates its case. What the
roll-up cannot hold is computed live by the selectors: the cases the gateway hides from a reader (an
accusation never reaches the accused, 信访工作条例 Art. 30 ¶3), whose contributions are subtracted — see
``selectors.py``.
"""

from __future__ import annotations

import time as timer
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from xinfang.analytics.models import DailyCount, RollupState
from xinfang.cases.models import GROUP_MIN_PEOPLE, Case, CaseDeadline, CaseRating
from xinfang.core.clock import day_start

# How far behind the watermark the periodic refresh looks again: a transaction that set ``updated_at``
# before the watermark's and committed after the last refresh is still seen (PostgreSQL; SQLite runs one
# write transaction at a time).
DEEP_OVERLAP = timedelta(hours=2)
OPEN_STATUSES = frozenset(str(s) for s in Case.OPEN_STATUSES)
RATINGS = (CaseRating.Rating.SATISFIED, CaseRating.Rating.BASICALLY_SATISFIED, CaseRating.Rating.DISSATISFIED)
# The counters of a row, in this order.
COUNTERS = ("new", "open", "group", "repeat", "satisfied", "basically", "dissatisfied", "overdue")
FACT_FIELDS = ("id", "received_at", "channel", "category_id", "street_id", "handling_unit_id", "matter_type",
               "status", "group_size", "repeat_of_id")
CHUNK_DAYS = 31


def overdue_deadlines() -> QuerySet:
    """Deadlines marked overdue by the sweep and neither met nor cancelled: the one meaning of overdue
    (cases/filters.py ``overdue_q``, the inbox)."""
    return CaseDeadline.objects.filter(overdue_at__isnull=False, met_at__isnull=True, cancelled=False)
INSERT_BATCH = 2000

Key = tuple[str, int, date, str, str]


@dataclass(frozen=True)
class CaseFacts:
    """What the roll-up reads of one case."""

    id: int
    day: date
    channel: str
    category_id: int | None
    street_id: int | None
    unit_id: int | None
    matter: str
    open: bool
    group: bool
    repeat: bool
    ratings: tuple[str, ...] = ()
    overdue: bool = False


def _text(value: int | None) -> str:
    return "" if value is None else str(value)


def facts_of(cases: QuerySet) -> list[CaseFacts]:
    """The facts of the cases of ``cases`` (any queryset of Case), with their ratings."""
    ratings: dict[int, list[str]] = defaultdict(list)
    for case_id, rating in CaseRating.objects.filter(case_id__in=cases.values("pk")).values_list("case_id", "rating"):
        ratings[case_id].append(rating)
    overdue = set(overdue_deadlines().filter(case_id__in=cases.values("pk")).values_list("case_id", flat=True))
    tz = timezone.get_current_timezone()
    facts = []
    for (pk, received, channel, category, street, unit, matter, status, size, repeat_of) in (
            cases.order_by().values_list(*FACT_FIELDS).iterator(chunk_size=5000)):
        facts.append(CaseFacts(
            id=pk, day=received.astimezone(tz).date(), channel=channel, category_id=category, street_id=street,
            unit_id=unit, matter=matter, open=status in OPEN_STATUSES,
            group=channel == Case.Channel.VISIT and size >= GROUP_MIN_PEOPLE, repeat=repeat_of is not None,
            ratings=tuple(ratings.get(pk, ())), overdue=pk in overdue))
    return facts


def contributions(facts: Iterable[CaseFacts]) -> dict[Key, list[int]]:
    """The counters each case adds to each (scope, scope id, day, dimension, key) — the rows of the roll-up
    for these cases. Pure: the selectors use it to subtract the cases a reader may not see."""
    rows: dict[Key, list[int]] = {}
    for f in facts:
        vector = [1, int(f.open), int(f.group), int(f.repeat), f.ratings.count(RATINGS[0]),
                  f.ratings.count(RATINGS[1]), f.ratings.count(RATINGS[2]), int(f.overdue)]
        dims = (("total", ""), ("channel", f.channel), ("category", _text(f.category_id)),
                ("street", _text(f.street_id)), ("unit", _text(f.unit_id)), ("matter", f.matter))
        scopes: list[tuple[str, int]] = [("d", 0)]
        if f.unit_id is not None:
            scopes.append(("u", f.unit_id))
        if f.street_id is not None:
            scopes.append(("s", f.street_id))
        for scope, scope_id in scopes:
            for dim, key in dims:
                k = (scope, scope_id, f.day, dim, key)
                row = rows.get(k)
                if row is None:
                    rows[k] = list(vector)
                else:
                    for i, v in enumerate(vector):
                        row[i] += v
    return rows


def _insert(rows: dict[Key, list[int]]) -> int:
    objects = [DailyCount(scope=k[0], scope_id=k[1], day=k[2], dim=k[3], key=k[4],
                          **dict(zip(COUNTERS, v, strict=True))) for k, v in rows.items()]
    DailyCount.objects.bulk_create(objects, batch_size=INSERT_BATCH)
    return len(objects)


def _runs(days: list[date]) -> list[tuple[date, date]]:
    """Sorted ``days`` as runs of consecutive days (first, last), each at most ``CHUNK_DAYS`` long."""
    runs: list[tuple[date, date]] = []
    for day in days:
        if runs and day == runs[-1][1] + timedelta(days=1) and (day - runs[-1][0]).days < CHUNK_DAYS:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def days_recompute(days: Iterable[date]) -> int:
    """Recompute the roll-up of ``days`` from the case table (delete and insert, in the caller's
    transaction), a run of consecutive days at a time; answers the rows written."""
    written = 0
    for first, last in _runs(sorted(set(days))):
        DailyCount.objects.filter(day__gte=first, day__lte=last).delete()
        cases = Case.objects.filter(received_at__gte=day_start(first),
                                    received_at__lt=day_start(last + timedelta(days=1)))
        written += _insert(contributions(facts_of(cases)))
    return written


def _state(*, lock: bool) -> RollupState:
    rows = RollupState.objects.select_for_update() if lock else RollupState.objects
    state = rows.filter(pk=1).first()
    if state is None:
        state, _ = RollupState.objects.get_or_create(pk=1)
    return state


@dataclass
class RefreshResult:
    rebuilt: bool = False
    days: list[date] = field(default_factory=list)
    cases: int = 0
    ratings: int = 0
    rows: int = 0
    seconds: float = 0.0


def rollup_rebuild() -> RefreshResult:
    """Throw the roll-up away and compute it again from every case (``xinfang analytics rebuild``)."""
    started = timer.perf_counter()
    with transaction.atomic():
        state = _state(lock=True)
        now = timezone.now()
        # The watermarks first: whatever changes while the rebuild reads is past them and seen next time.
        watermark = Case.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()
        rating_mark = CaseRating.objects.order_by("-id").values_list("id", flat=True).first() or 0
        overdue_mark = _overdue_latest()
        DailyCount.objects.all().delete()
        first = Case.objects.order_by("received_at").values_list("received_at", flat=True).first()
        last = Case.objects.order_by("-received_at").values_list("received_at", flat=True).first()
        written = 0
        if first is not None and last is not None:
            day, end = timezone.localdate(first), timezone.localdate(last)
            while day <= end:
                upto = min(day + timedelta(days=CHUNK_DAYS), end + timedelta(days=1))
                cases = Case.objects.filter(received_at__gte=day_start(day), received_at__lt=day_start(upto))
                written += _insert(contributions(facts_of(cases)))
                day = upto
        state.watermark = watermark
        state.rating_watermark = rating_mark
        state.overdue_watermark = overdue_mark
        state.built_at = state.refreshed_at = now
        state.build_seconds = round(timer.perf_counter() - started, 3)
        state.save()
    return RefreshResult(rebuilt=True, rows=written, seconds=timer.perf_counter() - started)


def _overdue_latest() -> Any:
    return (CaseDeadline.objects.filter(overdue_at__isnull=False).order_by("-overdue_at")
            .values_list("overdue_at", flat=True).first())


def _changes(state: RollupState, overlap: timedelta) -> tuple[set[date], Any, int, Any, int, int]:
    """The days to recompute, the new watermarks and the counts read."""
    since = state.watermark - overlap if state.watermark else None
    changed = Case.objects.all() if since is None else Case.objects.filter(updated_at__gt=since)
    tz = timezone.get_current_timezone()
    days: set[date] = set()
    watermark = state.watermark
    cases = 0
    for updated, received in changed.order_by().values_list("updated_at", "received_at"):
        days.add(received.astimezone(tz).date())
        cases += 1
        if watermark is None or updated > watermark:
            watermark = updated
    ratings = 0
    rating_mark = state.rating_watermark
    for pk, received in (CaseRating.objects.filter(id__gt=state.rating_watermark).order_by()
                         .values_list("id", "case__received_at")):
        days.add(received.astimezone(tz).date())
        rating_mark = max(rating_mark, pk)
        ratings += 1
    # Deadlines the sweep marked overdue since (unmet and not cancelled when marked: the prefix of the
    # deadlines' open index; meeting or cancelling one later is a workflow step, which updates its case).
    overdue_mark = state.overdue_watermark
    marked = overdue_deadlines()
    if state.overdue_watermark is not None:
        marked = marked.filter(overdue_at__gt=state.overdue_watermark - overlap)
    for stamp, received in marked.order_by().values_list("overdue_at", "case__received_at"):
        days.add(received.astimezone(tz).date())
        if overdue_mark is None or stamp > overdue_mark:
            overdue_mark = stamp
    return days, watermark, rating_mark, overdue_mark, cases, ratings


def rollup_refresh(*, deep: bool = False) -> RefreshResult:
    """Bring the roll-up up to date: recompute the days of the cases changed (``updated_at`` past the
    watermark) and of the ratings added since the last refresh. A read without changes costs two indexed
    queries and writes nothing. ``deep`` (the periodic task) also looks ``DEEP_OVERLAP`` behind the
    watermark: on PostgreSQL a transaction can commit after a refresh that already read a later
    ``updated_at`` of another one; the deep refresh recomputes its day (idempotent) — docs/analytics.md."""
    started = timer.perf_counter()
    state = _state(lock=False)
    if state.built_at is None:
        return rollup_rebuild()
    overlap = DEEP_OVERLAP if deep else timedelta(0)
    days, _, _, _, _, _ = _changes(state, overlap)
    if not days:
        return RefreshResult(seconds=timer.perf_counter() - started)
    with transaction.atomic():
        # Again under the lock: another refresh may have done the work meanwhile.
        state = _state(lock=True)
        days, watermark, rating_mark, overdue_mark, cases, ratings = _changes(state, overlap)
        rows = days_recompute(days) if days else 0
        state.watermark = watermark
        state.rating_watermark = rating_mark
        state.overdue_watermark = overdue_mark
        state.refreshed_at = timezone.now()
        state.save(update_fields=["watermark", "rating_watermark", "overdue_watermark", "refreshed_at"])
    return RefreshResult(days=sorted(days), cases=cases, ratings=ratings, rows=rows,
                         seconds=timer.perf_counter() - started)


@dataclass
class RollupStatus:
    built_at: datetime | None
    refreshed_at: datetime | None
    watermark: datetime | None
    build_seconds: float
    rows: int
    first_day: date | None
    last_day: date | None
    pending_cases: int


def rollup_status() -> RollupStatus:
    state = _state(lock=False)
    span = DailyCount.objects.filter(scope="d", dim="total").order_by("day").values_list("day", flat=True)
    pending = 0
    if state.watermark is not None:
        pending = Case.objects.filter(updated_at__gt=state.watermark).count()
    elif state.built_at is None:
        pending = Case.objects.count()
    return RollupStatus(built_at=state.built_at, refreshed_at=state.refreshed_at, watermark=state.watermark,
                        build_seconds=state.build_seconds, rows=DailyCount.objects.count(),
                        first_day=span.first(), last_day=span.last(), pending_cases=pending)
