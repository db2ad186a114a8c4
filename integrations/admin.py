from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse

from integrations import keys
from integrations.forms import NewKeyForm
from integrations.models import ApiKey, Scope


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
        for key in queryset:
            keys.revoke_key(key)
        self.message_user(request, f"{queryset.count()} key(s) revoked.", messages.SUCCESS)
