"""The approval ledger (审批台账) for 回退, 延期, 挂账 and 作废: request, then approval or denial by someone else."""

from decimal import Decimal

import pytest

from cases import services as s
from cases.errors import ActionForbidden, ActionRefused, InvalidInput
from cases.models import CaseRequest
from cases.workflow import OPEN, Status
from tests.cases.conftest import case_in, last_event, photo, snapshot
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")

APPROVED, DENIED, PENDING, LAPSED = (
    CaseRequest.State.APPROVED,
    CaseRequest.State.DENIED,
    CaseRequest.State.PENDING,
    CaseRequest.State.LAPSED,
)


# ---------------------------------------------------------------- 回退


def test_approved_return_goes_back_to_dispatch_and_can_be_redispatched_elsewhere(world):
    p = world.p
    case = case_in(world, Status.IN_PROGRESS)
    case = s.case_request_return(case=case, actor=p.department, reason="该路段不属于本街道")
    request = case.requests.get()
    assert (request.kind, request.state, request.requested_by, request.requested_role) == (
        "return",
        PENDING,
        p.department,
        "department",
    )
    assert request.requested_department == world.office
    assert case.status == Status.IN_PROGRESS  # a request alone changes nothing

    case = s.case_approve_return(case=case, actor=p.dispatcher, note="同意回退，改派")
    assert case.status == Status.PENDING_DISPATCH
    assert case.department is None
    assert case.return_count == 1
    request.refresh_from_db()
    assert request.state == APPROVED and request.decided_by == p.dispatcher and request.decided_at
    assert request.decision_note == "同意回退，改派"

    # 改派: another department takes it, and only that department can act on it now.
    case = s.case_dispatch(case=case, actor=p.dispatcher, department=world.other_dept)
    assert case.status == Status.IN_PROGRESS and case.department == world.other_dept
    with pytest.raises(ActionForbidden):
        s.case_request_return(case=case, actor=p.department, reason="再次回退")
    case = s.case_request_extension(case=case, actor=p.other_department, reason="需要时间", hours=4)
    assert case.requests.filter(kind="extension", requested_department=world.other_dept).exists()


def test_denied_return_keeps_the_case_with_the_department(world):
    p = world.p
    case = case_in(world, Status.IN_PROGRESS, pending="return")
    case = s.case_deny_return(case=case, actor=p.dispatcher, note="属于贵单位职责")
    assert (case.status, case.department, case.return_count) == (Status.IN_PROGRESS, world.office, 0)
    request = case.requests.get()
    assert (request.state, request.decided_by, request.decision_note) == (
        DENIED,
        p.dispatcher,
        "属于贵单位职责",
    )
    assert request.decided_at is not None
    # A denied request is closed: the department may ask again.
    s.case_request_return(case=case, actor=p.department, reason="补充材料后再次申请")
    assert case.requests.filter(state=PENDING).count() == 1


def test_approved_return_drops_co_departments(world):
    p = world.p
    case = case_in(world, Status.PENDING_DISPATCH)
    case = s.case_dispatch(
        case=case, actor=p.dispatcher, department=world.office, co_departments=[world.other_dept]
    )
    assert list(case.co_departments.all()) == [world.other_dept]
    s.case_request_return(case=case, actor=p.department, reason="不属于本单位")
    case = s.case_approve_return(case=case, actor=p.dispatcher)
    assert list(case.co_departments.all()) == []


# ---------------------------------------------------------------- 延期


def test_approved_extension_counts_and_records_the_hours(world):
    p = world.p
    case = case_in(world, Status.IN_PROGRESS)
    case = s.case_request_extension(case=case, actor=p.department, reason="需要调配机械", hours="12.5")
    assert case.requests.get().extension_hours == Decimal("12.5")
    case = s.case_approve_extension(case=case, actor=p.dispatcher)
    assert (case.status, case.extension_count) == (Status.IN_PROGRESS, 1)
    assert case.requests.get().state == APPROVED
    assert last_event(case).payload["request"] == case.requests.get().pk

    # A second extension, after the first was decided, counts again.
    s.case_request_extension(case=case, actor=p.department, reason="仍需时间", hours=4)
    case = s.case_approve_extension(case=case, actor=p.dispatcher)
    assert case.extension_count == 2


def test_denied_extension_does_not_count(world):
    case = case_in(world, Status.IN_PROGRESS, pending="extension")
    case = s.case_deny_extension(case=case, actor=world.p.dispatcher)
    assert case.extension_count == 0 and case.requests.get().state == DENIED


@pytest.mark.parametrize("hours", [0, -1, "abc", 2001, None])
def test_extension_hours_must_be_a_sensible_number(world, hours):
    case = case_in(world, Status.IN_PROGRESS)
    before = snapshot(case)
    with pytest.raises(InvalidInput) as bad:
        s.case_request_extension(case=case, actor=world.p.department, reason="需要时间", hours=hours)
    assert bad.value.field == "hours"
    assert snapshot(case) == before


