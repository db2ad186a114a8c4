from django.urls import path

from complaints import views

app_name = "complaints"

urlpatterns = [
    path("new/", views.file_complaint, name="new"),
    path("filed/", views.complaint_filed, name="filed"),
    path("track/", views.track_complaint, name="track"),
    path("link/<str:token>/", views.tracking_link, name="tracking_link"),
    path("leave/", views.leave, name="leave"),
    path("<str:reference>/", views.complaint_detail, name="detail"),
    path("<str:reference>/files/<int:attachment_id>/", views.complaint_attachment, name="attachment"),
]
