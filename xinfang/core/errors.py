"""The one error type that services raise, and its kinds.

Views and APIs turn an ``ApplicationError`` into one response shape:
``{"message": ..., "errors": {field: [...]}}`` with the status of its kind (HackSoft styleguide).
"""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A rule of the domain refused the request. ``message`` is user-facing and translated."""

    status_code = 400

    def __init__(self, message: Any, *, errors: dict[str, list[Any]] | None = None, code: str = "invalid"):
        super().__init__(str(message))
        self.message = message
        self.errors = errors or {}
        self.code = code


class ValidationFailed(ApplicationError):
    """Bad input: 400."""

    status_code = 400


class InvalidTransition(ApplicationError):
    """The action is not allowed in the case's current state: 409."""

    status_code = 409

    def __init__(self, message: Any, **kwargs: Any):
        kwargs.setdefault("code", "invalid_state")
        super().__init__(message, **kwargs)


class NotFound(ApplicationError):
    """Missing, or outside the caller's scope (the two look the same on purpose): 404."""

    status_code = 404

    def __init__(self, message: Any = "Not found.", **kwargs: Any):
        kwargs.setdefault("code", "not_found")
        super().__init__(message, **kwargs)


class Forbidden(ApplicationError):
    """The caller may see the object but lacks the permission for this action: 403."""

    status_code = 403

    def __init__(self, message: Any, **kwargs: Any):
        kwargs.setdefault("code", "forbidden")
        super().__init__(message, **kwargs)


class RateLimited(ApplicationError):
    """Too many attempts from one client: 429."""

    status_code = 429

    def __init__(self, message: Any, **kwargs: Any):
        kwargs.setdefault("code", "rate_limited")
        super().__init__(message, **kwargs)
