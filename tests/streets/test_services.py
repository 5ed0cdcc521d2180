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
    services.take_escalation(escalation=escalation, actor=world.p.shift_leader)
    case.co_departments.add(world.other_dept)
    services.assist_record(case=case, actor=world.p.other_department, note="已配合")

    assert check_replay(case.pk, case.pk) == []
    assert check_counters(case.pk, case.pk) == []
