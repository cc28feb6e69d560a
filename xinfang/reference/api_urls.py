"""/api/v1/ routes of the reference data (xinfang/reference/apis.py): the staff-readable routing table and
calendar, and the administration under /api/v1/reference/ with the reference pages' permissions."""

from django.urls import path

from xinfang.reference import apis

urlpatterns = [
    path("categories/routes/", apis.CategoryRoutesListApi.as_view(), name="api-categories-routes"),
    path("calendar/", apis.CalendarApi.as_view(), name="api-calendar"),
    path("calendar/<int:year>/", apis.CalendarYearApi.as_view(), name="api-calendar-year"),
    path("calendar/days/<str:day>/", apis.CalendarDayApi.as_view(), name="api-calendar-day"),
    path("reference/units/", apis.UnitTreeApi.as_view(), name="api-reference-units"),
    path("reference/units/<str:code>/", apis.UnitAdminApi.as_view(), name="api-reference-unit"),
    path("reference/units/<str:code>/deactivate/", apis.UnitDeactivateApi.as_view(),
         name="api-reference-unit-deactivate"),
    path("reference/units/<str:code>/reactivate/", apis.UnitReactivateApi.as_view(),
         name="api-reference-unit-reactivate"),
    path("reference/categories/", apis.CategoryTreeApi.as_view(), name="api-reference-categories"),
    path("reference/categories/<str:code>/", apis.CategoryAdminApi.as_view(), name="api-reference-category"),
    path("reference/categories/<str:code>/routes/", apis.CategoryStreetRoutesApi.as_view(),
         name="api-reference-category-routes"),
]
