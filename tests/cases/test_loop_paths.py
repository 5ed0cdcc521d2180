"""The loop's side paths (docs/domain.md §3): 返工 after a failed check, 重办 after closure, 回访, 督办, 不予立案."""

import pytest

from cases import services as s
from cases.errors import ActionForbidden, ActionRefused, InvalidInput
from cases.workflow import SYSTEM, Status
from tests.cases.conftest import case_in, last_event, photo, snapshot

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")


def test_a_failed_check_sends_the_case_back_to_the_same_department(world):
    p = world.p
    case = case_in(world, Status.PENDING_CHECK)
    case = s.case_check(case=case, actor=p.inspector, passed=False, note="垃圾未清理干净", photos=[photo()])
    assert (case.status, case.department, case.rework_count) == (Status.IN_PROGRESS, world.office, 1)
    event = last_event(case)
    assert (event.action, event.to_status, event.payload["passed"], event.note) == (
        "check",
        "in_progress",
        False,
        "垃圾未清理干净",
    )
    # The same department does it again, and a second failure counts again.
    case = s.case_submit_feedback(case=case, actor=p.department, result="已重新清理", photos=[photo()])
    case = s.case_check(case=case, actor=p.inspector, passed=False, note="仍有残留", photos=[photo()])
    assert case.rework_count == 2
    case = s.case_submit_feedback(case=case, actor=p.department, result="彻底清理", photos=[photo()])
    case = s.case_check(case=case, actor=p.inspector, passed=True, photos=[photo()])
    assert case.status == Status.PENDING_CLOSURE and case.rework_count == 2


def test_a_failed_check_must_say_why(world):
    case = case_in(world, Status.PENDING_CHECK)
    before = snapshot(case)
    with pytest.raises(InvalidInput) as bad:
        s.case_check(case=case, actor=world.p.inspector, passed=False, note=" ", photos=[photo()])
    assert bad.value.field == "note"
    assert snapshot(case) == before


@pytest.mark.parametrize("action", ["check", "submit_feedback"])
def test_check_and_feedback_need_photos(world, action):
    p = world.p
    case = case_in(world, Status.PENDING_CHECK if action == "check" else Status.IN_PROGRESS)
    before = snapshot(case)
    with pytest.raises(InvalidInput) as bad:
        if action == "check":
            s.case_check(case=case, actor=p.inspector, passed=True, photos=[])
        else:
            s.case_submit_feedback(case=case, actor=p.department, result="已处理", photos=[])
    assert bad.value.field == "photos"
    assert snapshot(case) == before


def test_feedback_needs_a_result(world):
    case = case_in(world, Status.IN_PROGRESS)
    with pytest.raises(InvalidInput) as bad:
        s.case_submit_feedback(case=case, actor=world.p.department, result="", photos=[photo()])
    assert bad.value.field == "result"


def test_reopening_a_closed_case_sends_it_back_to_dispatch(world):
    p = world.p
    case = case_in(world, Status.CLOSED)
    assert case.closed_at is not None
    case = s.case_reopen(case=case, actor=p.shift_leader, reason="回访不满意，问题复现")
    assert (case.status, case.reopen_count, case.department, case.closed_at) == (
        Status.PENDING_DISPATCH,
        1,
        None,
        None,
    )
    assert last_event(case).note == "回访不满意，问题复现"
    case = s.case_dispatch(case=case, actor=p.dispatcher, department=world.other_dept)
    assert case.status == Status.IN_PROGRESS and case.department == world.other_dept


def test_reopening_needs_a_reason(world):
    case = case_in(world, Status.CLOSED)
    with pytest.raises(InvalidInput) as bad:
        s.case_reopen(case=case, actor=world.p.shift_leader, reason="")
    assert bad.value.field == "reason"


@pytest.mark.parametrize("satisfaction", ["satisfied", "basically_satisfied", "unsatisfied"])
def test_callback_records_the_callers_satisfaction(world, satisfaction):
    case = case_in(world, Status.CLOSED)
    case = s.case_callback(case=case, actor=world.p.hotline, satisfaction=satisfaction, note="电话回访")
    assert (case.status, case.satisfaction) == (Status.CLOSED, satisfaction)
    event = last_event(case)
    assert (event.action, event.actor_role, event.payload["satisfaction"]) == (
        "callback",
        "hotline",
        satisfaction,
    )


def test_an_unreachable_caller_leaves_satisfaction_unset(world):
    case = case_in(world, Status.CLOSED)
    case = s.case_callback(case=case, actor=world.p.hotline, satisfaction="unreachable")
    assert case.satisfaction == ""
    assert last_event(case).payload["satisfaction"] == "unreachable"


def test_an_unknown_satisfaction_is_refused(world):
    case = case_in(world, Status.CLOSED)
    before = snapshot(case)
    with pytest.raises(InvalidInput) as bad:
        s.case_callback(case=case, actor=world.p.hotline, satisfaction="great")
    assert bad.value.field == "satisfaction"
    assert snapshot(case) == before


