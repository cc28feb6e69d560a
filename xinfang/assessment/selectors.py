"""Reads of the assessment (目标考核, 信访工作条例 Art. 39): the metrics of ``metrics.py`` per unit and year,
the scheme of a year, scores and ranking, the cases behind a figure. Read-only. The counts rest on
``figures_base`` (the gateway's cases for district-wide roles; for unit roles every case but those naming
them as accused); a case itself reaches a reader only through ``cases_visible_to`` (the drill-down). Unit
roles see their own unit's figures only (anything else: NotFound).

Each metric is computed as a list of ``Item`` (unit, case, counted in the numerator or not); a figure is
their count per unit. Pages, API, report and export all call ``assessment_scores``/``metric_items``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Exists, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.accounts.access import accused_case_ids, cases_visible_to
from xinfang.accounts.models import Unit
from xinfang.accounts.roles import DISTRICT_WIDE_ROLES
from xinfang.assessment.metrics import (
    CODES,
    DEFAULT_MAX_INTERVAL,
    DEFAULT_MIN_COVERAGE,
    DEFAULT_MIN_N,
    DEFAULT_SCHEME,
    METRICS,
    METRICS_BY_CODE,
    WILSON_Z,
    Metric,
)
from xinfang.assessment.models import AssessmentScheme
from xinfang.cases.models import Case, CaseDeadline, CaseEvent, CaseRating
from xinfang.core.errors import NotFound, ValidationFailed
from xinfang.governance.models import BacklogEntry, SupervisionOrder
from xinfang.petitioners.models import CaseLink

VIEW_PERMISSION = "assessment.view_assessment"
CONFIGURE_PERMISSION = "assessment.configure_assessment"
REPORT_PERMISSION = "assessment.report_assessment"

YEAR_MIN, YEAR_MAX = 2000, 2099


# --- Periods and scope ------------------------------------------------------------------------------------

def year_parse(raw: Any, *, field_name: str = "year", allow_empty: bool = True) -> int:
    """A year from a query parameter (this year when left out, or empty where ``allow_empty``: a page's
    form sends the empty field); ValidationFailed otherwise. The API passes ``allow_empty=False``: its
    schema says an integer, so ``?year=`` is refused like any other non-integer."""
    if raw is None or (raw == "" and allow_empty):
        return timezone.localdate().year
    try:
        year = int(str(raw))
    except ValueError:
        year = 0
    if not YEAR_MIN <= year <= YEAR_MAX:
        message = _("年度须为%(a)d至%(b)d之间的整数。") % {"a": YEAR_MIN, "b": YEAR_MAX}
        raise ValidationFailed(message, errors={field_name: [message]})
    return year


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return datetime.combine(date(year, 1, 1), time.min, tzinfo=tz), datetime.combine(date(year + 1, 1, 1),
                                                                                       time.min, tzinfo=tz)


def assessment_unit_ids(user: Any) -> list[int] | None:
    """The units whose figures ``user`` may see: None for all (district-wide roles), else their own unit."""
    if user.role in DISTRICT_WIDE_ROLES:
        return None
    return [user.unit_id] if user.unit_id else []


def assessment_unit_access(*, user: Any, unit_id: Any) -> Unit:
    """The unit ``unit_id`` if ``user`` may see its figures; NotFound otherwise (another unit looks missing)."""
    try:
        pk = int(unit_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    allowed = assessment_unit_ids(user)
    if allowed is not None and pk not in allowed:
        raise NotFound()
    unit = Unit.objects.filter(pk=pk).first()
    if unit is None:
        raise NotFound()
    return unit


# --- Items of each metric ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Item:
    """One thing a metric counts: the unit it counts against, the case (None for a supervision order on a
    unit), whether it is in the numerator, and a reference (the order's id for supervision)."""

    unit_id: int
    case_id: int | None
    hit: bool
    ref: int | None = None


class _OnTime:
    """``met`` happened on or before the local day ``due``: ``met`` < the start of the next local day. The
    bound is computed once per due date (a year has at most 366), not once per row."""

    def __init__(self) -> None:
        self.tz = timezone.get_current_timezone()
        self.bounds: dict[date, datetime] = {}

    def __call__(self, met: datetime | None, due: date) -> bool:
        if met is None:
            return False
        bound = self.bounds.get(due)
        if bound is None:
            bound = self.bounds[due] = datetime.combine(due + timedelta(days=1), time.min, tzinfo=self.tz)
        return met < bound


def _deadline_items(base: QuerySet, year: int, as_of: date, kind: str, unit_field: str) -> list[Item]:
    """Deadlines of ``kind`` falling due in ``year`` that are met or have passed (not cancelled); a hit when
    met on or before the due date (the local day of ``met_at``)."""
    rows = (CaseDeadline.objects.filter(kind=kind, cancelled=False, due_date__gte=date(year, 1, 1),
                                        due_date__lte=date(year, 12, 31), case__in=base.values("pk"))
            .filter(Q(met_at__isnull=False) | Q(due_date__lt=as_of))
            .values_list("case_id", f"case__{unit_field}", "met_at", "due_date"))
    on_time = _OnTime()
    return [Item(unit_id=unit, case_id=case_id, hit=on_time(met, due)) for case_id, unit, met, due in rows
            if unit is not None]


def _route_on_time(user: Any, base: QuerySet, year: int, as_of: date) -> list[Item]:
    # 信访工作条例 Art. 22: register and transfer/assign within 15 days; counted against the registering unit.
    return _deadline_items(base, year, as_of, "route_by", "registered_unit_id")


def _accept_on_time(user: Any, base: QuerySet, year: int, as_of: date) -> list[Item]:
    # Art. 23 ¶3: the acceptance (or refusal) notice within 15 days of receipt; met by either notice.
    return _deadline_items(base, year, as_of, "accept_by", "handling_unit_id")


def _decide_on_time(user: Any, base: QuerySet, year: int, as_of: date) -> list[Item]:
    # Art. 34: 60 days from acceptance; an approved extension moved the stored due date (deadline_extend).
    return _deadline_items(base, year, as_of, "decide_by", "handling_unit_id")


def _rating_participation(user: Any, base: QuerySet, year: int, as_of: date) -> list[Item]:
    since, until = _year_bounds(year)
    rated = CaseRating.objects.filter(case=OuterRef("pk"), stage=CaseRating.Stage.REPLY)
    rows = (base.filter(replied_at__gte=since, replied_at__lt=until, handling_unit__isnull=False)
            .annotate(rated=Exists(rated)).values_list("pk", "handling_unit_id", "rated"))
    return [Item(unit_id=unit, case_id=pk, hit=bool(is_rated)) for pk, unit, is_rated in rows]


def _satisfaction(user: Any, base: QuerySet, year: int, as_of: date) -> list[Item]:
    since, until = _year_bounds(year)
    good = {CaseRating.Rating.SATISFIED, CaseRating.Rating.BASICALLY_SATISFIED}
    rows = (CaseRating.objects.filter(stage=CaseRating.Stage.REPLY, unit__isnull=False, case__in=base.values("pk"),
                                      case__replied_at__gte=since, case__replied_at__lt=until)
            .values_list("case_id", "unit_id", "rating"))
    return [Item(unit_id=unit, case_id=case_id, hit=rating in good) for case_id, unit, rating in rows]


def _repeat_rate(user: Any, base: QuerySet, year: int, as_of: date) -> list[Item]:
    since, until = _year_bounds(year)
    links = CaseLink.objects.filter(from_case=OuterRef("pk"), kind=CaseLink.Kind.REPEAT_OF).order_by("created_at", "pk")
    rows = (base.filter(received_at__gte=since, received_at__lt=until)
            .annotate(link_unit=Subquery(links.values("to_case__handling_unit_id")[:1]),
                      linked=Exists(links))
            .values_list("pk", "handling_unit_id", "repeat_of_id", "repeat_of__handling_unit_id", "linked",
                         "link_unit"))
    items = []
    for pk, own, repeat_of, original_unit, linked, link_unit in rows:
        is_repeat = repeat_of is not None or bool(linked)
        # A repeat counts against the unit that handled the original matter (it did not end it).
        unit = (original_unit if repeat_of is not None else link_unit) if is_repeat else own
        unit = unit or own
        if unit is not None:
            items.append(Item(unit_id=unit, case_id=pk, hit=is_repeat))
    return items


def _backlog_resolution(user: Any, base: QuerySet, year: int, as_of: date) -> list[Item]:
    # As the governance stock and flow (backlog_stock_flow): at_start + added; resolved + stopped.
    since, until = _year_bounds(year)
    closed = {BacklogEntry.Outcome.RESOLVED, BacklogEntry.Outcome.STOPPED}
    rows = (BacklogEntry.objects.filter(case__in=base.values("pk"), unit__isnull=False, entered_at__lt=until)
            .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=since))
            .values_list("case_id", "unit_id", "closed_at", "outcome"))
    return [Item(unit_id=unit, case_id=case_id,
                 hit=closed_at is not None and since <= closed_at < until and outcome in closed)
            for case_id, unit, closed_at, outcome in rows]


