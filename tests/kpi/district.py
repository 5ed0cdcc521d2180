"""A district's March 2026 as its centre would recognise it: two streets, three departments, two
operators and two dispatchers who do not score alike, hotline callers giving every satisfaction
answer, and cases around local midnight (Asia/Shanghai) and the month boundary. Played through the
real services, day by day; the expected figures are written out by hand in tests/kpi/test_district.py.

Working calendar: Monday–Friday 08:30–12:00, 13:30–17:30; 2026-03-01 is a Sunday, 03-02 a Monday,
03-31 a Tuesday, 04-01 a Wednesday. Limits (defaults): 受理, 立案, 派遣, 结案 1 working hour; 核实 2;
核查 4; 处置 3 working days.

    北街道 (street N): grid GN, inspector iN, street office ON
    南街道 (street S): grid GS, inspector iS, street office OS
    区园林中心 GARDEN (a specialist department)

Monday 3/2, every case reported at 09:00 and handled at once unless said otherwise:
    N1 N2       iN report; op1 受理 09:05; 立案 09:15; d1 派遣 → ON 09:20; closed 3/3 10:00
    N3          as N1, but 核查 fails 3/3 (返工); second 处置 passes, closed 3/4 10:00
    N4          hotline ticket in GN; op1 派发核实 09:05; iN 核实 09:10; d2 → GARDEN; closed 3/3; 回访 满意
    S1          iS report; op2 受理 09:05; d2 → OS; closed 3/3
    S2          as S1, never fed back: red at the 3/9 sweep (超期未处置)
    S3 S4 S5    hotline tickets in GS; op2 派发核实; iS 核实; d2 → OS, GARDEN, OS; closed 3/3;
                回访 S3 不满意, S4 基本满意, S5 未联系上
    S6          iS report; op2 受理 late at 14:00 (due 10:00); 立案 14:05; d1 → GARDEN 14:10;
                GARDEN asks 回退 14:20, d2 approves 14:25 and 派遣 → OS 14:30; closed 3/3
Around midnight and the month boundary:
    E1  Sun 3/1 00:30 iN report (UTC: still 2/28); op1 受理 Mon 08:35; 立案 08:40; d1 → ON 08:45; closed 3/3
    E2  Tue 3/31 23:30 iN report; op1 受理 Wed 4/1 07:45; 立案 07:50 (UTC: still 3/31): reported in March,
        filed in April; waits for dispatch
    E3  Wed 4/1 00:40 iS report (UTC: 3/31); op2 受理 08:35; 立案 08:40; d2 → OS 08:45
    E4  Wed 4/1 06:00 hotline ticket in GN (UTC: 3/31 22:00); nobody has touched it yet
"""

import datetime as dt
from types import SimpleNamespace

from cases import services as s
from cases.models import Source
from cases.sla import sweep
from dispatch.models import Category, Department
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
from tests.kpi.conftest import on

MAR1, MAR2, MAR3, MAR4, MAR9 = (dt.date(2026, 3, d) for d in (1, 2, 3, 4, 9))
MAR30, MAR31, APR1, APR2 = (
    dt.date(2026, 3, 30),
    dt.date(2026, 3, 31),
    dt.date(2026, 4, 1),
    dt.date(2026, 4, 2),
)
MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
APRIL = (dt.date(2026, 4, 1), dt.date(2026, 4, 30))


