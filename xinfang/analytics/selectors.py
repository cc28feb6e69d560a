"""Reads of the situation analysis (形势研判, docs/analytics.md): the overview of a period and a scope, and the
hotspots. Read-only; every figure is over the cases the caller may see (``cases_visible_to``).

How a figure is computed: the counts by day, dimension and scope come from the roll-up (``rollup.py``),
refreshed before the read; the cases the gateway hides from the caller (an accusation never reaches the
accused unit or person, 信访工作条例 Art. 30 ¶3) are read live — they are few — and their contributions
subtracted, so the caller's figures equal a live count over ``cases_visible_to(caller)``. Overdue cases are
in the roll-up too (its refresh follows the overdue sweep's marks). The backlog's stock and flow and the
petitioners with the most repeats come from their own apps' selectors.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinfang.accounts.access import accused_case_ids, cases_visible_to
from xinfang.accounts.models import Unit
from xinfang.accounts.roles import DISTRICT_WIDE_ROLES, UNIT_ROLES
from xinfang.analytics import hotspots as maths
from xinfang.analytics.models import DailyCount
from xinfang.analytics.rollup import (
    COUNTERS,
    OPEN_STATUSES,
    CaseFacts,
    RefreshResult,
    contributions,
    facts_of,
    rollup_refresh,
)
from xinfang.cases.filters import overdue_q
from xinfang.cases.models import GROUP_MIN_PEOPLE, Case, Category
from xinfang.core.clock import day_start
from xinfang.core.errors import NotFound
from xinfang.governance.selectors import backlog_stock_flow

VIEW_ANALYTICS = "analytics.view_analytics"
PERIOD_EARLIEST = date(2000, 1, 1)
PERIOD_LATEST = date(2099, 12, 31)
PERIOD_MAX_DAYS = 5 * 366
TOP_ROWS = 50
HIDDEN_CHUNK = 900  # primary keys per query (SQLite's parameter limit)


def period_default(today: date | None = None) -> tuple[date, date]:
    """This year to date."""
    today = today or timezone.localdate()
    return date(today.year, 1, 1), today


def period_problem(start: date, end: date) -> str | None:
    """Why ``start``–``end`` is not a period the overview can cover, or None."""
    if start > end:
        return str(_("截止日期不能早于起始日期。"))
    if start < PERIOD_EARLIEST or end > PERIOD_LATEST:
        return str(_("统计期间须在%(a)s至%(b)s之间。") % {"a": PERIOD_EARLIEST.isoformat(),
                                                        "b": PERIOD_LATEST.isoformat()})
    if (end - start).days > PERIOD_MAX_DAYS:
        return str(_("统计期间最长五年。"))
    return None


# --- Scopes ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scope:
    """The district, a unit with the units below it, or a street — already narrowed to what the caller
    may see (a unit member: their unit, and the units below it where the unit is so configured)."""

    kind: str  # "district", "unit", "street"
    label: str
    code: str = ""
    unit_ids: tuple[int, ...] = ()
    street_id: int | None = None

    @property
    def value(self) -> str:
        """The scope picker's value: ``district``, ``unit:<code>`` or ``street:<code>``."""
        return self.kind if self.kind == "district" else f"{self.kind}:{self.code}"

    def cases_q(self, prefix: str = "") -> Q:
        """The scope as a filter on cases (``prefix``: the path to the case, e.g. ``case__``)."""
        if self.kind == "unit":
            return Q(**{f"{prefix}handling_unit_id__in": self.unit_ids})
        if self.kind == "street":
            return Q(**{f"{prefix}street_id": self.street_id})
        return Q()

    def contains(self, *, unit_id: int | None, street_id: int | None) -> bool:
        """Whether a case handled by ``unit_id`` in ``street_id`` is in the scope (``cases_q`` in Python)."""
        if self.kind == "unit":
            return unit_id in self.unit_ids
        if self.kind == "street":
            return street_id == self.street_id
        return True

    def list_params(self) -> dict[str, str]:
        """The case list's filter for this scope."""
        if self.kind == "unit":
            return {"unit_tree": self.code}
        if self.kind == "street":
            return {"street": self.code}
        return {}


