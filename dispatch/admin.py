from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from dispatch.models import Category, Component, Department, RoutingRule


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
