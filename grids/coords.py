"""WGS-84 ↔ GCJ-02 (docs/domain.md §12): the app stores WGS-84; GCJ-02 exists only at the edges.

A phone's GPS, 天地图 (CGCS2000, within centimetres of WGS-84 at city scale) and everything we store are
WGS-84. 高德 and 腾讯 tiles (and positions copied from those apps) are GCJ-02, the published obfuscation
(the "Krasovsky" formula, as in the widely used eviltransform library); map.js shifts GCJ-02 tiles with
the same formula (cityops/static/cityops/coords.js), and a GCJ-02 position entering the app is turned
back with `gcj02_to_wgs84` before it is stored. Outside China the offset is zero.
"""

import math

_A = 6378245.0  # the semi-major axis GCJ-02 uses (Krasovsky 1940)
_EE = 0.00669342162296594323  # its eccentricity squared


def out_of_china(lng: float, lat: float) -> bool:
    return not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _transform(x: float, y: float) -> tuple[float, float]:
    xy, root = x * y, math.sqrt(abs(x))
    common = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * xy + 0.2 * root + common
    dlat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    dlat += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    dlng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * xy + 0.1 * root + common
    dlng += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    dlng += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return dlng, dlat


def _delta(lng: float, lat: float) -> tuple[float, float]:
    dlng, dlat = _transform(lng - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    dlng = (dlng * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return dlng, dlat


def wgs84_to_gcj02(lng: float, lat: float) -> tuple[float, float]:
    if out_of_china(lng, lat):
        return lng, lat
    dlng, dlat = _delta(lng, lat)
    return lng + dlng, lat + dlat


def gcj02_to_wgs84(lng: float, lat: float, *, tolerance: float = 1e-7) -> tuple[float, float]:
    """The inverse by fixed-point iteration (a few rounds reach centimetres; the formula has no inverse)."""
    if out_of_china(lng, lat):
        return lng, lat
    wlng, wlat = lng, lat
    for _ in range(30):
        glng, glat = wgs84_to_gcj02(wlng, wlat)
        step_lng, step_lat = glng - lng, glat - lat
        wlng, wlat = wlng - step_lng, wlat - step_lat
        if abs(step_lng) < tolerance and abs(step_lat) < tolerance:
            break
    return wlng, wlat


def distance_m(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine on the WGS-84 mean radius; centimetres off in a city)."""
    r = 6371008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))
