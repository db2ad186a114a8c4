from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from integrations import views

app_name = "api"

urlpatterns = [
    path("complaints/", views.ComplaintList.as_view(), name="complaints"),
    path("complaints/<str:reference>/", views.ComplaintDetail.as_view(), name="complaint"),
    path("complaints/<str:reference>/timeline/", views.ComplaintTimeline.as_view(), name="timeline"),
    path("complaints/<str:reference>/clocks/", views.ComplaintClocks.as_view(), name="clocks"),
    path("reports/monthly/", views.MonthlyReport.as_view(), name="monthly_report"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularRedocView.as_view(url_name="api:schema"), name="docs"),
    re_path(r"^.*$", views.NoSuchEndpoint.as_view()),  # last: whatever else was asked for
]
