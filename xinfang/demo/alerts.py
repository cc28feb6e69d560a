"""The demo's early warning (issue 7): the sensitive-period calendar (last 国庆, next 全国两会), the rules run
once over the demo's history, and announced group visits in every state — open, acknowledged with an owner
and a note, closed as handled — so that the list, the page and the digest have something to show.

Run by ``demo_seed`` after the petitions' history and governance; every step goes through the services under
``clock_at``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from xinfang.accounts.models import Unit, User
from xinfang.alerts import services
from xinfang.alerts.scan import alerts_scan
from xinfang.core.clock import clock_at

NOTICES = [
    # (days before now it was reported, days after the report it is expected, people, place, subject, state)
    (1, 3, 40, "区政府信访接待大厅", "某动迁地块居民对安置补偿标准不一致有意见，拟集体到区里反映", "open"),
    (4, 2, 25, "街道办事处门口", "某楼盘业主反映开发商延期交房、要求退房，相约集体上访", "acknowledged"),
    (12, 2, 15, "区人社局", "某服装厂停产，工人反映拖欠两个月工资，酝酿集体讨薪", "closed"),
]
FOLLOW_UP = "已会同街道约见业主代表五人，说明处理进展，约定两周内再次通报；街道做好现场疏导。"
CLOSING = "经区人社局协调，企业已足额支付拖欠工资，工人已领取，未发生集体上访。"


@dataclass
class AlertsDemo:
    periods: int = 0
    notices: int = 0
    scanned: int = 0


def _moment(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()) + timedelta(hours=hour))


def alerts_demo_seed(*, now: datetime, rng: random.Random, officer: User, leader: User) -> AlertsDemo:
    """The calendar, one scan, and three announced group visits (open, acknowledged, closed)."""
    result = AlertsDemo()
    today = timezone.localdate(now)
    with clock_at(now - timedelta(days=30)):
        national_day = date(today.year if today.month >= 10 else today.year - 1, 10, 1)
        services.sensitive_period_save(actor=officer, name="国庆节", start=national_day,
                                       end=national_day + timedelta(days=7), level=1, note="国庆假期及前后")
        march = date(today.year if today.month < 3 else today.year + 1, 3, 3)
        services.sensitive_period_save(actor=officer, name="全国两会", start=march, end=march + timedelta(days=12),
                                       level=2, note="全国人大、全国政协会议期间")
        result.periods = 2
    with clock_at(now - timedelta(hours=2)):
        scan = alerts_scan(now=now - timedelta(hours=2))
        result.scanned = scan["raised"]
    streets = list(Unit.objects.filter(kind=Unit.Kind.STREET, active=True).order_by("code"))
    for ago, ahead, people, place, subject, state in NOTICES:
        street = rng.choice(streets)
        reported = _moment(today - timedelta(days=ago), 10)
        with clock_at(reported):
            notice = services.group_notice_report(
                actor=officer, source=rng.choice(["street", "police"]), reporting_unit=street, street=street,
                expected_date=timezone.localdate(reported) + timedelta(days=ahead), place=place,
                expected_people=people, subject=subject)
        alert = notice.alert
        assert alert is not None
        result.notices += 1
        if state == "open":
            continue
        with clock_at(reported + timedelta(hours=1)):
            services.alert_acknowledge(alert=alert, actor=officer)
            services.alert_assign(alert=alert, actor=officer, owner=leader)
        with clock_at(reported + timedelta(hours=5)):
            services.alert_note_add(alert=alert, actor=leader, text=FOLLOW_UP)
        if state == "closed":
            with clock_at(reported + timedelta(days=2)):
                services.alert_close(alert=alert, actor=leader, reason="handled", note=CLOSING)
    return result
