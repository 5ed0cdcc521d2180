"""Read-only representations of the grid hierarchy. Polygons are GeoJSON geometries (WGS84 lng/lat)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from grids.models import Community, District, Grid, Street

GEOJSON_GEOMETRY_SCHEMA = {
    "type": "object",
    "description": "GeoJSON 几何（Polygon 或 MultiPolygon，WGS84 经纬度）",
    "properties": {
        "type": {"type": "string", "enum": ["Polygon", "MultiPolygon"]},
        "coordinates": {"type": "array", "items": {}},
    },
    "required": ["type", "coordinates"],
}


@extend_schema_field(GEOJSON_GEOMETRY_SCHEMA)
class GeoJSONGeometryField(serializers.JSONField):
    pass


class OptionalGeometryMixin:
    """Drops `geometry` when the view says so (?geometry=0): lists for pickers need no polygons.

    So `geometry` is declared required=False rather than read_only: drf-spectacular lists every read-only
    field as required in responses, and the schema must allow the answer without it. The area API is
    read-only, so nothing is ever written through these fields.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.context.get("include_geometry", True):
            self.fields.pop("geometry", None)


class AreaRefSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class DistrictSerializer(OptionalGeometryMixin, serializers.ModelSerializer):
    geometry = GeoJSONGeometryField(required=False, allow_null=True)

    class Meta:
        model = District
        fields = ["code", "name", "geometry"]
        read_only_fields = fields


class StreetSerializer(OptionalGeometryMixin, serializers.ModelSerializer):
    district = AreaRefSerializer(read_only=True)
    geometry = GeoJSONGeometryField(required=False, allow_null=True)

    class Meta:
        model = Street
        fields = ["code", "name", "district", "geometry"]
        read_only_fields = fields


class CommunitySerializer(OptionalGeometryMixin, serializers.ModelSerializer):
    street = AreaRefSerializer(read_only=True)
    district = AreaRefSerializer(source="street.district", read_only=True)
    geometry = GeoJSONGeometryField(required=False, allow_null=True)

    class Meta:
        model = Community
        fields = ["code", "name", "street", "district", "geometry"]
        read_only_fields = fields


class GridLocationSerializer(serializers.ModelSerializer):
    """The answer to "which grid is this position in": the grid and where it sits in the hierarchy."""

    community = AreaRefSerializer(read_only=True)
    street = AreaRefSerializer(source="community.street", read_only=True)
    district = AreaRefSerializer(source="community.street.district", read_only=True)

    class Meta:
        model = Grid
        fields = ["code", "name", "community", "street", "district"]
        read_only_fields = fields


class GridSerializer(OptionalGeometryMixin, GridLocationSerializer):
    inspectors = serializers.SlugRelatedField(slug_field="username", many=True, read_only=True)
    geometry = GeoJSONGeometryField(required=False)

    class Meta(GridLocationSerializer.Meta):
        fields = [*GridLocationSerializer.Meta.fields, "area_m2", "inspectors", "updated_at", "geometry"]
        read_only_fields = fields


class LocateErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="出错原因")
