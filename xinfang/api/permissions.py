"""The permission of a staff endpoint is the permission of its page: ``staff_page("cases.view_case")`` on
the page, ``required_permission = "cases.view_case"`` on the API view (403 without it, 401 without
credentials). Scoping (which cases) is still the gateway's, ``xinfang/accounts/access.py``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request


class HasPagePermission(BasePermission):
    """Allows a signed-in user holding the view's ``required_permission`` (none named: any signed-in
    user); ``required_permissions`` maps an HTTP method to its own permission where reading and writing
    differ (the reference data)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False  # DRF answers 401 (the authenticators name a challenge)
        by_method: dict[str, str] = getattr(view, "required_permissions", {}) or {}
        method = "GET" if request.method == "HEAD" else (request.method or "")  # HEAD runs the GET view
        permission = by_method.get(method, getattr(view, "required_permission", None))
        if permission and not user.has_perm(permission):
            self.message = _("您没有执行该操作的权限。")
            return False
        return True
