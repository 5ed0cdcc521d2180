"""The demo district: 天津市河西区 with its 14 real 街道, plausible 社区 and a synthetic unit-grid tiling.

The street names and codes are real (GB/T 2260 district 120103); the outline, the street boundaries,
the community names and the grids are invented but shaped after the real district: a wedge between
the Haihe (north-east) and the Weijin river (west), widening south to the outer ring road.
"""

from dataclasses import dataclass

from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from grids import locator
from grids.codes import validate_code
from grids.geometry import to_geojson
from grids.models import Community, District, Grid, Street
from tooling.demo.lattice import Cell, Lattice, LngLat

DISTRICT_CODE = "120103"
DISTRICT_NAME = "河西区"
SEED = 120103  # every random choice in the demo derives from this, so two loads build the same district
CELL_M = 178.0  # lattice side in metres: ≈1,600 grids of ≈3 万 m² over ≈51 km²

# Clockwise from the northern tip at 营口道: down the Haihe, west along the outer ring road, up the
# Weijin river. About the real extent (lng 117.19–117.30, lat 39.03–39.13), a little larger in area.
OUTLINE: tuple[LngLat, ...] = (
    (117.207, 39.126), (117.216, 39.121), (117.225, 39.112), (117.233, 39.104), (117.242, 39.095),
    (117.250, 39.086), (117.260, 39.077), (117.272, 39.068), (117.286, 39.060), (117.298, 39.052),
    (117.294, 39.043), (117.272, 39.040), (117.250, 39.037), (117.228, 39.034), (117.208, 39.035),
    (117.195, 39.043), (117.198, 39.060), (117.195, 39.078), (117.192, 39.094), (117.197, 39.108),
    (117.201, 39.118),
)  # fmt: skip


@dataclass(frozen=True)
class StreetSpec:
    name: str
    seed: LngLat  # where the street grows from: roughly its real position within the district
    communities: tuple[str, ...]


# In street-code order (120103001…014). Community names are Tianjin-style inventions.
STREETS: tuple[StreetSpec, ...] = (
    StreetSpec("大营门街道", (117.209, 39.118), ("新会里社区", "台北里社区", "宝鸡里社区", "新文化花园社区", "营门里社区")),
    StreetSpec("下瓦房街道", (117.224, 39.106), ("西园里社区", "宁波里社区", "德才里社区", "瓦房新村社区", "湘江里社区", "永安里社区")),
    StreetSpec("桃园街道", (117.212, 39.104), ("桃园里社区", "围堤道社区", "红星里社区", "建设里社区", "新围堤社区")),
    StreetSpec("挂甲寺街道", (117.238, 39.093), ("挂甲里社区", "紫金山里社区", "海河园社区", "闽侯里社区", "平江里社区", "东南里社区")),
    StreetSpec("马场街道", (117.200, 39.108), ("马场里社区", "云南里社区", "成都里社区", "睦南园社区")),
    StreetSpec("越秀路街道", (117.226, 39.084), ("越秀里社区", "解放南园社区", "珠江里社区", "宾水园社区", "黑牛城社区", "永和里社区")),
    StreetSpec("友谊路街道", (117.205, 39.094), ("友谊里社区", "平山里社区", "广东里社区", "谊景园社区", "吴家窑社区", "云江里社区")),
    StreetSpec("天塔街道", (117.202, 39.074), ("天塔里社区", "水上园社区", "宾西里社区", "天和园社区", "卫津南园社区", "龙都花园社区")),
    StreetSpec("尖山街道", (117.220, 39.068), ("尖山里社区", "绍兴里社区", "永安道社区", "利民里社区", "南楼社区", "土城里社区", "谊城公寓社区")),
    StreetSpec("陈塘庄街道", (117.252, 39.073), ("陈塘里社区", "洞庭里社区", "琼州里社区", "海门里社区", "微山里社区", "内江里社区", "柳江里社区")),
    StreetSpec("柳林街道", (117.272, 39.059), ("柳林里社区", "梅林园社区", "祥和园社区", "海河湾社区", "瑞江花园社区", "柳馨园社区", "富裕广场社区", "郁江园社区")),
    StreetSpec("东海街道", (117.262, 39.044), ("东海里社区", "泗水园社区", "泰山里社区", "盛江花园社区", "紫江园社区", "东江里社区", "美丽江畔社区")),
    StreetSpec("梅江街道", (117.207, 39.044), ("梅江南社区", "蓝水园社区", "芳水园社区", "香水园社区", "翠水园社区", "川水园社区", "云水园社区", "曲水园社区")),
    StreetSpec("太湖路街道", (117.236, 39.050), ("太湖里社区", "桂江里社区", "湘潭里社区", "景兴里社区", "天山南园社区", "龙潭里社区", "金环里社区", "华山里社区")),
)  # fmt: skip


