"""The complaint list's own filters: who has it, and what is waiting for staff."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.utils import timezone

from complaints.workflow import OPEN_STATUSES


class AssigneeFilter(admin.SimpleListFilter):
    title = "assigned to"
    parameter_name = "assignee"

    def lookups(self, request, model_admin):
        # Active staff, not "everyone with a complaint": that would scan every complaint.
        staff = (
            get_user_model().objects.filter(is_staff=True, is_active=True).order_by("first_name", "username")
        )
        return [
            ("mine", "Me"),
            ("none", "Nobody"),
            *((str(user.pk), user.get_full_name() or user.get_username()) for user in staff),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "mine":
            return queryset.filter(assigned_to=request.user)
        if value == "none":
            return queryset.filter(assigned_to__isnull=True)
        if value and _is_positive_integer(value):
            return queryset.filter(assigned_to_id=int(value))
        return queryset


class WaitingForUsFilter(admin.SimpleListFilter):
    """What needs staff: a customer's message nobody has answered, or details a complaint by e-mail lacks."""

    title = "waiting for us"
    parameter_name = "waiting"

    def lookups(self, request, model_admin):
        return [
            ("replied", "Customer replied (no answer yet)"),
            ("details", "Details missing (postal address)"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "replied":
            return queryset.filter(customer_replied_at__isnull=False).order_by("customer_replied_at")
        if self.value() == "details":
            return queryset.filter(postal_address="", anonymised_at__isnull=True)
        return queryset


def _is_positive_integer(value: str) -> bool:
    return value.isascii() and value.isdigit()


class NeedsFilter(admin.SimpleListFilter):
    """Needs records due for review (today or before)."""

    title = "needs"
    parameter_name = "needs_review"

    def lookups(self, request, model_admin):
        return [("due", "Needs review due")]

    def queryset(self, request, queryset):
        if self.value() == "due":
            return queryset.filter(support_needs__review_due_on__lte=timezone.localdate())
        return queryset


class LandlineFilter(admin.SimpleListFilter):
    title = "relies on a landline for safety"
    parameter_name = "landline"

    def lookups(self, request, model_admin):
        return [("yes", "Yes, open complaints")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(relies_on_landline_for_safety=True, status__in=OPEN_STATUSES)
        return queryset
