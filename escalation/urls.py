from django.urls import path

from escalation import satisfaction_views, views

app_name = "escalation"

urlpatterns = [
    path("survey/<str:token>/", satisfaction_views.survey, name="survey"),
    path("survey/<str:token>/stop/", satisfaction_views.stop_surveys, name="survey_stop"),
    path("<str:reference>/refer/", views.refer_to_complaints_manager, name="refer"),
    path("<str:reference>/md-review/", views.request_md_review, name="md_review"),
    path("<str:reference>/survey/", satisfaction_views.survey_for_visitor, name="survey_for_visitor"),
]