def build_world() -> SimpleNamespace:
    district = DistrictFactory()
    streets, grids, offices, inspectors, department_users = {}, {}, {}, {}, {}
    for key, name in (("N", "北街道"), ("S", "南街道")):
        street = StreetFactory(district=district, name=name)
        inspector = UserFactory(username=f"i{key}", roles=["inspector"])
        grid = GridFactory(community=CommunityFactory(street=street), inspectors=[inspector])
        office = DepartmentFactory(
            name=f"{name}公共管理办",
            kind=Department.Kind.STREET_OFFICE,
            street=street,
            is_street_default=True,
        )
        streets[key], grids[key], offices[key], inspectors[key] = street, grid, office, inspector
        department_users[key] = UserFactory(username=f"u{key}", roles=["department"], department=office)
    garden = DepartmentFactory(name="区园林中心")
    department_users["G"] = UserFactory(username="uG", roles=["department"], department=garden)
    return SimpleNamespace(
        streets=streets,
        grids=grids,
        offices=offices,
        garden=garden,
        inspectors=inspectors,
        dept_users=department_users,
        category=CategoryFactory(
            kind=Category.Kind.EVENT, major_code="06", major_name="市容环境类", name="暴露垃圾"
        ),
        op1=UserFactory(username="op1", roles=["operator"]),
        op2=UserFactory(username="op2", roles=["operator"]),
        lead=UserFactory(username="lead", roles=["shift_leader"]),
        d1=UserFactory(username="d1", roles=["dispatcher"]),
        d2=UserFactory(username="d2", roles=["dispatcher"]),
        hot=UserFactory(username="hot", roles=["hotline"]),
    )


def _centre(grid):
    return (grid.min_lng + grid.max_lng) / 2, (grid.min_lat + grid.max_lat) / 2