def _unit_ids_visible(user: Any, unit: Unit) -> list[int]:
    """The units below and including ``unit`` whose cases ``user``'s role may see (the gateway's unit rule;
    the accusation rule is applied separately)."""
    subtree = list(Unit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))
    if user.role in DISTRICT_WIDE_ROLES:
        return subtree
    own = user.unit
    if own is None:
        return []
    if own.scope_includes_children:
        return [pk for pk in subtree if pk in set(Unit.objects.filter(path__startswith=own.path)
                                                   .values_list("pk", flat=True))]
    return [own.pk] if own.pk in subtree else []


def scope_choices(user: Any) -> list[tuple[str, str]]:
    """The scopes ``user`` may choose, as (value, label): district-wide roles the district, every unit and
    every street; a unit member their unit (and the units below it, where the unit sees its sub-units)."""
    if user.role in DISTRICT_WIDE_ROLES:
        units = Unit.objects.filter(active=True).exclude(kind__in=[Unit.Kind.GOVERNMENT, Unit.Kind.STREET,
                                                                   Unit.Kind.NEIGHBOURHOOD]).order_by("path")
        streets = Unit.objects.filter(active=True, kind=Unit.Kind.STREET).order_by("sort", "code")
        return [("district", str(_("全区"))),
                *((f"unit:{u.code}", str(_("承办单位：%(name)s") % {"name": u.name})) for u in units),
                *((f"street:{s.code}", str(_("街道：%(name)s") % {"name": s.name})) for s in streets)]
    own = getattr(user, "unit", None)
    if user.role not in UNIT_ROLES or own is None:
        return []
    mine = list(Unit.objects.filter(path__startswith=own.path).order_by("path")) if own.scope_includes_children \
        else [own]
    return [(f"unit:{u.code}", str(_("承办单位：%(name)s") % {"name": u.name})) for u in mine]


def scope_resolve(*, user: Any, value: str = "") -> Scope:
    """The scope named by ``value`` (``district``, ``unit:<code>``, ``street:<code>``; empty: the caller's
    default) — ``NotFound`` for a scope the caller may not choose (it looks like a missing one)."""
    choices = dict(scope_choices(user))
    if not choices:
        raise NotFound()
    value = value or next(iter(choices))
    if value not in choices:
        raise NotFound()
    if value == "district":
        return Scope(kind="district", label=choices[value])
    kind, code = value.split(":", 1)
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise NotFound()
    if kind == "street":
        return Scope(kind="street", label=choices[value], code=code, street_id=unit.pk)
    return Scope(kind="unit", label=choices[value], code=code, unit_ids=tuple(_unit_ids_visible(user, unit)))


def scope_from_params(*, user: Any, unit: str = "", street: str = "") -> Scope:
    """The API's form of a scope: ``unit=<code>`` or ``street=<code>`` (not both), else the default."""
    if unit and street:
        raise NotFound()
    if unit:
        return scope_resolve(user=user, value=f"unit:{unit}")
    if street:
        return scope_resolve(user=user, value=f"street:{street}")
    return scope_resolve(user=user)


# --- The overview ------------------------------------------------------------------------------------------

@dataclass
class Row:
    """One line of a breakdown: its value (a code or a channel), its name and its count, with the case
    list's filter that shows the cases behind the count."""

    key: str
    code: str
    name: str
    count: int
    link: str = ""


@dataclass
class TrendPoint:
    label: str
    start: date
    end: date
    count: int
    link: str = ""


@dataclass
class Satisfaction:
    satisfied: int = 0
    basically: int = 0
    dissatisfied: int = 0

    @property
    def n(self) -> int:
        return self.satisfied + self.basically + self.dissatisfied

    def share(self, value: int) -> float:
        return round(value / self.n, 4) if self.n else 0.0


@dataclass
class Backlog:
    """The backlog register's stock and flow for the scope (governance.selectors.backlog_stock_flow)."""

    at_start: int = 0
    added: int = 0
    resolved: int = 0
    stopped: int = 0
    remaining: int = 0


