"""What every page's frame needs: the navigation of the signed-in user's role."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# (url name, label, permission needed or None). Missing routes are skipped, so an app can be absent.
NAVIGATION: list[tuple[str, Any, str | None]] = [
    ("cases:inbox", _("工作台"), "cases.view_case"),
    ("cases:intake", _("登记"), "cases.register_case"),
    ("cases:list", _("查询"), "cases.view_case"),
    ("imports:upload", _("导入"), "cases.register_case"),
    ("reference:units", _("基础数据"), "accounts.view_unit"),
    ("reference:calendar", _("节假日"), "deadlines.change_calendarday"),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for name, label, perm in NAVIGATION:
        if perm is not None and not user.has_perm(perm):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": label, "active": False})
    # The one item whose address is the longest prefix of this page is current (/cases/new/ is 登记,
    # not also 工作台 at /cases/).
    matching = [item for item in items if request.path.startswith(item["url"]) and item["url"] != "/"]
    if matching:
        max(matching, key=lambda item: len(item["url"]))["active"] = True
    return {"nav_items": items}
