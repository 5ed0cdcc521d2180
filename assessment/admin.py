from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from assessment import services
from assessment.models import (
    AssessmentEvent,
    Checklist,
    ChecklistItem,
    Contract,
    Contractor,
    DustSample,
    DustThreshold,
    Finding,
    GradeBand,
    Inspection,
    MonthlyAssessment,
    Rectification,
    StreetTarget,
    WorkArea,
)


class ContractInline(admin.TabularInline):
    model = Contract
    extra = 0


@admin.register(Contractor)
class ContractorAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "contact", "phone", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "credit_code"]
    inlines = [ContractInline]


class WorkAreaInline(admin.TabularInline):
    model = WorkArea
    extra = 0
    raw_id_fields = ["street"]


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ["number", "contractor", "starts_on", "ends_on", "monthly_fee"]
    list_filter = ["contractor"]
    search_fields = ["number", "contractor__name"]
    inlines = [WorkAreaInline]


@admin.register(WorkArea)
class WorkAreaAdmin(admin.ModelAdmin):
    list_display = ["name", "street", "area_type", "road_class", "contract", "is_active"]
    list_filter = ["area_type", "road_class", "street", "is_active"]
    search_fields = ["name"]
    raw_id_fields = ["street"]
    list_select_related = ["street", "contract__contractor"]


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0
    autocomplete_fields = ["category"]


@admin.register(Checklist)
class ChecklistAdmin(admin.ModelAdmin):
    list_display = ["name", "area_type", "road_class", "is_active"]
    list_filter = ["area_type", "road_class", "is_active"]
    inlines = [ChecklistItemInline]


@admin.register(DustThreshold)
class DustThresholdAdmin(admin.ModelAdmin):
    list_display = ["road_class", "limit_g_per_m2", "deduction"]


@admin.register(GradeBand)
class GradeBandAdmin(admin.ModelAdmin):
    list_display = ["name", "min_score", "deduction_percent"]


@admin.register(StreetTarget)
class StreetTargetAdmin(admin.ModelAdmin):
    list_display = ["street", "indicator", "target_percent"]
    list_filter = ["indicator", "street"]
    raw_id_fields = ["street"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by assessment.services only: the admin reads."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class FindingInline(admin.TabularInline):
    model = Finding
    extra = 0
    fields = ["item", "count", "deduction", "note", "photo", "case"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class DustSampleInline(admin.TabularInline):
    model = DustSample
    extra = 0
    readonly_fields = ["weight_g", "sampled_m2", "grams_per_m2", "limit_g_per_m2", "deduction"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ["planned_on", "area", "inspector", "state", "score", "inspected_at"]
    list_filter = ["state", "area__street", "area__contract__contractor"]
    date_hierarchy = "planned_on"
    list_select_related = ["area", "inspector"]
    inlines = [FindingInline, DustSampleInline]


@admin.register(Rectification)
class RectificationAdmin(ReadOnlyAdmin):
    list_display = ["done_on", "contractor", "area", "description", "cost", "recorded_by"]
    list_filter = ["contractor"]
    date_hierarchy = "done_on"


@admin.register(MonthlyAssessment)
class MonthlyAssessmentAdmin(ReadOnlyAdmin):
    list_display = ["month", "contractor", "inspections", "score", "grade", "total_deduction", "payable"]
    list_filter = ["contractor", "grade"]
    actions = ["reassess"]

    @admin.action(description=_("按当前数据重新考核所选月份"))
    def reassess(self, request, queryset):
        for row in queryset:
            services.month_assess(contractor=row.contractor, month=row.month, actor=request.user)
        self.message_user(request, _("已重新考核 %(n)d 条") % {"n": queryset.count()})


@admin.register(AssessmentEvent)
class AssessmentEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "actor", "contractor", "inspection"]
    list_filter = ["kind"]
    date_hierarchy = "at"
