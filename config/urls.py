from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from complaints import views as complaint_views
from complaints.inbound.webhooks import inbound_webhook
from integrations.views import NoSuchEndpoint

urlpatterns = [
    path("", complaint_views.home, name="home"),
    path("complaints-code/", complaint_views.complaints_code, name="complaints_code"),
    path("complaints-code.pdf", complaint_views.complaints_code_pdf, name="complaints_code_pdf"),
    path("language/", complaint_views.choose_language, name="set_language"),
    path("complaints/", include("complaints.urls")),
    path("complaints/", include("escalation.urls")),
    path("staff/", include("escalation.staff_urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("integrations.urls")),
    # Anything else under /api (its roots without a slash too): a 404 problem, never the customer
    # pages' 404 or a redirect that would drop a POST's body.
    re_path(r"^api(?:/.*)?$", NoSuchEndpoint.as_view()),
    # Browsers ask for /favicon.ico whatever a page says (a PDF, an image opened alone).
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    # E-mail providers' inbound webhooks, for those named in INBOUND_WEBHOOK_ESPS (404 otherwise).
    path("inbound/email/<str:esp>/", inbound_webhook, name="inbound_email_webhook"),
]

handler400 = "config.errors.bad_request"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
