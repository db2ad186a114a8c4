from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse

from integrations import keys, webhook_outbox, webhooks
from integrations.forms import NewKeyForm, WebhookEndpointForm
from integrations.models import ApiKey, Scope, WebhookDelivery, WebhookEndpoint


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Managers make keys here. The key itself is shown once, on the page after it is made, and is
    kept nowhere (not in a message, a log or the database): a lost key is revoked and replaced."""

    list_display = (
        "name",
        "prefix",
        "scopes_listed",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "created_by",
    )
    list_filter = ("revoked_at",)
    fields = ("name", "prefix", "scopes_listed", "expires_at", "last_used_at", "revoked_at", "created_by")
    readonly_fields = fields
    actions = ("revoke",)

    @admin.display(description="scopes")
    def scopes_listed(self, key):
        labels = dict(Scope.choices)
        return ", ".join(str(labels.get(scope, scope)) for scope in key.scopes)

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, never deleted: the log names the key's prefix

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = NewKeyForm(request.POST or None)
        made = None
        if request.method == "POST" and form.is_valid():
            try:
                made = keys.make_key(**form.cleaned_data, by=request.user)
                self.log_addition(request, made.key, f"Made, with the scopes {', '.join(made.key.scopes)}.")
            except ValidationError as refusal:
                form.add_error(None, refusal)
        context = {
            **self.admin_site.each_context(request),
            "title": "New API key",
            "opts": self.model._meta,
            "form": form,
            "made": made,
        }
        # The admin's views are never cached (no-store), so the page with the key is not kept either.
        status = 400 if form.errors else 200
        return TemplateResponse(request, "admin/integrations/apikey/add.html", context, status=status)

    @admin.action(description="Revoke the chosen keys (at once, for good)", permissions=["change"])
    def revoke(self, request, queryset):
        revoked = 0
        for key in queryset:
            if keys.revoke_key(key):
                self.log_change(request, key, "Revoked.")
                revoked += 1
        self.message_user(request, f"{revoked} key(s) revoked.", messages.SUCCESS)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    """Managers register where events go. The signing secret is shown once, when the endpoint is
    made or its secret replaced, never on the endpoint's page."""

    form = WebhookEndpointForm
    list_display = ("name", "url", "events_listed", "active", "created_at", "created_by")
    list_filter = ("active",)
    readonly_fields = ("created_at", "created_by", "previous_secret_until")
    actions = ("replace_secret",)

    @admin.display(description="events")
    def events_listed(self, endpoint):
        return ", ".join(endpoint.events)

    def has_delete_permission(self, request, obj=None):
        return False  # switched off, never deleted: its deliveries name it

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = WebhookEndpointForm(request.POST or None)
        made = None
        if request.method == "POST" and form.is_valid():
            made = webhooks.make_endpoint(
                name=form.cleaned_data["name"],
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                by=request.user,
            )
            self.log_addition(request, made.endpoint, "Made, with its signing secret.")
        return self._secret_page(request, form=form, made=made, title="New webhook endpoint")

    @admin.action(
        description="Replace the signing secret (the old one signs too for a day)", permissions=["change"]
    )
    def replace_secret(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Replace one endpoint's secret at a time.", messages.ERROR)
            return None
        made = webhooks.replace_secret(queryset.get())
        self.log_change(request, made.endpoint, "Signing secret replaced.")
        return self._secret_page(request, form=None, made=made, title="New signing secret")

    def _secret_page(self, request, *, form, made, title):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "form": form,
            "made": made,
        }
        status = 400 if form is not None and form.errors else 200
        return TemplateResponse(
            request, "admin/integrations/webhookendpoint/add.html", context, status=status
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """Every event sent to every endpoint, and how it went; failed ones are sent again from here."""

    list_display = (
        "created_at",
        "event_type",
        "reference",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
    )
    list_filter = ("status", "event_type", "endpoint")
    list_select_related = ("endpoint",)
    search_fields = ("=reference", "=event_id")
    show_full_result_count = False
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]
    actions = ("send_again",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Send the chosen failed deliveries again", permissions=["change"])
    def send_again(self, request, queryset):
        ids = webhook_outbox.send_again(list(queryset))
        self.message_user(
            request,
            f"{len(ids)} failed delivery(ies) queued again; those not failed were left as they were.",
            messages.SUCCESS,
        )
