"""Jobs of the alerts app: they only call services (STYLE.md). The periodic ones are found by Huey's
autodiscovery of ``tasks`` modules, like governance/tasks.py."""

from __future__ import annotations

from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from xinfang.alerts.scan import alerts_scan, group_case_check
from xinfang.alerts.services import alerts_digest


@db_periodic_task(crontab(minute="*/15"))
def alerts_scan_periodic() -> dict[str, Any]:
    # Every 15 minutes. The open (rule, key) is unique in the database, so two scans at once update the
    # same alert instead of raising it twice; the lock only saves duplicated work on one queue.
    with lock_task("alerts-scan"):
        return alerts_scan()


@db_periodic_task(crontab(minute="30", hour="7"))
def alerts_digest_periodic() -> dict[str, int]:
    # 07:30 every day, before the leaders' working day; once per leader and day (checked in the service).
    with lock_task("alerts-digest"):
        return {"written": alerts_digest()}


@db_task()
def alerts_group_case_task(case_id: int) -> bool:
    """Queued by registration after commit for a group matter (group_size at the 集体访 threshold)."""
    return group_case_check(case_id=case_id) is not None
