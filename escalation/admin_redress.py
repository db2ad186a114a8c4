"""Staff screens for the root-cause taxonomy and the automatic compensation rates (managers keep
them), and the redress and service failures recorded on complaints (read here; recorded from the
complaint page's actions, which call the services)."""

from django.contrib import admin, messages

from escalation import redress
from escalation.admin_base import ReadOnlyAdmin
from escalation.models import CompensationRate, Redress, RootCause, RootCauseGroup, ServiceFailure


class RootCauseInline(admin.StackedInline):  # stacked: each field has its label (axe)
    model = RootCause
    extra = 1
    fields = ("name", "active")

    def has_delete_permission(self, request, obj=None):
        return False  # retire a cause (untick "active"): complaints that recorded it keep it


@admin.register(RootCauseGroup)
class RootCauseGroupAdmin(admin.ModelAdmin):
    """The two-level root-cause taxonomy: a group (Billing) and its causes (wrong charge after cancellation)."""

    list_display = ("name", "active", "causes_listed")
    list_filter = ("active",)
    inlines = [RootCauseInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("causes")

    @admin.display(description="causes")
    def causes_listed(self, group):
        return ", ".join(cause.name for cause in group.causes.all() if cause.active)

    def has_delete_permission(self, request, obj=None):
        return False  # retire a group (untick "active") instead


@admin.register(CompensationRate)
class CompensationRateAdmin(admin.ModelAdmin):
    """Ofcom's automatic compensation rates, each in force from its date; saving one reprices what is owed."""

    list_display = ("kind", "effective_from", "amount", "source")
    list_filter = ("kind",)
    ordering = ("kind", "-effective_from")

    def save_model(self, request, obj, form, change):
        previous = (form.initial["kind"], form.initial["effective_from"]) if change else None
        repriced = redress.save_compensation_rate(rate=obj, by=request.user, previous=previous)
        self.message_user(request, f"Compensation owed worked out again on {repriced} failure(s).")

    def delete_model(self, request, obj):
        self.delete_queryset(request, CompensationRate.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        repriced = redress.remove_compensation_rates(rates=queryset, by=request.user)
        self.message_user(
            request, f"Compensation owed worked out again on {repriced} failure(s).", messages.INFO
        )


class RecordedOnComplaintsAdmin(ReadOnlyAdmin):
    """Recorded (and withdrawn) through the complaint page's actions, with the timeline: read-only here."""


@admin.register(Redress)
class RedressAdmin(RecordedOnComplaintsAdmin):
    list_display = ("complaint", "kind", "amount", "given_on", "recorded_by")
    list_select_related = ("complaint", "recorded_by")
    list_filter = ("kind",)
    date_hierarchy = "given_on"


@admin.register(ServiceFailure)
class ServiceFailureAdmin(RecordedOnComplaintsAdmin):
    list_display = ("complaint", "kind", "compensation_owed", "days_without_a_rate", "recorded_at")
    list_select_related = ("complaint",)
    list_filter = ("kind",)
