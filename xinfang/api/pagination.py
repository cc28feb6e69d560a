"""One way to page lists in /api/v1/: ``?limit=&offset=`` in, ``{"count", "limit", "offset", "results"}``
out — the shape ``GET /api/v1/cases/`` has always answered, reused by every list added since (the
workbench queues, notifications)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from xinfang.core.errors import ValidationFailed

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
# The largest primary key a 64-bit column holds. An OFFSET beyond it is a database error (a 500), and a
# larger id in a URL names nothing (SQLite raises OverflowError on it in a lookup).
MAX_ID = 2**63 - 1

PAGE_PARAMETERS = [
    OpenApiParameter("limit", OpenApiTypes.INT, OpenApiParameter.QUERY,
                     description=f"Page size, {DEFAULT_LIMIT} by default; clamped to 1–{MAX_LIMIT}."),
    OpenApiParameter("offset", OpenApiTypes.INT, OpenApiParameter.QUERY,
                     description="Rows to skip; a negative offset counts as 0."),
]


@dataclass(frozen=True)
class PageWindow:
    """The rows a request asks for: ``limit`` rows after the first ``offset``."""

    limit: int
    offset: int

    @property
    def stop(self) -> int:
        return self.offset + self.limit


def page_window(params: Mapping[str, Any]) -> PageWindow:
    """``limit`` and ``offset`` of the query string: integers, the limit clamped to 1–200, a negative
    offset read as 0; anything else is a 400 (never a database error)."""
    values: dict[str, int] = {}
    for name, default in (("limit", DEFAULT_LIMIT), ("offset", 0)):
        try:
            values[name] = int(params.get(name, default))
        except (TypeError, ValueError):
            raise ValidationFailed(_("limit 和 offset 必须是整数。"),
                                   errors={name: [_("必须是整数。")]}) from None
    limit = min(max(values["limit"], 1), MAX_LIMIT)
    offset = max(values["offset"], 0)
    if offset > MAX_ID - limit:
        raise ValidationFailed(_("offset 过大。"), errors={"offset": [_("offset 过大。")]})
    return PageWindow(limit=limit, offset=offset)


def page_data(*, total: int, window: PageWindow, results: list[Any], **extra: Any) -> dict[str, Any]:
    """The page envelope; ``extra`` keys (the queue's sort, the unread count …) go next to ``count``."""
    return {"count": total, "limit": window.limit, "offset": window.offset, **extra, "results": results}


def paginated(name: str, item: serializers.Serializer, **extra: serializers.Field) -> type[serializers.Serializer]:
    """The schema component ``name`` of a page of ``item`` rows (for ``extend_schema``)."""
    fields: dict[str, Any] = {"count": serializers.IntegerField(), "limit": serializers.IntegerField(),
                              "offset": serializers.IntegerField(), **extra, "results": item}
    return type(name, (serializers.Serializer,), {"__doc__": f"A page of {name.removesuffix('Page')} rows.",
                                                   **fields})
