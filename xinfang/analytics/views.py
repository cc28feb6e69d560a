"""/analytics/: the overview (形势研判), the hotspots and the top-petitioners panel (htmx). Thin views over
``selectors.py``; a scope outside the user's answers 404, a malformed period 400 with the form's errors
(docs/analytics.md)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from xinfang.analytics.forms import HotspotsForm, OverviewForm
from xinfang.analytics.selectors import (
    VIEW_ANALYTICS,
    Overview,
    Row,
    TrendPoint,
    hotspot_phrases,
    hotspots,
    overview,
    period_default,
    phrase_link,
    scope_resolve,
)
from xinfang.core.audit import audit_record
from xinfang.core.pages import staff_page
from xinfang.petitioners.selectors import repeat_figures


def _points(rows: list[Row] | list[TrendPoint]) -> list[dict[str, Any]]:
    return [{"label": r.label if isinstance(r, TrendPoint) else r.name, "count": r.count, "link": r.link}
            for r in rows]


def charts_data(data: Overview) -> dict[str, Any]:
    """What charts.js draws, by element id."""
    s = data.satisfaction
    satisfaction = [{"label": str(_("满意")), "count": s.satisfied, "link": data.links.get("satisfied", "")},
                    {"label": str(_("基本满意")), "count": s.basically, "link": data.links.get("basically", "")},
                    {"label": str(_("不满意")), "count": s.dissatisfied, "link": data.links.get("dissatisfied", "")}]
    return {
        "chart-weekly": {"kind": "line", "points": _points(data.weekly)},
        "chart-monthly": {"kind": "bar", "points": _points(data.monthly)},
        "chart-category": {"kind": "bar", "points": _points(data.by_category)},
        "chart-street": {"kind": "bar", "points": _points(data.by_street)},
        "chart-unit": {"kind": "bar", "points": _points(data.by_unit)},
        "chart-channel": {"kind": "pie", "points": _points(data.by_channel)},
        "chart-matter": {"kind": "pie", "points": _points(data.by_matter)},
        "chart-satisfaction": {"kind": "pie", "points": [p for p in satisfaction if p["count"]]},
    }


@staff_page(VIEW_ANALYTICS)
@require_GET
def overview_page(request: HttpRequest) -> HttpResponse:
    """The overview of a period (this year to date by default) and a scope the user may choose."""
    params = request.GET.copy()
    start, end = period_default()
    params.setdefault("start", start.isoformat())
    params.setdefault("end", end.isoformat())
    form = OverviewForm(params, user=request.user)
    if not form.is_valid():
        return render(request, "analytics/overview.html", {"form": form, "data": None}, status=400)
    scope = scope_resolve(user=request.user, value=form.cleaned_data["scope"])
    data = overview(user=request.user, start=form.cleaned_data["start"], end=form.cleaned_data["end"], scope=scope)
    backlog_query = urlencode({"date_from": data.start.isoformat(), "date_to": data.end.isoformat()})
    return render(request, "analytics/overview.html", {"form": form, "data": data, "charts": charts_data(data),
                                                       "backlog_query": backlog_query})


@staff_page(VIEW_ANALYTICS)
@require_GET
def top_petitioners(request: HttpRequest) -> HttpResponse:
    """The petitioners with the most repeats over the period (petitioners.selectors.repeat_figures, over
    every case the user may see): an htmx panel of the overview, a small page without htmx."""
    form = OverviewForm(request.GET, user=request.user)
    if not form.is_valid():
        return render(request, "analytics/_top_petitioners.html", {"figures": None, "form": form}, status=400)
    figures = repeat_figures(user=request.user, start=form.cleaned_data["start"], end=form.cleaned_data["end"])
    audit_record(actor=request.user, action="analytics.top_petitioners", object_type="petitioners.petitioner",
                 object_id="", detail={"petitioners": [p.petitioner_id for p in figures.top_petitioners]})
    template = "analytics/_top_petitioners.html" if request.headers.get("HX-Request") else \
        "analytics/top_petitioners.html"
    return render(request, template, {"figures": figures, "form": form})


def _hotspots_form(request: HttpRequest) -> HotspotsForm:
    params = request.GET.copy()
    params.setdefault("end", timezone.localdate().isoformat())
    return HotspotsForm(params, user=request.user)


@staff_page(VIEW_ANALYTICS)
@require_GET
def hotspots_page(request: HttpRequest) -> HttpResponse:
    """Category × street cells rising against their own baseline; the key phrases of the period come after
    the page, as an htmx panel (``hotspot_phrases_panel``): they take seconds on a large district."""
    form = _hotspots_form(request)
    if not form.is_valid():
        return render(request, "analytics/hotspots.html", {"form": form, "hot": None}, status=400)
    scope = scope_resolve(user=request.user, value=form.cleaned_data["scope"])
    hot = hotspots(user=request.user, end=form.cleaned_data["end"], scope=scope, phrases=False)
    return render(request, "analytics/hotspots.html", {
        "form": form, "hot": hot,
        "phrases_query": urlencode({"end": hot.end.isoformat(), "scope": form.cleaned_data["scope"] or ""}),
    })


@staff_page(VIEW_ANALYTICS)
@require_GET
def hotspot_phrases_panel(request: HttpRequest) -> HttpResponse:
    """The key phrases of the hotspots' period: the panel the hotspots page loads (htmx), or a small page
    of its own without htmx."""
    form = _hotspots_form(request)
    template = "analytics/_hotspot_phrases.html" if request.headers.get("HX-Request") else \
        "analytics/hotspot_phrases.html"
    if not form.is_valid():
        return render(request, template, {"form": form, "found": None}, status=400)
    scope = scope_resolve(user=request.user, value=form.cleaned_data["scope"])
    found = hotspot_phrases(user=request.user, end=form.cleaned_data["end"], scope=scope)
    return render(request, template, {
        "form": form, "found": found, "phrases": [{"phrase": p, "link": phrase_link(p.text, found)}
                                                  for p in found.phrases],
    })


urlpatterns: list[URLPattern] = [
    path("", overview_page, name="overview"),
    path("hotspots/", hotspots_page, name="hotspots"),
    path("hotspots/phrases/", hotspot_phrases_panel, name="hotspot_phrases"),
    path("top-petitioners/", top_petitioners, name="top_petitioners"),
]
