"""The admin's base for records written only through services (audit trails, redress): readable,
never added to, changed or deleted by hand, not even by a superuser."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
