"""/api/v1/ routes of xinfang.assessment (docs/assessment.md)."""

from django.urls import path

from xinfang.assessment import apis

urlpatterns = [
    path("assessment/", apis.AssessmentApi.as_view(), name="api-assessment"),
    path("assessment/metrics/", apis.MetricDefinitionsApi.as_view(), name="api-assessment-metrics"),
    path("assessment/schemes/<int:year>/", apis.SchemeApi.as_view(), name="api-assessment-scheme"),
    path("assessment/report/", apis.ReportApi.as_view(), name="api-assessment-report"),
    path("assessment/export/", apis.ExportApi.as_view(), name="api-assessment-export"),
    path("assessment/units/<int:pk>/metrics/<slug:metric>/cases/", apis.MetricCasesApi.as_view(),
         name="api-assessment-metric-cases"),
]
