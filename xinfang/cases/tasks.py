"""Periodic jobs of the case clock: they only call services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from xinfang.cases.services import case_close_expired
from xinfang.deadlines.services import deadlines_mark_overdue


@db_periodic_task(crontab(minute="*/10"))
def deadlines_sweep_periodic() -> dict[str, int]:
    # The services claim each row with a conditional update, so overlapping runs on several machines
    # are safe; the lock only saves duplicated work on one queue.
    with lock_task("deadlines-sweep"):
        return {"overdue": deadlines_mark_overdue(), "closed": case_close_expired()}
