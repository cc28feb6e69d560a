"""Output shapes of /api/v1/analytics/ (docs/api.md, docs/analytics.md)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from xinfang.analytics.selectors import Hotspots, Overview, Row, TrendPoint


class RowOut(serializers.Serializer):
    id = serializers.CharField(allow_blank=True, help_text="The value as stored: a category's or unit's primary key, a channel or "
                                         "matter type; empty for none (no category, no street, not routed).")
    code = serializers.CharField(allow_blank=True, help_text="The code the case list filters by (empty for none).")
    name = serializers.CharField(allow_blank=True)
    count = serializers.IntegerField()
    cases = serializers.CharField(allow_blank=True, help_text="The case list page showing these cases (with its "
                                                              "filters); empty for none (no filter names it).")


class TrendOut(serializers.Serializer):
    period = serializers.CharField(help_text="ISO week (2026-W07) or month (2026-02).")
    start = serializers.DateField()
    end = serializers.DateField()
    count = serializers.IntegerField()
    cases = serializers.CharField()


class SatisfactionOut(serializers.Serializer):
    n = serializers.IntegerField(help_text="Ratings given on the period's cases (every stage).")
    satisfied = serializers.IntegerField()
    basically_satisfied = serializers.IntegerField()
    dissatisfied = serializers.IntegerField()
    satisfied_share = serializers.FloatField()
    basically_satisfied_share = serializers.FloatField()
    dissatisfied_share = serializers.FloatField()


class BacklogOut(serializers.Serializer):
    at_start = serializers.IntegerField()
    added = serializers.IntegerField()
    resolved = serializers.IntegerField()
    stopped = serializers.IntegerField()
    remaining = serializers.IntegerField()


class ScopeOut(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[("district", "district"), ("unit", "unit"), ("street", "street")])
    code = serializers.CharField(allow_blank=True, help_text="Empty for the district.")
    name = serializers.CharField()


class OverviewOut(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    scope = ScopeOut()
    new_cases = serializers.IntegerField()
    open = serializers.IntegerField(help_text="Received in the period and not concluded yet.")
    overdue = serializers.IntegerField(help_text="Received in the period, with a deadline marked overdue and "
                                                 "still unmet.")
    group_visits = serializers.IntegerField()
    repeats = serializers.IntegerField()
    repeat_rate = serializers.FloatField()
    satisfaction = SatisfactionOut()
    by_category = RowOut(many=True)
    by_street = RowOut(many=True)
    by_unit = RowOut(many=True)
    by_channel = RowOut(many=True)
    by_matter_type = RowOut(many=True)
    weekly = TrendOut(many=True)
    monthly = TrendOut(many=True)
    backlog = BacklogOut(allow_null=True, help_text="The backlog register's stock and flow (null for a street).")
    links = serializers.DictField(child=serializers.CharField(),
                                  help_text="The case list behind each headline figure.")


class HotspotCellOut(serializers.Serializer):
    category = RowOut()
    street = RowOut()
    count = serializers.IntegerField()
    baseline = serializers.IntegerField()
    expected = serializers.FloatField()
    ratio = serializers.FloatField()
    p_value = serializers.FloatField()
    cases = serializers.CharField()


class PhraseOut(serializers.Serializer):
    text = serializers.CharField()
    docs = serializers.IntegerField()
    baseline_docs = serializers.IntegerField()
    score = serializers.FloatField()
    cases = serializers.CharField()


class HotspotsOut(serializers.Serializer):
    end = serializers.DateField()
    window_start = serializers.DateField()
    baseline_start = serializers.DateField()
    scope = ScopeOut()
    window_cases = serializers.IntegerField()
    baseline_cases = serializers.IntegerField()
    cells = HotspotCellOut(many=True)
    phrases = PhraseOut(many=True)


def _row(row: Row) -> dict[str, Any]:
    return {"id": row.key, "code": row.code, "name": row.name, "count": row.count, "cases": row.link}


def _trend(point: TrendPoint) -> dict[str, Any]:
    return {"period": point.label, "start": point.start, "end": point.end, "count": point.count, "cases": point.link}


def _scope(data: Overview | Hotspots) -> dict[str, Any]:
    return {"kind": data.scope.kind, "code": data.scope.code, "name": data.scope.label}


def overview_data(data: Overview) -> dict[str, Any]:
    s = data.satisfaction
    return {
        "start": data.start, "end": data.end, "scope": _scope(data),
        "new_cases": data.new_cases, "open": data.open, "overdue": data.overdue, "group_visits": data.group_visits,
        "repeats": data.repeats, "repeat_rate": data.repeat_rate,
        "satisfaction": {"n": s.n, "satisfied": s.satisfied, "basically_satisfied": s.basically,
                         "dissatisfied": s.dissatisfied, "satisfied_share": s.share(s.satisfied),
                         "basically_satisfied_share": s.share(s.basically),
                         "dissatisfied_share": s.share(s.dissatisfied)},
        "by_category": [_row(r) for r in data.by_category], "by_street": [_row(r) for r in data.by_street],
        "by_unit": [_row(r) for r in data.by_unit], "by_channel": [_row(r) for r in data.by_channel],
        "by_matter_type": [_row(r) for r in data.by_matter],
        "weekly": [_trend(p) for p in data.weekly], "monthly": [_trend(p) for p in data.monthly],
        "backlog": (None if data.backlog is None else
                    {k: getattr(data.backlog, k) for k in ("at_start", "added", "resolved", "stopped", "remaining")}),
        "links": data.links,
    }


def hotspots_data(hot: Hotspots, phrase_links: list[str]) -> dict[str, Any]:
    return {
        "end": hot.end, "window_start": hot.window_start, "baseline_start": hot.baseline_start, "scope": _scope(hot),
        "window_cases": hot.window_cases, "baseline_cases": hot.baseline_cases,
        "cells": [{"category": _row(c.category), "street": _row(c.street), "count": c.test.count,
                   "baseline": c.test.baseline, "expected": round(c.test.expected, 3), "ratio": round(c.test.ratio, 3),
                   "p_value": c.test.p_value, "cases": c.link} for c in hot.cells],
        "phrases": [{"text": p.text, "docs": p.docs, "baseline_docs": p.baseline_docs, "score": round(p.score, 3),
                     "cases": link} for p, link in zip(hot.phrases, phrase_links, strict=True)],
    }
