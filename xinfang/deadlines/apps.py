from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _seed_calendar(sender, **kwargs):  # noqa: ANN001 - signal signature
    from xinfang.deadlines.models import CalendarYear
    from xinfang.deadlines.services import calendar_seed_from_package

    using = kwargs.get("using", "default")
    if not CalendarYear.objects.using(using).exists():
        # Not an admin's act: no audit row (a new database's audit log starts empty).
        calendar_seed_from_package(audit=False)


class DeadlinesConfig(AppConfig):
    name = "xinfang.deadlines"
    label = "deadlines"
    verbose_name = "deadlines"

    def ready(self) -> None:
        # A fresh database starts with the official calendar the chinese-calendar package knows.
        post_migrate.connect(_seed_calendar, sender=self, dispatch_uid="xinfang.deadlines.seed_calendar")
