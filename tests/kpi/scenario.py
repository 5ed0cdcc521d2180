"""A month of hand-built cases, driven through the real services day by day (March–April 2026).

Working calendar: Monday–Friday, 08:30–12:00 and 13:30–17:30. Limits (dispatch/time_limits.py
defaults): 受理, 立案, 派遣, 结案 1 working hour; 核实 2; 核查 4; 处置 3 working days. 2026-03-02 is a
Monday. Every case is in world.grid (inspector "insp") unless said otherwise.

    A  inspector report → … → closed 3/3, everything on time
    B  返工: check fails 3/3, second feedback and close 3/4, on time
    C  延期: extension approved 3/3 (+8 h), still late: feedback 3/9 (超期), closed 3/9
    D  挂账: suspension approved 3/3, still suspended
    E  作废: filed, then voided 3/2
    F  reopen: closed 3/3, reopened and re-dispatched 3/5, still in progress (not late yet)
    G  filed 3/31 16:00, closed 4/1: in March's cohort, closed in April
    H  dispatched late (14:00), never fed back: red at the 3/9 sweep → 超期未处置
    I  hotline ticket: 派发核实 → 核实 → … → closed 3/3, 回访 满意 3/4
    J  hotline ticket rejected at intake (不予受理) at 14:00 (late)
    L  accepted late (14:00), then 不予立案
    R  dispatched to the wrong department, 回退 approved, re-dispatched to the street office, closed 3/3
    K  reported and filed 4/1 (April's cohort), pending dispatch
"""

import datetime as dt

from cases import services as s
from cases.sla import sweep
from kpi import rollup
from tests.cases.conftest import hotline_report
from tests.kpi.conftest import on, photo, report

MAR2, MAR3, MAR4, MAR5, MAR9 = (dt.date(2026, 3, d) for d in (2, 3, 4, 5, 9))
MAR31, APR1 = dt.date(2026, 3, 31), dt.date(2026, 4, 1)
MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
APRIL = (dt.date(2026, 4, 1), dt.date(2026, 4, 30))
DAYS = (MAR2, MAR3, MAR4, MAR5, MAR9, MAR31, APR1)


def build(world, after_day=None) -> dict:
    """Play the scenario; `after_day(day)` runs at 18:00 of each active day (e.g. an incremental rollup)."""
    p, c = world.p, {}

    def done(day):
        if after_day:
            with on(day, 18):
                after_day(day)

    def fix(case, passed=True, note="现场复核"):
        case = s.case_submit_feedback(case=case, actor=p.department, result="已处置", photos=[photo()])
        return s.case_check(case=case, actor=p.inspector, passed=passed, note=note, photos=[photo()])

    with on(MAR2, 9):
        for name in "ABCDEFHLR":
            c[name] = report(world, description=f"案件 {name}")
        c["I"] = hotline_report(world, ticket="I-1")
        c["J"] = hotline_report(world, ticket="J-1")
    with on(MAR2, 9, 5):
        for name in "ABCDEFHR":
            c[name] = s.case_accept(case=c[name], actor=p.operator)
        c["I"] = s.case_send_verify(case=c["I"], actor=p.operator)
    with on(MAR2, 9, 10):
        c["I"] = s.case_verify(case=c["I"], actor=p.inspector, confirmed=True, photos=[photo()])
        for name in "ABCDEFHIR":
            c[name] = s.case_file(case=c[name], actor=p.shift_leader)
        for name in "ABCDFI":
            c[name] = s.case_dispatch(case=c[name], actor=p.dispatcher, department=world.office)
        c["R"] = s.case_dispatch(case=c["R"], actor=p.dispatcher, department=world.other_dept)
        c["E"] = s.case_request_void(case=c["E"], actor=p.operator, reason="重复上报")
        c["E"] = s.case_approve_void(case=c["E"], actor=p.shift_leader)
    with on(MAR2, 14):
        c["L"] = s.case_accept(case=c["L"], actor=p.operator)
        c["L"] = s.case_refuse_filing(case=c["L"], actor=p.shift_leader, reason="不属于城市管理范围")
        c["J"] = s.case_reject(case=c["J"], actor=p.operator, reason="invalid")
        c["H"] = s.case_dispatch(case=c["H"], actor=p.dispatcher, department=world.office)
    with on(MAR2, 14, 10):
        c["R"] = s.case_request_return(case=c["R"], actor=p.other_department, reason="不属于我单位职责")
        c["R"] = s.case_approve_return(case=c["R"], actor=p.dispatcher)
        c["R"] = s.case_dispatch(case=c["R"], actor=p.dispatcher, department=world.office)
    done(MAR2)

    with on(MAR3, 10):
        for name in "AFIR":
            c[name] = s.case_close(case=fix(c[name]), actor=p.shift_leader)
        c["B"] = fix(c["B"], passed=False, note="垃圾未清理干净")
        c["C"] = s.case_request_extension(case=c["C"], actor=p.department, reason="需调配机械", hours=8)
        c["C"] = s.case_approve_extension(case=c["C"], actor=p.dispatcher)
        c["D"] = s.case_request_suspension(case=c["D"], actor=p.department, reason="需立项改造")
        c["D"] = s.case_approve_suspension(case=c["D"], actor=p.dispatcher)
    done(MAR3)

    with on(MAR4, 10):
        c["B"] = s.case_close(case=fix(c["B"]), actor=p.shift_leader)
        c["I"] = s.case_callback(case=c["I"], actor=p.hotline, satisfaction="satisfied")
    done(MAR4)

    with on(MAR5, 10):
        c["F"] = s.case_reopen(case=c["F"], actor=p.shift_leader, reason="回访不满意")
    with on(MAR5, 10, 5):
        c["F"] = s.case_dispatch(case=c["F"], actor=p.dispatcher, department=world.office)
    done(MAR5)

    with on(MAR9, 9):
        sweep()  # C and H turn red (超期), with the system's 督办 events
    with on(MAR9, 10):
        c["C"] = s.case_close(case=fix(c["C"]), actor=p.shift_leader)
    done(MAR9)

    with on(MAR31, 16):
        c["G"] = report(world, description="案件 G")
        c["G"] = s.case_accept(case=c["G"], actor=p.operator)
        c["G"] = s.case_file(case=c["G"], actor=p.shift_leader)
        c["G"] = s.case_dispatch(case=c["G"], actor=p.dispatcher, department=world.office)
    done(MAR31)

    with on(APR1, 10):
        c["G"] = s.case_close(case=fix(c["G"]), actor=p.shift_leader)
        c["K"] = report(world, description="案件 K")
        c["K"] = s.case_accept(case=c["K"], actor=p.operator)
        c["K"] = s.case_file(case=c["K"], actor=p.shift_leader)
    done(APR1)
    return c


def roll_days(days=DAYS) -> None:
    for day in days:
        rollup.rollup_day(day)
