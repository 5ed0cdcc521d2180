"""The demo gazetteer (地名地址) of 河西区 and the two demo hotline systems (12345, 8890).

Roads, house numbers and POIs are plausible, not surveyed: the names are real 河西区 places, the
positions are placed inside the synthetic demo grids so hotline tickets with address text only can be
located. Every entry is checked against the grid index and skipped if it falls outside. Idempotent.
"""

from collections.abc import Callable

from cases import apikeys
from cases.models import ApiClient
from grids import locator
from grids.models import Community, Place, Road

LngLat = tuple[float, float]

# name, aliases, start, end: house numbers 1…HOUSES_PER_ROAD are spread evenly from start to end.
ROADS: tuple[tuple[str, str, LngLat, LngLat], ...] = (
    ("友谊路", "", (117.2055, 39.1120), (117.2075, 39.0800)),
    ("围堤道", "", (117.2050, 39.1000), (117.2350, 39.0980)),
    ("解放南路", "", (117.2200, 39.1080), (117.2380, 39.0600)),
    ("大沽南路", "", (117.2300, 39.1050), (117.2620, 39.0700)),
    ("黑牛城道", "", (117.2050, 39.0700), (117.2650, 39.0680)),
    ("紫金山路", "", (117.2150, 39.0950), (117.2220, 39.0750)),
    ("珠江道", "", (117.2150, 39.0600), (117.2600, 39.0550)),
    ("马场道", "", (117.2000, 39.1150), (117.2120, 39.1050)),
    ("洞庭路", "", (117.2450, 39.0800), (117.2500, 39.0600)),
)
HOUSES_PER_ROAD = 60
# The road classes of the demo's base map (grids.Road); the rest are 次干道.
MAJOR_ROADS = {"友谊路", "解放南路", "黑牛城道", "大沽南路"}

POIS: tuple[tuple[str, str, LngLat], ...] = (
    ("天津文化中心", "文化中心", (117.2130, 39.0870)),
    ("天塔", "天津广播电视塔 天塔湖", (117.2030, 39.0780)),
    ("梅江会展中心", "梅江会展 会展中心", (117.2200, 39.0450)),
    ("天津大礼堂", "大礼堂", (117.2090, 39.1000)),
    ("银河公园", "", (117.2120, 39.0840)),
    ("河西区人民政府", "区政府", (117.2230, 39.1090)),
    ("梅江公园", "", (117.2120, 39.0480)),
)

# Demo API keys are public on purpose (printed by load_demo); production clients get random keys.
DEMO_CLIENTS = (
    ("12345", "12345 政务服务便民热线（演示）", "demo-hotline-12345-key"),
    ("8890", "8890 便民服务专线（演示）", "demo-hotline-8890-key"),
)


def save_hotline_demo(step: Callable[[str], None] = print) -> None:
    step("==> 地名地址库与热线接口")
    created = save_places()
    step(f"  新增 {created} 条地名地址")
    step(f"  新增 {save_roads()} 条道路中心线（底图）")
    for channel, name, key in save_api_clients():
        step(f"  {channel} 热线接口：{name}，X-Api-Key: {key}")


def _points_inside(points: list[LngLat]) -> list[bool]:
    return [ref is not None for ref in locator.find_many(points)]


def _plan() -> list[Place]:
    places: list[Place] = []
    for road, aliases, (x0, y0), (x1, y1) in ROADS:
        places.append(
            Place(name=road, kind=Place.Kind.ROAD, aliases=aliases, lng=(x0 + x1) / 2, lat=(y0 + y1) / 2)
        )
        for n in range(1, HOUSES_PER_ROAD + 1):
            t = (n - 1) / (HOUSES_PER_ROAD - 1)
            lng, lat = round(x0 + (x1 - x0) * t, 6), round(y0 + (y1 - y0) * t, 6)
            places.append(
                Place(
                    name=f"{road}{n}号",
                    kind=Place.Kind.HOUSE,
                    road=road,
                    house_number=str(n),
                    lng=lng,
                    lat=lat,
                )
            )
    for name, aliases, (lng, lat) in POIS:
        places.append(Place(name=name, kind=Place.Kind.POI, aliases=aliases, lng=lng, lat=lat))
    for community in Community.objects.filter(street__district__code="120103").order_by("code"):
        if not community.geometry:
            continue
        from shapely.geometry import shape

        point = shape(community.geometry).representative_point()
        places.append(
            Place(
                name=community.name,
                kind=Place.Kind.COMMUNITY,
                lng=round(point.x, 6),
                lat=round(point.y, 6),
                community=community,
            )
        )
    return places


def save_places() -> int:
    planned = _plan()
    inside = _points_inside([(p.lng, p.lat) for p in planned])
    existing = set(Place.objects.values_list("kind", "name"))
    new = [p for p, ok in zip(planned, inside, strict=True) if ok and (p.kind, p.name) not in existing]
    # Attach each entry to the community its grid belongs to, so the gazetteer answers "which 社区" too.
    if new:
        grids = locator.locate_many([(p.lng, p.lat) for p in new])
        for place, grid in zip(new, grids, strict=True):
            place.community_id = place.community_id or grid.community_id
    Place.objects.bulk_create(new, batch_size=500)
    return len(new)


def save_api_clients() -> list[tuple[str, str, str]]:
    shown = []
    for channel, name, key in DEMO_CLIENTS:
        client = ApiClient.objects.filter(
            kind=ApiClient.Kind.HOTLINE, channel=channel, is_active=True
        ).first()
        if client is None:
            client = ApiClient.objects.create(
                kind=ApiClient.Kind.HOTLINE, channel=channel, name=name, api_key=key
            )
        # Only a digest is stored: the demo's key is shown while it is still the client's key.
        still = client.key_hash == apikeys.digest(key)
        shown.append((channel, client.name, key if still else "（已在后台轮换，见签发时的提示）"))
    return shown


def save_roads() -> int:
    """The demo base map: one centre-line per gazetteer road, through its house numbers, so the names an
    inspector reads on the map are those hotline addresses use (docs/domain.md §12). Idempotent."""
    existing = set(Road.objects.filter(source_id__startswith="demo:").values_list("source_id", flat=True))
    new = []
    for road, _aliases, (x0, y0), (x1, y1) in ROADS:
        source_id = f"demo:{road}"
        if source_id in existing:
            continue
        line = Road(
            name=road,
            kind=Road.Kind.MAJOR if road in MAJOR_ROADS else Road.Kind.SECONDARY,
            source_id=source_id,
        )
        line.set_geometry({"type": "LineString", "coordinates": [[x0, y0], [x1, y1]]})
        new.append(line)
    Road.objects.bulk_create(new)
    return len(new)
