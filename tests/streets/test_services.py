"""二级派遣, 提级 and 协办 (docs/domain.md §13) through the services: deadlines inside the street's, the
states, who may act, and the events on the case's timeline."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cases.errors import ActionForbidden, ActionRefused, InvalidInput
from cases.models import CaseEvent, CasePhoto
from cases.workflow import SideEvent, Status
from streets import services
from streets.models import Escalation, SubDispatch
from tests.cases.conftest import case_in, photo

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")


def _events(case, kind):
    return list(CaseEvent.objects.filter(case=case, action=kind).order_by("at", "id"))


def test_a_sub_dispatch_gets_its_own_deadline_inside_the_streets(world, streets):
    case = case_in(world, Status.IN_PROGRESS)
    street_due = services.street_deadline(case)

    sub = services.sub_dispatch(
        case=case, unit=streets.community, hours="1.5", note="请社区清理", actor=world.p.street_dispatcher
    )

    assert sub.state == SubDispatch.State.DISPATCHED
    assert sub.street_due_at == street_due
    assert timezone.now() < sub.due_at <= street_due
    assert sub.hours == Decimal("1.50")
    (event,) = _events(case, SideEvent.SUB_DISPATCH)
    assert event.payload["unit"] == "友谊社区居委会"
    assert event.payload["sub_dispatch"] == sub.pk
    assert event.note == "请社区清理"
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS and event.from_status == event.to_status == Status.IN_PROGRESS


def test_a_deadline_past_the_streets_is_refused_with_a_400_naming_hours(world, streets):
    case = case_in(world, Status.IN_PROGRESS)

    with pytest.raises(InvalidInput) as refused:
        services.sub_dispatch(case=case, unit=streets.community, hours=199, actor=world.p.street_dispatcher)

    assert refused.value.field == "hours" and "晚于街道的期限" in refused.value.message
    assert not SubDispatch.objects.exists()
    assert not _events(case, SideEvent.SUB_DISPATCH)


@pytest.mark.parametrize("hours", ["0", "-2", "abc", "1e9", None])
def test_nonsense_hours_are_refused(world, streets, hours):
    case = case_in(world, Status.IN_PROGRESS)
    with pytest.raises(InvalidInput) as refused:
        services.sub_dispatch(case=case, unit=streets.community, hours=hours, actor=world.p.street_dispatcher)
    assert refused.value.field == "hours"
    assert not SubDispatch.objects.exists()


def test_report_then_accept_writes_each_step_on_the_timeline(world, streets):
    case = case_in(world, Status.IN_PROGRESS)
    sub = services.sub_dispatch(case=case, unit=streets.community, hours=1, actor=world.p.street_dispatcher)

    services.sub_report(sub=sub, actor=streets.community_user, note="已清理", photos=[photo()])
    sub.refresh_from_db()
    assert sub.state == SubDispatch.State.REPORTED and sub.report_note == "已清理"
    (reported,) = _events(case, SideEvent.SUB_REPORT)
    assert reported.payload["on_time"] is True
    assert CasePhoto.objects.filter(event=reported).count() == 1

    services.sub_accept(sub=sub, actor=world.p.street_dispatcher, note="合格")
    sub.refresh_from_db()
    assert sub.state == SubDispatch.State.ACCEPTED and sub.decided_by == world.p.street_dispatcher
    assert [e.action for e in CaseEvent.objects.filter(case=case).order_by("at", "id")][-3:] == [
        "sub_dispatch",
        "sub_report",
        "sub_accept",
    ]


def test_a_return_needs_a_reason_and_frees_the_case_for_another_unit(world, streets):
    case = case_in(world, Status.IN_PROGRESS)
    sub = services.sub_dispatch(case=case, unit=streets.community, hours=1, actor=world.p.street_dispatcher)
    services.sub_report(sub=sub, actor=streets.community_user)

    with pytest.raises(InvalidInput) as refused:
        services.sub_return(sub=sub, actor=world.p.street_dispatcher, note=" ")
    assert refused.value.field == "note"
    services.sub_return(sub=sub, actor=world.p.street_dispatcher, note="未清理干净")
    sub.refresh_from_db()
    assert sub.state == SubDispatch.State.RETURNED

    again = services.sub_dispatch(
        case=case, unit=streets.contractor, hours=1, actor=world.p.street_dispatcher
    )
    assert again.unit == streets.contractor


def test_one_open_sub_dispatch_per_case(world, streets):
    case = case_in(world, Status.IN_PROGRESS)
    services.sub_dispatch(case=case, unit=streets.community, hours=1, actor=world.p.street_dispatcher)
    with pytest.raises(ActionRefused):
        services.sub_dispatch(case=case, unit=streets.contractor, hours=1, actor=world.p.street_dispatcher)
    assert SubDispatch.objects.filter(case=case).count() == 1


def test_who_may_do_what(world, streets):
    case = case_in(world, Status.IN_PROGRESS)
    p = world.p
    for outsider in (p.street_leader, p.dispatcher, p.department, streets.other_dispatcher):
        with pytest.raises(ActionForbidden):
            services.sub_dispatch(case=case, unit=streets.community, hours=1, actor=outsider)
    with pytest.raises(InvalidInput) as refused:  # a unit of another street
        services.sub_dispatch(case=case, unit=streets.elsewhere, hours=1, actor=p.street_dispatcher)
    assert refused.value.field == "unit"
    sub = services.sub_dispatch(case=case, unit=streets.community, hours=1, actor=p.street_dispatcher)
    with pytest.raises(ActionForbidden):  # another unit's staff
        services.sub_report(sub=sub, actor=streets.contractor_user)
    with pytest.raises(ActionRefused):  # accepted before the unit reported
        services.sub_accept(sub=sub, actor=p.street_dispatcher)
    services.sub_report(sub=sub, actor=streets.community_user)
    with pytest.raises(ActionForbidden):
        services.sub_accept(sub=sub, actor=streets.other_dispatcher)
    with pytest.raises(ActionRefused):  # reported twice
        services.sub_report(sub=sub, actor=streets.community_user)


def test_only_a_case_in_progress_is_sub_dispatched(world, streets):
    case = case_in(world, Status.PENDING_DISPATCH)
    with pytest.raises(ActionRefused):
        services.sub_dispatch(case=case, unit=streets.community, hours=1, actor=world.p.street_dispatcher)


def test_a_late_report_is_marked_late(world, streets):
    case = case_in(world, Status.IN_PROGRESS)
    sub = services.sub_dispatch(case=case, unit=streets.community, hours=1, actor=world.p.street_dispatcher)
    services.sub_report(sub=sub, actor=streets.community_user, at=sub.due_at + timedelta(minutes=5))
    (reported,) = _events(case, SideEvent.SUB_REPORT)
    assert reported.payload["on_time"] is False
    sub.refresh_from_db()
    assert sub.is_overdue


def test_escalation_and_its_take_back_by_the_district(world, streets):
    case = case_in(world, Status.IN_PROGRESS)
    sub = services.sub_dispatch(case=case, unit=streets.community, hours=1, actor=world.p.street_dispatcher)

    with pytest.raises(InvalidInput):
        services.escalate(case=case, actor=world.p.street_leader, reason="")
    escalation = services.escalate(case=case, actor=world.p.street_leader, reason="涉及多个部门，需区级协调")
    assert escalation.state == Escalation.State.PENDING and escalation.street == world.street
    with pytest.raises(ActionRefused):
        services.escalate(case=case, actor=world.p.street_dispatcher, reason="再次提级")
    with pytest.raises(ActionForbidden):
        services.take_escalation(escalation=escalation, actor=world.p.street_dispatcher)

    services.take_escalation(escalation=escalation, actor=world.p.dispatcher, note="区级协调")
    escalation.refresh_from_db()
    sub.refresh_from_db()
    assert escalation.state == Escalation.State.TAKEN and escalation.taken_by == world.p.dispatcher
    assert sub.state == SubDispatch.State.RECALLED
    (raised,) = _events(case, SideEvent.ESCALATE)
    (taken,) = _events(case, SideEvent.ESCALATION_TAKEN)
    assert raised.note == "涉及多个部门，需区级协调" and raised.actor_role == "street_leader"
    assert taken.payload["recalled"] == 1 and taken.actor_role == "dispatcher"
    with pytest.raises(ActionRefused):
        services.take_escalation(escalation=escalation, actor=world.p.shift_leader)


def test_the_district_taking_over_puts_the_case_back_to_its_dispatch_queue(world, streets):
    from cases.models import CaseRequest, TimedStep
    from cases.services import case_request_extension
    from dispatch.models import Step

    case = case_in(world, Status.IN_PROGRESS)
    case.co_departments.add(world.other_dept)
    case_request_extension(case=case, actor=world.p.department, reason="需要更多时间", hours=8)
    escalation = services.escalate(case=case, actor=world.p.street_dispatcher, reason="需区执法局")

    services.take_escalation(escalation=escalation, actor=world.p.dispatcher, note="区级接管")

    case.refresh_from_db()
    assert case.status == Status.PENDING_DISPATCH and case.department is None
    assert not case.co_departments.exists()
    (taken,) = _events(case, SideEvent.ESCALATION_TAKEN)
    assert (taken.from_status, taken.to_status) == (Status.IN_PROGRESS, Status.PENDING_DISPATCH)
    # The street's 处置 clock stopped; the district's 派遣 clock runs.
    (running,) = TimedStep.objects.filter(case=case, finished_at__isnull=True)
    assert running.step == Step.DISPATCH and running.started_at == taken.at
    assert TimedStep.objects.get(case=case, step=Step.DISPOSE).finished_at == taken.at
    # The street's department asked for more time: the request lapses with the state it was made in.
    assert CaseRequest.objects.get(case=case, kind="extension").state == CaseRequest.State.LAPSED


def test_taking_over_a_case_the_district_already_holds_keeps_its_state(world, streets):
    case = case_in(world, Status.PENDING_CHECK)
    escalation = services.escalate(case=case, actor=world.p.street_leader, reason="核查有争议")
    services.take_escalation(escalation=escalation, actor=world.p.shift_leader)
    case.refresh_from_db()
    assert case.status == Status.PENDING_CHECK
    (taken,) = _events(case, SideEvent.ESCALATION_TAKEN)
    assert taken.from_status == taken.to_status == Status.PENDING_CHECK


def test_the_district_returns_an_escalation_and_the_street_keeps_the_case(world, streets):
    case = case_in(world, Status.IN_PROGRESS)
    sub = services.sub_dispatch(case=case, unit=streets.community, hours=1, actor=world.p.street_dispatcher)
    escalation = services.escalate(case=case, actor=world.p.street_leader, reason="需协调")

    with pytest.raises(InvalidInput) as refused:
        services.return_escalation(escalation=escalation, actor=world.p.dispatcher, note="  ")
    assert refused.value.field == "note"
    with pytest.raises(ActionForbidden):
        services.return_escalation(escalation=escalation, actor=world.p.street_leader, note="自己退")
    services.return_escalation(escalation=escalation, actor=world.p.dispatcher, note="属街道职责，请街道处置")

    escalation.refresh_from_db()
    sub.refresh_from_db()
    case.refresh_from_db()
    assert escalation.state == Escalation.State.RETURNED and escalation.taken_by == world.p.dispatcher
    assert escalation.note == "属街道职责，请街道处置"
    # Still the street's: in progress with its office, the unit's work still out.
    assert case.status == Status.IN_PROGRESS and case.department == world.office
    assert sub.state == SubDispatch.State.DISPATCHED
    (returned,) = _events(case, SideEvent.ESCALATION_RETURNED)
    assert returned.from_status == returned.to_status == Status.IN_PROGRESS
    assert returned.actor_role == "dispatcher" and returned.note == "属街道职责，请街道处置"
    with pytest.raises(ActionRefused):  # decided once
        services.take_escalation(escalation=escalation, actor=world.p.dispatcher)
    # The street may raise it again later.
    assert services.escalate(case=case, actor=world.p.street_leader, reason="仍需协调").state == "pending"


def test_the_street_withdraws_its_escalation(world, streets):
    case = case_in(world, Status.IN_PROGRESS)
    escalation = services.escalate(case=case, actor=world.p.street_leader, reason="需协调")

    for outsider in (streets.other_dispatcher, world.p.dispatcher):
        with pytest.raises(ActionForbidden):
            services.withdraw_escalation(escalation=escalation, actor=outsider)
    services.withdraw_escalation(escalation=escalation, actor=world.p.street_dispatcher, note="已自行协调")

    escalation.refresh_from_db()
    case.refresh_from_db()
    assert escalation.state == Escalation.State.WITHDRAWN and case.status == Status.IN_PROGRESS
    (withdrawn,) = _events(case, SideEvent.ESCALATION_WITHDRAWN)
    assert withdrawn.actor_role == "street_dispatcher" and withdrawn.note == "已自行协调"
    with pytest.raises(ActionRefused):
        services.return_escalation(escalation=escalation, actor=world.p.dispatcher, note="晚了")


def test_another_streets_staff_cannot_escalate(world, streets):
    case = case_in(world, Status.IN_PROGRESS)
    with pytest.raises(ActionForbidden):
        services.escalate(case=case, actor=streets.other_dispatcher, reason="不是我的")
    assert not Escalation.objects.exists()


def test_an_assisting_department_records_its_part(world):
    case = case_in(world, Status.IN_PROGRESS)
    with pytest.raises(ActionForbidden):
        services.assist_record(case=case, actor=world.p.other_department, note="已配合")
    case.co_departments.add(world.other_dept)

    event = services.assist_record(
        case=case, actor=world.p.other_department, note="已配合修剪树枝", photos=[photo()]
    )

    assert event.action == SideEvent.ASSIST and event.payload == {"department": world.other_dept.code}
    assert event.note == "已配合修剪树枝" and CasePhoto.objects.filter(event=event).count() == 1
    with pytest.raises(InvalidInput):
        services.assist_record(case=case, actor=world.p.other_department, note="")


def test_side_events_keep_the_case_log_a_chain_of_legal_edges(world, streets):
    from cases.invariants import check_counters, check_replay

    case = case_in(world, Status.IN_PROGRESS)
    sub = services.sub_dispatch(case=case, unit=streets.community, hours=1, actor=world.p.street_dispatcher)
    services.sub_report(sub=sub, actor=streets.community_user)
    services.sub_return(sub=sub, actor=world.p.street_dispatcher, note="重做")
    escalation = services.escalate(case=case, actor=world.p.street_leader, reason="需协调")
    services.withdraw_escalation(escalation=escalation, actor=world.p.street_leader)
    escalation = services.escalate(case=case, actor=world.p.street_leader, reason="还是需协调")
    services.return_escalation(escalation=escalation, actor=world.p.dispatcher, note="街道处置")
    escalation = services.escalate(case=case, actor=world.p.street_leader, reason="确需区级")
    services.take_escalation(escalation=escalation, actor=world.p.shift_leader)
    case.refresh_from_db()
    assert case.status == Status.PENDING_DISPATCH
    case.co_departments.add(world.other_dept)
    services.assist_record(case=case, actor=world.p.other_department, note="已配合")

    assert check_replay(case.pk, case.pk) == []
    assert check_counters(case.pk, case.pk) == []
