"""GeoJSON ↔ shapely, validity checks and geodesic area (WGS84)."""

import re

import shapely
from pyproj import Geod
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

_GEOD = Geod(ellps="WGS84")


class GeometryError(ValueError):
    """A polygon we refuse, with a message a person can act on."""


def parse_polygon(geojson: dict) -> BaseGeometry:
    """A valid Polygon or MultiPolygon from a GeoJSON geometry (or Feature), else GeometryError."""
    if isinstance(geojson, dict) and geojson.get("type") == "Feature":
        geojson = geojson.get("geometry")
    if not isinstance(geojson, dict) or geojson.get("type") not in ("Polygon", "MultiPolygon"):
        raise GeometryError("几何类型必须是 Polygon 或 MultiPolygon")
    try:
        geom = shape(geojson)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        raise GeometryError(f"坐标格式错误: {exc}") from None
    if geom.is_empty:
        raise GeometryError("多边形为空")
    min_lng, min_lat, max_lng, max_lat = geom.bounds
    if not (-180 <= min_lng <= max_lng <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise GeometryError("坐标超出 WGS84 经纬度范围")
    if not geom.is_valid:
        raise GeometryError(f"多边形无效: {explain_invalid(geom)}")
    return geom


# GEOS reasons (shapely.is_valid_reason) in the words a GIS clerk uses; unknown ones pass through.
_REASONS = {
    "Self-intersection": "边界自相交",
    "Ring Self-intersection": "边界环自相交",
    "Too few points in geometry component": "边界点数太少",
    "Hole lies outside shell": "内洞在外边界之外",
    "Nested holes": "内洞相互嵌套",
    "Interior is disconnected": "内部不连通",
    "Nested shells": "多个外边界相互嵌套",
    "Duplicate Rings": "边界环重复",
    "Invalid Coordinate": "坐标无效",
    "Ring is not closed": "边界环未闭合",
}
_REASON = re.compile(r"^(?P<reason>[^\[]+)(?:\[(?P<x>\S+) (?P<y>\S+)(?: \S+)?\])?$")


def explain_invalid(geom: BaseGeometry) -> str:
    """Why GEOS finds `geom` invalid, in Chinese, with the offending point when GEOS names one."""
    reason = shapely.is_valid_reason(geom) or ""
    match = _REASON.match(reason)
    if not match:
        return reason
    text = _REASONS.get(match["reason"], match["reason"])
    if match["x"]:
        text += f"，位置约 ({match['x']}, {match['y']})"
    return text


def to_geojson(geom: BaseGeometry) -> dict:
    data = mapping(geom)
    # mapping() gives tuples; JSON columns and API output want plain lists.
    return {"type": data["type"], "coordinates": _lists(data["coordinates"])}


def _lists(value):
    if isinstance(value, (list, tuple)):
        return [_lists(v) for v in value]
    return value


def geodesic_area_m2(geom: BaseGeometry) -> float:
    area, _perimeter = _GEOD.geometry_area_perimeter(geom)
    return abs(area)


def parse_line(geojson: dict) -> BaseGeometry:
    """A LineString or MultiLineString (a road centre-line) from GeoJSON, else GeometryError."""
    if isinstance(geojson, dict) and geojson.get("type") == "Feature":
        geojson = geojson.get("geometry")
    if not isinstance(geojson, dict) or geojson.get("type") not in ("LineString", "MultiLineString"):
        raise GeometryError("几何类型必须是 LineString 或 MultiLineString")
    try:
        geom = shape(geojson)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        raise GeometryError(f"坐标格式错误: {exc}") from None
    if geom.is_empty or geom.length == 0:
        raise GeometryError("线为空")
    min_lng, min_lat, max_lng, max_lat = geom.bounds
    if not (-180 <= min_lng <= max_lng <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise GeometryError("坐标超出 WGS84 经纬度范围")
    return geom


def geodesic_length_m(geom: BaseGeometry) -> float:
    return float(_GEOD.geometry_length(geom))
