"""Plumbing shared by the server-rendered pages (the HTML twin of ``xinfang/api``).

Views stay thin: they validate a form, call one service, and on ``ApplicationError`` put its message and
field errors back on the form (``form_add_service_errors``) so the page shows them next to the fields and
keeps what was typed. 404 for anything outside the caller's scope, as in the API.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from xinfang.core.errors import ApplicationError, Forbidden, NotFound


def form_add_service_errors(form: forms.Form, exc: ApplicationError) -> None:
    """The service's message as a form-level error, and each field error on its field where the form has
    one (``petitioners[0].id_number`` → ``id_number``), else at the top."""
    form.add_error(None, str(exc.message))
    for key, messages in (exc.errors or {}).items():
        name = key.rsplit(".", 1)[-1].split("[", 1)[0]
        target = name if name in form.fields else None
        for message in messages:
            if target is not None:
                form.add_error(target, str(message))
            elif str(message) != str(exc.message):
                form.add_error(None, str(message))


def staff_page(permission: str | None = None) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A page for signed-in staff: login required, the permission checked (403), and the domain's
    NotFound/Forbidden raised by a selector or service turned into Django's 404/403."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if permission is not None and not request.user.has_perm(permission):
                raise PermissionDenied
            try:
                return view(request, *args, **kwargs)
            except NotFound:
                raise Http404 from None
            except Forbidden as exc:
                raise PermissionDenied(str(exc.message)) from None

        return wrapped

    return decorate
