"""`xinfang bench lifecycle`: registration throughput through the services, and the case detail API
latency with a large table.

Targets (issue 2): ≥ 500 registrations/s on SQLite on a 2-core machine; p95 of GET /api/v1/cases/{id}/
< 50 ms with 100,000 cases. Registrations go through ``case_register`` exactly as the API does (each in
its own transaction, with encryption, keyed hashes, the case number sequence, the event, the deadline
and the audit row). The background cases for the latency test are bulk-inserted (how they are made is
not what is measured) with the same shape: petitioner, event, deadlines.
"""

from __future__ import annotations

import platform
import random
import resource
import statistics
import time
from datetime import timedelta
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from xinfang.accounts.models import Unit, User
from xinfang.accounts.services import unit_create, user_create
from xinfang.cases.models import Case, CaseDeadline, CaseEvent, CasePetitioner, Category, Petitioner
from xinfang.cases.services import PetitionerInput, case_register
from xinfang.core.crypto import encrypt, lookup_hash, token_hash
from xinfang.core.idnumber import id_number_check_code, id_number_mask, phone_mask

TITLES = ["小区电梯长期故障无人维修", "拖欠工资三个月未发", "噪声扰民影响休息", "违章搭建占用消防通道",
          "学校周边交通拥堵", "医保报销手续繁琐", "老旧小区加装电梯协调", "物业费收费不透明"]
CONTENT = ("本人反映的问题已经持续较长时间，多次向有关部门反映未果，给居民生活带来很大不便，"
           "希望有关部门尽快调查核实并依法处理，给出明确答复。")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def make_id_number(rng: random.Random) -> str:
    born = timezone.localdate() - timedelta(days=rng.randint(20 * 365, 80 * 365))
    first17 = f"310112{born:%Y%m%d}{rng.randint(0, 999):03d}"
    return first17 + id_number_check_code(first17)


def _setup() -> dict[str, Any]:
    gov = unit_create(code="B-GOV", name="区政府", kind=Unit.Kind.GOVERNMENT)
    bureau = unit_create(code="B-XFB", name="区信访办", kind=Unit.Kind.BUREAU, parent=gov)
    dept = unit_create(code="B-FGJ", name="区房管局", kind=Unit.Kind.DEPARTMENT, parent=gov)
    street = unit_create(code="B-JD", name="江川路街道", kind=Unit.Kind.STREET, parent=gov)
    category = Category.objects.create(code="B-ZF", name="住房保障", default_unit=dept)
    registrar = user_create(username="bench-registrar", role=User.Role.REGISTRAR, unit=bureau)
    officer = user_create(username="bench-officer", role=User.Role.OFFICER, unit=bureau)
    return {"bureau": bureau, "dept": dept, "street": street, "category": category, "registrar": registrar,
            "officer": officer}


