"""Writing notifications (inside the caller's transaction) and draining the outbox."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from xinfang.accounts.models import User
from xinfang.accounts.roles import UNIT_ROLES
from xinfang.notifications.gateways import GatewayError
from xinfang.notifications.models import Notification, OutboxMessage

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


def _recipients_of_unit(*, unit_id: int | None, case: Any) -> list[User]:
    from xinfang.accounts.access import cases_visible_to

    if unit_id is None:
        return []
    users = list(User.objects.filter(unit_id=unit_id, role__in=UNIT_ROLES, is_active=True).select_related("unit"))
    # Notifications pass the same gateway as reads: an accused user is never told about the case.
    return [u for u in users if cases_visible_to(u).filter(pk=case.pk).exists()]


def _recipients_of_bureau(*, case: Any) -> list[User]:
    from xinfang.accounts.access import cases_visible_to

    users = User.objects.filter(role=User.Role.OFFICER, is_active=True).select_related("unit")
    return [u for u in users if cases_visible_to(u).filter(pk=case.pk).exists()]


def _notify(users: list[User], *, case: Any, kind: str, text: str) -> int:
    """In-app inbox rows, plus an e-mail through the outbox for staff who gave an address."""
    from xinfang.notifications.tasks import outbox_deliver_task

    Notification.objects.bulk_create([Notification(user=u, case=case, kind=kind, text=text[:300]) for u in users])
    mails = [OutboxMessage(channel=OutboxMessage.Channel.EMAIL, user=u, case=case, body=text) for u in users if u.email]
    if mails:
        OutboxMessage.objects.bulk_create(mails)
        transaction.on_commit(lambda: outbox_deliver_task())
    return len(users)


def notify_unit(*, case: Any, kind: str, text: str, unit_id: int | None = None) -> int:
    return _notify(_recipients_of_unit(unit_id=unit_id or case.handling_unit_id, case=case), case=case,
                   kind=kind, text=text)


def notify_bureau(*, case: Any, kind: str, text: str) -> int:
    return _notify(_recipients_of_bureau(case=case), case=case, kind=kind, text=text)


def notify_users(*, users: list[Any], kind: str, text: str, case: Any = None) -> int:
    """Named staff (a leader in charge, an order's issuer, a unit's staff for an order on the unit): the
    active ones, and about a case only those the gateway lets see it."""
    from xinfang.accounts.access import cases_visible_to

    chosen = list({u.pk: u for u in users if u is not None and u.is_active}.values())
    if case is not None:
        chosen = [u for u in chosen if cases_visible_to(u).filter(pk=case.pk).exists()]
    return _notify(chosen, case=case, kind=kind, text=text)


def notify_overdue(*, case: Any, deadline: Any) -> int:
    text = f"{case.number} {deadline.get_kind_display()}已逾期（{deadline.due_date:%Y-%m-%d}）"
    if deadline.kind == "route_by":
        return notify_bureau(case=case, kind="overdue", text=text)
    return notify_unit(case=case, kind="overdue", text=text) + notify_bureau(case=case, kind="overdue", text=text)


def outbox_enqueue_for_petitioners(*, case: Any, body: str) -> int:
    """Queue an SMS to every petitioner of the case who left a phone number; sent after commit."""
    from xinfang.notifications.tasks import outbox_deliver_task

    petitioners = [link.petitioner for link in case.case_petitioners.select_related("petitioner")
                   if link.petitioner.phone_encrypted]
    OutboxMessage.objects.bulk_create(
        [OutboxMessage(channel=OutboxMessage.Channel.SMS, petitioner=p, case=case, body=body) for p in petitioners]
    )
    if petitioners:
        transaction.on_commit(lambda: outbox_deliver_task())
    return len(petitioners)


def outbox_deliver(*, limit: int = 200) -> int:
    """Send pending messages. Each is claimed with a conditional update, so several workers never send one
    twice; a message whose worker died mid-send is claimed again after 10 minutes."""
    from xinfang.core.crypto import decrypt

    gateway = import_string(settings.XINFANG["MESSAGE_GATEWAY"])()
    now = timezone.now()
    stale = now - timedelta(minutes=10)
    ids = list(
        OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).values_list("id", flat=True)[:limit]
    ) + list(
        OutboxMessage.objects.filter(status=OutboxMessage.Status.SENDING, claimed_at__lt=stale)
        .values_list("id", flat=True)[:limit]
    )
    sent = 0
    for message_id in ids:
        claimed = OutboxMessage.objects.filter(
            Q(id=message_id)
            & (Q(status=OutboxMessage.Status.PENDING) | Q(status=OutboxMessage.Status.SENDING, claimed_at__lt=stale))
        )
        if not claimed.update(status=OutboxMessage.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1):
            continue
        message = OutboxMessage.objects.select_related("petitioner", "user").get(id=message_id)
        try:
            if message.petitioner is not None:
                address = decrypt(message.petitioner.phone_encrypted, context="petitioner.phone")
            else:
                address = message.user.email if message.user else ""
            gateway.send(channel=message.channel, address=address, body=message.body, message_id=message.id)
        except GatewayError as exc:
            status = OutboxMessage.Status.FAILED if message.attempts >= MAX_ATTEMPTS else OutboxMessage.Status.PENDING
            OutboxMessage.objects.filter(id=message.id).update(status=status, last_error=str(exc)[:300])
            continue
        OutboxMessage.objects.filter(id=message.id).update(status=OutboxMessage.Status.SENT, sent_at=timezone.now())
        sent += 1
    return sent


def notification_mark_read(*, user: Any, notification_id: Any) -> Notification:
    """Mark one of ``user``'s (visible) notifications read; already read stays as it was. Anything else
    is ``NotFound``, another user's notification included."""
    from xinfang.core.errors import NotFound
    from xinfang.notifications.selectors import notifications_visible

    try:
        pk = int(notification_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    notification = notifications_visible(user=user).filter(pk=pk).first() if 0 < pk < 2**63 else None
    if notification is None:
        raise NotFound()
    if notification.read_at is None:
        now = timezone.now()
        # Conditional: a second click (or a second tab) keeps the first time.
        if Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now):
            notification.read_at = now
        else:
            notification.refresh_from_db(fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: Any) -> int:
    """Mark every unread (visible) notification of ``user`` read; returns how many."""
    from xinfang.notifications.selectors import notifications_visible

    ids = notifications_visible(user=user).filter(read_at__isnull=True).values("pk")
    return Notification.objects.filter(pk__in=ids).update(read_at=timezone.now())