def _objection_overruled(user: Any, base: QuerySet, year: int, as_of: date) -> list[Item]:
    """An objection (退回, event ``objected`` with the objecting unit's code) is overruled when the next
    routing of the case (event ``routed``) sends it back to the same unit."""
    since, until = _year_bounds(year)
    objections = list(CaseEvent.objects.filter(action="objected", at__gte=since, at__lt=until,
                                               case__in=base.values("pk"))
                      .values_list("case_id", "at", "pk", "data"))
    if not objections:
        return []
    routings: dict[int, list[tuple[datetime, int, str]]] = defaultdict(list)
    for case_id, at, pk, data in (CaseEvent.objects.filter(action="routed",
                                                           case_id__in={o[0] for o in objections})
                                  .values_list("case_id", "at", "pk", "data").order_by("at", "pk")):
        routings[case_id].append((at, pk, (data or {}).get("unit", "")))
    codes = {(data or {}).get("unit") for *_, data in objections}
    units = dict(Unit.objects.filter(code__in=[c for c in codes if c]).values_list("code", "pk"))
    items = []
    for case_id, at, pk, data in objections:
        code = (data or {}).get("unit")
        if code not in units:
            continue
        following = next((r for r in routings[case_id] if (r[0], r[1]) > (at, pk)), None)
        items.append(Item(unit_id=units[code], case_id=case_id, hit=following is not None and following[2] == code))
    return items


