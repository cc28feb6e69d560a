"""Periodic jobs of the governance app: they only call services (STYLE.md)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from xinfang.governance.services import backlog_scan, supervision_remind


@db_periodic_task(crontab(minute="40", hour="1"))
def backlog_scan_periodic() -> dict[str, int]:
    # Nightly. Each case is entered with a conditional insert (the unique case of BacklogEntry), so runs
    # on several machines at once are safe; the lock only saves duplicated work on one queue.
    with lock_task("backlog-scan"):
        return {"entered": backlog_scan()}


@db_periodic_task(crontab(minute="5", hour="*"))
def supervision_remind_periodic() -> dict[str, int]:
    # Hourly: each reminder stage of an order is claimed with a conditional update (reminder_stage).
    with lock_task("supervision-remind"):
        return supervision_remind()
