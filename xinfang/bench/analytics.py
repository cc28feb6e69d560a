"""`xinfang bench analytics`: the overview (形势研判) for one year with 1,000,000 cases (issue 7: < 1 s
server time), and the roll-up that makes it fast (docs/analytics.md, docs/benchmarks.md).

The background is the pages benchmark's district (``DistrictShape``: several units, streets and
categories, weighted statuses with their deadlines — overdue ones marked —, ratings, 2 % accusations
against the handler's unit), spread evenly over the last 365 days, with group visits and 5 % repeats. Then:

1. the roll-up is built from scratch (``rollup_rebuild``, timed);
2. the district overview for the year is timed through the selector and through Django's full stack with
   the test client (page and API; p50/p95 over ``rounds``), as a bureau officer and as a unit handler;
3. some cases are registered and routed through the services and one's category is changed, and the
   refresh that follows is timed — and checked: the refreshed figures equal a live count over the gateway.
"""

from __future__ import annotations

import os
import platform
import random
import resource
import statistics
import time
from datetime import timedelta
from typing import Any

from django.db import connection
from django.test import Client
from django.utils import timezone

from xinfang.analytics.models import DailyCount
from xinfang.analytics.rollup import rollup_rebuild, rollup_refresh
from xinfang.analytics.selectors import overview, overview_breakdown, overview_live, scope_resolve
from xinfang.bench.lifecycle import CONTENT, _setup, bulk_background, make_id_number, percentile
from xinfang.bench.pages import DistrictShape, _district
from xinfang.cases.models import Case
from xinfang.cases.services import PetitionerInput, case_register, case_route

TARGET_MS = 1000
CHANGED = 50


class YearShape(DistrictShape):
    """``DistrictShape`` with every case received within the last 365 days, and group visits."""

    def case_fields(self, ctx: dict[str, Any], rng: random.Random, j: int, now: Any) -> dict[str, Any]:
        fields = super().case_fields(ctx, rng, j, now)
        fields["received_at"] = now - timedelta(days=rng.randint(0, 364), minutes=rng.randint(0, 600))
        if fields["channel"] == Case.Channel.VISIT and rng.random() < 0.2:
            fields["group_size"] = rng.randint(5, 40)
        return fields


def _times(call: Any, rounds: int) -> dict[str, float]:
    call()  # warm
    durations = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        call()
        durations.append(time.perf_counter() - t0)
    return {"p50_ms": round(percentile(durations, 0.5) * 1000, 1),
            "p95_ms": round(percentile(durations, 0.95) * 1000, 1),
            "mean_ms": round(statistics.fmean(durations) * 1000, 1)}


def _get(client: Client, url: str, *, htmx: bool = False) -> Any:
    response = client.get(url, headers={"HX-Request": "true"} if htmx else None)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return response


def _queries(client: Client, url: str) -> int:
    statements: list[str] = []

    def count(execute, sql, params, many, context):  # noqa: ANN001 - Django's execute_wrapper signature
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        _get(client, url)
    return len(statements)


def _slowest(call: Any, top: int = 5) -> dict[str, Any]:
    """One call's SQL: the total time in the database and its slowest statements."""
    statements: list[tuple[float, str]] = []

    def timed(execute, sql, params, many, context):  # noqa: ANN001 - Django's execute_wrapper signature
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((time.perf_counter() - t0, sql))

    t0 = time.perf_counter()
    with connection.execute_wrapper(timed):
        call()
    total = time.perf_counter() - t0
    statements.sort(key=lambda item: -item[0])
    return {"total_ms": round(total * 1000, 1), "sql_ms": round(sum(d for d, _ in statements) * 1000, 1),
            "queries": len(statements),
            "slowest": [{"ms": round(d * 1000, 1), "sql": sql[:300]} for d, sql in statements[:top]]}


def _change_some(ctx: dict[str, Any], rng: random.Random) -> dict[str, int]:
    """A working day's changes: register ``CHANGED`` cases received in the last two days and route the
    ``CHANGED`` registered cases received last, through the services; change one (older) case's category
    as an edit that bumps ``updated_at`` would."""
    registrar, officer = ctx["registrar"], ctx["officer"]
    now = timezone.now()
    for i in range(CHANGED):
        case_register(actor=registrar, channel="letter", received_at=now - timedelta(hours=rng.randint(0, 47)),
                      matter_type="claim", title=f"基准登记{i}", content=CONTENT,
                      petitioners=[PetitionerInput(name=f"居民{i}", id_number=make_id_number(rng),
                                                   phone=f"139{rng.randint(0, 99999999):08d}", address="江川路1号")],
                      category=rng.choice(ctx["categories"]), street=rng.choice(ctx["streets"]), force_new=True)
    routed = 0
    # The bureau routes what came in lately (the registered cases received most recently).
    for case in Case.objects.filter(status=Case.Status.REGISTERED).order_by("-received_at")[:CHANGED]:
        case_route(case=case, unit=rng.choice(ctx["units"][1:]), mode=Case.RouteMode.TRANSFER, actor=officer,
                   note="基准转送")
        routed += 1
    moved = Case.objects.filter(category=ctx["categories"][0]).order_by("id").first()
    if moved is not None:
        Case.objects.filter(pk=moved.pk).update(category=ctx["categories"][1], updated_at=timezone.now())
    return {"registered": CHANGED, "routed": routed, "category_changed": 1 if moved else 0}


