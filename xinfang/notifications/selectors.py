"""Reads of the in-app inbox: a user's own notifications, through the case gateway like everything else
(SECURITY.md 1: a notification about a case the user may no longer see — it went to another unit, or it
turned out to accuse the user's unit — is not shown)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from xinfang.accounts.access import cases_visible_to
from xinfang.notifications.models import Notification


def notifications_visible(*, user: Any) -> QuerySet:
    """``user``'s notifications, newest first, without those about cases outside the user's scope."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return (Notification.objects.filter(user=user)
            .filter(Q(case__isnull=True) | Q(case__in=cases_visible_to(user).values("pk")))
            .select_related("case").order_by("-created_at", "-id"))
