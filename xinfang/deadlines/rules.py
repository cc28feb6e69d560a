"""The statutory clock as data: one rule per deadline kind, with its article (DOMAIN.md table)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy

from xinfang.core.workdays import Counting

# 信访工作条例 Art. 34: one extension, at most 30 days, approved by the head of the unit.
MAX_EXTENSION_DAYS = 30
# 信访工作条例 Art. 20: a group visit elects at most 5 representatives.
MAX_REPRESENTATIVES = 5
# 信访工作条例 Art. 22 (3): for a matter assigned (交办) the bureau sets the time within which the unit reports
# the result (办结报告). The default is the unit's own statutory time: 15 days to accept (Art. 23 ¶3) and 60
# to decide (Art. 34); the officer may set between 1 day and that plus the one 30-day extension (Art. 34).
REPORT_DEFAULT_DAYS = 75
REPORT_MAX_DAYS = 105


@dataclass(frozen=True)
class DeadlineRule:
    """One statutory deadline: how many days, counted how, from which article."""

    kind: str
    days: int
    counting: Counting
    article: Any  # a lazily translated citation
    # The petitioner's own window (asking for review): it lapses, it is never "overdue" for a unit.
    on_petitioner: bool = False
    # A window for an act a party *may* take (a unit's objection, a petitioner's request): when it passes
    # the right lapses and nobody is late, so the overdue sweep leaves it alone.
    lapses: bool = False


RULES: dict[str, DeadlineRule] = {
    rule.kind: rule
    for rule in (
        # 信访工作条例 Art. 22: the petition bureau registers and transfers or assigns within 15 days of receipt.
        DeadlineRule("route_by", 15, Counting.CALENDAR_DAYS, gettext_lazy("信访工作条例 第二十二条")),
        # 信访工作条例 Art. 23 ¶3: the receiving unit tells the petitioner within 15 days of receiving the matter.
        DeadlineRule("accept_by", 15, Counting.CALENDAR_DAYS, gettext_lazy("信访工作条例 第二十三条第三款")),
        # 信访工作条例 Art. 23 ¶3: an objection ("not ours") within 5 working days of receiving the matter.
        # The unit may object; if it does not, it must still accept or refuse within accept_by.
        DeadlineRule("object_by", 5, Counting.WORKING_DAYS, gettext_lazy("信访工作条例 第二十三条第三款"), lapses=True),
        # 信访工作条例 Art. 34: decided within 60 days of acceptance (+ one extension of at most 30 days).
        DeadlineRule("decide_by", 60, Counting.CALENDAR_DAYS, gettext_lazy("信访工作条例 第三十四条")),
        # 信访工作条例 Art. 22 (3): an assigned matter (交办) is reported back with its result (办结报告) within
        # the time the bureau set (REPORT_DEFAULT_DAYS unless the officer chose another); met by the reply.
        DeadlineRule("report_by", REPORT_DEFAULT_DAYS, Counting.CALENDAR_DAYS, gettext_lazy("信访工作条例 第二十二条")),
        # 信访工作条例 Art. 35: review requested within 30 days of receiving the written reply; decided within 30 days.
        DeadlineRule("review_request_by", 30, Counting.CALENDAR_DAYS, gettext_lazy("信访工作条例 第三十五条"),
                     on_petitioner=True, lapses=True),
        DeadlineRule("review_decide_by", 30, Counting.CALENDAR_DAYS, gettext_lazy("信访工作条例 第三十五条")),
        # 信访工作条例 Art. 36: re-review requested within 30 days of the review reply; decided within 30 days.
        DeadlineRule("re_review_request_by", 30, Counting.CALENDAR_DAYS, gettext_lazy("信访工作条例 第三十六条"),
                     on_petitioner=True, lapses=True),
        DeadlineRule("re_review_decide_by", 30, Counting.CALENDAR_DAYS, gettext_lazy("信访工作条例 第三十六条")),
    )
}

# The order in which deadlines are shown and reported.
KINDS: tuple[str, ...] = tuple(RULES)
# The duties of the bureau and the units: the only deadlines that can be overdue.
OVERDUE_KINDS: tuple[str, ...] = tuple(kind for kind, rule in RULES.items() if not rule.lapses)
