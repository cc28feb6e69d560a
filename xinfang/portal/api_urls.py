from django.urls import path

from xinfang.portal import apis

urlpatterns = [
    path("track/<str:query_code>/", apis.PortalTrackApi.as_view(), name="api-portal-track"),
    path("rate/", apis.PortalRateApi.as_view(), name="api-portal-rate"),
    path("review/", apis.PortalReviewApi.as_view(), name="api-portal-review"),
    path("re-review/", apis.PortalReReviewApi.as_view(), name="api-portal-re-review"),
]
