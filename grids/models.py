"""Where: district → street → community → unit grid (docs/domain.md §4).

Geometry is stored as GeoJSON (WGS84 lng/lat) in a JSON column with its bounding box and area beside
it, so the same schema runs on SQLite (the embedded demo) and PostgreSQL; point-in-grid queries go
through the in-memory `GridLocator` (grids/locator.py), not the database.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from grids.codes import code_errors


class Area(models.Model):
    """Fields every level of the hierarchy shares."""

    code = models.CharField(_("编码"), max_length=15, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    geometry = models.JSONField(_("边界 (GeoJSON)"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["code"]

    LEVEL = ""
    PARENT_FIELD = ""

    def __str__(self):
        return f"{self.name} ({self.code})"

    def clean(self):
        parent = getattr(self, self.PARENT_FIELD) if self.PARENT_FIELD else None
        errors = code_errors(self.LEVEL, self.code, parent.code if parent else None)
        if errors:
            raise ValidationError({"code": errors})


class District(Area):
    LEVEL = "district"

    class Meta(Area.Meta):
        verbose_name = _("区")
        verbose_name_plural = _("区")


class Street(Area):
    LEVEL = "street"
    PARENT_FIELD = "district"
    district = models.ForeignKey(
        District, verbose_name=_("区"), on_delete=models.PROTECT, related_name="streets"
    )

    class Meta(Area.Meta):
        verbose_name = _("街道")
        verbose_name_plural = _("街道")


class Community(Area):
    LEVEL = "community"
    PARENT_FIELD = "street"
    street = models.ForeignKey(
        Street, verbose_name=_("街道"), on_delete=models.PROTECT, related_name="communities"
    )

    class Meta(Area.Meta):
        verbose_name = _("社区")
        verbose_name_plural = _("社区")


class Grid(Area):
    """A unit grid (单元网格). Its polygon must tile the district with its neighbours: no gaps, no overlaps."""

    LEVEL = "grid"
    PARENT_FIELD = "community"
    community = models.ForeignKey(
        Community, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="grids"
    )
    geometry = models.JSONField(_("边界 (GeoJSON)"))
    area_m2 = models.FloatField(_("面积 (m²)"))
    min_lng = models.FloatField(editable=False)
    min_lat = models.FloatField(editable=False)
    max_lng = models.FloatField(editable=False)
    max_lat = models.FloatField(editable=False)
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("网格责任监督员"), blank=True, related_name="grids"
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta(Area.Meta):
        verbose_name = _("单元网格")
        verbose_name_plural = _("单元网格")

    def set_geometry(self, geojson: dict) -> None:
        """Store a validated polygon with the derived bbox and area (GeoJSON in)."""
        from grids.geometry import geodesic_area_m2, parse_polygon, to_geojson

        polygon = parse_polygon(geojson)
        self.geometry = to_geojson(polygon)
        self.min_lng, self.min_lat, self.max_lng, self.max_lat = polygon.bounds
        self.area_m2 = round(geodesic_area_m2(polygon), 1)


class Place(models.Model):
    """A gazetteer entry (地名地址): a road, a house number, a POI or a community, with its position.

    Hotline tickets arrive with address text only; intake finds their position here.
    """

    class Kind(models.TextChoices):
        ROAD = "road", _("道路")
        HOUSE = "house", _("门牌")
        POI = "poi", _("兴趣点")
        COMMUNITY = "community", _("社区")

    name = models.CharField(_("名称"), max_length=100, db_index=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    aliases = models.CharField(_("别名"), max_length=300, blank=True, help_text=_("以空格分隔"))
    road = models.CharField(_("所在道路"), max_length=100, blank=True)
    house_number = models.CharField(_("门牌号"), max_length=20, blank=True)
    lng = models.FloatField(_("经度"))
    lat = models.FloatField(_("纬度"))
    community = models.ForeignKey(
        Community,
        verbose_name=_("社区"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="places",
    )

    class Meta:
        verbose_name = _("地名地址")
        verbose_name_plural = _("地名地址")
        ordering = ["name"]
        indexes = [models.Index(fields=["road", "house_number"])]

    def __str__(self):
        return self.name


class Road(models.Model):
    """A road centre-line of the base map (docs/domain.md §12): drawn and labelled on every map.

    Geometry is a GeoJSON LineString or MultiLineString in WGS-84 (what the app stores everywhere; GCJ-02
    tiles are shifted at the edge, grids/coords.py). The bounding box beside it lets a map ask for the
    roads in view. Imported with `manage.py import_basemap` (an OpenStreetMap extract as GeoJSON).
    """

    class Kind(models.TextChoices):
        MAJOR = "major", _("主干道")
        SECONDARY = "secondary", _("次干道")
        MINOR = "minor", _("支路")

    name = models.CharField(_("名称"), max_length=100, db_index=True)
    kind = models.CharField(_("道路等级"), max_length=10, choices=Kind.choices, default=Kind.MINOR)
    source_id = models.CharField(
        _("来源编号"),
        max_length=60,
        blank=True,
        help_text=_("如 OpenStreetMap 的 way 编号；重复导入时按它更新"),
    )
    geometry = models.JSONField(_("中心线 (GeoJSON)"))
    length_m = models.FloatField(_("长度 (m)"), default=0)
    min_lng = models.FloatField(editable=False, default=0)
    min_lat = models.FloatField(editable=False, default=0)
    max_lng = models.FloatField(editable=False, default=0)
    max_lat = models.FloatField(editable=False, default=0)

    class Meta:
        verbose_name = _("道路")
        verbose_name_plural = _("道路")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_id"], condition=~models.Q(source_id=""), name="road_unique_source_id"
            )
        ]

    def __str__(self):
        return self.name

    def set_geometry(self, geojson: dict) -> None:
        from grids.geometry import geodesic_length_m, parse_line, to_geojson

        line = parse_line(geojson)
        self.geometry = to_geojson(line)
        self.min_lng, self.min_lat, self.max_lng, self.max_lat = line.bounds
        self.length_m = round(geodesic_length_m(line), 1)
