"""Frontages (门前责任区) as GeoJSON LineStrings, and which party's frontage a case is on or near."""

import math

from shapely.geometry import LineString, Point, shape

# A case this close to a frontage (metres) suggests its party; settings.ENFORCEMENT_FRONTAGE_METRES overrides.
NEAR_METRES = 30.0
_M_PER_DEG_LAT = 111_320.0


class FrontageError(ValueError):
    pass


def parse_frontage(value) -> LineString:
    """A LineString from GeoJSON (or a Feature), or a list of [lng, lat] points; FrontageError otherwise."""
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    if isinstance(value, list):
        value = {"type": "LineString", "coordinates": value}
    if not isinstance(value, dict) or value.get("type") != "LineString":
        raise FrontageError("门前责任区必须是 LineString（至少两个点的折线）")
    try:
        line = shape(value)
    except Exception:
        raise FrontageError("门前责任区坐标格式错误") from None
    if line.is_empty or len(line.coords) < 2:
        raise FrontageError("门前责任区至少需要两个点")
    for lng, lat in line.coords:
        if not (-180 <= lng <= 180 and -90 <= lat <= 90):
            raise FrontageError("门前责任区坐标超出 WGS84 经纬度范围")
    return line


def parse_points(text: str) -> dict:
    """'lng,lat;lng,lat' (as a spreadsheet cell holds it) → a GeoJSON LineString."""
    points = []
    for pair in filter(None, (p.strip() for p in text.replace("；", ";").split(";"))):
        try:
            lng, lat = (float(x) for x in pair.replace("，", ",").split(","))
        except ValueError:
            raise FrontageError(f"坐标“{pair}”应为“经度,纬度”") from None
        points.append([lng, lat])
    line = parse_frontage(points)
    return {"type": "LineString", "coordinates": [list(c) for c in line.coords]}


def distance_m(frontage: dict, lng: float, lat: float) -> float:
    """Metres from (lng, lat) to the frontage, on a local plane around the point (exact enough under 1 km)."""
    kx = _M_PER_DEG_LAT * math.cos(math.radians(lat))
    coords = [((x - lng) * kx, (y - lat) * _M_PER_DEG_LAT) for x, y in frontage["coordinates"]]
    return LineString(coords).distance(Point(0, 0))


def bbox_margin_deg(metres: float, lat: float) -> tuple[float, float]:
    return metres / (_M_PER_DEG_LAT * math.cos(math.radians(lat))), metres / _M_PER_DEG_LAT
