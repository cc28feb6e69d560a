"""/assessment/: the scores of a year, a unit's figures, the cases behind a figure, the metric definitions,
the scheme editor and the yearly report (docs/assessment.md). Thin views over ``selectors.py``,
``services.py`` and ``report.py``; unit heads see their own unit only (404 for any other)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from xinfang.assessment import report, services
from xinfang.assessment.forms import DrillForm, ReportForm, SchemeForm, YearForm
from xinfang.assessment.metrics import METRICS, METRICS_BY_CODE
from xinfang.assessment.selectors import (
    CONFIGURE_PERMISSION,
    REPORT_PERMISSION,
    VIEW_PERMISSION,
    assessment_scores,
    assessment_unit_access,
    metric_drill,
    recommendations_draft,
    scheme_for_year,
)
from xinfang.core.audit import audit_record
from xinfang.core.errors import NotFound, ValidationFailed
from xinfang.core.pages import staff_page


def _year_or_400(request: HttpRequest, template: str, context: dict) -> tuple[int | None, HttpResponse | None]:
    form = YearForm.from_query(request.GET)
    if form.is_valid():
        return form.cleaned_data["year"], None
    return None, render(request, template, {**context, "year_form": form}, status=400)


@staff_page(VIEW_PERMISSION)
@require_GET
def scores(request: HttpRequest) -> HttpResponse:
    """Units × metrics for a year: value, n and small-sample flag, the score and the rank; small samples apart."""
    year, error = _year_or_400(request, "assessment/scores.html", {"metrics": METRICS})
    if error is not None:
        return error
    assert year is not None
    assessment = assessment_scores(user=request.user, year=year)
    return render(request, "assessment/scores.html", {
        "year_form": YearForm({"year": year}), "year": year, "assessment": assessment, "metrics": METRICS,
        "can_configure": request.user.has_perm(CONFIGURE_PERMISSION),
        "can_report": request.user.has_perm(REPORT_PERMISSION)})


@staff_page(VIEW_PERMISSION)
@require_GET
def unit(request: HttpRequest, pk: int) -> HttpResponse:
    """One unit's figures with their definitions, intervals, targets and links to the cases."""
    target = assessment_unit_access(user=request.user, unit_id=pk)
    year, error = _year_or_400(request, "assessment/unit.html", {"unit": target})
    if error is not None:
        return error
    assert year is not None
    assessment = assessment_scores(user=request.user, year=year, unit_id=target.pk)
    row = assessment.units[0] if assessment.units else None
    return render(request, "assessment/unit.html", {"year_form": YearForm({"year": year}), "year": year,
                                                    "unit": target, "row": row, "assessment": assessment})


@staff_page(VIEW_PERMISSION)
@require_GET
def cases(request: HttpRequest, pk: int, metric: str) -> HttpResponse:
    """The cases behind one figure (through the case gateway)."""
    if metric not in METRICS_BY_CODE:
        raise NotFound()
    target = assessment_unit_access(user=request.user, unit_id=pk)
    data = request.GET.copy()
    if not data.get("year"):
        data["year"] = str(timezone.localdate().year)
    form = DrillForm(data)
    if not form.is_valid():
        return render(request, "assessment/cases.html", {"form": form, "unit": target,
                                                         "metric": METRICS_BY_CODE[metric]}, status=400)
    drill = metric_drill(user=request.user, year=form.cleaned_data["year"], unit_id=target.pk, code=metric,
                         only=form.cleaned_data["only"])
    return render(request, "assessment/cases.html", {"form": form, "unit": target, "metric": drill.metric,
                                                     "drill": drill, "year": drill.year})


@staff_page(VIEW_PERMISSION)
@require_GET
def definitions(request: HttpRequest) -> HttpResponse:
    """Every metric's written definition, and the formula of the score."""
    scheme = scheme_for_year(year=timezone.localdate().year)
    return render(request, "assessment/metrics.html", {"metrics": METRICS, "scheme": scheme})