def _supervision_on_time(user: Any, base: QuerySet, year: int, as_of: date) -> list[Item]:
    # Art. 40 ¶4: the supervised unit replies in writing, by the order's reply date.
    # Orders on a unit (no case) are the unit's own business: counted for it whoever reads the figures.
    rows = (SupervisionOrder.objects.filter(Q(case__isnull=True) | Q(case__in=base.values("pk")),
                                            reply_due__gte=date(year, 1, 1), reply_due__lte=date(year, 12, 31))
            .annotate(first_reply=Min("replies__at"))
            .filter(Q(first_reply__isnull=False) | Q(reply_due__lt=as_of))
            .values_list("pk", "case_id", "unit_id", "first_reply", "reply_due"))
    on_time = _OnTime()
    return [Item(unit_id=unit, case_id=case_id, ref=pk, hit=on_time(first, due))
            for pk, case_id, unit, first, due in rows]


_COMPUTE = {
    "route_on_time": _route_on_time,
    "accept_on_time": _accept_on_time,
    "decide_on_time": _decide_on_time,
    "rating_participation": _rating_participation,
    "satisfaction": _satisfaction,
    "repeat_rate": _repeat_rate,
    "backlog_resolution": _backlog_resolution,
    "objection_overruled": _objection_overruled,
    "supervision_on_time": _supervision_on_time,
}
assert set(_COMPUTE) == set(CODES)


