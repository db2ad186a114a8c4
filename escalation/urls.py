from django.urls import path

from escalation import views

app_name = "escalation"

urlpatterns = [
    path("<str:reference>/refer/", views.refer_to_complaints_manager, name="refer"),
    path("<str:reference>/md-review/", views.request_md_review, name="md_review"),
]
