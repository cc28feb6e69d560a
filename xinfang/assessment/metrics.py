"""The assessment metrics as data (目标考核, 信访工作条例 Art. 39; docs/assessment.md).

Each metric is a rate ``numerator / n`` over a set of items (cases, deadlines, orders) of one unit in one
calendar year, with a written definition: what is counted, over what, which dates put an item in the year,
which unit it counts against, and the article the duty comes from. ``selectors.py`` computes them; the
pages, the API, the report and the tests read these texts.

``better`` says which way is good: ``higher`` (on-time rates, satisfaction) or ``lower`` (repeat petitions,
objections overruled). A target is the rate a unit should reach (higher) or stay under (lower).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Metric:
    code: str
    name: Any
    numerator: Any
    denominator: Any
    period: Any  # which dates put an item in the year
    unit: Any  # which unit the item counts against
    article: Any
    better: str = "higher"
    default_weight: float = 1.0
    default_target: float = 0.9

    @property
    def lower_is_better(self) -> bool:
        return self.better == "lower"


METRICS: tuple[Metric, ...] = (
    Metric(
        code="route_on_time",
        name=_("按期转送交办率"),
        numerator=_("在期限内（截止日当日及以前）转送或交办的件数"),
        denominator=_("转送交办期限（收到之日起15日；被退回后重新转送的期限）已完成或已届满的件数；已取消的不计"),
        period=_("期限截止日在考核年度内"),
        unit=_("登记单位（通常为区信访办或家门口服务点）"),
        article=_("信访工作条例 第二十二条"),
        default_weight=1.0, default_target=0.95,
    ),
    Metric(
        code="accept_on_time",
        name=_("按期受理告知率"),
        numerator=_("在期限内出具受理告知书或不予受理告知书的件数"),
        denominator=_("受理告知期限（收到之日起15日）已完成或已届满的件数；因异议而取消的不计"),
        period=_("期限截止日在考核年度内"),
        unit=_("承办单位"),
        article=_("信访工作条例 第二十三条第三款"),
        default_weight=1.5, default_target=0.95,
    ),
    Metric(
        code="decide_on_time",
        name=_("按期办结率"),
        numerator=_("在办理期限内（含经批准延长的期限）作出处理意见的件数"),
        denominator=_("办理期限（受理之日起60日，经批准可延长不超过30日）已完成或已届满的件数"),
        period=_("期限截止日（延期后的截止日）在考核年度内"),
        unit=_("承办单位"),
        article=_("信访工作条例 第三十二条至第三十四条"),
        default_weight=2.0, default_target=0.9,
    ),
    Metric(
        code="rating_participation",
        name=_("参评率"),
        numerator=_("信访人对处理意见作出评价的件数"),
        denominator=_("作出处理意见（答复）的件数"),
        period=_("答复日期在考核年度内"),
        unit=_("承办单位"),
        article=_("信访事项办理群众满意度评价工作办法（2014）"),
        default_weight=0.5, default_target=0.6,
    ),
    Metric(
        code="satisfaction",
        name=_("满意率"),
        numerator=_("评价为满意或基本满意的件数"),
        denominator=_("信访人对处理意见作出评价的件数"),
        period=_("答复日期在考核年度内"),
        unit=_("作出处理意见、接受评价的单位（谁初次办理、谁接受评价）"),
        article=_("信访事项办理群众满意度评价工作办法（2014）"),
        default_weight=2.0, default_target=0.9,
    ),
    Metric(
        code="repeat_rate",
        name=_("重复信访率"),
        numerator=_("属于重复信访的件数（登记时认定的重复信访，或经办人关联为“重复信访”的事项）"),
        denominator=_("收到的信访事项件数：非重复信访按其承办单位计，重复信访按原事项的承办单位计；未交办的不计"),
        period=_("收到日期在考核年度内"),
        unit=_("承办单位；重复信访计入原事项的承办单位"),
        article=_("信访工作条例 第十九条第三款、第三十九条"),
        better="lower", default_weight=1.0, default_target=0.1,
    ),
    Metric(
        code="backlog_resolution",
        name=_("积案化解率"),
        numerator=_("年度内化解（案结事了或息诉罢访）的积案件数"),
        denominator=_("年度内在册的积案件数：年初在册未化解的加上年度内新列入的"),
        period=_("列入日期在年末以前，且年初仍未化解"),
        unit=_("积案列入时的责任单位"),
        article=_("信访工作条例 第十八条第二款、第三十九条"),
        default_weight=1.5, default_target=0.6,
    ),
    Metric(
        code="objection_overruled",
        name=_("异议不当率"),
        numerator=_("区信访办重新转送交办给同一单位的异议件数（异议被否定）"),
        denominator=_("单位提出异议（退回）的件数"),
        period=_("提出异议的日期在考核年度内"),
        unit=_("提出异议的单位"),
        article=_("信访工作条例 第二十三条第三款"),
        better="lower", default_weight=1.0, default_target=0.2,
    ),
    Metric(
        code="supervision_on_time",
        name=_("督办按期回复率"),
        numerator=_("在回复期限内（期限当日及以前）作出首次书面回复的督办单件数"),
        denominator=_("回复期限已届满或已回复的督办单件数"),
        period=_("回复期限在考核年度内"),
        unit=_("被督办单位"),
        article=_("信访工作条例 第四十条"),
        default_weight=1.0, default_target=0.9,
    ),
)

METRICS_BY_CODE: dict[str, Metric] = {m.code: m for m in METRICS}
CODES: tuple[str, ...] = tuple(METRICS_BY_CODE)

# The scheme a year uses until an officer saves one (docs/assessment.md).
DEFAULT_SCHEME: dict[str, dict[str, float]] = {
    m.code: {"weight": m.default_weight, "target": m.default_target} for m in METRICS
}
DEFAULT_MIN_N = 10
DEFAULT_MAX_INTERVAL = 0.4
DEFAULT_MIN_COVERAGE = 0.5
# The 95 % normal quantile of the Wilson score interval.
WILSON_Z = 1.96
