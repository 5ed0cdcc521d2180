from cases import services as s
from cases.models import CaseEvent
from tests.cases.conftest import photo, report


def test_the_full_closed_loop_from_an_inspector_report(world):
    p = world.p
    case = report(world)
    assert case.status == "reported" and case.grid == world.grid and case.street == world.street
    case = s.case_accept(case=case, actor=p.operator)
    case = s.case_file(case=case, actor=p.shift_leader)
    case = s.case_dispatch(case=case, actor=p.dispatcher)
    assert case.status == "in_progress" and case.department == world.office
    case = s.case_submit_feedback(case=case, actor=p.department, result="已清理", photos=[photo()])
    case = s.case_check(case=case, actor=p.inspector, passed=True, photos=[photo()])
    case = s.case_close(case=case, actor=p.shift_leader)
    assert case.status == "closed" and case.closed_at
    actions = list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))
    assert actions == ["report", "accept", "file", "dispatch", "submit_feedback", "check", "close"]


def test_a_case_timestamp_is_the_moment_of_its_event(world):
    p = world.p
    case = report(world)
    case = s.case_accept(case=case, actor=p.operator)
    case = s.case_file(case=case, actor=p.shift_leader)
    case = s.case_dispatch(case=case, actor=p.dispatcher)
    events = {e.action: e.at for e in CaseEvent.objects.filter(case=case)}
    assert case.filed_at == events["file"] and case.dispatched_at == events["dispatch"]
