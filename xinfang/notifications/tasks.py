"""Background jobs of notifications: they only call services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from xinfang.notifications.services import outbox_deliver


@db_task()
def outbox_deliver_task() -> int:
    return outbox_deliver()


@db_periodic_task(crontab(minute="*/5"))
def outbox_deliver_periodic() -> int:
    # Catches messages whose on-commit trigger was lost (worker down) and retries failed sends.
    return outbox_deliver()