@dataclass
class Overview:
    start: date
    end: date
    scope: Scope
    new_cases: int = 0
    open: int = 0
    overdue: int = 0
    group_visits: int = 0
    repeats: int = 0
    satisfaction: Satisfaction = field(default_factory=Satisfaction)
    by_channel: list[Row] = field(default_factory=list)
    by_category: list[Row] = field(default_factory=list)
    by_street: list[Row] = field(default_factory=list)
    by_unit: list[Row] = field(default_factory=list)
    by_matter: list[Row] = field(default_factory=list)
    weekly: list[TrendPoint] = field(default_factory=list)
    monthly: list[TrendPoint] = field(default_factory=list)
    backlog: Backlog | None = None
    links: dict[str, str] = field(default_factory=dict)
    refresh: RefreshResult | None = None

    @property
    def repeat_rate(self) -> float:
        return round(self.repeats / self.new_cases, 4) if self.new_cases else 0.0


def cases_link(params: dict[str, Any]) -> str:
    """The case list filtered by ``params``."""
    return f"{reverse('cases:list')}?{urlencode(params, doseq=True)}"


def _period_q(start: date, end: date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}received_at__gte": day_start(start),
                f"{prefix}received_at__lt": day_start(end + timedelta(days=1))})


def _hidden_facts(user: Any, scope: Scope, start: date, end: date) -> list[CaseFacts]:
    """The cases of the scope and period the gateway hides from ``user`` although their role covers them:
    those accusing the user or their unit (Art. 30 ¶3) — the gateway's own rule (access.py). The accused
    cases' ids come from the accusation rows alone (an index on the unit or the user), then the ones of the
    scope and period are picked by primary key, a chunk at a time: the planner never walks the case table."""
    candidates = sorted(set(accused_case_ids(user).values_list("case_id", flat=True)))
    since, until = day_start(start), day_start(end + timedelta(days=1))
    ids: list[int] = []
    for first in range(0, len(candidates), HIDDEN_CHUNK):
        # By primary key only, the scope and period checked here: a filter on another column could lead
        # the planner to walk that column's index instead.
        for pk, received, unit_id, street_id in Case.objects.filter(
                pk__in=candidates[first:first + HIDDEN_CHUNK]).values_list(
                "pk", "received_at", "handling_unit_id", "street_id"):
            if since <= received < until and scope.contains(unit_id=unit_id, street_id=street_id):
                ids.append(pk)
    facts: list[CaseFacts] = []
    for first in range(0, len(ids), HIDDEN_CHUNK):
        facts += facts_of(Case.objects.filter(pk__in=ids[first:first + HIDDEN_CHUNK]))
    return facts


def _scope_rows(scope: Scope) -> tuple[str, list[int]]:
    if scope.kind == "unit":
        return "u", list(scope.unit_ids)
    if scope.kind == "street":
        return "s", [scope.street_id or 0]
    return "d", [0]


