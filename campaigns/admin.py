"""The admin: campaigns' master data (names, periods, participants, scope, goals) and 回头看 rules are
edited here; tasks, lists, 回头看 and hazards are read-only (their changes go through the services, so
the event log stays whole)."""

from django.contrib import admin

from campaigns.models import Campaign, CampaignTask, Event, FollowUp, FollowUpRule, Goal, Hazard, RegisterItem


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class GoalInline(admin.TabularInline):
    model = Goal
    extra = 0


class TaskInline(admin.TabularInline):
    model = CampaignTask
    fields = ["seq", "content", "deadline", "department", "person_name", "status", "progress"]
    readonly_fields = ["status", "progress"]
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "period_start", "period_end", "status"]
    list_filter = ["status"]
    search_fields = ["name"]
    readonly_fields = ["status", "created_by", "created_at"]
    filter_horizontal = [
        "office_staff",
        "departments",
        "streets",
        "scope_streets",
        "scope_grids",
        "scope_categories",
    ]
    inlines = [GoalInline, TaskInline]


@admin.register(FollowUpRule)
class FollowUpRuleAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "category",
        "street",
        "grid",
        "campaign",
        "sample_percent",
        "days_after",
        "active",
    ]
    list_filter = ["active"]


@admin.register(CampaignTask)
class CampaignTaskAdmin(ReadOnlyAdmin):
    list_display = [
        "campaign",
        "seq",
        "content",
        "deadline",
        "department",
        "status",
        "progress",
        "overdue_at",
    ]
    list_filter = ["status", "campaign"]


@admin.register(RegisterItem)
class RegisterItemAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "department", "deadline", "status", "overdue_at"]
    list_filter = ["status", "campaign"]
    search_fields = ["number", "title"]


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdmin):
    list_display = ["case", "rule", "inspector", "state", "opens_at", "due_at", "new_case"]
    list_filter = ["state", "rule"]


@admin.register(Hazard)
class HazardAdmin(ReadOnlyAdmin):
    list_display = ["number", "level", "kind", "title", "department", "deadline", "status", "on_time"]
    list_filter = ["level", "kind", "status"]
    search_fields = ["number", "title"]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["at", "subject", "subject_id", "action", "actor", "actor_role"]
    list_filter = ["subject", "action"]
