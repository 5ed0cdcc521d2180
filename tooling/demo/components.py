"""Demo 管理部件: about 6,000 located assets over the demo grids, with who regulates, owns and maintains them.

Ownership follows how a Tianjin district actually splits it, because 部件 problems are routed to the
owner first (先属主, docs/domain.md §5): a 供水井盖 goes to the water company, a 路灯 to the street-lighting
office, a 垃圾箱 to sanitation. Positions are random but seeded, so every load builds the same set.
"""

import random
from dataclasses import dataclass

from shapely.geometry import Point

from dispatch.codes import component_code_errors
from dispatch.models import Category, Component, Department
from grids.models import Grid
from tooling.demo.departments import BUREAU_UNITS, bureau_code, owner_code, street_office_code
from tooling.demo.district import DISTRICT_CODE, SEED, AreaPlan, DistrictPlan

STREET = "STREET"  # the street office of the component's own street
TELECOM = "TELECOM"  # one of the three carriers, chosen per component
_CARRIERS = ("LT", "DX", "YD")


@dataclass(frozen=True)
class ComponentType:
    code: str  # GB/T 47678.5-2026 部件 code
    count: int
    owner: str  # 权属单位 key: a bureau unit, a utility, STREET or TELECOM
    regulator: str | None  # 主管部门 key (a 区城管委 unit); None where no city-management unit regulates it
    maintainer: str | None = None  # 养护单位 key when it is not the owner; "STREET:GGB" is a street section


TYPES: tuple[ComponentType, ...] = (
    ComponentType("01001", 320, "SW", "SZ"),  # 供水井盖
    ComponentType("01002", 360, "PS", "SZ"),  # 污水井盖
    ComponentType("01003", 360, "PS", "SZ"),  # 雨水井盖
    ComponentType("01004", 450, "PS", "SZ"),  # 雨水箅子
    ComponentType("01005", 180, "DL", "SZ"),  # 电力井盖
    ComponentType("01006", 90, "LD", "SZ"),  # 路灯井盖
    ComponentType("01007", 280, TELECOM, "SZ"),  # 通信井盖
    ComponentType("01010", 130, "RLJT", "GR"),  # 热力井盖
    ComponentType("01011", 130, "RQJT", "RQ"),  # 燃气井盖
    ComponentType("01012", 40, "GA", "SZ"),  # 公安井盖
    ComponentType("01013", 100, "SW", "SZ"),  # 消防设施 (hydrants are kept by the water company)
    ComponentType("01015", 40, "JG", "SZ"),  # 信号灯电源井盖
    ComponentType("01027", 70, TELECOM, "SZ"),  # 通信交接箱
    ComponentType("01030", 80, "DL", "SZ"),  # 电力立杆
    ComponentType("01031", 60, TELECOM, "SZ"),  # 通信立杆
    ComponentType("01037", 560, "LD", "SZ"),  # 路灯
    ComponentType("01039", 80, "LD", "SR"),  # 景观灯
    ComponentType("01042", 20, "YZ", None),  # 邮筒
    ComponentType("01046", 70, STREET, None, "STREET:CJB"),  # 户外健身设施
    ComponentType("01048", 50, "DL", "SZ"),  # 变压器（箱）
    ComponentType("01049", 25, "RQJT", "RQ"),  # 燃气调压站（箱）
    ComponentType("01050", 80, "GA", None),  # 监控电子眼设施
    ComponentType("01054", 60, "DL", "TC"),  # 充电桩
    ComponentType("01060", 40, "LD", "SZ"),  # 路灯配电箱
    ComponentType("02001", 20, "TC", "TC"),  # 停车场
    ComponentType("02003", 60, "TC", "TC"),  # 停车计费设备
    ComponentType("02004", 90, "GJ", "SZ"),  # 公交站设施
    ComponentType("02010", 170, "JG", "SZ"),  # 交通标志牌及标线
    ComponentType("02012", 90, "SZ", "SZ"),  # 路名牌
    ComponentType("02014", 70, "JG", "SZ"),  # 交通信号灯
    ComponentType("02017", 80, "JG", "SZ"),  # 交通护栏
    ComponentType("02021", 110, "SZ", "SZ", "STREET:CJB"),  # 便道桩
    ComponentType("02025", 60, "TC", "TC", "STREET:GGB"),  # 非机动车停放点
    ComponentType("02043", 40, "JG", "SZ"),  # 减速带
    ComponentType("03001", 45, "HW", "HW", "STREET:GGB"),  # 公共厕所
    ComponentType("03002", 45, "HW", "HW"),  # 公厕指示牌
    ComponentType("03005", 380, "HW", "HW", "STREET:GGB"),  # 垃圾箱
    ComponentType("03006", 60, "SR", "SR"),  # 户外广告
    ComponentType("03007", 110, "SR", "SR"),  # 牌匾标识
    ComponentType("03008", 60, STREET, "SR"),  # 宣传栏
    ComponentType("03014", 30, "HW", "HW", "STREET:GGB"),  # 环卫工具间（箱）
    ComponentType("04001", 6, "YL", "YL"),  # 古树名木
    ComponentType("04002", 400, "YL", "YL"),  # 行道树
    ComponentType("04003", 60, "YL", "YL"),  # 独立树
    ComponentType("04004", 60, "YL", "YL"),  # 护树设施
    ComponentType("04005", 60, "YL", "YL"),  # 花架花钵
    ComponentType("04006", 12, "YL", "YL"),  # 雕塑
    ComponentType("04007", 70, "YL", "YL"),  # 街头座椅
    ComponentType("04008", 60, "YL", "YL"),  # 绿地护栏
    ComponentType("04011", 90, "YL", "YL"),  # 树池树穴
    ComponentType("04013", 80, "YL", "YL", "STREET:CJB"),  # 绿地
)