@dataclass(frozen=True)
class AreaPlan:
    code: str
    name: str
    parent_code: str
    geometry: BaseGeometry


@dataclass(frozen=True)
class DistrictPlan:
    """Everything about the district's areas, computed in memory before anything touches the database."""

    outline: BaseGeometry
    streets: list[AreaPlan]
    communities: list[AreaPlan]
    grids: list[AreaPlan]


def street_code(index: int) -> str:
    return f"{DISTRICT_CODE}{index + 1:03d}"


def plan_district() -> DistrictPlan:
    lattice = Lattice(Polygon(OUTLINE), CELL_M, SEED)
    by_street = _split(lattice.grow(lattice.cells, [s.seed for s in STREETS]))
    streets, communities, grids = [], [], []
    for index, spec in enumerate(STREETS):
        s_code = street_code(index)
        cells = by_street[index]
        streets.append(AreaPlan(s_code, spec.name, DISTRICT_CODE, _union(lattice, cells)))
        seeds = lattice.spread_seeds(cells, len(spec.communities))
        # Name communities north to south, west to east, so 001 is the northernmost: codes read like a map.
        seeds.sort(key=lambda p: (-round(p[1], 3), p[0]))
        by_community = _split(lattice.grow(cells, seeds))
        for c_index, c_name in enumerate(spec.communities):
            c_code = f"{s_code}{c_index + 1:03d}"
            c_cells = by_community[c_index]
            communities.append(AreaPlan(c_code, c_name, s_code, _union(lattice, c_cells)))
            for seq, cell in enumerate(sorted(c_cells, key=lambda c: (-c[1], c[0])), start=1):
                grids.append(
                    AreaPlan(f"{c_code}{seq:03d}", f"{c_name}{seq:03d}号网格", c_code, lattice.polygon(cell))
                )
    outline = unary_union([g.geometry for g in grids])
    return DistrictPlan(outline, streets, communities, grids)


def _split(owner: dict[Cell, int]) -> dict[int, set[Cell]]:
    groups: dict[int, set[Cell]] = {}
    for cell, index in owner.items():
        groups.setdefault(index, set()).add(cell)
    return groups


def _union(lattice: Lattice, cells: set[Cell]) -> BaseGeometry:
    return unary_union([lattice.polygon(cell) for cell in cells])


def save_district(plan: DistrictPlan) -> District:
    """Create what is missing, by code; existing rows are left exactly as they are (a rerun changes nothing)."""
    district, _ = District.objects.get_or_create(
        code=DISTRICT_CODE, defaults={"name": DISTRICT_NAME, "geometry": to_geojson(plan.outline)}
    )
    _create_missing(Street, "district", {DISTRICT_CODE: district.pk}, plan.streets)
    street_ids = dict(Street.objects.filter(district=district).values_list("code", "pk"))
    _create_missing(Community, "street", street_ids, plan.communities)
    community_ids = dict(Community.objects.filter(street__district=district).values_list("code", "pk"))
    existing = set(Grid.objects.filter(code__startswith=DISTRICT_CODE).values_list("code", flat=True))
    new_grids = []
    for area in plan.grids:
        if area.code in existing:
            continue
        validate_code("grid", area.code, area.parent_code)
        grid = Grid(code=area.code, name=area.name, community_id=community_ids[area.parent_code])
        grid.set_geometry(to_geojson(area.geometry))
        new_grids.append(grid)
    Grid.objects.bulk_create(new_grids, batch_size=500)
    locator.invalidate()  # bulk_create sends no post_save: tell this process's grid index to look again
    return district


def _create_missing(model, parent_field: str, parent_ids: dict[str, int], areas: list[AreaPlan]) -> None:
    existing = set(model.objects.filter(code__in=[a.code for a in areas]).values_list("code", flat=True))
    rows = []
    for area in areas:
        if area.code in existing:
            continue
        validate_code(model.LEVEL, area.code, area.parent_code)
        rows.append(
            model(
                code=area.code,
                name=area.name,
                geometry=to_geojson(area.geometry),
                **{f"{parent_field}_id": parent_ids[area.parent_code]},
            )
        )
    model.objects.bulk_create(rows)
