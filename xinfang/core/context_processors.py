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
    ("repeats:clusters", _("相似信访聚集"), "cases.view_case"),
    ("petitioners:repeats", _("重复信访"), "cases.view_case"),
    ("imports:upload", _("导入"), "cases.register_case"),
    ("exports:jobs", _("我的导出"), "cases.view_case"),
    ("governance:backlog", _("积案台账"), "governance.view_backlog"),
    ("governance:backlog_mine", _("我的包案"), "governance.lead_backlog"),
    ("governance:supervision", _("督查督办"), "governance.view_supervision"),
    ("grassroots:disputes", _("矛盾纠纷"), "grassroots.view_grassroots"),
    ("grassroots:mediations", _("调解"), "grassroots.view_grassroots"),
    ("grassroots:visits", _("走访接访"), "grassroots.view_grassroots"),
    ("grassroots:points", _("服务点"), "grassroots.view_grassroots"),
    ("analytics:overview", _("形势研判"), "analytics.view_analytics"),
    ("alerts:list", _("预警"), "alerts.view_alert"),
    ("assessment:scores", _("目标考核"), "assessment.view_assessment"),
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
