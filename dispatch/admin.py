from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from dispatch.models import (
    CalendarDay,
    Category,
    Component,
    Department,
    RoutingRule,
    TimeLimitRule,
    WorkingWindow,
)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "kind",
        "parent",
        "street",
        "is_street_default",
        "contact_phone",
        "is_active",
    )
    list_filter = ("kind", "street", "is_street_default", "is_active")
    search_fields = ("name", "code", "credit_code")
    autocomplete_fields = ("parent",)
    # Street admin belongs to grids/; a raw id keeps this page independent of how it is set up.
    raw_id_fields = ("street",)
    list_select_related = ("parent", "street")
    fieldsets = (
        (None, {"fields": ("code", "name", "kind", "parent", "is_active")}),
        (_("属地"), {"fields": ("street", "is_street_default")}),
        (_("联系与登记"), {"fields": ("credit_code", "contact_phone")}),
    )


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "major_name", "standard", "is_local", "is_active")
    list_filter = ("kind", "standard", "major_name", "is_local", "is_active")
    search_fields = ("name", "code", "keywords", "major_name")
    list_editable = ("is_active",)
    list_per_page = 100
    fieldsets = (
        (None, {"fields": ("standard", "kind", "code", "name")}),
        (_("大类"), {"fields": ("major_code", "major_name")}),
        (_("搜索与启用"), {"fields": ("keywords", "is_local", "is_active")}),
    )


@admin.register(Component)
class ComponentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "category", "grid", "status", "owner", "maintainer")
    list_filter = ("status", "category__major_name")
    search_fields = ("code", "name", "address")
    autocomplete_fields = ("category", "regulator", "owner", "maintainer")
    # Grid admin belongs to grids/: a raw id works whether or not it offers autocomplete.
    raw_id_fields = ("grid",)
    list_select_related = ("category", "grid", "owner", "maintainer")
    fieldsets = (
        (None, {"fields": ("code", "category", "name", "status")}),
        (_("位置"), {"fields": ("grid", "lng", "lat", "address")}),
        (_("责任单位"), {"fields": ("regulator", "owner", "maintainer")}),
    )


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    """The ordered 事项 routing table: the first active match wins; otherwise 先属地."""

    list_display = ["__str__", "order", "category", "kind", "major_code", "street", "department", "is_active"]
    list_display_links = ["__str__"]
    list_editable = ["order", "is_active"]
    list_filter = ["is_active", "kind", "major_code", "street"]
    search_fields = ["category__name", "category__code", "department__name", "note"]
    autocomplete_fields = ["category", "department"]
    raw_id_fields = ["street", "community"]
    list_select_related = ["category", "street", "community", "department"]


WEEKDAYS = "一二三四五六日"


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Exceptions to Monday–Friday: seeded from the State Council arrangement, plus local holidays."""

    list_display = ["date", "weekday", "is_working", "name", "source", "updated_at"]
    list_filter = ["is_working", "source"]
    search_fields = ["name"]
    date_hierarchy = "date"
    readonly_fields = ["source", "updated_at"]
    list_per_page = 100

    @admin.display(description=_("星期"))
    def weekday(self, obj: CalendarDay) -> str:
        return f"周{WEEKDAYS[obj.date.weekday()]}"

    def save_model(self, request, obj: CalendarDay, form, change) -> None:
        # A row an admin touched is theirs: re-running seed_calendar must not undo a local decision.
        obj.source = CalendarDay.Source.ADMIN
        super().save_model(request, obj, form, change)


@admin.register(WorkingWindow)
class WorkingWindowAdmin(admin.ModelAdmin):
    """The daily working windows; working-hour limits count only the minutes inside them."""

    list_display = ["__str__", "start", "end", "minutes", "updated_at"]
    ordering = ["start"]

    @admin.display(description=_("分钟数"))
    def minutes(self, obj: WorkingWindow) -> int:
        return (obj.end.hour * 60 + obj.end.minute) - (obj.start.hour * 60 + obj.start.minute)


@admin.register(TimeLimitRule)
class TimeLimitRuleAdmin(admin.ModelAdmin):
    """Per-step limits; the most specific active rule wins (dispatch.time_limits.resolve_limit)."""

    list_display = [
        "description",
        "step",
        "category",
        "kind",
        "major_code",
        "urgency",
        "variant",
        "amount",
        "unit",
        "is_active",
    ]
    list_filter = ["step", "unit", "urgency", "variant", "is_active"]
    search_fields = ["category__name", "category__code", "major_code", "note"]
    autocomplete_fields = ["category"]
    list_select_related = ["category"]
    fieldsets = (
        (None, {"fields": ("step", "amount", "unit", "is_active")}),
        (
            _("适用范围（留空为该环节默认）"),
            {"fields": ("category", "kind", "major_code", "urgency", "variant")},
        ),
        (_("说明"), {"fields": ("note",)}),
    )

    @admin.display(description=_("规则"))
    def description(self, obj: TimeLimitRule) -> str:
        return obj.describe()
