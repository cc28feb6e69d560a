"""/api/v1/grassroots/: disputes, mediations, visits, reception days, service points (docs/grassroots.md)."""

from django.urls import URLPattern, path

from xinfang.grassroots import apis

urlpatterns: list[URLPattern] = [
    path("disputes/", apis.DisputeListCreateApi.as_view(), name="api-grassroots-disputes"),
    path("disputes/<int:pk>/", apis.DisputeDetailApi.as_view(), name="api-grassroots-dispute"),
    path("disputes/<int:pk>/resolve/", apis.DisputeResolveApi.as_view(), name="api-grassroots-dispute-resolve"),
    path("disputes/<int:pk>/convert/", apis.DisputeConvertApi.as_view(), name="api-grassroots-dispute-convert"),
    path("mediations/", apis.MediationListCreateApi.as_view(), name="api-grassroots-mediations"),
    path("mediations/<int:pk>/", apis.MediationDetailApi.as_view(), name="api-grassroots-mediation"),
    path("mediations/<int:pk>/sessions/", apis.MediationSessionApi.as_view(), name="api-grassroots-mediation-session"),
    path("mediations/<int:pk>/conclude/", apis.MediationConcludeApi.as_view(),
         name="api-grassroots-mediation-conclude"),
    path("mediations/<int:pk>/follow-ups/", apis.MediationFollowUpApi.as_view(),
         name="api-grassroots-mediation-follow-up"),
    path("mediations/<int:pk>/agreement/", apis.MediationAgreementApi.as_view(),
         name="api-grassroots-mediation-agreement"),
    path("visits/", apis.VisitListCreateApi.as_view(), name="api-grassroots-visits"),
    path("visits/<int:pk>/", apis.VisitDetailApi.as_view(), name="api-grassroots-visit"),
    path("visits/<int:pk>/findings/", apis.VisitFindingApi.as_view(), name="api-grassroots-visit-finding"),
    path("findings/<int:pk>/convert/", apis.FindingConvertApi.as_view(), name="api-grassroots-finding-convert"),
    path("reception-days/", apis.ReceptionDayListCreateApi.as_view(), name="api-grassroots-reception-days"),
    path("reception-days/<int:pk>/", apis.ReceptionDayDetailApi.as_view(), name="api-grassroots-reception-day"),
    path("reception-days/<int:pk>/cancel/", apis.ReceptionDayCancelApi.as_view(),
         name="api-grassroots-reception-day-cancel"),
    path("reception-days/<int:pk>/receptions/", apis.ReceptionCreateApi.as_view(),
         name="api-grassroots-reception-day-receive"),
    path("receptions/<int:pk>/register/", apis.ReceptionRegisterApi.as_view(),
         name="api-grassroots-reception-register"),
    path("service-points/", apis.ServicePointListApi.as_view(), name="api-grassroots-service-points"),
    path("service-points/<int:pk>/", apis.ServicePointDetailApi.as_view(), name="api-grassroots-service-point"),
    path("parties/<int:pk>/reveal/", apis.PartyRevealApi.as_view(), name="api-grassroots-party-reveal"),
]