def _week_label(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _trends(daily: dict[date, int], start: date, end: date, base: dict[str, Any]) -> tuple[list[TrendPoint],
                                                                                           list[TrendPoint]]:
    """New cases per ISO week and per month over the period (the first and last may be partial: their
    ``start``/``end`` say which days they cover), each linked to its cases."""
    weeks: dict[str, TrendPoint] = {}
    months: dict[str, TrendPoint] = {}
    day = start
    while day <= end:
        for table, label in ((weeks, _week_label(day)), (months, day.strftime("%Y-%m"))):
            point = table.get(label)
            if point is None:
                table[label] = TrendPoint(label=label, start=day, end=day, count=daily.get(day, 0))
            else:
                point.end = day
                point.count += daily.get(day, 0)
        day += timedelta(days=1)
    for table in (weeks, months):
        for point in table.values():
            point.link = cases_link({**base, "received_from": point.start.isoformat(),
                                     "received_to": point.end.isoformat()})
    return list(weeks.values()), list(months.values())


def _names(dim: str, keys: list[str]) -> dict[str, tuple[str, str]]:
    """(code, name) of each key of a dimension."""
    if dim == "channel":
        return {k: (k, str(Case.Channel(k).label)) for k in keys if k in Case.Channel.values}
    if dim == "matter":
        return {k: (k, str(Case.MatterType(k).label)) for k in keys if k in Case.MatterType.values}
    ids = [int(k) for k in keys if k]
    model = Category if dim == "category" else Unit
    return {str(pk): (code, name) for pk, code, name in model.objects.filter(pk__in=ids)
            .values_list("pk", "code", "name")}


# The case list's filter parameter of each dimension.
_DIM_PARAM = {"channel": "channel", "category": "category", "street": "street", "unit": "unit",
              "matter": "matter_type"}
_NONE_LABELS = {"category": gettext_lazy("未分类"), "street": gettext_lazy("未填街道"), "unit": gettext_lazy("未交办")}


def overview(*, user: Any, start: date, end: date, scope: Scope, refresh: bool = True) -> Overview:
    """The figures of the overview for the cases ``user`` may see in ``scope``, received from ``start`` to
    ``end`` (both included, local days). Definitions: docs/analytics.md."""
    result = Overview(start=start, end=end, scope=scope)
    if refresh:
        result.refresh = rollup_refresh()
    kind, ids = _scope_rows(scope)
    if not ids:
        return result
    rows = DailyCount.objects.filter(scope=kind, scope_id__in=ids, day__gte=start, day__lte=end)
    sums: dict[tuple[str, str], list[int]] = {}
    for row in rows.values("dim", "key").annotate(*(Sum(c) for c in COUNTERS)).order_by():
        sums[(row["dim"], row["key"])] = [row[f"{c}__sum"] or 0 for c in COUNTERS]
    daily: dict[date, int] = {d: n or 0 for d, n in rows.filter(dim="total").values("day").annotate(n=Sum("new"))
                              .values_list("day", "n").order_by()}
    # The cases hidden from the caller: their contributions come off (Art. 30 ¶3).
    hidden = _hidden_facts(user, scope, start, end)
    for (s, sid, day, dim, key), vector in contributions(hidden).items():
        if s != kind or sid not in ids:
            continue
        total = sums.get((dim, key))
        if total is not None:
            sums[(dim, key)] = [a - b for a, b in zip(total, vector, strict=True)]
        if dim == "total":
            daily[day] = daily.get(day, 0) - vector[0]
    total = sums.get(("total", ""), [0] * len(COUNTERS))
    result.new_cases, result.open, result.group_visits, result.repeats = total[0], total[1], total[2], total[3]
    result.satisfaction = Satisfaction(satisfied=total[4], basically=total[5], dissatisfied=total[6])
    result.overdue = total[7]

    base = {"received_from": start.isoformat(), "received_to": end.isoformat(), **scope.list_params()}
    result.links = {
        "new_cases": cases_link(base),
        "open": cases_link({**base, "status": sorted(OPEN_STATUSES)}),
        "overdue": cases_link({**base, "overdue": "1"}),
        "group_visits": cases_link({**base, "group": "1"}),
        "repeats": cases_link({**base, "repeat": "1"}),
        "satisfied": cases_link({**base, "rating": "satisfied"}),
        "basically": cases_link({**base, "rating": "basically_satisfied"}),
        "dissatisfied": cases_link({**base, "rating": "dissatisfied"}),
    }
    by_dim: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for (dim, key), vector in sums.items():
        if dim != "total" and vector[0] > 0:
            by_dim[dim].append((key, vector[0]))
    for dim, attr in (("channel", "by_channel"), ("category", "by_category"), ("street", "by_street"),
                      ("unit", "by_unit"), ("matter", "by_matter")):
        items = sorted(by_dim.get(dim, []), key=lambda kv: (-kv[1], kv[0]))[:TOP_ROWS]
        names = _names(dim, [k for k, _ in items])
        table = []
        for key, count in items:
            code, name = names.get(key, ("", ""))
            if not key:
                name = str(_NONE_LABELS.get(dim, "—"))
            link = cases_link({**base, _DIM_PARAM[dim]: code}) if code else ""
            table.append(Row(key=key, code=code, name=name or code, count=count, link=link))
        setattr(result, attr, table)
    result.weekly, result.monthly = _trends(daily, start, end, base)
    result.backlog = _backlog(user, scope, start, end)
    return result


def _backlog(user: Any, scope: Scope, start: date, end: date) -> Backlog | None:
    """The register's figures for the district or a unit's subtree; none for a street (the register is
    kept by unit)."""
    if scope.kind == "street":
        return None
    flow = backlog_stock_flow(user=user, start=start, end=end)
    backlog = Backlog()
    rows = flow.rows if scope.kind == "unit" else [flow.total]
    for row in rows:
        if scope.kind == "unit" and row.unit_id not in scope.unit_ids:
            continue
        for name in ("at_start", "added", "resolved", "stopped", "remaining"):
            setattr(backlog, name, getattr(backlog, name) + getattr(row, name))
    return backlog


def overview_live(*, user: Any, start: date, end: date, scope: Scope) -> dict[str, Any]:
    """The same headline figures counted directly over ``cases_visible_to(user)`` — no roll-up. For the
    tests that prove the roll-up right, and for ``xinfang analytics status --check``."""
    cases = cases_visible_to(user).filter(scope.cases_q(), received_at__gte=day_start(start),
                                          received_at__lt=day_start(end + timedelta(days=1)))
    figures: dict[str, Any] = {
        "new_cases": cases.count(),
        "open": cases.filter(status__in=list(OPEN_STATUSES)).count(),
        "group_visits": cases.filter(channel=Case.Channel.VISIT, group_size__gte=GROUP_MIN_PEOPLE).count(),
        "repeats": cases.filter(repeat_of__isnull=False).count(),
        "overdue": cases.filter(overdue_q()).count(),
    }
    for dim, column in (("by_channel", "channel"), ("by_category", "category__code"), ("by_street", "street__code"),
                        ("by_unit", "handling_unit__code"), ("by_matter", "matter_type")):
        counts: dict[str, int] = defaultdict(int)
        for value in cases.values_list(column, flat=True):
            counts[value or ""] += 1
        figures[dim] = dict(counts)
    return figures


def overview_breakdown(data: Overview) -> dict[str, Any]:
    """``overview``'s headline figures in ``overview_live``'s form (codes; "" for none)."""
    figures: dict[str, Any] = {"new_cases": data.new_cases, "open": data.open, "group_visits": data.group_visits,
                               "repeats": data.repeats, "overdue": data.overdue}
    for dim in ("by_channel", "by_category", "by_street", "by_unit", "by_matter"):
        figures[dim] = {row.code: row.count for row in getattr(data, dim)}
    return figures


# --- Hotspots ----------------------------------------------------------------------------------------------

WINDOW_DAYS = 28
BASELINE_DAYS = 84
PHRASE_SAMPLE = 2000


@dataclass
class Hotspot:
    category: Row
    street: Row
    test: maths.CellTest
    link: str


@dataclass
class HotspotPeriod:
    """The current window (``window_start`` to ``end``) and the baseline before it, in ``scope``."""

    end: date
    window_start: date
    baseline_start: date
    scope: Scope

    @property
    def baseline_end(self) -> date:
        return self.window_start - timedelta(days=1)


@dataclass
class HotspotPhrases(HotspotPeriod):
    """The key phrases of a period's petitions against the baseline's (``hotspot_phrases``)."""

    phrases: list[maths.Phrase] = field(default_factory=list)
    sampled: int = 0


@dataclass
class Hotspots(HotspotPeriod):
    cells: list[Hotspot] = field(default_factory=list)
    phrases: list[maths.Phrase] = field(default_factory=list)
    window_cases: int = 0
    baseline_cases: int = 0


def _hotspot_periods(*, user: Any, end: date, scope: Scope, window_days: int, baseline_days: int
                     ) -> tuple[date, date, QuerySet[Case], QuerySet[Case]]:
    """(window start, baseline start, the window's cases, the baseline's cases) that ``user`` may see."""
    window_start = end - timedelta(days=window_days - 1)
    baseline_start = window_start - timedelta(days=baseline_days)
    visible = cases_visible_to(user).filter(scope.cases_q())
    window = visible.filter(received_at__gte=day_start(window_start), received_at__lt=day_start(end + timedelta(1)))
    baseline = visible.filter(received_at__gte=day_start(baseline_start), received_at__lt=day_start(window_start))
    return window_start, baseline_start, window, baseline


def hotspot_phrases(*, user: Any, end: date, scope: Scope, window_days: int = WINDOW_DAYS,
                    baseline_days: int = BASELINE_DAYS) -> HotspotPhrases:
    """The key phrases of the latest ``PHRASE_SAMPLE`` petitions of the ``window_days`` up to ``end``
    against the latest of the ``baseline_days`` before, over the cases ``user`` may see in ``scope``: two
    queries, and the segmentation of up to 2 × ``PHRASE_SAMPLE`` texts (cached per process:
    ``xinfang.analytics.hotspots.segment``) — the slow part of the hotspots, so the page loads it as a
    panel of its own after the cells (docs/analytics.md)."""
    window_start, baseline_start, window, baseline = _hotspot_periods(
        user=user, end=end, scope=scope, window_days=window_days, baseline_days=baseline_days)
    current = [maths.segment(f"{t} {c}") for t, c in
               window.order_by("-received_at").values_list("title", "content")[:PHRASE_SAMPLE]]
    before = [maths.segment(f"{t} {c}") for t, c in
              baseline.order_by("-received_at").values_list("title", "content")[:PHRASE_SAMPLE]]
    return HotspotPhrases(end=end, window_start=window_start, baseline_start=baseline_start, scope=scope,
                          phrases=maths.key_phrases(current, before), sampled=len(current))


def hotspots(*, user: Any, end: date, scope: Scope, window_days: int = WINDOW_DAYS,
             baseline_days: int = BASELINE_DAYS, phrases: bool = True) -> Hotspots:
    """The category × street cells rising fastest in the ``window_days`` up to ``end`` against their own
    rate over the ``baseline_days`` before (two grouped queries) and, unless ``phrases`` is false, the key
    phrases of the window's petitions against the baseline's (``hotspot_phrases``) — over the cases
    ``user`` may see in ``scope``, live."""
    window_start, baseline_start, window, baseline = _hotspot_periods(
        user=user, end=end, scope=scope, window_days=window_days, baseline_days=baseline_days)
    result = Hotspots(end=end, window_start=window_start, baseline_start=baseline_start, scope=scope)
    cells: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for index, qs in ((0, window), (1, baseline)):
        for row in (qs.filter(category__isnull=False, street__isnull=False).values("category_id", "street_id")
                    .annotate(n=Count("id")).order_by()):
            cells[(row["category_id"], row["street_id"])][index] = row["n"]
    result.window_cases = sum(v[0] for v in cells.values())
    result.baseline_cases = sum(v[1] for v in cells.values())
    found = maths.rising_cells({k: (v[0], v[1]) for k, v in cells.items()}, window_days=window_days,
                               baseline_days=baseline_days)
    categories = {c.pk: c for c in Category.objects.filter(pk__in=[k[0] for k, _ in found])}
    streets = {u.pk: u for u in Unit.objects.filter(pk__in=[k[1] for k, _ in found])}
    for (category_id, street_id), test in found:
        category, street = categories[category_id], streets[street_id]
        link = cases_link({"received_from": window_start.isoformat(), "received_to": end.isoformat(),
                           "category": category.code, "street": street.code, **{
                               k: v for k, v in scope.list_params().items() if k != "street"}})
        result.cells.append(Hotspot(category=Row(key=str(category.pk), code=category.code, name=category.name,
                                                 count=test.count),
                                    street=Row(key=str(street.pk), code=street.code, name=street.name,
                                               count=test.count), test=test, link=link))
    if phrases:
        result.phrases = hotspot_phrases(user=user, end=end, scope=scope, window_days=window_days,
                                         baseline_days=baseline_days).phrases
    return result


def phrase_link(phrase: str, hot: HotspotPeriod) -> str:
    return cases_link({"received_from": hot.window_start.isoformat(), "received_to": hot.end.isoformat(),
                       "q": phrase, **hot.scope.list_params()})