# Mostly intact (docs/domain.md §4 statuses); only what can be carried off goes missing: covers, grates, signs.
_DAMAGED, _LOST = 0.04, 0.015
_CAN_GO_MISSING = ("井盖", "箅子", "牌", "邮筒", "座椅", "护栏", "桩")


def save_components(plan: DistrictPlan) -> int:
    """Bulk-create the components whose codes are not there yet; returns how many were created."""
    categories = {
        c.code: c
        for c in Category.objects.filter(
            standard=Category.Standard.GBT_47678_5_2026,
            kind=Category.Kind.COMPONENT,
            code__in=[t.code for t in TYPES],
        )
    }
    missing = [t.code for t in TYPES if t.code not in categories]
    if missing:
        raise LookupError(f"部件类别未导入: {', '.join(missing)}（先运行 load_categories）")
    departments = dict(Department.objects.filter(code__startswith=DISTRICT_CODE).values_list("code", "pk"))
    grid_ids = dict(Grid.objects.filter(code__startswith=DISTRICT_CODE).values_list("code", "pk"))
    communities = {c.code: c.name for c in plan.communities}
    streets = {s.code: s.name for s in plan.streets}
    existing = set(Component.objects.filter(code__startswith=DISTRICT_CODE).values_list("code", flat=True))

    rng = random.Random(SEED)
    grids = sorted(plan.grids, key=lambda g: g.code)
    new = []
    # Everything is drawn even for components that already exist, so the random sequence (and thus
    # every later component) is the same whether this is the first load or a repair of a partial one.
    for kind in TYPES:
        category = categories[kind.code]
        # Sequence numbers follow the grid codes, so neighbouring components get neighbouring numbers.
        placed = sorted(rng.choices(grids, k=kind.count), key=lambda g: g.code)
        for seq, grid in enumerate(placed, start=1):
            code = f"{DISTRICT_CODE}{kind.code}{seq:06d}"
            lng, lat = _point_in(grid, rng)
            status = _status(category.name, rng)
            carrier = rng.choice(_CARRIERS)
            if code in existing:
                continue
            if errors := component_code_errors(code, DISTRICT_CODE, kind.code):
                raise ValueError(errors)
            s_code = grid.code[:9]
            new.append(
                Component(
                    code=code,
                    category=category,
                    name=category.name,
                    lng=lng,
                    lat=lat,
                    grid_id=grid_ids[grid.code],
                    **_responsible(kind, s_code, carrier, departments),
                    status=status,
                    address=f"{streets[s_code]}{communities[grid.code[:12]]}",
                )
            )
    Component.objects.bulk_create(new, batch_size=1000)
    return len(new)


def _responsible(kind: ComponentType, s_code: str, carrier: str, departments: dict[str, int]) -> dict:
    """The regulator, owner and maintainer ids of one component of `kind` in street `s_code`."""
    keys = {
        "regulator_id": kind.regulator,
        "owner_id": kind.owner,
        "maintainer_id": kind.maintainer or kind.owner,
    }
    return {
        field: departments[_department_code(key, s_code, carrier)] if key else None
        for field, key in keys.items()
    }


def _department_code(key: str, s_code: str, carrier: str) -> str:
    if key == STREET:
        return street_office_code(s_code)
    if key.startswith(f"{STREET}:"):
        return street_office_code(s_code, key.split(":", 1)[1])
    if key == TELECOM:
        return owner_code(carrier)
    if key in BUREAU_UNITS:
        return bureau_code(key)
    return owner_code(key)


def _point_in(grid: AreaPlan, rng: random.Random) -> tuple[float, float]:
    """A uniform random point strictly inside the grid, rounded the way it is stored (≈1 cm)."""
    polygon = grid.geometry
    min_lng, min_lat, max_lng, max_lat = polygon.bounds
    while True:
        lng = round(rng.uniform(min_lng, max_lng), 7)
        lat = round(rng.uniform(min_lat, max_lat), 7)
        # Test after rounding: the stored point, not the drawn one, must lie in the grid.
        if polygon.contains(Point(lng, lat)):
            return lng, lat


def _status(name: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < _LOST and any(word in name for word in _CAN_GO_MISSING):
        return Component.Status.LOST
    if roll < _LOST + _DAMAGED:
        return Component.Status.DAMAGED
    return Component.Status.INTACT
