"""Periodic jobs of the repeat index: they only call services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from xinfang.repeats.selectors import vocabulary_current
from xinfang.repeats.services import (
    repeats_index_pending,
    repeats_index_rebuild,
    repeats_index_sweep,
    repeats_vocabulary_stale,
)


@db_periodic_task(crontab(minute="*/5"))
def repeats_index_periodic() -> int:
    # Look-ups index pending cases themselves; this keeps them from finding many after a burst. A district
    # without any vocabulary snapshot yet (a new installation, a first import) gets one as soon as it has
    # enough cases, not only at night.
    with lock_task("repeats-index"):
        if vocabulary_current().version == 0 and repeats_vocabulary_stale():
            return int(repeats_index_rebuild()["cases"])
        total = 0
        while True:
            done = repeats_index_pending()
            total += done
            if not done:
                return total


@db_periodic_task(crontab(hour="2", minute="30"))
def repeats_index_nightly() -> dict[str, int]:
    # The safety net for cases written without the registration services, and a new vocabulary once the
    # district has doubled since the last one (the keys of every case are chosen again with it).
    with lock_task("repeats-index"):
        pending = 0
        while (done := repeats_index_pending()):
            pending += done
        swept = repeats_index_sweep()
        rebuilt = repeats_index_rebuild()["cases"] if repeats_vocabulary_stale() else 0
        return {"pending": pending, "swept": swept, "rebuilt": rebuilt}