@staff_page(CONFIGURE_PERMISSION)
@require_http_methods(["GET", "POST"])
def scheme(request: HttpRequest) -> HttpResponse:
    """The weights, targets and small-sample rules of a year; bad input changes nothing."""
    source = request.POST if request.method == "POST" else request.GET
    year_form = YearForm.from_query(source)
    if not year_form.is_valid():
        return render(request, "assessment/scheme.html", {"year_form": year_form}, status=400)
    year = year_form.cleaned_data["year"]
    current = scheme_for_year(year=year)
    if request.method == "POST":
        form = SchemeForm(request.POST)
        if form.is_valid():
            try:
                services.scheme_update(actor=request.user, year=year, **form.service_values())
            except ValidationFailed as exc:
                form.add_service_errors(exc.errors or {}, str(exc.message))
            else:
                messages.success(request, _("%(y)d年度考核方案已保存。") % {"y": year})
                return redirect(reverse("assessment:scores") + f"?year={year}")
        return render(request, "assessment/scheme.html", {"year_form": year_form, "year": year, "form": form,
                                                          "scheme": current}, status=400)
    return render(request, "assessment/scheme.html", {"year_form": year_form, "year": year,
                                                      "form": SchemeForm(scheme=current), "scheme": current})


@staff_page(REPORT_PERMISSION)
@require_http_methods(["GET", "POST"])
def report_page(request: HttpRequest) -> HttpResponse:
    """The yearly report (Art. 41): recommendations drafted from the figures, edited, then the .docx."""
    if request.method == "POST":
        form = ReportForm(request.POST)
        if form.is_valid():
            return report_response(request, year=form.cleaned_data["year"],
                                   recommendations=form.cleaned_data["recommendations"])
        return render(request, "assessment/report.html", {"form": form}, status=400)
    year_form = YearForm.from_query(request.GET)
    if not year_form.is_valid():
        return render(request, "assessment/report.html", {"form": ReportForm(), "year_form": year_form}, status=400)
    year = year_form.cleaned_data["year"]
    assessment = assessment_scores(user=request.user, year=year)
    form = ReportForm(initial={"year": year, "recommendations": recommendations_draft(assessment=assessment)})
    return render(request, "assessment/report.html", {"form": form, "year": year, "year_form": year_form})


def report_response(request: HttpRequest, *, year: int, recommendations: str) -> HttpResponse:
    """The .docx of the report, audited (shared with the API)."""
    assessment = assessment_scores(user=request.user, year=year)
    statistics = report.year_statistics(user=request.user, year=year)
    unit = getattr(request.user, "unit", None)
    issuer = unit.name if unit is not None else ""
    body = report.report_build_docx(assessment=assessment, statistics=statistics, recommendations=recommendations,
                                    issuer=issuer)
    audit_record(actor=request.user, action="assessment.report", object_type="assessment.report",
                 object_id=str(year), detail={"year": year, "units": len(assessment.units), "bytes": len(body)})
    response = HttpResponse(body, content_type=report.DOCX_TYPE)
    response["Content-Disposition"] = report.report_content_disposition(year)
    return response


def export_response(request: HttpRequest, *, year: int) -> HttpResponse:
    """The .xlsx of the tables, audited (shared with the API)."""
    assessment = assessment_scores(user=request.user, year=year)
    statistics = report.year_statistics(user=request.user, year=year)
    body = report.scores_build_xlsx(assessment=assessment, statistics=statistics)
    audit_record(actor=request.user, action="assessment.export", object_type="assessment.report",
                 object_id=str(year), detail={"year": year, "units": len(assessment.units)})
    response = HttpResponse(body, content_type=report.XLSX_TYPE)
    response["Content-Disposition"] = report.scores_content_disposition(year)
    return response


@staff_page(REPORT_PERMISSION)
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    year, error = _year_or_400(request, "assessment/scores.html", {"metrics": METRICS})
    if error is not None:
        return error
    assert year is not None
    return export_response(request, year=year)


urlpatterns: list[URLPattern] = [
    path("", scores, name="scores"),
    path("metrics/", definitions, name="metrics"),
    path("scheme/", scheme, name="scheme"),
    path("report/", report_page, name="report"),
    path("export.xlsx", export, name="export"),
    path("units/<int:pk>/", unit, name="unit"),
    path("units/<int:pk>/<slug:metric>/", cases, name="cases"),
]
