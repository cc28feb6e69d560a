"""Background jobs of exports: they only call services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from xinfang.exports.services import export_expire_old, export_recover_stale, export_run


@db_task()
def export_run_task(job_id: int) -> str:
    # Claimed with a conditional update: a job queued twice (a retry, the sweep below) runs once.
    return export_run(job_id=job_id)


@db_periodic_task(crontab(minute="*/10"))
def exports_sweep_periodic() -> dict[str, int]:
    """Deletes expired files and queues again the jobs a dead worker or a lost enqueue left behind."""
    with lock_task("exports-sweep"):
        expired = export_expire_old()
        again = export_recover_stale()
    for job_id in again:
        export_run_task(job_id)
    return {"expired": expired, "queued_again": len(again)}
