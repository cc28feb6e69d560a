"""The action endpoints of the API: ``POST …/{id}/<action>/`` on one object the caller may act on.

Every action has the same shape — the object through its scoped ``access_*`` selector (404 outside the
caller's scope, before the body is read), the body through an input serializer (400), one service call
(its ``ApplicationError`` becomes the API's error shape: 400, 403 or 409), then the object's answer.
``ObjectActionApi`` is that shape once; a module's action base fills in ``get_object`` and ``respond``,
and each endpoint its ``input_serializer`` and ``perform``."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xinfang.api.fields import json_types_check
from xinfang.api.schema import error_responses
from xinfang.core.errors import ValidationFailed

# What an action can answer besides its success: a bad body (400), no credentials (401), a permission the
# caller lacks (403), an object outside its scope (404), a state that does not allow the step (409), a body
# that is not JSON (415).
ACTION_ERRORS = (400, 401, 403, 404, 409, 415)


def validated(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    """A request body checked by ``serializer_class``: its validated data, or a 400 naming the fields."""
    if not isinstance(data, dict):
        raise ValidationFailed(_("请求内容必须是 JSON 对象。"))
    serializer = serializer_class(data=data)
    if not isinstance(data, QueryDict):  # a JSON body: the declared types exactly (a form's are all text)
        errors = json_types_check(serializer.fields, data)
        if errors:
            raise ValidationFailed(_("请求内容的类型与接口说明不符。"), errors=errors)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class ObjectActionApi(APIView):
    # ``POST`` an action on the object ``pk``: ``get_object`` → ``validated(input_serializer)`` → ``perform``
    # → ``respond``; route arguments besides ``pk`` are in ``self.kwargs``. The operation's schema follows
    # from the class attributes, so no endpoint can forget it: the request is ``input_serializer``, the
    # answers ``success_status`` with ``output_serializer`` and ``action_errors``; ``operation_id`` names the
    # operation (None: drf-spectacular's name from the path). (No docstring here, nor on ``post``:
    # drf-spectacular would make it the description of every action without one of its own.)

    input_serializer: type[serializers.Serializer]
    output_serializer: Any
    success_status = 200
    action_errors: tuple[int, ...] = ACTION_ERRORS
    operation_id: str | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not hasattr(cls, "input_serializer") or not hasattr(cls, "output_serializer"):
            return  # a module's base for its actions: no endpoint of its own
        extend_schema_view(post=extend_schema(
            operation_id=cls.operation_id, request=cls.input_serializer,
            responses={cls.success_status: cls.output_serializer, **error_responses(*cls.action_errors)},
        ))(cls)

    def get_object(self, request: Request, pk: int) -> Any:
        """The object, through its scoped selector with the action's audit name: NotFound outside the
        caller's scope."""
        raise NotImplementedError

    def perform(self, obj: Any, *, user: Any, data: dict[str, Any]) -> Any:
        """The one service call; what it returns is passed to ``respond``."""
        raise NotImplementedError

    def respond(self, request: Request, obj: Any, result: Any) -> Response:
        """The answer, with status ``success_status``."""
        raise NotImplementedError

    def post(self, request: Request, pk: int, **kwargs: Any) -> Response:
        obj = self.get_object(request, pk)
        data = validated(self.input_serializer, request.data)
        result = self.perform(obj, user=request.user, data=data)
        return self.respond(request, obj, result)
