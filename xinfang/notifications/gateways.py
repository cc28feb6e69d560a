"""The small interface behind which SMS and email gateways sit.

A deployment names its class in ``XINFANG_MESSAGE_GATEWAY``; it receives the message and the recipient
address decrypted at send time and raises ``GatewayError`` on failure (the message is retried).
"""

from __future__ import annotations

import logging
from typing import Protocol

logger = logging.getLogger(__name__)


class GatewayError(Exception):
    pass


class MessageGateway(Protocol):
    def send(self, *, channel: str, address: str, body: str, message_id: int) -> None: ...


class LogOnlyGateway:
    """The default: records that a message would have gone out, without the address or the text (logs
    never carry personal data, SECURITY.md 7)."""

    def send(self, *, channel: str, address: str, body: str, message_id: int) -> None:
        logger.info("outbox message %s (%s) delivered to the log-only gateway", message_id, channel)


class MemoryGateway:
    """Keeps what it was given; for tests."""

    sent: list[tuple[str, str, str, int]] = []

    def send(self, *, channel: str, address: str, body: str, message_id: int) -> None:
        MemoryGateway.sent.append((channel, address, body, message_id))
