"""The project's admin site: Django's, with a staff login that slows a username under attack."""

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm

from config.login_throttle import seconds_to_wait


class ThrottledAuthenticationForm(AdminAuthenticationForm):
    """Checks the username's back-off before the password, so a refused attempt proves nothing
    and counts for nothing."""

    retry_after = 0

    def clean(self):
        self.retry_after = seconds_to_wait(self.request, self.cleaned_data.get("username", ""))
        if self.retry_after:
            raise forms.ValidationError(
                "Too many failed sign-ins for this username from different places. "
                f"Try again in {self.retry_after} seconds.",
                code="throttled",
            )
        return super().clean()


class PortalAdminSite(admin.AdminSite):
    site_header = "Netservers complaints"
    site_title = "Complaints admin"
    index_title = "Complaints administration"
    login_form = ThrottledAuthenticationForm

    def login(self, request, extra_context=None):
        response = super().login(request, extra_context)
        form = (getattr(response, "context_data", None) or {}).get("form")
        if getattr(form, "retry_after", 0):
            response.status_code = 429
            response["Retry-After"] = str(form.retry_after)
        return response