def run(*, cases: int, rounds: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    ctx = _district(_setup())
    officer, handler = ctx["officer"], ctx["handler"]
    build_seconds = bulk_background(ctx, total=cases, seed=seed, shape=YearShape())
    with connection.cursor() as cursor:
        # 5 % of the cases repeat an earlier one.
        cursor.execute("UPDATE cases_case SET repeat_of_id = id - 1000 WHERE id > 1000 AND id % 20 = 0")
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")

    t0 = time.perf_counter()
    built = rollup_rebuild()
    rollup_seconds = time.perf_counter() - t0

    end = timezone.localdate()
    start = end - timedelta(days=364)
    period = f"start={start.isoformat()}&end={end.isoformat()}"
    district = scope_resolve(user=officer)
    unit = scope_resolve(user=handler)
    timings: dict[str, Any] = {
        "selector_district": _times(lambda: overview(user=officer, start=start, end=end, scope=district), rounds),
        "selector_unit_handler": _times(lambda: overview(user=handler, start=start, end=end, scope=unit), rounds),
    }
    timings["sql_selector_district"] = _slowest(lambda: overview(user=officer, start=start, end=end, scope=district))
    timings["sql_selector_unit_handler"] = _slowest(lambda: overview(user=handler, start=start, end=end, scope=unit))
    officer_client = Client(HTTP_HOST="127.0.0.1")
    officer_client.force_login(officer)
    handler_client = Client(HTTP_HOST="127.0.0.1")
    handler_client.force_login(handler)
    pages = {
        "page_district": (officer_client, f"/analytics/?{period}"),
        "api_district": (officer_client, f"/api/v1/analytics/overview/?{period}"),
        "page_unit_handler": (handler_client, f"/analytics/?{period}"),
        "page_street": (officer_client, f"/analytics/?{period}&scope=street:{ctx['streets'][1].code}"),
    }
    for name, (client, url) in pages.items():
        timings[name] = {"url": url, **_times(lambda c=client, u=url: _get(c, u), rounds),
                         "queries": _queries(client, url)}
    # The hotspots page (the cells), then its key-phrases panel twice: the first look segments up to
    # 2 × PHRASE_SAMPLE texts, the second finds them in the per-process cache (docs/analytics.md).
    hotspots_ms: dict[str, float] = {}
    for name, url in (("page", f"/analytics/hotspots/?end={end.isoformat()}"),
                      ("phrases_first", f"/analytics/hotspots/phrases/?end={end.isoformat()}"),
                      ("phrases_again", f"/analytics/hotspots/phrases/?end={end.isoformat()}")):
        t0 = time.perf_counter()
        _get(officer_client, url, htmx=name != "page")
        hotspots_ms[name] = round((time.perf_counter() - t0) * 1000, 1)

    changed = _change_some(ctx, rng)
    refresh = rollup_refresh()
    after = overview(user=officer, start=start, end=end, scope=district, refresh=False)
    t0 = time.perf_counter()
    live = overview_live(user=officer, start=start, end=end, scope=district)
    live_seconds = time.perf_counter() - t0
    correct = overview_breakdown(after) == live
    first_page_after_changes = None
    _change_some(ctx, rng)
    t0 = time.perf_counter()
    _get(officer_client, f"/analytics/?{period}")
    first_page_after_changes = round((time.perf_counter() - t0) * 1000, 1)

    worst = max(v["p95_ms"] for v in timings.values() if "p95_ms" in v)
    return {
        "benchmark": "analytics",
        "database": connection.vendor,
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
                    "load_average": [round(x, 2) for x in os.getloadavg()]},
        "cases_in_table": Case.objects.count(),
        "background_build_seconds": round(build_seconds, 1),
        "rollup_build_seconds": round(rollup_seconds, 1),
        "rollup_rows": DailyCount.objects.count(),
        "rollup_rows_written": built.rows,
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "new_cases_in_period": after.new_cases,
        "rounds": rounds,
        "timings": timings,
        "hotspots_ms": hotspots_ms,
        "refresh_after_changes": {**changed, "days_recomputed": len(refresh.days),
                                  "rows_written": refresh.rows, "seconds": round(refresh.seconds, 3),
                                  "equals_live_count": correct, "live_count_seconds": round(live_seconds, 1),
                                  "first_page_after_more_changes_ms": first_page_after_changes},
        "worst_p95_ms": worst,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "target_ms": TARGET_MS,
        "targets_met": {"overview_lt_1s": worst < TARGET_MS, "refresh_correct": correct},
    }
