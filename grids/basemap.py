"""Import the base map: road centre-lines and named places from GeoJSON (docs/domain.md §12).

An OpenStreetMap extract converted to GeoJSON (`ogr2ogr -f GeoJSON roads.geojson extract.osm.pbf lines`;
a Shapefile converts the same way) or a surveying bureau's hand-over. LineString features with a name
become roads (grids.Road), Point features with a name become places (grids.Place, 兴趣点); features
without a name are skipped, since an unnamed line is no help to an inspector. All-or-nothing like the
grid import: every problem is listed with its feature number and nothing is written unless there are none.
A road with a source id (OSM `@id`/`osm_id`/`id`) is updated in place on re-import.
"""

from dataclasses import dataclass

from django.db import transaction

from grids.geometry import GeometryError
from grids.models import Place, Road

# OpenStreetMap `highway` values → our three road classes; anything else is a 支路.
OSM_KINDS = {
    "motorway": Road.Kind.MAJOR,
    "trunk": Road.Kind.MAJOR,
    "primary": Road.Kind.MAJOR,
    "secondary": Road.Kind.SECONDARY,
    "tertiary": Road.Kind.SECONDARY,
}
NAME_KEYS = ("name:zh", "name", "名称", "NAME")
ID_KEYS = ("@id", "osm_id", "id", "source_id")


class BasemapImportError(Exception):
    def __init__(self, errors: list[str]):
        super().__init__(f"{len(errors)} problems")
        self.errors = errors


@dataclass
class BasemapResult:
    roads_created: int = 0
    roads_updated: int = 0
    places_created: int = 0
    skipped: int = 0


def _first(properties: dict, keys) -> str:
    for key in keys:
        value = properties.get(key)
        if value not in (None, ""):
            return str(value).strip()
    return ""


def _road_kind(properties: dict) -> str:
    kind = str(properties.get("kind") or "")
    if kind in Road.Kind.values:
        return kind
    return OSM_KINDS.get(str(properties.get("highway") or ""), Road.Kind.MINOR)


def import_basemap(collection: dict) -> BasemapResult:
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise BasemapImportError(["文件不是 GeoJSON FeatureCollection"])
    errors: list[str] = []
    roads: list[Road] = []
    places: list[Place] = []
    result = BasemapResult()
    for number, feature in enumerate(collection.get("features") or [], start=1):
        properties = feature.get("properties") or {}
        geometry = feature.get("geometry") or {}
        name = _first(properties, NAME_KEYS)[:100]
        if not name:
            result.skipped += 1
            continue
        kind = geometry.get("type")
        if kind in ("LineString", "MultiLineString"):
            road = Road(name=name, kind=_road_kind(properties), source_id=_first(properties, ID_KEYS)[:60])
            try:
                road.set_geometry(geometry)
            except GeometryError as exc:
                errors.append(f"第 {number} 个要素（{name}）：{exc}")
                continue
            roads.append(road)
        elif kind == "Point":
            try:
                lng, lat = (float(v) for v in geometry["coordinates"][:2])
            except (KeyError, TypeError, ValueError):
                errors.append(f"第 {number} 个要素（{name}）：点坐标格式错误")
                continue
            if not (-180 <= lng <= 180 and -90 <= lat <= 90):
                errors.append(f"第 {number} 个要素（{name}）：坐标超出 WGS84 经纬度范围")
                continue
            places.append(Place(name=name, kind=Place.Kind.POI, lng=lng, lat=lat))
        else:
            result.skipped += 1
    if errors:
        raise BasemapImportError(errors)
    with transaction.atomic():
        known = {
            r.source_id: r
            for r in Road.objects.filter(source_id__in=[r.source_id for r in roads if r.source_id])
        }
        new = []
        for road in roads:
            old = known.get(road.source_id) if road.source_id else None
            if old is None:
                new.append(road)
                continue
            road.pk = old.pk
            road.save()
            result.roads_updated += 1
        Road.objects.bulk_create(new, batch_size=1000)
        result.roads_created = len(new)
        existing = set(Place.objects.filter(kind=Place.Kind.POI).values_list("name", flat=True))
        fresh = [p for p in places if p.name not in existing]
        Place.objects.bulk_create(fresh, batch_size=1000)
        result.places_created = len(fresh)
    return result
