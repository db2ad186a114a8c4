from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from integrations import views
from integrations.services import API_STAGE_ACTIONS

app_name = "api"

urlpatterns = [
    path("complaints/", views.ComplaintList.as_view(), name="complaints"),
    path("complaints/<str:reference>/", views.ComplaintDetail.as_view(), name="complaint"),
    path("complaints/<str:reference>/timeline/", views.ComplaintTimeline.as_view(), name="timeline"),
    path(
        "complaints/<str:reference>/timeline/<int:entry_id>/",
        views.TimelineEntryDetail.as_view(),
        name="timeline_entry",
    ),
    path("complaints/<str:reference>/clocks/", views.ComplaintClocks.as_view(), name="clocks"),
    path("complaints/<str:reference>/actions/", views.StageActionsNow.as_view(), name="actions"),
    *(
        path(
            f"complaints/<str:reference>/actions/{action}/",
            views.TakeStageAction.as_view(action=action),
            name=f"action-{action}",
        )
        for action in API_STAGE_ACTIONS
    ),
    path("root-causes/", views.RootCauses.as_view(), name="root_causes"),
    path("reports/monthly/", views.MonthlyReport.as_view(), name="monthly_report"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularRedocView.as_view(url_name="api:schema"), name="docs"),
    re_path(r"^.*$", views.NoSuchEndpoint.as_view()),  # last: whatever else was asked for
]
