"""Scope (docs/domain.md §1): departments act only on their own cases, inspectors only in their grids (and verify
only what was sent to them), centre roles district-wide."""

import pytest

from cases import services as s
from cases.errors import ActionForbidden, InvalidInput
from cases.workflow import Status
from tests.cases.conftest import case_in, hotline_report, photo, report, snapshot
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")


# ---------------------------------------------------------------- departments

DEPARTMENT_ACTIONS = {
    "submit_feedback": lambda c, a: s.case_submit_feedback(
        case=c, actor=a, result="已处理", photos=[photo()]
    ),
    "request_return": lambda c, a: s.case_request_return(case=c, actor=a, reason="不属于本单位"),
    "request_extension": lambda c, a: s.case_request_extension(case=c, actor=a, reason="需要时间", hours=8),
    "request_suspension": lambda c, a: s.case_request_suspension(case=c, actor=a, reason="需立项"),
    "request_void": lambda c, a: s.case_request_void(case=c, actor=a, reason="误报"),
}


@pytest.mark.parametrize("action", DEPARTMENT_ACTIONS)
def test_another_departments_staff_cannot_act_on_the_case(world, action):
    case = case_in(world, Status.IN_PROGRESS)  # dispatched to world.office
    before = snapshot(case)
    with pytest.raises(ActionForbidden) as forbidden:
        DEPARTMENT_ACTIONS[action](case, world.p.other_department)
    assert "部门" in forbidden.value.message
    assert snapshot(case) == before
    # The case's own department can.
    DEPARTMENT_ACTIONS[action](case, world.p.department)


def test_after_redispatch_only_the_new_department_may_act(world):
    p = world.p
    case = case_in(world, Status.IN_PROGRESS, pending="return")
    s.case_approve_return(case=case, actor=p.dispatcher)
    case = s.case_dispatch(case=case, actor=p.dispatcher, department=world.other_dept)
    with pytest.raises(ActionForbidden):
        s.case_submit_feedback(case=case, actor=p.department, result="已处理", photos=[photo()])
    case = s.case_submit_feedback(case=case, actor=p.other_department, result="已处理", photos=[photo()])
    assert case.status == Status.PENDING_CHECK


def test_a_co_department_cannot_act_as_the_lead_department(world):
    p = world.p
    case = case_in(world, Status.PENDING_DISPATCH)
    case = s.case_dispatch(
        case=case, actor=p.dispatcher, department=world.office, co_departments=[world.other_dept]
    )
    before = snapshot(case)
    with pytest.raises(ActionForbidden):
        s.case_submit_feedback(case=case, actor=p.other_department, result="已处理", photos=[photo()])
    assert snapshot(case) == before


def test_department_staff_without_a_department_cannot_act(world):
    loose = UserFactory(username="dept_none", roles=["department"])
    case = case_in(world, Status.IN_PROGRESS)
    with pytest.raises(ActionForbidden):
        s.case_request_return(case=case, actor=loose, reason="不属于本单位")


def test_a_deactivated_user_can_do_nothing(world):
    p = world.p
    case = case_in(world, Status.PENDING_DISPATCH)
    p.dispatcher.is_active = False
    p.dispatcher.save(update_fields=["is_active"])
    before = snapshot(case)
    with pytest.raises(ActionForbidden):
        s.case_dispatch(case=case, actor=p.dispatcher, department=world.office)
    assert snapshot(case) == before


# ---------------------------------------------------------------- inspectors


def test_an_inspector_cannot_verify_in_someone_elses_grid(world):
    case = case_in(world, Status.VERIFYING)  # world.grid, sent to world.p.inspector
    before = snapshot(case)
    with pytest.raises(ActionForbidden) as forbidden:
        s.case_verify(case=case, actor=world.p.other_inspector, confirmed=True, photos=[photo()])
    assert world.grid.code in forbidden.value.message
    assert snapshot(case) == before