def test_an_unsatisfied_callback_then_reopen(world):
    p = world.p
    case = case_in(world, Status.CLOSED)
    case = s.case_callback(case=case, actor=p.hotline, satisfaction="unsatisfied")
    case = s.case_reopen(case=case, actor=p.shift_leader, reason="回访不满意")
    assert (case.status, case.satisfaction, case.reopen_count) == (Status.PENDING_DISPATCH, "unsatisfied", 1)


def test_supervise_counts_without_changing_state(world):
    p = world.p
    case = case_in(world, Status.IN_PROGRESS)
    case = s.case_supervise(case=case, actor=p.supervisor, note="请加快处置")
    case = s.case_supervise(case=case, actor=SYSTEM, note="处置超期，系统自动督办", automatic=True)
    assert (case.status, case.supervise_count) == (Status.IN_PROGRESS, 2)
    event = last_event(case)
    assert (event.actor, event.actor_role, event.payload["automatic"]) == (None, "system", True)


def test_supervise_needs_a_note_and_an_open_case(world):
    p = world.p
    case = case_in(world, Status.IN_PROGRESS)
    with pytest.raises(InvalidInput) as bad:
        s.case_supervise(case=case, actor=p.supervisor, note="")
    assert bad.value.field == "note"
    closed = case_in(world, Status.CLOSED)
    before = snapshot(closed)
    with pytest.raises(ActionRefused):
        s.case_supervise(case=closed, actor=p.supervisor, note="督办")
    assert snapshot(closed) == before


def test_refuse_filing_needs_a_reason_and_rejects(world):
    p = world.p
    case = case_in(world, Status.PENDING_FILING)
    with pytest.raises(InvalidInput) as bad:
        s.case_refuse_filing(case=case, actor=p.shift_leader, reason=" ")
    assert bad.value.field == "reason"
    case = s.case_refuse_filing(case=case, actor=p.shift_leader, reason="属于物业管理范围")
    assert (case.status, case.reject_reason) == (Status.REJECTED, "out_of_scope")
    assert last_event(case).note == "属于物业管理范围"


def test_filing_confirms_category_urgency_and_variant(world):
    case = case_in(world, Status.PENDING_FILING)
    case = s.case_file(
        case=case,
        actor=world.p.shift_leader,
        category=world.component_cat,
        urgency="urgent",
        variant="engineering",
    )
    assert (case.category, case.category_code, case.urgency, case.variant) == (
        world.component_cat,
        world.component_cat.code,
        "urgent",
        "engineering",
    )
    assert case.filed_at is not None
    assert last_event(case).payload == {
        "category": world.component_cat.code,
        "urgency": "urgent",
        "variant": "engineering",
    }


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"urgency": "asap"}, "urgency"), ({"variant": "huge"}, "variant"), ({"category": 999999}, "category")],
)
def test_filing_with_bad_input_changes_nothing(world, kwargs, field):
    case = case_in(world, Status.PENDING_FILING)
    before = snapshot(case)
    with pytest.raises(InvalidInput) as bad:
        s.case_file(case=case, actor=world.p.shift_leader, **kwargs)
    assert bad.value.field == field
    assert snapshot(case) == before


def test_dispatch_without_a_department_takes_the_suggestion(world):
    case = case_in(world, Status.PENDING_DISPATCH)
    case = s.case_dispatch(case=case, actor=world.p.dispatcher)
    assert case.department == world.office  # 先属地: the street office of the grid
    assert last_event(case).payload["suggested"] == world.office.code


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ("unknown department", "department"),
        ("inactive department", "department"),
        ("lead is also co-department", "co_departments"),
        ("unknown co-department", "co_departments"),
    ],
)
def test_dispatch_with_bad_input_changes_nothing(world, bad, field):
    if bad == "inactive department":
        world.other_dept.is_active = False
        world.other_dept.save(update_fields=["is_active"])
    kwargs = {
        "unknown department": {"department": 999999},
        "inactive department": {"department": world.other_dept},
        "lead is also co-department": {"department": world.office, "co_departments": [world.office]},
        "unknown co-department": {"department": world.office, "co_departments": [999999]},
    }[bad]
    case = case_in(world, Status.PENDING_DISPATCH)
    before = snapshot(case)
    with pytest.raises(InvalidInput) as bad_input:
        s.case_dispatch(case=case, actor=world.p.dispatcher, **kwargs)
    assert bad_input.value.field == field
    assert snapshot(case) == before


def test_the_system_cannot_take_a_persons_step(world):
    case = case_in(world, Status.PENDING_DISPATCH)
    with pytest.raises(ActionForbidden):
        s.case_dispatch(case=case, actor=SYSTEM, department=world.office)
