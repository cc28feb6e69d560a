"""The database side of the early-warning rules: count, test (``xinfang.alerts.detection``), explain, and hand
each finding to ``alert_raise`` (which dedupes). Run by the periodic task every 15 minutes and by
``xinfang alerts scan``; a group matter registered during a sensitive period is checked at once
(``group_case_check``, queued by registration after commit).

The scan is a system job: it counts over the whole district (no user), and what people see of its result is
decided at display time by ``xinfang.alerts.selectors`` and the case gateway. Explanations carry names of
categories, streets and units and the numbers, never a petition's text, so an alert cannot pass on the
content of an accusation (Art. 30 ¶3).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from typing import Any, cast

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.accounts.models import Unit
from xinfang.alerts import rules
from xinfang.alerts.detection import (
    CellCount,
    LoadCount,
    Thresholds,
    format_p,
    load_findings,
    rate_findings,
    severity_of,
)
from xinfang.alerts.models import Alert, GroupVisitNotice, SensitivePeriod
from xinfang.alerts.selectors import sensitive_period_active
from xinfang.alerts.services import AlertDraft, alert_notify_new, alert_raise
from xinfang.cases.models import (
    GROUP_MIN_PEOPLE,
    Case,
    CaseAccused,
    CaseDeadline,
    CasePetitioner,
    Category,
    Petitioner,
)
from xinfang.core.workdays import add_working_days
from xinfang.deadlines.selectors import work_calendar
from xinfang.petitioners.models import CaseLink

MAX_CASES_PER_ALERT = 200


def _thresholds(base: Thresholds, period: SensitivePeriod | None) -> Thresholds:
    if period is None:
        return base
    alpha_factor, count_factor = rules.tightening_for(period.level)
    return base.tightened(alpha_factor=alpha_factor, count_factor=count_factor)


def _period_sentence(period: SensitivePeriod | None, base: Thresholds, used: Thresholds) -> str:
    if period is None:
        return ""
    return _("正值敏感时期“%(name)s”（%(level)s），阈值已收紧：显著性水平由 %(a0)s 放宽为 %(a1)s，最少件数由 %(m0)d 降为 "
             "%(m1)d。") % {"name": period.name, "level": period.get_level_display(), "a0": base.alpha, "a1": used.alpha,
                          "m0": base.min_count, "m1": used.min_count}


def _finite(value: float) -> float | None:
    """A number for the stored figures (JSON has no infinity: a ratio over an empty baseline is null)."""
    return round(value, 2) if math.isfinite(value) else None


def _times(ratio: float) -> str:
    """"为预期的 3.5 倍" — or, over an empty baseline, that there were none before."""
    if not math.isfinite(ratio):
        return _("此前没有同类信访")
    return _("为预期的 %(r).1f 倍") % {"r": ratio}


def _raise(draft: AlertDraft, now: datetime, totals: Counter) -> None:
    alert, created = alert_raise(draft=draft, now=now)
    if alert is None:
        totals["suppressed"] += 1
    elif created:
        totals["raised"] += 1
    else:
        totals["updated"] += 1


# --- Spike of one category in one street ---------------------------------------------------------------------

def scan_spikes(*, now: datetime, period: SensitivePeriod | None, totals: Counter) -> None:
    rule = rules.SPIKE
    used = _thresholds(rule.thresholds, period)
    window_start = now - timedelta(days=rule.window_days)
    baseline_start = window_start - timedelta(days=rule.baseline_days)
    # A petition joined to an open matter (linked) is the same matter again, not a new one of the cell.
    rows = (Case.objects.filter(received_at__gte=baseline_start, received_at__lt=now, street__isnull=False,
                                category__isnull=False).exclude(status=Case.Status.LINKED)
            .values("street_id", "category_id")
            .annotate(recent=Count("id", filter=Q(received_at__gte=window_start)),
                      baseline=Count("id", filter=Q(received_at__lt=window_start))))
    cells = [CellCount(key=(r["street_id"], r["category_id"]), recent=r["recent"], baseline=r["baseline"])
             for r in rows]
    findings = rate_findings(cells, window_days=rule.window_days, baseline_days=rule.baseline_days, thresholds=used)
    if not findings:
        return
    keys: list[tuple[int, int]] = [cast(tuple[int, int], f.key) for f in findings]
    streets = Unit.objects.in_bulk([k[0] for k in keys])
    categories = Category.objects.in_bulk([k[1] for k in keys])
    for finding, (street_id, category_id) in zip(findings, keys, strict=True):
        street, category = streets[street_id], categories[category_id]
        case_ids = list(Case.objects.filter(street_id=street_id, category_id=category_id,
                                            received_at__gte=window_start, received_at__lt=now)
                        .exclude(status=Case.Status.LINKED).order_by("-received_at")
                        .values_list("id", flat=True)[:MAX_CASES_PER_ALERT])
        figures = {"observed": finding.observed, "expected": round(finding.expected, 2),
                   "baseline_count": int(round(finding.expected * rule.baseline_days / rule.window_days)),
                   "p_value": finding.p_value, "adjusted_p": finding.adjusted_p, "ratio": _finite(finding.ratio),
                   "window_days": rule.window_days, "baseline_days": rule.baseline_days, "alpha": used.alpha,
                   "min_count": used.min_count, "min_ratio": used.min_ratio, "tests": finding.tests}
        explanation = _(
            "%(street)s“%(category)s”类信访近 %(w)d 天收到 %(x)d 件；按此前 %(b)d 天（共 %(bc)d 件）的水平，预期约 "
            "%(e).1f 件，%(times)s。窗口与基线两个泊松率的条件二项检验单侧 p = %(p)s；同时检验了 %(m)d 个"
            "街道×类别组合，经 Benjamini–Hochberg 校正后为 %(q)s，不高于显著性水平 %(alpha)s；最少件数 %(min)d 件、"
            "最低倍数 %(ratio_min).1f 倍。") % {
            "street": street.name, "category": category.name, "w": rule.window_days, "x": finding.observed,
            "b": rule.baseline_days, "bc": figures["baseline_count"], "e": finding.expected,
            "times": _times(finding.ratio), "p": format_p(finding.p_value), "m": finding.tests,
            "q": format_p(finding.adjusted_p), "alpha": used.alpha, "min": used.min_count,
            "ratio_min": used.min_ratio}
        explanation += _period_sentence(period, rule.thresholds, used)
        _raise(AlertDraft(
            rule=Alert.Rule.SPIKE, key=f"spike:{street_id}:{category_id}",
            severity=severity_of(p_value=finding.adjusted_p, ratio=finding.ratio, sensitive=period is not None),
            title=_("%(street)s%(category)s类信访异常增多（%(x)d 件，预期 %(e).1f 件）") % {
                "street": street.name, "category": category.name, "x": finding.observed, "e": finding.expected},
            explanation=explanation, figures=figures, case_ids=case_ids, street=street, unit=street,
            category=category, sensitive_period=period), now, totals)


# --- Clusters of similar petitions from many people -------------------------------------------------------

def scan_clusters(*, now: datetime, period: SensitivePeriod | None, totals: Counter) -> None:
    from xinfang.repeats.clusters import repeat_clusters

    rule = rules.CLUSTER
    _alpha, count_factor = rules.tightening_for(period.level if period else None)
    min_cases = max(2, math.ceil(rule.min_cases * count_factor))
    min_people = max(2, math.ceil(rule.min_people * count_factor))
    clusters = repeat_clusters(user=None, scope=Case.objects.all(), days=rule.window_days,
                               threshold=rule.similarity, min_cases=min_cases, min_people=min_people, now=now)
    open_alerts = list(Alert.objects.filter(rule=Alert.Rule.CLUSTER).exclude(status=Alert.Status.CLOSED)
                       .values_list("key", "case_ids"))
    for cluster in clusters:
        ids = [c.pk for c in cluster.cases]
        # The same group seen again (grown or not): the open alert sharing cases with it.
        key = next((k for k, known in open_alerts if set(known) & set(ids)), f"cluster:{min(ids)}")
        accused = CaseAccused.objects.filter(case_id__in=ids).exists()
        units = {c.handling_unit_id for c in cluster.cases}
        streets = {c.street_id for c in cluster.cases}
        unit = cluster.cases[0].handling_unit if len(units) == 1 and None not in units else None
        street = cluster.cases[0].street if len(streets) == 1 and None not in streets else None
        where = "、".join(f"{name}{n}件" for name, n in cluster.streets) or _("未注明街道")
        what = "、".join(f"{name}{n}件" for name, n in cluster.categories) or _("未分类")
        # The shared words come from the petitions' text: left out when any of them is an accusation.
        terms = "" if accused or not cluster.shared else _("共同用语：%(t)s。") % {"t": "、".join(cluster.shared[:8])}
        days = max((cluster.last_at - cluster.first_at).total_seconds() / 86400, 0)
        figures = {"observed": cluster.size, "people": cluster.people, "window_days": rule.window_days,
                   "span_days": round(days, 1), "similarity": rule.similarity, "min_cases": min_cases,
                   "min_people": min_people}
        explanation = _(
            "近 %(w)d 天内有 %(n)d 件内容相似的信访（相似度不低于 %(s).2f），来自 %(p)d 名不同的信访人，前后相隔 %(d).1f 天；"
            "街道：%(where)s；类别：%(what)s。%(terms)s阈值：至少 %(mc)d 件、%(mp)d 人。多人短期内反映同一问题，"
            "是群体性事件的早期信号，请核实是否有组织集体访的迹象。") % {
            "w": rule.window_days, "n": cluster.size, "s": rule.similarity, "p": cluster.people, "d": days,
            "where": where, "what": what, "terms": terms, "mc": min_cases, "mp": min_people}
        if period is not None:
            explanation += _("正值敏感时期“%(name)s”，最少件数和人数已按级别降低。") % {"name": period.name}
        severity = "high" if cluster.people >= 10 else "medium"
        if period is not None:
            severity = "high"
        _raise(AlertDraft(
            rule=Alert.Rule.CLUSTER, key=key, severity=severity,
            title=_("%(p)d 人反映相似问题（%(n)d 件）") % {"p": cluster.people, "n": cluster.size},
            explanation=explanation, figures=figures, case_ids=ids, street=street, unit=unit,
            category=cluster.representative.category if len(cluster.categories) == 1 else None,
            sensitive_period=period), now, totals)


# --- A petitioner whose repeats accelerate ------------------------------------------------------------------

def _masked_name(name: str) -> str:
    return f"{name[:1]}某" if name else _("匿名")


def scan_acceleration(*, now: datetime, period: SensitivePeriod | None, totals: Counter) -> None:
    rule = rules.ACCELERATION
    used = _thresholds(rule.thresholds, period)
    window_start = now - timedelta(days=rule.window_days)
    baseline_start = window_start - timedelta(days=rule.baseline_days)
    # A repeat: registration joined it to an earlier matter (Case.repeat_of) or an officer linked it as one
    # (CaseLink repeat_of / duplicate_of, xinfang.petitioners).
    linked = CaseLink.objects.filter(from_case_id=OuterRef("case_id"),
                                     kind__in=[CaseLink.Kind.REPEAT_OF, CaseLink.Kind.DUPLICATE_OF])
    rows = (CasePetitioner.objects.filter(case__received_at__gte=baseline_start, case__received_at__lt=now)
            .filter(Q(case__repeat_of__isnull=False) | Exists(linked))
            .values("petitioner_id")
            .annotate(recent=Count("case_id", distinct=True, filter=Q(case__received_at__gte=window_start)),
                      baseline=Count("case_id", distinct=True, filter=Q(case__received_at__lt=window_start))))
    cells = [CellCount(key=r["petitioner_id"], recent=r["recent"], baseline=r["baseline"]) for r in rows]
    findings = rate_findings(cells, window_days=rule.window_days, baseline_days=rule.baseline_days, thresholds=used)
    if not findings:
        return
    people = Petitioner.objects.in_bulk([f.key for f in findings])
    for finding in findings:
        petitioner = people[finding.key]
        recent = list(Case.objects.filter(case_petitioners__petitioner_id=petitioner.pk, received_at__gte=window_start,
                                          received_at__lt=now).select_related("handling_unit", "street")
                      .order_by("-received_at", "-id")[:MAX_CASES_PER_ALERT])
        newest = recent[0] if recent else None
        figures = {"observed": finding.observed, "expected": round(finding.expected, 2),
                   "p_value": finding.p_value, "adjusted_p": finding.adjusted_p, "ratio": _finite(finding.ratio),
                   "window_days": rule.window_days, "baseline_days": rule.baseline_days, "alpha": used.alpha,
                   "min_count": used.min_count, "tests": finding.tests}
        explanation = _(
            "信访人%(who)s近 %(w)d 天重复信访 %(x)d 次；按此前 %(b)d 天的频率，预期约 %(e).1f 次，%(times)s。"
            "两个泊松率的条件二项检验单侧 p = %(p)s，经 Benjamini–Hochberg 校正（%(m)d 名信访人）后为 %(q)s，不高于 "
            "%(alpha)s；最少 %(min)d 次。重复信访加快往往意味着诉求未解决、情绪升级，请及时约访、包案化解。") % {
            "who": _masked_name(petitioner.name), "w": rule.window_days, "x": finding.observed,
            "b": rule.baseline_days, "e": finding.expected, "times": _times(finding.ratio),
            "p": format_p(finding.p_value), "m": finding.tests, "q": format_p(finding.adjusted_p),
            "alpha": used.alpha, "min": used.min_count}
        explanation += _period_sentence(period, rule.thresholds, used)
        _raise(AlertDraft(
            rule=Alert.Rule.ACCELERATION, key=f"petitioner:{petitioner.pk}",
            severity=severity_of(p_value=finding.adjusted_p, ratio=finding.ratio, sensitive=period is not None),
            title=_("信访人%(who)s重复信访加快（近 %(w)d 天 %(x)d 次）") % {
                "who": _masked_name(petitioner.name), "w": rule.window_days, "x": finding.observed},
            explanation=explanation, figures=figures, case_ids=[c.pk for c in recent],
            street=newest.street if newest else None, unit=newest.handling_unit if newest else None,
            sensitive_period=period), now, totals)


# --- Deadlines at risk across a unit ----------------------------------------------------------------------

def _at_risk(rows: list[tuple[int, int, date, date, datetime | None]], *, day: date, horizon: date,
             moment: datetime) -> dict[int, list[int]]:
    """unit → case ids of the duty deadlines open at ``moment`` and due by ``horizon`` (overdue included)."""
    out: dict[int, list[int]] = defaultdict(list)
    for unit_id, case_id, start, due, met_at in rows:
        if start <= day and due <= horizon and (met_at is None or met_at > moment):
            out[unit_id].append(case_id)
    return out


def scan_deadlines(*, now: datetime, period: SensitivePeriod | None, totals: Counter) -> None:
    rule = rules.DEADLINES
    used = _thresholds(rule.thresholds, period)
    calendar = work_calendar()
    today = timezone.localdate(now)
    snapshots = [now - timedelta(weeks=k) for k in range(rule.history_weeks + 1)]
    earliest = snapshots[-1]
    horizon_now = add_working_days(today, rule.horizon_workdays, calendar).date
    # Cancelled deadlines have no date of cancellation and are left out of every snapshot alike.
    rows = list(CaseDeadline.objects.filter(on_petitioner=False, cancelled=False, case__handling_unit__isnull=False,
                                            start_date__lte=today, due_date__lte=horizon_now)
                .filter(Q(met_at__isnull=True) | Q(met_at__gt=earliest))
                .values_list("case__handling_unit_id", "case_id", "start_date", "due_date", "met_at"))
    current = _at_risk(rows, day=today, horizon=horizon_now, moment=now)
    history: dict[int, list[int]] = defaultdict(list)
    for moment in snapshots[1:]:
        day = timezone.localdate(moment)
        horizon = add_working_days(day, rule.horizon_workdays, calendar).date
        counts = _at_risk(rows, day=day, horizon=horizon, moment=moment)
        for unit_id in current:
            history[unit_id].append(len(counts.get(unit_id, [])))
    loads = [LoadCount(key=unit_id, now=len(ids), history=tuple(history[unit_id])) for unit_id, ids in current.items()]
    findings = load_findings(loads, thresholds=used)
    if not findings:
        return
    units = Unit.objects.in_bulk([f.key for f in findings])
    for finding in findings:
        unit = units[finding.key]
        ids = sorted(set(current[finding.key]))  # type: ignore[index]
        overdue = sum(1 for u, _c, _s, due, met in rows if u == finding.key and due < today and met is None)
        figures = {"observed": finding.observed, "overdue": overdue, "expected": round(finding.expected, 2),
                   "history": finding.details["history"], "p_value": finding.p_value,
                   "adjusted_p": finding.adjusted_p, "ratio": _finite(finding.ratio),
                   "horizon_workdays": rule.horizon_workdays, "window_days": 7 * rule.history_weeks,
                   "alpha": used.alpha, "min_count": used.min_count, "tests": finding.tests}
        explanation = _(
            "%(unit)s有 %(x)d 个办理期限将在 %(h)d 个工作日内到期或已逾期（其中已逾期 %(o)d 个）；该单位前 %(k)d 周同一时点"
            "的平均水平约为 %(e).1f 个（%(hist)s），为平常的 %(r).1f 倍。泊松检验单侧 p = %(p)s，经 Benjamini–Hochberg "
            "校正（%(m)d 个单位）后为 %(q)s，不高于 %(alpha)s；最少 %(min)d 个。请督促该单位排定办理顺序，必要时申请延期"
            "（《信访工作条例》第三十四条）。") % {
            "unit": unit.name, "x": finding.observed, "h": rule.horizon_workdays, "o": overdue,
            "k": rule.history_weeks, "e": finding.expected, "hist": "、".join(str(n) for n in finding.details["history"]),
            "r": finding.ratio, "p": format_p(finding.p_value), "m": finding.tests,
            "q": format_p(finding.adjusted_p), "alpha": used.alpha, "min": used.min_count}
        explanation += _period_sentence(period, rule.thresholds, used)
        _raise(AlertDraft(
            rule=Alert.Rule.DEADLINES, key=f"deadlines:{unit.pk}",
            severity=severity_of(p_value=finding.adjusted_p, ratio=finding.ratio, sensitive=period is not None),
            title=_("%(unit)s期限风险集中（%(x)d 个临期或逾期）") % {"unit": unit.name, "x": finding.observed},
            explanation=explanation, figures=figures, case_ids=ids, unit=unit, sensitive_period=period), now, totals)


# --- Group matters during a sensitive period, and announced group visits -------------------------------------

def group_case_draft(case: Case, period: SensitivePeriod) -> AlertDraft:
    """The alert of a group matter (``group_size`` at least the 集体访 threshold) received during ``period``."""
    threshold = GROUP_MIN_PEOPLE
    explanation = _(
        "敏感时期“%(period)s”（%(level)s，%(start)s至%(end)s）期间登记了 %(n)d 人的集体信访事项 %(number)s（%(channel)s，"
        "类别：%(category)s，街道：%(street)s）。%(t)d 人及以上即为集体访（《信访工作条例》第二十条），敏感时期内立即预警，"
        "请做好接待和稳控工作。") % {
        "period": period.name, "level": period.get_level_display(), "start": period.start.isoformat(),
        "end": period.end.isoformat(), "n": case.group_size, "number": case.number,
        "channel": case.get_channel_display(), "category": case.category.name if case.category else _("未分类"),
        "street": case.street.name if case.street else _("未注明"), "t": threshold}
    return AlertDraft(
        rule=Alert.Rule.GROUP_SENSITIVE, key=f"group:{case.pk}",
        severity="high" if case.group_size >= 20 or period.level >= 2 else "medium",
        title=_("敏感时期集体访：%(number)s（%(n)d 人）") % {"number": case.number, "n": case.group_size},
        explanation=explanation, figures={"observed": case.group_size, "threshold": threshold,
                                          "period": period.name, "level": period.level},
        case_ids=[case.pk], street=case.street, unit=case.handling_unit or case.street, category=case.category,
        sensitive_period=period, once=True)


def group_case_check(*, case_id: int, now: datetime | None = None) -> Alert | None:
    """Raise the immediate alert of a group matter registered during a sensitive period (the registration
    hook queues this after commit; the periodic scan catches any it missed)."""
    case = Case.objects.select_related("category", "street", "handling_unit").filter(pk=case_id).first()
    if case is None or case.group_size < GROUP_MIN_PEOPLE:
        return None
    period = sensitive_period_active(timezone.localdate(case.received_at)) or \
        sensitive_period_active(timezone.localdate(now or timezone.now()))
    if period is None:
        return None
    alert, created = alert_raise(draft=group_case_draft(case, period), now=now)
    if alert is not None and created:
        alert_notify_new(alert=alert)
    return alert


def scan_group_cases(*, now: datetime, period: SensitivePeriod | None, totals: Counter) -> None:
    if period is None:
        return
    start = timezone.make_aware(datetime.combine(period.start, datetime.min.time()))
    done = Alert.objects.filter(rule=Alert.Rule.GROUP_SENSITIVE).values_list("key", flat=True)
    seen = {k for k in done}
    for case_id in (Case.objects.filter(group_size__gte=GROUP_MIN_PEOPLE, received_at__gte=start,
                                        received_at__lte=now).values_list("id", flat=True)):
        if f"group:{case_id}" in seen:
            continue
        if group_case_check(case_id=case_id, now=now) is not None:
            totals["raised"] += 1


def group_notice_draft(notice: GroupVisitNotice) -> AlertDraft:
    """The alert of an announced group visit: raised as soon as the notice is recorded."""
    explanation = _(
        "%(unit)s（%(source)s）报告：预计 %(date)s 在%(place)s有约 %(n)d 人集体上访，反映%(subject)s。"
        "集体访须推选不超过5名代表（《信访工作条例》第二十条），请提前做好接待、疏导和化解工作。") % {
        "unit": notice.reporting_unit.name, "source": notice.get_source_display(),
        "date": notice.expected_date.isoformat(), "place": notice.place, "n": notice.expected_people,
        "subject": notice.subject}
    period = sensitive_period_active(notice.expected_date)
    if period is not None:
        explanation += _("预计日期在敏感时期“%(name)s”内。") % {"name": period.name}
    high = notice.expected_people >= 20 or period is not None
    return AlertDraft(
        rule=Alert.Rule.GROUP_NOTICE, key=f"notice:{notice.pk}", severity="high" if high else "medium",
        title=_("集体访苗头：%(date)s %(place)s 约 %(n)d 人") % {
            "date": notice.expected_date.isoformat(), "place": notice.place[:60], "n": notice.expected_people},
        explanation=explanation,
        figures={"observed": notice.expected_people, "expected_date": notice.expected_date.isoformat(),
                 "threshold": GROUP_MIN_PEOPLE},
        case_ids=[notice.case_id] if notice.case_id else [], street=notice.street,
        unit=notice.street or notice.reporting_unit, sensitive_period=period, once=True)


SCANS = {
    "spike": scan_spikes,
    "cluster": scan_clusters,
    "acceleration": scan_acceleration,
    "deadlines": scan_deadlines,
    "group_sensitive": scan_group_cases,
}


def alerts_scan(*, now: datetime | None = None, only: list[str] | None = None) -> dict[str, Any]:
    """Run every rule (or ``only`` those named) once; answers counts of alerts raised, updated and
    suppressed (recently closed and not grown)."""
    now = now or timezone.now()
    period = sensitive_period_active(timezone.localdate(now))
    totals: Counter = Counter()
    for name, scan in SCANS.items():
        if only and name not in only:
            continue
        scan(now=now, period=period, totals=totals)
    return {"raised": totals["raised"], "updated": totals["updated"], "suppressed": totals["suppressed"],
            "sensitive_period": period.name if period else None}
