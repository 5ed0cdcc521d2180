"""Admin for the grid hierarchy. Codes are fixed once saved (never renumbered, docs/domain.md §4); polygons come
from `manage.py import_grids`, which checks the whole tiling, so the admin shows them read-only."""

import json

from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from grids.models import Community, District, Grid, Place, Road, Street


@admin.display(description=_("边界 (GeoJSON)"))
def geometry_json(obj) -> str:
    if not obj.geometry:
        return "—"
    text = json.dumps(obj.geometry, ensure_ascii=False, indent=2)
    return format_html('<pre style="max-height: 24em; overflow: auto">{}</pre>', text)


class AreaAdmin(admin.ModelAdmin):
    search_fields = ("code", "name")
    exclude = ("geometry",)
    readonly_fields = (geometry_json,)
    list_per_page = 100

    def get_readonly_fields(self, request, obj=None):
        # The code is an identity other systems keep; changing it would orphan their records.
        fields = super().get_readonly_fields(request, obj)
        return ("code", *fields) if obj else fields


@admin.register(District)
class DistrictAdmin(AreaAdmin):
    list_display = ("code", "name", "street_count")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(street_count=Count("streets"))

    @admin.display(description=_("街道数"), ordering="street_count")
    def street_count(self, obj) -> int:
        return obj.street_count


@admin.register(Street)
class StreetAdmin(AreaAdmin):
    list_display = ("code", "name", "district", "community_count")
    list_filter = ("district",)
    autocomplete_fields = ("district",)
    list_select_related = ("district",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(community_count=Count("communities"))

    @admin.display(description=_("社区数"), ordering="community_count")
    def community_count(self, obj) -> int:
        return obj.community_count


@admin.register(Community)
class CommunityAdmin(AreaAdmin):
    list_display = ("code", "name", "street", "grid_count")
    list_filter = (("street", admin.RelatedOnlyFieldListFilter),)
    autocomplete_fields = ("street",)
    list_select_related = ("street",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(grid_count=Count("grids"))

    @admin.display(description=_("网格数"), ordering="grid_count")
    def grid_count(self, obj) -> int:
        return obj.grid_count


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "community", "street", "area_m2", "updated_at")
    list_filter = (
        ("community__street", admin.RelatedOnlyFieldListFilter),
        ("community", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("code", "name", "community__name")
    list_select_related = ("community__street",)
    filter_horizontal = ("inspectors",)
    fields = ("code", "name", "community", "inspectors", "area_m2", geometry_json, "updated_at")
    # Code, community and polygon only change through import_grids, which re-checks gaps and overlaps.
    readonly_fields = ("code", "community", "area_m2", geometry_json, "updated_at")
    list_per_page = 100

    @admin.display(description=_("街道"), ordering="community__street__code")
    def street(self, obj: Grid) -> Street:
        return obj.community.street

    def has_add_permission(self, request) -> bool:
        return False  # new grids come from import_grids (manage.py import_grids FILE.geojson)


@admin.register(Road)
class RoadAdmin(admin.ModelAdmin):
    """Roads come from `manage.py import_basemap`; the admin renames and reclassifies them."""

    list_display = ("name", "kind", "length_m", "source_id")
    list_filter = ("kind",)
    search_fields = ("name", "source_id")
    exclude = ("geometry",)
    readonly_fields = (geometry_json, "length_m")


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "road", "house_number", "lng", "lat", "community")
    list_filter = ("kind",)
    search_fields = ("name", "aliases", "road")
    raw_id_fields = ("community",)