def play(w: SimpleNamespace, nightly=None) -> dict:
    """Play the month; `nightly(day)` runs at 00:30 local after each day that had events (as beat does)."""
    c, tickets = {}, iter(range(1, 100))

    def night_after(day):
        if nightly:
            with on(day + dt.timedelta(days=1), 0, 30):
                nightly(day)

    def inspector_report(street, name):
        lng, lat = _centre(w.grids[street])
        return s.case_report(
            actor=w.inspectors[street], category=w.category, lng=lng, lat=lat, description=f"案件 {name}"
        )

    def ticket(street, name):
        lng, lat = _centre(w.grids[street])
        return s.case_report(
            actor=w.hot,
            category=w.category,
            lng=lng,
            lat=lat,
            description=f"热线 {name}",
            source=Source.HOTLINE_12345,
            hotline_ticket_no=f"D{next(tickets):04d}",
            reporter_name="王女士",
            reporter_phone="13900000000",
        )

    def street_of(name):
        return name[0] if name[0] in "NS" else {"E1": "N", "E2": "N", "E3": "S", "E4": "N"}[name]

    def fix(name, passed=True):
        case = c[name]
        dept_user = {w.offices["N"].pk: "N", w.offices["S"].pk: "S", w.garden.pk: "G"}[case.department_id]
        case = s.case_submit_feedback(
            case=case, actor=w.dept_users[dept_user], result="已处置", photos=[photo()]
        )
        c[name] = s.case_check(
            case=case, actor=w.inspectors[street_of(name)], passed=passed, note="现场复核", photos=[photo()]
        )
        if passed:
            c[name] = s.case_close(case=c[name], actor=w.lead)

    # ---- Sunday 3/1, just after midnight
    with on(MAR1, 0, 30):
        c["E1"] = inspector_report("N", "E1")
    night_after(MAR1)

    # ---- Monday 3/2
    with on(MAR2, 8, 35):
        c["E1"] = s.case_accept(case=c["E1"], actor=w.op1)
    with on(MAR2, 8, 40):
        c["E1"] = s.case_file(case=c["E1"], actor=w.lead)
    with on(MAR2, 8, 45):
        c["E1"] = s.case_dispatch(case=c["E1"], actor=w.d1, department=w.offices["N"])
    with on(MAR2, 9):
        for name in ("N1", "N2", "N3"):
            c[name] = inspector_report("N", name)
        for name in ("S1", "S2", "S6"):
            c[name] = inspector_report("S", name)
        c["N4"] = ticket("N", "N4")
        for name in ("S3", "S4", "S5"):
            c[name] = ticket("S", name)
    with on(MAR2, 9, 5):
        for name in ("N1", "N2", "N3"):
            c[name] = s.case_accept(case=c[name], actor=w.op1)
        c["N4"] = s.case_send_verify(case=c["N4"], actor=w.op1)
        for name in ("S1", "S2"):
            c[name] = s.case_accept(case=c[name], actor=w.op2)
        for name in ("S3", "S4", "S5"):
            c[name] = s.case_send_verify(case=c[name], actor=w.op2)
    with on(MAR2, 9, 10):
        c["N4"] = s.case_verify(case=c["N4"], actor=w.inspectors["N"], confirmed=True, photos=[photo()])
        for name in ("S3", "S4", "S5"):
            c[name] = s.case_verify(case=c[name], actor=w.inspectors["S"], confirmed=True, photos=[photo()])
    with on(MAR2, 9, 15):
        for name in ("N1", "N2", "N3", "N4", "S1", "S2", "S3", "S4", "S5"):
            c[name] = s.case_file(case=c[name], actor=w.lead)
    with on(MAR2, 9, 20):
        for name in ("N1", "N2", "N3"):
            c[name] = s.case_dispatch(case=c[name], actor=w.d1, department=w.offices["N"])
        for name, department in (
            ("N4", w.garden),
            ("S1", w.offices["S"]),
            ("S2", w.offices["S"]),
            ("S3", w.offices["S"]),
            ("S4", w.garden),
            ("S5", w.offices["S"]),
        ):
            c[name] = s.case_dispatch(case=c[name], actor=w.d2, department=department)
    with on(MAR2, 14):
        c["S6"] = s.case_accept(case=c["S6"], actor=w.op2)  # late: the 受理 limit ran out at 10:00
    with on(MAR2, 14, 5):
        c["S6"] = s.case_file(case=c["S6"], actor=w.lead)
    with on(MAR2, 14, 10):
        c["S6"] = s.case_dispatch(case=c["S6"], actor=w.d1, department=w.garden)
    with on(MAR2, 14, 20):
        c["S6"] = s.case_request_return(case=c["S6"], actor=w.dept_users["G"], reason="不属于我单位职责")
    with on(MAR2, 14, 25):
        c["S6"] = s.case_approve_return(case=c["S6"], actor=w.d2)
    with on(MAR2, 14, 30):
        c["S6"] = s.case_dispatch(case=c["S6"], actor=w.d2, department=w.offices["S"])
    night_after(MAR2)

    # ---- Tuesday 3/3: the fixes
    with on(MAR3, 10):
        for name in ("N1", "N2", "N4", "S1", "S3", "S4", "S5", "S6", "E1"):
            fix(name)
        fix("N3", passed=False)  # 返工
    night_after(MAR3)

    # ---- Wednesday 3/4: N3 done again; the hotline calls the callers back
    with on(MAR4, 10):
        fix("N3")
        for name, answer in (
            ("N4", "satisfied"),
            ("S3", "unsatisfied"),
            ("S4", "basically_satisfied"),
            ("S5", "unreachable"),
        ):
            c[name] = s.case_callback(case=c[name], actor=w.hot, satisfaction=answer)
    night_after(MAR4)

    # ---- Monday 3/9: the sweep finds S2 late
    with on(MAR9, 9):
        sweep()
    night_after(MAR9)

    # ---- the month boundary
    with on(MAR31, 23, 30):
        c["E2"] = inspector_report("N", "E2")
    night_after(MAR31)
    with on(APR1, 0, 40):
        c["E3"] = inspector_report("S", "E3")
    with on(APR1, 6):
        c["E4"] = ticket("N", "E4")
    with on(APR1, 7, 45):
        c["E2"] = s.case_accept(case=c["E2"], actor=w.op1)
    with on(APR1, 7, 50):
        c["E2"] = s.case_file(case=c["E2"], actor=w.lead)
    with on(APR1, 8, 35):
        c["E3"] = s.case_accept(case=c["E3"], actor=w.op2)
    with on(APR1, 8, 40):
        c["E3"] = s.case_file(case=c["E3"], actor=w.lead)
    with on(APR1, 8, 45):
        c["E3"] = s.case_dispatch(case=c["E3"], actor=w.d2, department=w.offices["S"])
    night_after(APR1)
    return c
