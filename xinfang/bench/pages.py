"""`xinfang bench pages`: server time of the workbench (工作台) and the case list with a large table.

Target (issue 3): p95 < 300 ms with 100,000 cases, and a number of SQL queries per page that does not
grow with the rows shown. The background cases are bulk-inserted through the lifecycle benchmark's
``bulk_background`` with a richer shape (several units, categories and streets; statuses with the
deadlines they would have, overdue ones marked as the sweep would; ratings; accusations against the
handler's own unit, so the accusation rule's exclusion is exercised). Each page is requested through
Django's full stack with the test client, signed in as a bureau officer and as a unit handler.
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
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Count
from django.test import Client
from django.utils import timezone

from xinfang.accounts.models import Unit, User
from xinfang.accounts.services import unit_create, user_create
from xinfang.bench.lifecycle import BackgroundShape, _setup, bulk_background, percentile
from xinfang.cases.models import Case, CaseAccused, CaseDeadline, CaseRating, Category, Petitioner

TARGET_P95_MS = 300
S = Case.Status
# Share of each status among the background cases (a district a few years into using the system).
STATUS_WEIGHTS = {S.REGISTERED: 4, S.OBJECTED: 1, S.ROUTED: 6, S.ACCEPTED: 18, S.REPLIED: 8, S.REVIEW_REQUESTED: 1,
                  S.REVIEWED: 2, S.CLOSED: 60}
OPEN_RECENT_DAYS = 90
DEPARTMENTS = [("B-RSJ", "区人社局"), ("B-WJW", "区卫健委"), ("B-JTW", "区交通委"), ("B-SZJ", "区市场监管局"),
               ("B-HBJ", "区生态环境局")]
STREETS = [("B-JD2", "莘庄镇"), ("B-JD3", "古美路街道"), ("B-JD4", "虹桥镇")]
CATEGORIES = [("B-WY", "物业服务"), ("B-LD", "劳动和社会保障"), ("B-WS", "卫生健康"), ("B-JT", "交通运输"),
              ("B-HB", "环境保护")]


def _district(ctx: dict[str, Any]) -> dict[str, Any]:
    gov = ctx["bureau"].parent
    ctx["units"] = [ctx["dept"], *(unit_create(code=c, name=n, kind=Unit.Kind.DEPARTMENT, parent=gov)
                                   for c, n in DEPARTMENTS)]
    ctx["streets"] = [ctx["street"], *(unit_create(code=c, name=n, kind=Unit.Kind.STREET, parent=gov)
                                       for c, n in STREETS)]
    ctx["categories"] = [ctx["category"], *(Category.objects.create(code=c, name=n) for c, n in CATEGORIES)]
    ctx["discipline"] = unit_create(code="B-JW", name="区纪委监委", kind=Unit.Kind.DISCIPLINE, parent=gov)
    ctx["handler"] = user_create(username="bench-handler", role=User.Role.HANDLER, unit=ctx["dept"])
    return ctx


def _district_load() -> dict[str, Any] | None:
    """The district of a kept database (``--keep-db``) made by an earlier run, or None if there is none."""
    officer = User.objects.filter(username="bench-officer").first()
    if officer is None:
        return None
    units = {u.code: u for u in Unit.objects.all()}
    categories = {c.code: c for c in Category.objects.all()}
    return {
        "bureau": units["B-XFB"], "dept": units["B-FGJ"], "street": units["B-JD"], "category": categories["B-ZF"],
        "registrar": User.objects.get(username="bench-registrar"), "officer": officer,
        "units": [units["B-FGJ"], *(units[c] for c, _ in DEPARTMENTS)],
        "streets": [units["B-JD"], *(units[c] for c, _ in STREETS)],
        "categories": [categories["B-ZF"], *(categories[c] for c, _ in CATEGORIES)],
        "discipline": units["B-JW"], "handler": User.objects.get(username="bench-handler"),
    }


class DistrictShape(BackgroundShape):
    """A district's case table: statuses weighted as in STATUS_WEIGHTS, open cases recent, the deadlines
    each status has (met, open, or overdue and marked), ratings after replies, 2% accusations against the
    handler's unit (handled by the discipline body)."""

    def __init__(self) -> None:
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.statuses_weighted = [s for s, w in STATUS_WEIGHTS.items() for _ in range(w)]

    def case_fields(self, ctx: dict[str, Any], rng: random.Random, j: int, now: Any) -> dict[str, Any]:
        fields = super().case_fields(ctx, rng, j, now)
        status = rng.choice(self.statuses_weighted)
        age = rng.randint(0, OPEN_RECENT_DAYS) if status != S.CLOSED else rng.randint(30, 365 * 2)
        accusation = rng.random() < 0.02
        unit = ctx["discipline"] if accusation else rng.choice(ctx["units"])
        routed = status not in (S.REGISTERED, S.OBJECTED)
        fields.update(
            status=status, received_at=now - timedelta(days=age, minutes=rng.randint(0, 600)),
            matter_type=Case.MatterType.ACCUSATION if accusation else rng.choice(["claim"] * 8 + ["suggestion"]),
            channel=rng.choice(Case.Channel.values), category=rng.choice(ctx["categories"]),
            street=rng.choice(ctx["streets"]), handling_unit=unit if routed else None,
            route_mode="transfer" if routed else "",
        )
        return fields

    def _deadline(self, case: Case, kind: str, start: Any, days: int, *, met: bool, on_petitioner: bool = False,
                  ) -> CaseDeadline:
        due = start + timedelta(days=days)
        late = not met and not on_petitioner and due < self.today
        return CaseDeadline(case=case, kind=kind, start_date=start, days=days, counting="calendar", due_date=due,
                            on_petitioner=on_petitioner, met_at=self.now if met else None,
                            overdue_at=self.now if late else None)

    def related(self, ctx: dict[str, Any], rng: random.Random, case: Case) -> list[Any]:
        received = timezone.localdate(case.received_at)
        status = case.status
        rows: list[Any] = []
        if status == S.REGISTERED:
            return [self._deadline(case, "route_by", received, 15, met=False)]
        if status == S.OBJECTED:
            return [self._deadline(case, "route_by", received + timedelta(days=5), 15, met=False)]
        routed = received + timedelta(days=rng.randint(0, 3))
        rows.append(self._deadline(case, "route_by", received, 15, met=True))
        rows.append(self._deadline(case, "accept_by", routed, 15, met=status != S.ROUTED))
        if status != S.ROUTED:
            accepted = routed + timedelta(days=rng.randint(0, 5))
            rows.append(self._deadline(case, "decide_by", accepted, 60, met=status != S.ACCEPTED))
            if status in (S.REPLIED, S.REVIEW_REQUESTED, S.REVIEWED, S.CLOSED):
                replied = accepted + timedelta(days=rng.randint(10, 50))
                rows.append(self._deadline(case, "review_request_by", replied, 30, met=status != S.REPLIED,
                                           on_petitioner=True))
                rating = CaseRating.Rating.DISSATISFIED if rng.random() < 0.3 else CaseRating.Rating.SATISFIED
                rows.append(CaseRating(case=case, stage=CaseRating.Stage.REPLY, rating=rating,
                                       unit=case.handling_unit, at=self.now))
            if status == S.REVIEW_REQUESTED:
                rows.append(self._deadline(case, "review_decide_by", self.today - timedelta(days=rng.randint(0, 40)),
                                           30, met=False))
        if case.matter_type == Case.MatterType.ACCUSATION:
            rows.append(CaseAccused(case=case, unit=ctx["dept"]))
        return rows