def test_an_inspector_cannot_check_in_someone_elses_grid(world):
    case = case_in(world, Status.PENDING_CHECK)
    before = snapshot(case)
    with pytest.raises(ActionForbidden):
        s.case_check(case=case, actor=world.p.other_inspector, passed=True, photos=[photo()])
    assert snapshot(case) == before
    case = s.case_check(case=case, actor=world.p.inspector, passed=True, photos=[photo()])
    assert case.status == Status.PENDING_CLOSURE


def test_the_other_inspector_checks_in_their_own_grid(world):
    p = world.p
    case = report(world, p.other_inspector, where=world.other_inside)
    assert case.grid == world.other_grid
    s.case_accept(case=case, actor=p.operator)
    s.case_file(case=case, actor=p.shift_leader)
    s.case_dispatch(case=case, actor=p.dispatcher, department=world.office)
    s.case_submit_feedback(case=case, actor=p.department, result="已处理", photos=[photo()])
    with pytest.raises(ActionForbidden):
        s.case_check(case=case, actor=p.inspector, passed=True, photos=[photo()])
    case = s.case_check(case=case, actor=p.other_inspector, passed=True, photos=[photo()])
    assert case.status == Status.PENDING_CLOSURE


def test_verify_is_limited_to_the_inspector_it_was_sent_to(world):
    p = world.p
    second = UserFactory(username="insp3", roles=["inspector"])
    world.grid.inspectors.add(second)
    case = s.case_send_verify(case=hotline_report(world), actor=p.operator, inspector=second)
    assert case.verify_inspector == second
    before = snapshot(case)

    # world.p.inspector also covers this grid, but the task went to `second`.
    with pytest.raises(ActionForbidden) as forbidden:
        s.case_verify(case=case, actor=p.inspector, confirmed=True, photos=[photo()])
    assert "其他监督员" in forbidden.value.message
    assert snapshot(case) == before

    case = s.case_verify(case=case, actor=second, confirmed=True, photos=[photo()])
    assert case.status == Status.PENDING_FILING


def test_send_verify_picks_the_grids_inspector_and_refuses_an_outsider(world):
    p = world.p
    case = hotline_report(world)
    before = snapshot(case)
    with pytest.raises(InvalidInput) as bad:
        s.case_send_verify(case=case, actor=p.operator, inspector=p.other_inspector)
    assert bad.value.field == "inspector"
    assert snapshot(case) == before
    case = s.case_send_verify(case=case, actor=p.operator)
    assert case.verify_inspector == p.inspector


def test_an_inspector_may_ask_to_void_in_their_grid_or_their_own_report_only(world):
    p = world.p
    mine_elsewhere = report(world, p.inspector, where=world.other_inside)  # reported outside their grid
    theirs = report(world, p.other_inspector, where=world.other_inside)
    s.case_request_void(case=mine_elsewhere, actor=p.inspector, reason="误报")
    before = snapshot(theirs)
    with pytest.raises(ActionForbidden):
        s.case_request_void(case=theirs, actor=p.inspector, reason="误报")
    assert snapshot(theirs) == before


# ---------------------------------------------------------------- centre roles


def test_centre_roles_act_district_wide(world):
    # A case in the other inspector's grid: nobody in the centre is bound to a grid.
    p = world.p
    case = report(world, p.other_inspector, where=world.other_inside)
    case = s.case_accept(case=case, actor=p.operator)
    case = s.case_file(case=case, actor=p.shift_leader)
    case = s.case_supervise(case=case, actor=p.supervisor, note="尽快派遣")
    case = s.case_dispatch(case=case, actor=p.dispatcher, department=world.other_dept)
    case = s.case_request_void(case=case, actor=p.hotline, reason="市民撤诉")
    case = s.case_approve_void(case=case, actor=p.shift_leader)
    assert case.status == Status.VOIDED
    assert case.grid == world.other_grid
