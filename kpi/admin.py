"""The KPI settings (weights, grade bands, targets) in the admin: one row, validated on save."""

from django.contrib import admin

from kpi.models import (
    GRADES,
    TARGETS,
    WEIGHTS,
    AssessmentAdjustment,
    AssessmentLog,
    AssessmentPeriod,
    AssessmentRevision,
    KpiAppeal,
    KpiSettings,
)


@admin.register(KpiSettings)
class KpiSettingsAdmin(admin.ModelAdmin):
    fieldsets = [
        (f"权重：{role}", {"fields": [name for name, _part in parts], "description": "各项权重之和须为 100"})
        for role, parts in WEIGHTS.items()
    ] + [
        ("等级分数线", {"fields": [name for name, _grade in GRADES]}),
        (
            "得分分档",
            {
                "fields": ["bands"],
                "description": "修改只影响未关账的考核期；已关账的考核表保存了当时的权重和分档",
            },
        ),
        ("目标值", {"fields": list(TARGETS.values())}),
    ]

    def has_add_permission(self, request):
        # One row (the change page edits it), and only for those the add permission is granted to: this
        # override must not open the add form to every staff user while the row does not exist yet.
        return super().has_add_permission(request) and not KpiSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class _ReadOnly(admin.ModelAdmin):
    """考核 records are written by kpi/periods/services.py (with their audit rows), never edited here:
    a closed table changes only by an adjustment or an appeal's new revision (issue #24.1)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AssessmentPeriod)
class AssessmentPeriodAdmin(_ReadOnly):
    list_display = ["__str__", "kind", "start", "end", "cutoff", "closed_by", "closed_at"]
    list_filter = ["kind"]
    date_hierarchy = "start"


@admin.register(AssessmentRevision)
class AssessmentRevisionAdmin(_ReadOnly):
    list_display = ["__str__", "number", "created_by", "created_at", "formula_version", "appeal"]
    list_select_related = ["period", "created_by", "appeal"]
    exclude = ["table", "cases"]  # large: read them on the page or in the xlsx export


@admin.register(AssessmentAdjustment)
class AssessmentAdjustmentAdmin(_ReadOnly):
    list_display = ["revision", "level", "object_id", "figure", "original", "value", "reason", "created_by"]
    list_select_related = ["revision__period", "created_by"]


@admin.register(KpiAppeal)
class KpiAppealAdmin(_ReadOnly):
    list_display = ["period", "case", "state", "requested_by", "requested_at", "decided_by", "decided_at"]
    list_filter = ["state"]
    list_select_related = ["period", "case", "requested_by", "decided_by"]
    raw_id_fields = ["case"]


@admin.register(AssessmentLog)
class AssessmentLogAdmin(_ReadOnly):
    list_display = ["period", "action", "actor", "actor_role", "at", "note"]
    list_filter = ["action"]
    list_select_related = ["period", "actor"]