def _timed(client: Client, url: str, *, rounds: int) -> dict[str, Any]:
    for _ in range(2):  # warm caches (permissions, templates, the calendar)
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
    statements: list[float] = []

    def count(execute, sql, params, many, context):  # noqa: ANN001 - Django's execute_wrapper signature
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append(time.perf_counter() - t0)

    t_all = time.perf_counter()
    with connection.execute_wrapper(count):
        client.get(url)
    t_all = time.perf_counter() - t_all
    durations = []
    size = 0
    for _ in range(rounds):
        t0 = time.perf_counter()
        response = client.get(url)
        durations.append(time.perf_counter() - t0)
        size = len(response.content)
    return {
        "url": url,
        "latency_ms_p50": round(percentile(durations, 0.5) * 1000, 1),
        "latency_ms_p95": round(percentile(durations, 0.95) * 1000, 1),
        "latency_ms_mean": round(statistics.fmean(durations) * 1000, 1),
        "queries": len(statements),
        # One request split into time spent in the database and the rest (Python: view, template).
        "sample_sql_ms": round(sum(statements) * 1000, 1),
        "sample_total_ms": round(t_all * 1000, 1),
        "html_kb": round(size / 1024, 1),
    }


def _pages(ctx: dict[str, Any]) -> dict[str, list[str]]:
    today = timezone.localdate()
    sample = Case.objects.order_by("id").values_list("number", flat=True)[Case.objects.count() // 2]
    person = Petitioner.objects.order_by("id").values_list("id_hash", flat=True)[Petitioner.objects.count() // 3]
    name = Petitioner.objects.order_by("-id").values_list("name", flat=True)[0]

    def page(path: str, **params: Any) -> str:
        return f"{path}?{urlencode(params, doseq=True)}" if params else path

    inbox, lists = "/cases/", "/cases/list/"
    return {
        "officer": [
            page(inbox), page(inbox, queue="due_soon"), page(inbox, queue="overdue"),
            page(inbox, queue="dissatisfied"), page(inbox, queue="to_route", sort="-received", page=3),
            page(lists), page(lists, status="accepted", sort="deadline"), page(lists, q="电梯"),
            page(lists, unit=ctx["dept"].code, overdue="1"),
            page(lists, category=ctx["categories"][1].code, street=ctx["streets"][1].code,
                 received_from=(today - timedelta(days=30)).isoformat(), received_to=today.isoformat()),
            page(lists, name=name), page(lists, id_hash=person), page(lists, number=sample),
            page(lists, page=200, sort="number"),
        ],
        "handler": [
            page(inbox), page(inbox, queue="to_handle"), page(inbox, queue="overdue"), page(lists),
            page(lists, q="电梯", sort="deadline"), page(lists, status="accepted,routed", sort="-deadline"),
        ],
    }


def run(*, cases: int, rounds: int, seed: int) -> dict[str, Any]:
    ctx = _district_load() or _district(_setup())
    have = Case.objects.count()
    build_seconds = bulk_background(ctx, total=max(0, cases - have), seed=seed, shape=DistrictShape())
    # Fresh statistics for the planners after the bulk load, and on PostgreSQL the visibility map that
    # index-only scans need (as autovacuum, which a bulk insert triggers, or a DBA would leave them).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    results: dict[str, list[dict[str, Any]]] = {}
    for persona, urls in _pages(ctx).items():
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(ctx[persona])
        results[persona] = [_timed(client, url, rounds=rounds) for url in urls]
    every = [r for rows in results.values() for r in rows]
    worst = max(every, key=lambda r: r["latency_ms_p95"])
    return {
        "benchmark": "pages",
        "database": connection.vendor,
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()},
        "cases_in_table": Case.objects.count(),
        "background_build_seconds": round(build_seconds, 1),
        "rounds_per_page": rounds,
        "status_counts": dict(Case.objects.order_by().values_list("status").annotate(n=Count("id"))),
        "pages": results,
        "worst_p95_ms": worst["latency_ms_p95"],
        "worst_page": worst["url"],
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "target_p95_ms": TARGET_P95_MS,
        "targets_met": {"p95_lt_300ms": worst["latency_ms_p95"] < TARGET_P95_MS},
    }
