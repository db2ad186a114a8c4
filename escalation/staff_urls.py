from django.urls import path

from escalation import staff_views

app_name = "staff"

urlpatterns = [
    path("escalations/", staff_views.escalation_dashboard, name="escalations"),
    path("reports/", staff_views.monthly_report, name="reports"),
    path("reports/root-causes/", staff_views.root_cause_report, name="root_causes"),
]
