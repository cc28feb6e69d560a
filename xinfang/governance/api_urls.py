"""/api/v1/governance/: the backlog register and supervision (docs/governance.md)."""

from django.urls import path

from xinfang.governance import apis

urlpatterns = [
    path("backlog/", apis.BacklogListCreateApi.as_view(), name="api-backlog"),
    path("backlog/stats/", apis.BacklogStatsApi.as_view(), name="api-backlog-stats"),
    path("backlog/rules/", apis.BacklogRulesApi.as_view(), name="api-backlog-rules"),
    path("backlog/<int:pk>/", apis.BacklogDetailApi.as_view(), name="api-backlog-detail"),
    path("backlog/<int:pk>/leader/", apis.BacklogLeaderApi.as_view(), name="api-backlog-leader"),
    path("backlog/<int:pk>/team/", apis.BacklogTeamApi.as_view(), name="api-backlog-team"),
    path("backlog/<int:pk>/plan/", apis.BacklogPlanApi.as_view(), name="api-backlog-plan"),
    path("backlog/<int:pk>/milestones/", apis.BacklogMilestoneApi.as_view(), name="api-backlog-milestones"),
    path("backlog/<int:pk>/milestones/<int:item>/done/", apis.BacklogMilestoneDoneApi.as_view(),
         name="api-backlog-milestone-done"),
    path("backlog/<int:pk>/files/", apis.BacklogFilesApi.as_view(), name="api-backlog-files"),
    path("backlog/<int:pk>/notes/", apis.BacklogNoteApi.as_view(), name="api-backlog-notes"),
    path("backlog/<int:pk>/close/", apis.BacklogCloseApi.as_view(), name="api-backlog-close"),
    path("backlog/<int:pk>/aftercare/", apis.AfterCareApi.as_view(), name="api-backlog-aftercare"),
    path("backlog/<int:pk>/aftercare/<int:item>/done/", apis.AfterCareDoneApi.as_view(),
         name="api-backlog-aftercare-done"),
    path("supervision/", apis.SupervisionListCreateApi.as_view(), name="api-supervision"),
    path("supervision/listed/", apis.SupervisionListedApi.as_view(), name="api-supervision-listed"),
    path("supervision/<int:pk>/", apis.SupervisionDetailApi.as_view(), name="api-supervision-detail"),
    path("supervision/<int:pk>/reply/", apis.SupervisionReplyApi.as_view(), name="api-supervision-reply"),
    path("supervision/<int:pk>/review/", apis.SupervisionReviewApi.as_view(), name="api-supervision-review"),
    path("supervision/<int:pk>/escalate/", apis.SupervisionEscalateApi.as_view(), name="api-supervision-escalate"),
]
