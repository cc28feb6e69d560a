"""Input and output shapes of /api/v1/assessment/. Answers are built as plain dicts by the functions below;
the output serializers describe them for the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from xinfang.assessment.metrics import CODES, METRICS, Metric
from xinfang.assessment.selectors import YEAR_MAX, YEAR_MIN, Assessment, Drill, Figure, SchemeData, UnitScore

# --- Inputs ------------------------------------------------------------------------------------------------


class MetricSchemeIn(serializers.Serializer):
    weight = serializers.FloatField(help_text="≥ 0 (0: not in the score); the weights' sum must be > 0.")
    target = serializers.FloatField(help_text="In (0, 1]: the rate to reach (or, lower-is-better, to stay under).")


class SchemeIn(serializers.Serializer):
    metrics = serializers.DictField(child=MetricSchemeIn(), help_text=f"Every metric code: {', '.join(CODES)}.")
    min_n = serializers.IntegerField(help_text="A figure with fewer items is a small sample (1–10000).")
    max_interval = serializers.FloatField(help_text="A figure whose 95 % Wilson interval is wider is a small sample.")
    min_coverage = serializers.FloatField(help_text="Ranked only when counted metrics carry this share of the weight.")


class ReportIn(serializers.Serializer):
    year = serializers.IntegerField(min_value=YEAR_MIN, max_value=YEAR_MAX)
    recommendations = serializers.CharField(max_length=5000, required=False, allow_blank=True,
                                            help_text="The recommendations' text; empty: drafted from the figures.")


# --- Outputs -----------------------------------------------------------------------------------------------

class MetricDefinitionOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    numerator = serializers.CharField()
    denominator = serializers.CharField()
    period = serializers.CharField()
    unit = serializers.CharField(help_text="Which unit an item counts against.")
    article = serializers.CharField()
    better = serializers.ChoiceField(choices=[("higher", "higher"), ("lower", "lower")])


class FigureOut(serializers.Serializer):
    metric = serializers.CharField()
    value = serializers.FloatField(allow_null=True, help_text="numerator / n; null when n is 0.")
    numerator = serializers.IntegerField()
    n = serializers.IntegerField(help_text="The denominator: how many items the figure rests on.")
    interval = serializers.ListField(child=serializers.FloatField(), help_text="95 % Wilson interval [low, high].")
    small_sample = serializers.BooleanField(help_text="Left out of the score (n too small or interval too wide).")
    small_sample_reason = serializers.CharField(allow_blank=True)
    weight = serializers.FloatField()
    target = serializers.FloatField()
    attainment = serializers.FloatField(allow_null=True)
    case_ids = serializers.ListField(child=serializers.IntegerField(),
                                     help_text="The cases behind the figure that the caller may open.")


class UnitRefOut(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class UnitScoreOut(serializers.Serializer):
    unit = UnitRefOut()
    score = serializers.FloatField(allow_null=True)
    coverage = serializers.FloatField()
    rank = serializers.IntegerField(allow_null=True, help_text="null: a small-sample unit, not ranked.")
    figures = FigureOut(many=True)


class SchemeOut(serializers.Serializer):
    year = serializers.IntegerField()
    saved = serializers.BooleanField(help_text="false: the default scheme (none saved for the year).")
    metrics = serializers.DictField(child=MetricSchemeIn())
    min_n = serializers.IntegerField()
    max_interval = serializers.FloatField()
    min_coverage = serializers.FloatField()
    updated_at = serializers.DateTimeField(allow_null=True)
    updated_by = serializers.CharField(allow_blank=True)


class AssessmentOut(serializers.Serializer):
    year = serializers.IntegerField()
    as_of = serializers.DateField()
    scheme = SchemeOut()
    definitions = MetricDefinitionOut(many=True)
    ranked = UnitScoreOut(many=True)
    small_samples = UnitScoreOut(many=True)


class DrillCaseOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    received_at = serializers.DateTimeField()
    status = serializers.CharField()
    counted = serializers.BooleanField(help_text="In the numerator.")


class DrillOut(serializers.Serializer):
    year = serializers.IntegerField()
    unit = UnitRefOut()
    metric = MetricDefinitionOut()
    numerator = serializers.IntegerField()
    n = serializers.IntegerField()
    orders_without_case = serializers.IntegerField()
    hidden = serializers.IntegerField(help_text="Cases behind the figure that the caller may not see.")
    cases = DrillCaseOut(many=True)


def metric_data(metric: Metric) -> dict[str, Any]:
    return {"code": metric.code, "name": str(metric.name), "numerator": str(metric.numerator),
            "denominator": str(metric.denominator), "period": str(metric.period), "unit": str(metric.unit),
            "article": str(metric.article), "better": metric.better}


def _figure_data(f: Figure) -> dict[str, Any]:
    return {"metric": f.code, "value": f.value, "numerator": f.numerator, "n": f.n, "interval": list(f.interval),
            "small_sample": f.small, "small_sample_reason": f.small_reason, "weight": f.weight, "target": f.target,
            "attainment": f.attainment, "case_ids": f.case_ids}


def _unit_ref(unit: Any) -> dict[str, Any]:
    return {"id": unit.pk, "code": unit.code, "name": unit.name}


def _score_data(row: UnitScore) -> dict[str, Any]:
    return {"unit": _unit_ref(row.unit), "score": row.score, "coverage": round(row.coverage, 4), "rank": row.rank,
            "figures": [_figure_data(f) for f in row.figures]}


def scheme_data(scheme: SchemeData) -> dict[str, Any]:
    return {"year": scheme.year, "saved": scheme.saved, "metrics": scheme.metrics, "min_n": scheme.min_n,
            "max_interval": scheme.max_interval, "min_coverage": scheme.min_coverage,
            "updated_at": scheme.updated_at, "updated_by": scheme.updated_by}


def assessment_data(assessment: Assessment) -> dict[str, Any]:
    return {"year": assessment.year, "as_of": assessment.as_of, "scheme": scheme_data(assessment.scheme),
            "definitions": [metric_data(m) for m in METRICS],
            "ranked": [_score_data(r) for r in assessment.ranked],
            "small_samples": [_score_data(r) for r in assessment.small]}


def drill_data(drill: Drill) -> dict[str, Any]:
    return {"year": drill.year, "unit": _unit_ref(drill.unit), "metric": metric_data(drill.metric),
            "numerator": drill.numerator, "n": drill.n, "orders_without_case": drill.orders_without_case,
            "hidden": drill.hidden,
            "cases": [{"id": r.case.pk, "number": r.case.number, "title": r.case.title,
                       "received_at": r.case.received_at, "status": r.case.status, "counted": r.hit}
                      for r in drill.rows]}
