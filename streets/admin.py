from django.contrib import admin

from streets.models import Escalation, SubDispatch, Unit


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "street", "community", "contact", "phone", "is_active")
    list_filter = ("kind", "street", "is_active")
    search_fields = ("name", "contact", "street__name")
    autocomplete_fields = ("street", "community", "staff")
    list_select_related = ("street", "community")


class _ReadOnly(admin.ModelAdmin):
    """Written by the services (streets/services.py) with their case events: read, never edited here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SubDispatch)
class SubDispatchAdmin(_ReadOnly):
    list_display = ("case", "unit", "state", "dispatched_at", "due_at", "reported_at", "decided_at")
    list_filter = ("state", "street", "unit__kind")
    search_fields = ("case__number", "unit__name")
    list_select_related = ("case", "unit")
    date_hierarchy = "dispatched_at"


@admin.register(Escalation)
class EscalationAdmin(_ReadOnly):
    list_display = ("case", "street", "state", "raised_at", "taken_at")
    list_filter = ("state", "street")
    search_fields = ("case__number", "reason")
    list_select_related = ("case", "street")
