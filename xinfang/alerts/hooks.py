"""The one hook registration calls (xinfang/cases/services/registration.py): kept free of heavy imports so
the hot path of registering a case stays cheap — only a group matter reaches it."""

from __future__ import annotations

from django.db import transaction


def group_case_registered(*, case_id: int) -> None:
    """Queue the immediate check (alert at once during a sensitive period) once the registration commits."""
    from xinfang.alerts.tasks import alerts_group_case_task

    transaction.on_commit(lambda: alerts_group_case_task(case_id))