def bench_register(ctx: dict[str, Any], *, count: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    registrar = User.objects.get(pk=ctx["registrar"].pk)
    inputs = [
        PetitionerInput(name=f"居民{i}", id_number=make_id_number(rng), phone=f"139{rng.randint(0, 99999999):08d}",
                        address=f"江川路{rng.randint(1, 999)}号")
        for i in range(count)
    ]
    received = timezone.now() - timedelta(days=1)
    durations: list[float] = []
    def register(person: PetitionerInput, title: str) -> None:
        case_register(actor=registrar, channel="letter", received_at=received, matter_type="claim", title=title,
                      content=CONTENT, petitioners=[person], category=ctx["category"], street=ctx["street"])

    register(inputs[0], "预热")  # loads the actor's permissions and the calendar once
    statements: list[str] = []

    def record(execute, sql, params, many, context):  # noqa: ANN001 - Django's execute_wrapper signature
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        register(inputs[1], TITLES[0])
    queries_per_case = len(statements)
    started = time.perf_counter()
    for i in range(2, count):
        t0 = time.perf_counter()
        register(inputs[i], TITLES[i % len(TITLES)])
        durations.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    return {
        "cases": count - 2,
        "seconds": round(elapsed, 3),
        "cases_per_second": round((count - 2) / elapsed, 1),
        "latency_ms_p50": round(percentile(durations, 0.5) * 1000, 2),
        "latency_ms_p95": round(percentile(durations, 0.95) * 1000, 2),
        # Statements sent by the service; BEGIN IMMEDIATE and COMMIT come on top.
        "statements_per_registration": queries_per_case,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "target_cases_per_second": 500,
    }


def _register_worker(ctx: dict[str, Any], count: int, seed: int, barrier: Any, results: Any) -> None:
    """One worker process of ``bench_register_parallel``: its own connection, its own petitioners; it
    warms up, waits for the others, registers ``count`` cases and reports when it started and ended."""
    connections.close_all()  # never share the parent's SQLite handle across fork
    rng = random.Random(seed)
    registrar = User.objects.get(pk=ctx["registrar"].pk)
    inputs = [PetitionerInput(name=f"居民{seed}-{i}", id_number=make_id_number(rng),
                              phone=f"137{rng.randint(0, 99999999):08d}", address=f"江川路{rng.randint(1, 999)}号")
              for i in range(count + 1)]
    received = timezone.now() - timedelta(days=1)

    def register(person: PetitionerInput, title: str) -> None:
        case_register(actor=registrar, channel="letter", received_at=received, matter_type="claim", title=title,
                      content=CONTENT, petitioners=[person], category=ctx["category"], street=ctx["street"])

    register(inputs[0], "预热")
    barrier.wait()
    durations = []
    started = time.monotonic()  # CLOCK_MONOTONIC: one clock for every process on the machine
    for i in range(1, count + 1):
        t0 = time.perf_counter()
        register(inputs[i], TITLES[i % len(TITLES)])
        durations.append(time.perf_counter() - t0)
    results.put({"started": started, "ended": time.monotonic(), "durations": durations,
                 "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})
    connections.close_all()


def bench_register_parallel(ctx: dict[str, Any], *, count: int, workers: int, seed: int) -> dict[str, Any]:
    """``count`` registrations by ``workers`` processes at once into the same database, as the server's
    worker processes register petitions from several registrars and systems: on SQLite the writes queue on
    the database's one write lock (BEGIN IMMEDIATE, busy_timeout), so this measures how much of a
    registration happens outside it. The throughput is all cases over the time from the first worker's
    start to the last one's end."""
    import multiprocessing

    mp = multiprocessing.get_context("fork")
    barrier = mp.Barrier(workers)
    results = mp.Queue()
    per_worker = count // workers
    connections.close_all()
    processes = [mp.Process(target=_register_worker, args=(ctx, per_worker, seed + 1000 * (n + 1), barrier, results))
                 for n in range(workers)]
    for process in processes:
        process.start()
    reports = [results.get(timeout=600) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        if process.exitcode:
            raise RuntimeError(f"a registration worker failed (exit code {process.exitcode})")
    elapsed = max(r["ended"] for r in reports) - min(r["started"] for r in reports)
    durations = [d for r in reports for d in r["durations"]]
    done = per_worker * workers
    return {
        "workers": workers,
        "cases": done,
        "seconds": round(elapsed, 3),
        "cases_per_second": round(done / elapsed, 1),
        "latency_ms_p50": round(percentile(durations, 0.5) * 1000, 2),
        "latency_ms_p95": round(percentile(durations, 0.95) * 1000, 2),
        "peak_rss_mb_per_worker": round(max(r["rss_mb"] for r in reports), 1),
        "target_cases_per_second": 500,
    }


class BackgroundShape:
    """What the bulk-inserted background cases look like. The default is the lifecycle benchmark's: a
    claim in one category, street and unit, a random status and one routing deadline. ``xinfang.bench.pages``
    subclasses it for a district with several units, realistic deadlines, ratings and accusations."""

    statuses = (Case.Status.REGISTERED, Case.Status.ROUTED, Case.Status.ACCEPTED, Case.Status.CLOSED)

    def case_fields(self, ctx: dict[str, Any], rng: random.Random, j: int, now: Any) -> dict[str, Any]:
        """Keyword arguments of one ``Case`` (number, query code and content are added by the caller)."""
        status = rng.choice(self.statuses)
        return {"channel": "online", "received_at": now - timedelta(days=rng.randint(0, 365)),
                "matter_type": "claim", "title": TITLES[j % len(TITLES)], "category": ctx["category"],
                "street": ctx["street"], "status": status,
                "handling_unit": None if status == Case.Status.REGISTERED else ctx["dept"],
                "registered_unit": ctx["bureau"]}

    def related(self, ctx: dict[str, Any], rng: random.Random, case: Case) -> list[Any]:
        """Rows that hang off a saved case (deadlines, ratings, accused units), bulk-inserted by model."""
        return [CaseDeadline(case=case, kind="route_by", start_date=case.received_at.date(), days=15,
                             counting="calendar", due_date=case.received_at.date() + timedelta(days=15))]


def _insert_many(model: type[models.Model], rows: list[Any], *, chunk: int = 2000) -> None:
    """Plain multi-row INSERT of ``rows`` (model instances whose primary keys are not needed) with one
    ``executemany`` per chunk: the ORM's ``bulk_create`` compiles a statement per 1,000 rows and prepares
    each value through several layers, which made seeding 100,000 cases take minutes."""
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608 - names from the model
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    db = connections[DEFAULT_DB_ALIAS]  # the wrapper itself, not the thread-local proxy, in the inner loop
    with db.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            cursor.executemany(sql, [[f.get_db_prep_save(f.pre_save(row, True), db) for f in fields]
                                     for row in rows[start:start + chunk]])


def bulk_background(ctx: dict[str, Any], *, total: int, seed: int, batch: int = 5000,
                    shape: BackgroundShape | None = None) -> float:
    """Insert ``total`` cases with a petitioner, an event and what ``shape`` adds (by default a routing
    deadline), in batches; answers the seconds it took. Cases and petitioners go through ``bulk_create``
    (their primary keys come back with RETURNING), the rows hanging off them through ``_insert_many``."""
    shape = shape or BackgroundShape()
    rng = random.Random(seed)
    started = time.perf_counter()
    now = timezone.now()
    year = timezone.localdate().year
    existing = Case.objects.count()
    made = 0
    while made < total:
        size = min(batch, total - made)
        with transaction.atomic():
            petitioners = []
            for _ in range(size):
                number = make_id_number(rng)
                phone = f"138{rng.randint(0, 99999999):08d}"
                petitioners.append(Petitioner(
                    name=f"群众{rng.randint(1, 99999)}",
                    id_number_encrypted=encrypt(number, context="petitioner.id_number"),
                    id_hash=lookup_hash(number, context="id"), id_masked=id_number_mask(number),
                    phone_encrypted=encrypt(phone, context="petitioner.phone"),
                    phone_hash=lookup_hash(phone, context="phone"), phone_masked=phone_mask(phone),
                    address="莘庄镇某小区"))
            Petitioner.objects.bulk_create(petitioners, batch_size=1000)
            cases = []
            for j in range(size):
                serial = existing + made + j + 1
                cases.append(Case(
                    number=f"XB-{year}-{serial:07d}", query_code_hash=token_hash(f"bench-{seed}-{serial}"),
                    content=CONTENT, **shape.case_fields(ctx, rng, j, now)))
            Case.objects.bulk_create(cases, batch_size=1000)
            if not cases[0].pk or not petitioners[0].pk:
                # Databases without RETURNING on a multi-row insert: look the keys up, keeping the instances
                # (and their cached units and categories, which ``shape.related`` reads).
                case_ids = dict(Case.objects.filter(number__in=[c.number for c in cases]).values_list("number", "id"))
                for case in cases:
                    case.pk = case_ids[case.number]
                first = Petitioner.objects.order_by("-id").values_list("id", flat=True)[size - 1]
                for offset, person in enumerate(petitioners):
                    person.pk = first + offset
            _insert_many(CasePetitioner, [CasePetitioner(case=c, petitioner=p)
                                          for c, p in zip(cases, petitioners, strict=True)])
            _insert_many(CaseEvent, [CaseEvent(case=c, at=c.received_at, actor_name="bench", action="registered",
                                               to_status=c.status) for c in cases])
            by_model: dict[type[models.Model], list[Any]] = {}
            for case in cases:
                for row in shape.related(ctx, rng, case):
                    by_model.setdefault(type(row), []).append(row)
            for model, rows in by_model.items():
                _insert_many(model, rows)
        made += size
    return time.perf_counter() - started


def bench_detail(ctx: dict[str, Any], *, total_cases: int, requests: int, seed: int) -> dict[str, Any]:
    have = Case.objects.count()
    build_seconds = bulk_background(ctx, total=max(0, total_cases - have), seed=seed) if have < total_cases else 0.0
    token, _ = Token.objects.get_or_create(user=ctx["officer"])
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_HOST="127.0.0.1")
    ids = list(Case.objects.values_list("id", flat=True))
    rng = random.Random(seed)
    sample = [rng.choice(ids) for _ in range(requests)]
    for pk in sample[:20]:  # warm caches and the connection
        client.get(f"/api/v1/cases/{pk}/")
    durations = []
    statements: list[str] = []

    def count(execute, sql, params, many, context):  # noqa: ANN001 - Django's execute_wrapper signature
        statements.append(sql)
        return execute(sql, params, many, context)

    # Django resets connection.queries at each request start, so count with a wrapper instead.
    with connection.execute_wrapper(count):
        client.get(f"/api/v1/cases/{sample[0]}/")
    for pk in sample:
        t0 = time.perf_counter()
        response = client.get(f"/api/v1/cases/{pk}/")
        durations.append(time.perf_counter() - t0)
        if response.status_code != 200:
            raise RuntimeError(f"detail API answered {response.status_code} for case {pk}")
    return {
        "cases_in_table": Case.objects.count(),
        "background_build_seconds": round(build_seconds, 1),
        "requests": requests,
        "latency_ms_p50": round(percentile(durations, 0.5) * 1000, 2),
        "latency_ms_p95": round(percentile(durations, 0.95) * 1000, 2),
        "latency_ms_max": round(max(durations) * 1000, 2),
        "latency_ms_mean": round(statistics.fmean(durations) * 1000, 2),
        "queries_per_request": len(statements),
        "target_p95_ms": 50,
    }


def run(*, registrations: int, detail_cases: int, requests: int, seed: int, workers: int = 2) -> dict[str, Any]:
    ctx = _setup()
    register = bench_register(ctx, count=registrations, seed=seed)
    parallel = (bench_register_parallel(ctx, count=registrations, workers=workers, seed=seed)
                if workers > 1 else None)
    detail = bench_detail(ctx, total_cases=detail_cases, requests=requests, seed=seed)
    return {
        "benchmark": "lifecycle",
        "database": connection.vendor,
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": __import__("os").cpu_count()},
        # One process registering one case after the other, and ``workers`` processes at once.
        "register": register,
        "register_parallel": parallel,
        "case_detail_api": detail,
        "targets_met": {
            "register_per_second_ge_500": register["cases_per_second"] >= 500,
            "register_parallel_per_second_ge_500": bool(parallel and parallel["cases_per_second"] >= 500),
            "detail_p95_lt_50ms": detail["latency_ms_p95"] < 50,
        },
    }