def test_a_request_needs_a_reason(world):
    case = case_in(world, Status.IN_PROGRESS)
    before = snapshot(case)
    with pytest.raises(InvalidInput) as bad:
        s.case_request_return(case=case, actor=world.p.department, reason="   ")
    assert bad.value.field == "reason"
    assert snapshot(case) == before


# The approval event is what the KPIs read (docs/domain.md §3: KPIs are computed from events), so it must carry
# what was approved, not only a pointer to the request.


def test_the_approve_extension_event_records_the_hours(world):
    case = case_in(world, Status.IN_PROGRESS)
    s.case_request_extension(case=case, actor=world.p.department, reason="需要调配机械", hours="12.5")
    case = s.case_approve_extension(case=case, actor=world.p.dispatcher)
    payload = last_event(case).payload
    assert payload["hours"] == "12.5"
    assert payload["request"] == case.requests.get().pk


def test_the_approve_return_event_records_which_department_returned_it(world):
    case = case_in(world, Status.IN_PROGRESS, pending="return")
    case = s.case_approve_return(case=case, actor=world.p.dispatcher)
    assert last_event(case).payload["returned_by"] == world.office.code


# ---------------------------------------------------------------- 挂账


def test_suspension_pauses_the_case_until_the_dispatcher_resumes_it(world):
    p = world.p
    case = case_in(world, Status.IN_PROGRESS, pending="suspension")
    case = s.case_approve_suspension(case=case, actor=p.dispatcher, note="同意挂账")
    assert case.status == Status.SUSPENDED
    assert case.requests.get().state == APPROVED

    # While suspended the department cannot report a fix.
    with pytest.raises(ActionRefused):
        s.case_submit_feedback(case=case, actor=p.department, result="已处理", photos=[photo()])
    with pytest.raises(ActionForbidden):
        s.case_resume(case=case, actor=p.department)

    case = s.case_resume(case=case, actor=p.dispatcher, note="已立项，恢复处置")
    assert (case.status, case.department) == (Status.IN_PROGRESS, world.office)
    assert [e.action for e in case.events.order_by("id")][-3:] == [
        "request_suspension",
        "approve_suspension",
        "resume",
    ]


def test_denied_suspension_keeps_the_case_in_progress(world):
    case = case_in(world, Status.IN_PROGRESS, pending="suspension")
    case = s.case_deny_suspension(case=case, actor=world.p.dispatcher)
    assert case.status == Status.IN_PROGRESS and case.requests.get().state == DENIED


# ---------------------------------------------------------------- 作废


@pytest.mark.parametrize("status", sorted(OPEN))
def test_void_from_every_open_state(world, status):
    p = world.p
    case = case_in(world, status)
    case = s.case_request_void(case=case, actor=p.operator, reason="重复录入")
    case = s.case_approve_void(case=case, actor=p.shift_leader, note="同意作废")
    assert case.status == Status.VOIDED
    request = case.requests.get(kind="void")
    assert (request.state, request.decided_by, request.requested_by) == (APPROVED, p.shift_leader, p.operator)
    event = last_event(case)
    assert (event.action, event.from_status, event.to_status) == ("approve_void", status, "voided")
    # A voided case is finished: nothing more can happen to it.
    with pytest.raises(ActionRefused):
        s.case_supervise(case=case, actor=p.supervisor, note="督办")


def test_denied_void_leaves_the_case_where_it_was(world):
    case = case_in(world, Status.PENDING_CHECK, pending="void")
    case = s.case_deny_void(case=case, actor=world.p.shift_leader, note="不符合作废条件")
    assert case.status == Status.PENDING_CHECK
    assert case.requests.get().state == DENIED


def test_a_pending_void_request_survives_moves_between_open_states(world):
    p = world.p
    case = case_in(world, Status.REPORTED, pending="void")
    case = s.case_accept(case=case, actor=p.operator)
    case = s.case_file(case=case, actor=p.shift_leader)
    assert case.requests.get().state == PENDING
    case = s.case_approve_void(case=case, actor=p.shift_leader)
    assert case.status == Status.VOIDED


# ---------------------------------------------------------------- rules shared by every kind


@pytest.mark.parametrize("kind", ["return", "extension", "suspension", "void"])
def test_a_second_pending_request_of_the_same_kind_is_refused(world, kind):
    request = {
        "return": lambda c: s.case_request_return(case=c, actor=world.p.department, reason="再次申请"),
        "extension": lambda c: s.case_request_extension(
            case=c, actor=world.p.department, reason="再次", hours=2
        ),
        "suspension": lambda c: s.case_request_suspension(
            case=c, actor=world.p.department, reason="再次申请"
        ),
        "void": lambda c: s.case_request_void(case=c, actor=world.p.supervisor, reason="再次申请"),
    }[kind]
    case = case_in(world, Status.IN_PROGRESS, pending=kind)
    before = snapshot(case)
    with pytest.raises(ActionRefused) as refused:
        request(case)
    assert "待审批" in refused.value.message
    assert snapshot(case) == before


