"""Reads for the reference pages: the unit and category trees in display order, the routing table, the
calendar of a year. Each is a fixed number of queries whatever the size of the tree."""

from __future__ import annotations

import calendar as pycalendar
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from xinfang.accounts.models import Unit
from xinfang.cases.models import Category, CategoryStreetRoute
from xinfang.deadlines.models import CalendarDay, CalendarYear


@dataclass(frozen=True)
class TreeRow:
    """One node of a tree in display order, with its depth (0: a root)."""

    node: Any
    depth: int


def _tree(nodes: Iterable[Any]) -> list[TreeRow]:
    """Depth-first order, siblings by (sort, code). A node whose parent is not in ``nodes`` is shown as a
    root; a cycle (impossible through the services, but data is data) is cut rather than looped on."""
    nodes = list(nodes)
    present = {n.pk for n in nodes}
    children: dict[int | None, list[Any]] = defaultdict(list)
    for n in nodes:
        children[n.parent_id if n.parent_id in present else None].append(n)
    for siblings in children.values():
        siblings.sort(key=lambda n: (n.sort, n.code))
    rows: list[TreeRow] = []
    seen: set[int] = set()
    stack: list[tuple[Any, int]] = [(n, 0) for n in reversed(children[None])]
    while stack:
        node, depth = stack.pop()
        if node.pk in seen:
            continue
        seen.add(node.pk)
        rows.append(TreeRow(node, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(node.pk, [])))
    return rows


def unit_tree(*, active_only: bool = False) -> list[TreeRow]:
    """All units (or the active ones) as an indented tree."""
    units = Unit.objects.select_related("parent")
    if active_only:
        units = units.filter(active=True)
    return _tree(units)


def category_tree() -> list[TreeRow]:
    """All categories as an indented tree, each with its default unit and its number of street routes."""
    categories = Category.objects.select_related("default_unit").annotate(route_count=Count("street_routes"))
    return _tree(categories)


def category_routes_all() -> list[CategoryStreetRoute]:
    """The whole per-street routing table, by category then street."""
    return list(CategoryStreetRoute.objects.select_related("category__default_unit", "street", "unit")
                .order_by("category__sort", "category__code", "street__sort", "street__code"))


def streets_for_routing(*, category: Category) -> list[Unit]:
    """The streets a route can be set for: the active ones, and any inactive one that still has a route
    of ``category`` (so it can be removed)."""
    routed = CategoryStreetRoute.objects.filter(category=category).values("street_id")
    return list(Unit.objects.filter(Q(active=True) | Q(pk__in=routed), kind=Unit.Kind.STREET)
                .order_by("sort", "code"))


@dataclass(frozen=True)
class YearSummary:
    """A year of the calendar page: loaded (official) or not (deadlines touching it are provisional)."""

    year: int
    loaded: CalendarYear | None
    holidays: int = 0
    workdays: int = 0


def calendar_years_summary() -> list[YearSummary]:
    """Every loaded year with its day counts, plus this year and next if they are not loaded (the State
    Council publishes next year's calendar in November; until it is loaded, deadlines are provisional)."""
    counts = {
        row["date__year"]: row
        for row in CalendarDay.objects.values("date__year").annotate(
            holidays=Count("id", filter=Q(kind=CalendarDay.Kind.HOLIDAY)),
            workdays=Count("id", filter=Q(kind=CalendarDay.Kind.WORKDAY)),
        )
    }
    loaded = {entry.year: entry for entry in CalendarYear.objects.all()}
    this_year = timezone.localdate().year
    years = sorted(set(loaded) | {this_year, this_year + 1}, reverse=True)
    return [YearSummary(year=y, loaded=loaded.get(y), holidays=counts.get(y, {}).get("holidays", 0),
                        workdays=counts.get(y, {}).get("workdays", 0)) for y in years]


def provisional_deadlines_open() -> int:
    """How many running deadlines are provisional (a count only: no case content on these pages)."""
    from xinfang.cases.models import CaseDeadline

    return CaseDeadline.objects.filter(provisional=True, met_at__isnull=True, cancelled=False).count()


@dataclass(frozen=True)
class DayCell:
    """One cell of a month grid: ``day`` None for the padding before the 1st and after the last day."""

    day: date | None
    weekend: bool = False
    entry: CalendarDay | None = None

    @property
    def rest(self) -> bool:
        """A day off: a holiday row, or a weekend day that is not a make-up working day."""
        if self.day is None:
            return False
        if self.entry is not None:
            return self.entry.kind == CalendarDay.Kind.HOLIDAY
        return self.weekend


@dataclass(frozen=True)
class Month:
    number: int
    weeks: list[list[DayCell]] = field(default_factory=list)


def calendar_year_months(*, year: int) -> list[Month]:
    """The twelve month grids of ``year`` (weeks from Monday), each day with its calendar row if any."""
    entries = {d.date: d for d in CalendarDay.objects.filter(date__year=year)}
    months = []
    grid = pycalendar.Calendar(firstweekday=0)
    for number in range(1, 13):
        weeks = []
        for week in grid.monthdatescalendar(year, number):
            weeks.append([DayCell(day=d, weekend=d.weekday() >= 5, entry=entries.get(d)) if d.month == number
                          else DayCell(day=None) for d in week])
        months.append(Month(number=number, weeks=weeks))
    return months
