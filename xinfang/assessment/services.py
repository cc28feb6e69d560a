"""Writes of the assessment: the scheme of a year (weights, targets, small-sample rules). Everything is
checked before anything is written; a refused change writes nothing but its audit row."""

from __future__ import annotations

import math
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.assessment.metrics import METRICS_BY_CODE
from xinfang.assessment.models import AssessmentScheme
from xinfang.assessment.selectors import CONFIGURE_PERMISSION, YEAR_MAX, YEAR_MIN
from xinfang.core.audit import audit_record
from xinfang.core.errors import Forbidden, ValidationFailed


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def scheme_validate(*, year: Any, metrics: Any, min_n: Any, max_interval: Any,
                    min_coverage: Any) -> dict[str, Any]:
    """The scheme's values, checked: every metric present with a weight ≥ 0 (their sum > 0) and a target in
    (0, 1]; ``min_n`` a whole number ≥ 1; ``max_interval`` in (0, 1]; ``min_coverage`` in [0, 1]. Raises
    ValidationFailed naming each bad field (``<code>.weight``, ``<code>.target``, …)."""
    errors: dict[str, list[str]] = {}
    if not isinstance(year, int) or isinstance(year, bool) or not YEAR_MIN <= year <= YEAR_MAX:
        errors["year"] = [_("年度须为%(a)d至%(b)d之间的整数。") % {"a": YEAR_MIN, "b": YEAR_MAX}]
    clean: dict[str, dict[str, float]] = {}
    if not isinstance(metrics, dict):
        errors["metrics"] = [_("请逐项填写各指标的权重和目标值。")]
        metrics = {}
    unknown = sorted(set(metrics) - set(METRICS_BY_CODE))
    if unknown:
        errors["metrics"] = [_("未知的指标：%(c)s") % {"c": "、".join(unknown)}]
    for code in METRICS_BY_CODE:
        entry = metrics.get(code)
        if not isinstance(entry, dict):
            errors[f"{code}.weight"] = [_("请填写权重。")]
            continue
        weight, target = _number(entry.get("weight")), _number(entry.get("target"))
        if weight is None or weight < 0 or weight > 100:
            errors[f"{code}.weight"] = [_("权重须为0至100之间的数。")]
        if target is None or not 0 < target <= 1:
            errors[f"{code}.target"] = [_("目标值须大于0且不超过1（例如0.9表示90%）。")]
        if weight is not None and target is not None:
            clean[code] = {"weight": weight, "target": target}
    if not any(f"{code}.weight" in errors for code in METRICS_BY_CODE) and len(clean) == len(METRICS_BY_CODE) \
            and sum(v["weight"] for v in clean.values()) <= 0:
        errors["metrics"] = [_("权重之和必须大于0。")]
    n = min_n
    if isinstance(n, str) and n.strip().isdigit():
        n = int(n)
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= 10000:
        errors["min_n"] = [_("最小样本量须为1至10000之间的整数。")]
    interval = _number(max_interval)
    if interval is None or not 0 < interval <= 1:
        errors["max_interval"] = [_("置信区间最大宽度须大于0且不超过1。")]
    coverage = _number(min_coverage)
    if coverage is None or not 0 <= coverage <= 1:
        errors["min_coverage"] = [_("权重覆盖率须在0至1之间。")]
    if errors:
        raise ValidationFailed(_("考核方案有误，未保存。"), errors=errors)
    return {"year": year, "metrics": clean, "min_n": n, "max_interval": interval, "min_coverage": coverage}


@transaction.atomic
def scheme_update(*, actor: Any, year: Any, metrics: Any, min_n: Any, max_interval: Any,
                  min_coverage: Any) -> AssessmentScheme:
    """Save the scheme of ``year`` (created on the first save; the default applies until then), by an officer
    holding ``configure_assessment``; audited with the old and the new values."""
    if not actor.has_perm(CONFIGURE_PERMISSION):
        raise Forbidden(_("您没有设置考核方案的权限。"))
    values = scheme_validate(year=year, metrics=metrics, min_n=min_n, max_interval=max_interval,
                             min_coverage=min_coverage)
    scheme = AssessmentScheme.objects.select_for_update().filter(year=values["year"]).first()
    before = None
    if scheme is None:
        scheme = AssessmentScheme(year=values["year"])
    else:
        before = {"metrics": scheme.metrics, "min_n": scheme.min_n, "max_interval": scheme.max_interval,
                  "min_coverage": scheme.min_coverage}
    scheme.metrics = values["metrics"]
    scheme.min_n = values["min_n"]
    scheme.max_interval = values["max_interval"]
    scheme.min_coverage = values["min_coverage"]
    scheme.updated_at = timezone.now()
    scheme.updated_by = actor
    scheme.save()
    audit_record(actor=actor, action="assessment.scheme_update", obj=scheme,
                 detail={"year": scheme.year, "before": before,
                         "after": {"metrics": scheme.metrics, "min_n": scheme.min_n,
                                   "max_interval": scheme.max_interval, "min_coverage": scheme.min_coverage}})
    return scheme
