"""Admin: grid classes (how often each grid is patrolled) are edited here; patrols and coverage are records."""

from django.contrib import admin

from patrols.models import GridCoverage, GridPatrolPlan, Patrol, PatrolEvent


@admin.register(GridPatrolPlan)
class GridPatrolPlanAdmin(admin.ModelAdmin):
    list_display = ("grid", "grid_class")
    list_filter = ("grid_class",)
    search_fields = ("grid__code", "grid__name")
    raw_id_fields = ("grid",)


class PatrolEventInline(admin.TabularInline):
    model = PatrolEvent
    fields = ("action", "at", "actor", "batch_key", "payload")
    readonly_fields = fields
    extra = 0
    can_delete = False


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Patrol)
class PatrolAdmin(ReadOnly):
    list_display = ("inspector", "day", "status", "started_at", "ended_at", "point_count", "distance_m")
    list_filter = ("status", "day")
    search_fields = ("inspector__username",)
    date_hierarchy = "day"
    inlines = [PatrolEventInline]


@admin.register(GridCoverage)
class GridCoverageAdmin(ReadOnly):
    list_display = ("grid", "day", "coverage", "mileage_m", "patrol_seconds", "inspectors")
    list_filter = ("day",)
    search_fields = ("grid__code", "grid__name")
    date_hierarchy = "day"
