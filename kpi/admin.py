"""The KPI settings (weights, grade bands, targets) in the admin: one row, validated on save."""

from django.contrib import admin

from kpi.models import GRADES, TARGETS, WEIGHTS, KpiSettings


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
