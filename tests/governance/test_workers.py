"""Several workers at once (huey on several machines, SECURITY.md 11): the backlog scan enters each case
once, and each reminder stage of a supervision order is sent once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection

from tests.conftest import at
from tests.governance.conftest import NOW, TODAY
from xinfang.cases.models import CaseEvent
from xinfang.core.clock import clock_at
from xinfang.governance import services
from xinfang.governance.models import BacklogEntry
from xinfang.notifications.models import Notification

WORKERS = 3


def run_at_once(job: Callable[[], Any]) -> list[Any]:
    barrier = threading.Barrier(WORKERS)
    results: list[Any] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait(timeout=30)
            results.append(job())
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert len(results) == WORKERS
    return results


@pytest.mark.postgres_only
def test_concurrent_scans_enter_each_case_once(transactional_db, gov):
    cases = [gov.case(received=NOW - timedelta(days=100 + i)) for i in range(6)]
    results = run_at_once(services.backlog_scan)
    assert sum(results) == len(cases)
    assert BacklogEntry.objects.count() == len(cases)
    assert CaseEvent.objects.filter(action="backlog_registered").count() == len(cases)


@pytest.mark.postgres_only
def test_concurrent_reminder_jobs_remind_once_per_stage(transactional_db, gov):
    orders = [gov.order(due=TODAY + timedelta(days=1)) for _ in range(4)]
    results = run_at_once(services.supervision_remind)
    assert sum(r["due_soon"] for r in results) == len(orders)
    with clock_at(at("2026-10-20 09:00")):
        results = run_at_once(services.supervision_remind)
    assert sum(r["overdue"] for r in results) == len(orders)
    assert CaseEvent.objects.filter(action="supervision_overdue").count() == len(orders)
    # The unit's two members and the issuer, once each per order.
    assert Notification.objects.filter(kind="supervision_overdue").count() == 3 * len(orders)
