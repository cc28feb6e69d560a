"""Periodic jobs of the analytics app: they only call the roll-up (docs/analytics.md)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from xinfang.analytics.rollup import rollup_rebuild, rollup_refresh


@db_periodic_task(crontab(minute="*/5"))
def analytics_refresh_periodic() -> dict[str, int]:
    # Every five minutes, looking two hours back (a transaction that committed late is still seen), so a
    # page rarely has anything left to recompute when it is read.
    with lock_task("analytics-rollup"):
        done = rollup_refresh(deep=True)
        return {"days": len(done.days), "cases": done.cases, "rows": done.rows}


@db_periodic_task(crontab(minute="20", hour="2"))
def analytics_rebuild_periodic() -> dict[str, int]:
    # Nightly: the roll-up again from every case — whatever an edit outside the services (SQL, a restore)
    # did is corrected within a day.
    with lock_task("analytics-rollup"):
        return {"rows": rollup_rebuild().rows}