def figures_base(user: Any) -> QuerySet:
    """The cases the figures of ``user``'s view rest on. District-wide roles: the gateway's cases. Unit
    roles: every case except those the gateway hides from them as accused (信访工作条例 Art. 30 ¶3, the
    gateway's own rule) — a unit's figures include its objection to a case now handled elsewhere and a repeat
    joined to its case, which its staff cannot open; the counts are the same whoever reads them, and the
    drill-down lists only the cases the reader may open (``metric_drill``: the rest are counted as hidden)."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm(VIEW_PERMISSION):
        return Case.objects.none()
    if user.role in DISTRICT_WIDE_ROLES:
        return cases_visible_to(user)
    return Case.objects.exclude(id__in=accused_case_ids(user))


def metric_items(*, user: Any, year: int, code: str, as_of: date | None = None) -> list[Item]:
    """The items of metric ``code`` in ``year`` over ``figures_base(user)`` (every unit's; the caller
    narrows to the units the user may see)."""
    if code not in _COMPUTE:
        raise NotFound()
    base = figures_base(user)
    return _COMPUTE[code](user, base, year, as_of or timezone.localdate())


# --- Figures, scheme, score ---------------------------------------------------------------------------------

def wilson_interval(hits: int, n: int, z: float = WILSON_Z) -> tuple[float, float]:
    """The Wilson score interval of ``hits / n`` (0–1 when n is 0)."""
    if n <= 0:
        return 0.0, 1.0
    p = hits / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass
class SchemeData:
    """The scheme of a year as used: saved (``saved``) or the default."""

    year: int
    metrics: dict[str, dict[str, float]]
    min_n: int
    max_interval: float
    min_coverage: float
    saved: bool
    updated_at: datetime | None = None
    updated_by: str = ""

    def weight(self, code: str) -> float:
        return float(self.metrics.get(code, {}).get("weight", 0.0))

    def target(self, code: str) -> float:
        return float(self.metrics.get(code, {}).get("target", METRICS_BY_CODE[code].default_target))


def scheme_for_year(*, year: int) -> SchemeData:
    """The saved scheme of ``year``, else the default one (metrics.DEFAULT_SCHEME)."""
    row = AssessmentScheme.objects.select_related("updated_by").filter(year=year).first()
    if row is None:
        return SchemeData(year=year, metrics={k: dict(v) for k, v in DEFAULT_SCHEME.items()}, min_n=DEFAULT_MIN_N,
                          max_interval=DEFAULT_MAX_INTERVAL, min_coverage=DEFAULT_MIN_COVERAGE, saved=False)
    metrics = {k: dict(v) for k, v in DEFAULT_SCHEME.items()}
    metrics.update({k: v for k, v in (row.metrics or {}).items() if k in METRICS_BY_CODE})
    return SchemeData(year=year, metrics=metrics, min_n=row.min_n, max_interval=row.max_interval,
                      min_coverage=row.min_coverage, saved=True, updated_at=row.updated_at,
                      updated_by=str(row.updated_by) if row.updated_by else "")


@dataclass
class Figure:
    """One metric of one unit: value = numerator / n, its Wilson interval, and whether it is a small sample
    (then left out of the score)."""

    metric: Metric
    numerator: int
    n: int
    case_ids: list[int]
    weight: float
    target: float
    small: bool
    small_reason: str
    interval: tuple[float, float]

    @property
    def code(self) -> str:
        return self.metric.code

    @property
    def value(self) -> float | None:
        return self.numerator / self.n if self.n else None

    @property
    def value_percent(self) -> str:
        return "—" if self.value is None else f"{self.value * 100:.1f}%"

    @property
    def interval_text(self) -> str:
        return f"{self.interval[0] * 100:.0f}%–{self.interval[1] * 100:.0f}%"

    @property
    def attainment(self) -> float | None:
        """How far the target is reached, 0–1: higher-better min(value/target, 1); lower-better 1 at or
        under the target, falling linearly to 0 at a rate of 1."""
        value = self.value
        if value is None:
            return None
        if self.metric.lower_is_better:
            if value <= self.target:
                return 1.0
            return max(0.0, (1 - value) / (1 - self.target)) if self.target < 1 else 1.0
        return min(value / self.target, 1.0)

    @property
    def counted(self) -> bool:
        return self.weight > 0 and self.n > 0 and not self.small

    @property
    def under_target(self) -> bool:
        return self.attainment is not None and self.attainment < 1


@dataclass
class UnitScore:
    unit: Unit
    figures: list[Figure]
    score: float | None = None
    coverage: float = 0.0
    rank: int | None = None

    @property
    def ranked(self) -> bool:
        return self.rank is not None


@dataclass
class Assessment:
    """The scores of a year: ranked units (enough data) and small-sample units shown apart."""

    year: int
    scheme: SchemeData
    as_of: date
    ranked: list[UnitScore] = field(default_factory=list)
    small: list[UnitScore] = field(default_factory=list)

    @property
    def units(self) -> list[UnitScore]:
        return [*self.ranked, *self.small]


def _figure(metric: Metric, items: list[Item], scheme: SchemeData) -> Figure:
    n = len(items)
    hits = sum(1 for i in items if i.hit)
    low, high = wilson_interval(hits, n)
    reason = ""
    if n == 0:
        reason = str(_("无数据"))
    elif n < scheme.min_n:
        reason = str(_("样本量%(n)d少于%(m)d") % {"n": n, "m": scheme.min_n})
    elif high - low > scheme.max_interval:
        reason = str(_("置信区间宽度%(w).0f%%大于%(m).0f%%") % {"w": (high - low) * 100, "m": scheme.max_interval * 100})
    case_ids = sorted({i.case_id for i in items if i.case_id is not None})
    return Figure(metric=metric, numerator=hits, n=n, case_ids=case_ids, weight=scheme.weight(metric.code),
                  target=scheme.target(metric.code), small=bool(reason), small_reason=reason, interval=(low, high))


def unit_score(unit: Unit, figures: list[Figure], scheme: SchemeData) -> UnitScore:
    """Score = 100 × Σ weight × attainment / Σ weight over the metrics with enough data; coverage = their
    share of all positive weights."""
    total = sum(f.weight for f in figures if f.weight > 0)
    counted = [f for f in figures if f.counted]
    weight = sum(f.weight for f in counted)
    result = UnitScore(unit=unit, figures=figures)
    if weight > 0:
        result.score = round(100 * sum(f.weight * (f.attainment or 0.0) for f in counted) / weight, 1)
    result.coverage = weight / total if total else 0.0
    return result


def assessment_scores(*, user: Any, year: int, unit_id: int | None = None,
                      as_of: date | None = None) -> Assessment:
    """Every metric of every unit the user may see (``unit_id``: that unit only, NotFound when not
    allowed), scored with the year's scheme and ranked (competition ranking: equal scores share a rank);
    units whose counted metrics carry less than ``min_coverage`` of the weight are small samples, apart."""
    as_of = as_of or timezone.localdate()
    scheme = scheme_for_year(year=year)
    allowed = assessment_unit_ids(user)
    if unit_id is not None:
        assessment_unit_access(user=user, unit_id=unit_id)
        allowed = [unit_id] if allowed is None or unit_id in allowed else []
    by_metric: dict[str, dict[int, list[Item]]] = {}
    seen: set[int] = set(allowed or [])
    for metric in METRICS:
        grouped: dict[int, list[Item]] = defaultdict(list)
        for item in metric_items(user=user, year=year, code=metric.code, as_of=as_of):
            if allowed is None or item.unit_id in allowed:
                grouped[item.unit_id].append(item)
        by_metric[metric.code] = grouped
        seen.update(grouped)
    units = Unit.objects.filter(pk__in=seen).order_by("sort", "code")
    result = Assessment(year=year, scheme=scheme, as_of=as_of)
    scores = [unit_score(u, [_figure(m, by_metric[m.code].get(u.pk, []), scheme) for m in METRICS], scheme)
              for u in units]
    if user.role not in DISTRICT_WIDE_ROLES:
        # The counts rest on figures_base; the case ids handed out are only those the reader may open.
        wanted = {pk for row in scores for f in row.figures for pk in f.case_ids}
        visible = set(cases_visible_to(user).filter(pk__in=wanted).values_list("pk", flat=True)) if wanted else set()
        for row in scores:
            for f in row.figures:
                f.case_ids = [pk for pk in f.case_ids if pk in visible]
    ranked = [s for s in scores if s.score is not None and s.coverage >= scheme.min_coverage]
    ranked.sort(key=lambda s: (-(s.score or 0), s.unit.sort, s.unit.code))
    for index, row in enumerate(ranked):
        previous = ranked[index - 1] if index else None
        row.rank = previous.rank if previous is not None and previous.score == row.score else index + 1
    result.ranked = ranked
    result.small = [s for s in scores if s not in ranked]
    return result


@dataclass
class DrillRow:
    case: Case
    hit: bool


@dataclass
class Drill:
    """The cases behind one figure of one unit, as the reader may see them."""

    unit: Unit
    metric: Metric
    year: int
    rows: list[DrillRow]
    numerator: int
    n: int
    orders_without_case: int
    hidden: int


def metric_drill(*, user: Any, year: int, unit_id: Any, code: str, only: str = "") -> Drill:
    """The cases behind metric ``code`` of unit ``unit_id`` in ``year`` (through ``cases_visible_to``);
    ``only`` = "hit" or "miss" narrows the list. Unit roles: their own unit only (NotFound otherwise)."""
    unit = assessment_unit_access(user=user, unit_id=unit_id)
    if code not in METRICS_BY_CODE:
        raise NotFound()
    items = [i for i in metric_items(user=user, year=year, code=code) if i.unit_id == unit.pk]
    hits: dict[int, bool] = {}
    for item in items:
        if item.case_id is not None:
            hits[item.case_id] = hits.get(item.case_id, False) or item.hit
    chosen = [pk for pk, hit in hits.items() if not only or (only == "hit") == hit]
    cases = {c.pk: c for c in cases_visible_to(user).filter(pk__in=chosen)
             .select_related("category", "handling_unit", "street").order_by("received_at", "pk")}
    rows = [DrillRow(case=cases[pk], hit=hits[pk]) for pk in sorted(cases, key=lambda p: (cases[p].received_at, p))]
    return Drill(unit=unit, metric=METRICS_BY_CODE[code], year=year, rows=rows,
                 numerator=sum(1 for i in items if i.hit), n=len(items),
                 orders_without_case=sum(1 for i in items if i.case_id is None),
                 hidden=len(chosen) - len(cases))


def recommendations_draft(*, assessment: Assessment) -> str:
    """Recommendations drafted from the figures (Art. 40 ¶1, Art. 41 (3)): per metric, the ranked units
    under target with enough data; the officer edits the text before the report is generated."""
    lines: list[str] = []
    for metric in METRICS:
        if assessment.scheme.weight(metric.code) <= 0:
            continue
        under = []
        for row in assessment.ranked:
            figure = next(f for f in row.figures if f.code == metric.code)
            if figure.counted and figure.under_target and figure.value is not None:
                under.append(f"{row.unit.name}（{figure.value * 100:.1f}%）")
        if under:
            word = _("高于") if metric.lower_is_better else _("低于")
            lines.append(_("%(m)s%(w)s目标%(t).0f%%的单位：%(u)s。建议约谈相关单位负责人，限期整改，并纳入下一年度督查督办重点。")
                         % {"m": metric.name, "w": word, "t": assessment.scheme.target(metric.code) * 100,
                            "u": "、".join(under)})
    if assessment.small:
        lines.append(_("%(n)d个单位的样本量不足，未参与排名，建议结合日常督查情况综合评价。") % {"n": len(assessment.small)})
    if not lines:
        lines.append(_("各单位各项指标均达到目标。建议巩固现有做法，继续规范初信初访。"))
    return "\n".join(f"{index}. {line}" for index, line in enumerate(lines, start=1))