def test_requests_of_different_kinds_may_be_pending_together(world):
    case = case_in(world, Status.IN_PROGRESS, pending="extension")
    s.case_request_void(case=case, actor=world.p.operator, reason="误报")
    assert sorted(case.requests.filter(state=PENDING).values_list("kind", flat=True)) == ["extension", "void"]


@pytest.mark.parametrize(
    ("approve", "role"),
    [
        (s.case_approve_return, "dispatcher"),
        (s.case_deny_return, "dispatcher"),
        (s.case_approve_extension, "dispatcher"),
        (s.case_deny_extension, "dispatcher"),
        (s.case_approve_suspension, "dispatcher"),
        (s.case_deny_suspension, "dispatcher"),
        (s.case_approve_void, "shift_leader"),
        (s.case_deny_void, "shift_leader"),
    ],
    ids=lambda v: getattr(v, "__name__", v),
)
def test_deciding_without_a_pending_request_is_refused(world, approve, role):
    case = case_in(world, Status.IN_PROGRESS)
    before = snapshot(case)
    with pytest.raises(ActionRefused) as refused:
        approve(case=case, actor=getattr(world.p, role))
    assert "没有待审批" in refused.value.message
    assert snapshot(case) == before


def test_one_cannot_approve_ones_own_void_request(world):
    # A shift leader who also works as operator asks for 作废, then tries to approve it.
    both = UserFactory(username="lead_op", roles=["shift_leader", "operator"])
    case = case_in(world, Status.PENDING_FILING)
    case = s.case_request_void(case=case, actor=both, reason="重复录入")
    before = snapshot(case)

    with pytest.raises(ActionForbidden) as forbidden:
        s.case_approve_void(case=case, actor=both)
    assert "自己" in forbidden.value.message
    with pytest.raises(ActionForbidden):
        s.case_deny_void(case=case, actor=both)
    assert snapshot(case) == before
    request = case.requests.get()
    assert (request.state, request.decided_by) == (PENDING, None)

    # Another shift leader may decide it.
    case = s.case_approve_void(case=case, actor=world.p.shift_leader2)
    assert case.status == Status.VOIDED


def test_one_cannot_approve_ones_own_return_request(world):
    both = UserFactory(username="disp_dept", roles=["dispatcher", "department"], department=world.office)
    case = case_in(world, Status.IN_PROGRESS)
    case = s.case_request_return(case=case, actor=both, reason="不属于本单位")
    assert case.requests.get().requested_role == "department"
    before = snapshot(case)
    with pytest.raises(ActionForbidden):
        s.case_approve_return(case=case, actor=both)
    assert snapshot(case) == before


# ---------------------------------------------------------------- lapsing


@pytest.mark.parametrize("kind", ["return", "extension", "suspension"])
def test_pending_requests_lapse_when_the_case_leaves_in_progress(world, kind):
    case = case_in(world, Status.IN_PROGRESS, pending=kind)
    case = s.case_submit_feedback(case=case, actor=world.p.department, result="已处理", photos=[photo()])
    assert case.status == Status.PENDING_CHECK
    request = case.requests.get()
    assert request.state == LAPSED
    assert request.decided_at is not None and request.decided_by is None
    # The dispatcher can no longer act on it.
    with pytest.raises(ActionRefused):
        s.case_approve_return(case=case, actor=world.p.dispatcher)


def test_an_approved_return_lapses_the_other_pending_requests(world):
    p = world.p
    case = case_in(world, Status.IN_PROGRESS, pending="extension")
    s.case_request_return(case=case, actor=p.department, reason="不属于本单位")
    s.case_request_void(case=case, actor=p.operator, reason="疑似重复")
    case = s.case_approve_return(case=case, actor=p.dispatcher)
    states = dict(case.requests.values_list("kind", "state"))
    assert states == {"return": APPROVED, "extension": LAPSED, "void": PENDING}


def test_an_approved_void_lapses_the_pending_department_requests(world):
    case = case_in(world, Status.IN_PROGRESS, pending="suspension")
    s.case_request_void(case=case, actor=world.p.operator, reason="误报")
    case = s.case_approve_void(case=case, actor=world.p.shift_leader)
    assert dict(case.requests.values_list("kind", "state")) == {"suspension": LAPSED, "void": APPROVED}


def test_a_pending_void_request_lapses_when_the_case_closes(world):
    case = case_in(world, Status.PENDING_CLOSURE, pending="void")
    case = s.case_close(case=case, actor=world.p.shift_leader)
    assert case.requests.get().state == LAPSED
