"""Per-request context that audit rows need but services should not have to pass around (client IP)."""

from __future__ import annotations

from contextvars import ContextVar

client_ip: ContextVar[str] = ContextVar("client_ip", default="")
