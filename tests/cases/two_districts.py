"""Two districts in one deployment (docs/domain.md §13), side by side, sharing one edge.

    甲区 A, code 129901          乙区 B, code 129902
    grid GA: 117.300–117.301     grid GB: 117.301–117.302     (both 39.100–39.101)

The edge lng = 117.301 belongs to both outlines; the lower code (甲区) gets a point on it. Each district
has its own centre staff (operator, shift leader, dispatcher, supervisor, hotline — their user names the
district), a street office and a grid inspector; above them a city supervisor, and a supervisor with no
district (a one-district deployment's, who sees everything as before).
"""

from types import SimpleNamespace

from cases import services as s
from cases.models import Case, Source
from dispatch.models import Department
from tests.cases.conftest import photo
from tests.factories import (
    CategoryFactory,
    CommunityFactory,
    DepartmentFactory,
    DistrictFactory,
    GridFactory,
    StreetFactory,
    UserFactory,
)

WEST, SOUTH, SIZE = 117.300, 39.100, 0.001
EDGE = round(WEST + SIZE, 7)  # the shared edge
MIDDLE = round(SOUTH + SIZE / 2, 7)


def _district(letter: str, code: str, name: str, west: float) -> SimpleNamespace:
    district = DistrictFactory(code=code, name=name)
    street = StreetFactory(district=district, code=f"{code}001", name=f"{name}街道")
    community = CommunityFactory(street=street, code=f"{code}001001", name=f"{name}社区")
    inspector = UserFactory(username=f"insp_{letter}", roles=["inspector"])
    grid = GridFactory(
        community=community,
        code=f"{code}001001001",
        west=west,
        south=SOUTH,
        size=SIZE,
        inspectors=[inspector],
    )
    office = DepartmentFactory(
        name=f"{name}街道公共管理办",
        kind=Department.Kind.STREET_OFFICE,
        street=street,
        is_street_default=True,
    )

    def staff(role: str, **extra):
        return UserFactory(username=f"{role}_{letter}", roles=[role], district=district, **extra)

    return SimpleNamespace(
        district=district,
        street=street,
        grid=grid,
        office=office,
        inside=(round(west + SIZE / 4, 7), MIDDLE),
        inspector=inspector,
        operator=staff("operator"),
        shift_leader=staff("shift_leader"),
        dispatcher=staff("dispatcher"),
        supervisor=staff("supervisor"),
        hotline=staff("hotline"),
        department=UserFactory(username=f"dept_{letter}", roles=["department"], department=office),
    )


def build_city() -> SimpleNamespace:
    return SimpleNamespace(
        a=_district("a", "129901", "甲区", WEST),
        b=_district("b", "129902", "乙区", EDGE),
        category=CategoryFactory(kind="event", major_code="06", major_name="市容环境类", name="暴露垃圾"),
        city=UserFactory(username="city", roles=["city_supervisor"]),
        everywhere=UserFactory(username="boss", roles=["supervisor"]),  # no district: the whole deployment
    )


def report(city, d, **kw) -> Case:
    """An inspector's report in district `d`'s grid."""
    lng, lat = kw.pop("where", d.inside)
    return s.case_report(
        actor=d.inspector, category=city.category, lng=lng, lat=lat, description="路边有暴露垃圾", **kw
    )


def hotline_report(city, d, ticket: str) -> Case:
    lng, lat = d.inside
    return s.case_report(
        actor=d.hotline,
        category=city.category,
        lng=lng,
        lat=lat,
        description="市民来电反映路边有暴露垃圾",
        source=Source.HOTLINE_12345,
        hotline_ticket_no=ticket,
        reporter_phone="13800000000",
    )


def filed(case, d) -> Case:
    """受理 (or 派发核实 and 核实 for a hotline case), then 立案 and 派遣 to the street office."""
    if case.source == Source.INSPECTOR:
        case = s.case_accept(case=case, actor=d.operator)
    else:
        case = s.case_send_verify(case=case, actor=d.operator)
        case = s.case_verify(case=case, actor=d.inspector, confirmed=True, photos=[photo()])
    case = s.case_file(case=case, actor=d.shift_leader)
    return s.case_dispatch(case=case, actor=d.dispatcher, department=d.office)


def closed(case, d) -> Case:
    """From 处置中 through 处置反馈 and 核查 to 结案."""
    case = s.case_submit_feedback(case=case, actor=d.department, result="已清理", photos=[photo()])
    case = s.case_check(case=case, actor=d.inspector, passed=True, photos=[photo()])
    return s.case_close(case=case, actor=d.shift_leader)
