"""The in-app inbox of staff in the API: list (paginated, ``?unread=true``), mark one read, mark all read.
Each user sees only their own notifications, and only those about cases they may still see."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.api.actions import validated
from xinfang.api.pagination import PAGE_PARAMETERS, page_data, page_window, paginated
from xinfang.api.schema import NO_BODY, STAFF_READ_ERRORS, STAFF_WRITE_ERRORS, error_responses
from xinfang.cases.serializers import CaseLinkOut
from xinfang.core.errors import ValidationFailed
from xinfang.notifications.models import Notification
from xinfang.notifications.selectors import notifications_visible
from xinfang.notifications.services import notification_mark_read, notifications_mark_all_read


class NotificationOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="routed, objected, overdue, …")
    text = serializers.CharField()
    case = CaseLinkOut(allow_null=True)
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


NotificationPage = paginated("NotificationPage", NotificationOut(many=True),
                             unread=serializers.IntegerField(help_text="Unread notifications in all."))


class NoBodyIn(serializers.Serializer):
    """No fields: the request body may be empty or ``{}``."""


class MarkedOut(serializers.Serializer):
    marked = serializers.IntegerField()


def notification_data(n: Notification) -> dict[str, Any]:
    return {"id": n.pk, "kind": n.kind, "text": n.text,
            "case": {"id": n.case.pk, "number": n.case.number} if n.case_id and n.case else None,
            "created_at": n.created_at.isoformat(), "read_at": n.read_at.isoformat() if n.read_at else None}


def _flag(value: str | None, name: str) -> bool:
    if value is None:
        return False
    text = value.strip().lower()
    if text in ("1", "true"):
        return True
    if text in ("0", "false"):
        return False
    message = _("参数只能是 true 或 false。")
    raise ValidationFailed(message, errors={name: [message]})


class NotificationListApi(APIView):
    """``GET /api/v1/notifications/``: the caller's notifications, newest first."""

    @extend_schema(
        operation_id="notifications_list",
        parameters=[OpenApiParameter("unread", OpenApiTypes.BOOL, OpenApiParameter.QUERY,
                                     description="true: only the unread ones."), *PAGE_PARAMETERS],
        responses={200: NotificationPage, **error_responses(400, *STAFF_READ_ERRORS)},
    )
    def get(self, request: Request) -> Response:
        window = page_window(request.query_params)
        only_unread = _flag(request.query_params.get("unread"), "unread")
        visible = notifications_visible(user=request.user)
        unread = visible.filter(read_at__isnull=True)
        rows = unread if only_unread else visible
        total = rows.count()
        return Response(page_data(total=total, window=window, unread=total if only_unread else unread.count(),
                                  results=[notification_data(n) for n in rows[window.offset:window.stop]]))


class NotificationReadApi(APIView):
    """``POST /api/v1/notifications/{id}/read/``: mark one notification read (again: no change)."""

    @extend_schema(operation_id="notifications_read", request=NO_BODY,
                   responses={200: NotificationOut, **error_responses(*STAFF_WRITE_ERRORS, 404)})
    def post(self, request: Request, pk: int) -> Response:
        validated(NoBodyIn, request.data)
        return Response(notification_data(notification_mark_read(user=request.user, notification_id=pk)))


class NotificationReadAllApi(APIView):
    """``POST /api/v1/notifications/read-all/``: mark every unread notification of the caller read."""

    @extend_schema(operation_id="notifications_read_all", request=NO_BODY,
                   responses={200: MarkedOut, **error_responses(*STAFF_WRITE_ERRORS)})
    def post(self, request: Request) -> Response:
        validated(NoBodyIn, request.data)
        return Response({"marked": notifications_mark_all_read(user=request.user)})
