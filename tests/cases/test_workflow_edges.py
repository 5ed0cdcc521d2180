"""Every edge of cases/workflow.TRANSITIONS, for every role and the system, driven by the table itself.

For each edge and each actor: a case is walked to the edge's source state through the real services,
then the action's service is called as that actor's persona. It succeeds, landing in the edge's target
and writing one event, exactly when the role is on the edge (and the case is in the persona's scope:
world.p.department belongs to world.office, which gets every dispatched case; world.p.inspector owns
world.grid, where every case is reported). Otherwise it is ActionForbidden and nothing changes.
A state outside an action's sources is ActionRefused, again changing nothing.
"""

import pytest

from cases.errors import ActionForbidden, ActionRefused
from cases.models import Case, CaseEvent, CasePhoto, CaseRequest
from cases.services import SERVICES, case_report
from cases.workflow import STATUS_LABELS, SYSTEM, TRANSITIONS, Action, Status, transitions_for
from core.roles import Role
from tests.cases.conftest import (
    ACTORS,
    action_kwargs,
    case_in,
    last_event,
    needs_loop,
    pending_kind,
    persona,
    photo,
    snapshot,
)

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")


def _in_scope(world, case, role: str) -> bool:
    if role == Role.DEPARTMENT:
        return case.department_id == world.office.pk
    return True


def _edge_id(t, source, role) -> str:
    return f"{t.action}{'(' + t.outcome + ')' if t.outcome else ''}:{source}:{role}"


EDGES = [
    (t, source, role)
    for t in TRANSITIONS
    if t.action != Action.REPORT
    for source in sorted(t.sources)
    for role in ACTORS
]


@pytest.mark.parametrize(("transition", "source", "role"), EDGES, ids=[_edge_id(*e) for e in EDGES])
def test_edge_for_role(world, transition, source, role):
    case = case_in(
        world, source, pending=pending_kind(transition.action), loop=needs_loop(transition.action, role)
    )
    actor = persona(world, role)
    service = SERVICES[transition.action]
    before = snapshot(case)

    if role in transition.roles and _in_scope(world, case, role):
        result = service(
            case=case, actor=actor, **action_kwargs(world, transition.action, transition.outcome)
        )
        expected = transition.target or source
        assert result.status == expected
        assert Case.objects.get(pk=case.pk).status == expected
        event = last_event(case)
        assert len(before["events"]) + 1 == case.events.count()
        assert (event.action, event.from_status, event.to_status, event.actor_role) == (
            transition.action,
            source,
            expected,
            role,
        )
        assert event.actor_id == (None if role == SYSTEM else actor.pk)
    else:
        with pytest.raises(ActionForbidden) as refused:
            service(case=case, actor=actor, **action_kwargs(world, transition.action, transition.outcome))
        assert refused.value.message
        assert snapshot(case) == before


REPORT_EDGES = [(t, role) for t in transitions_for(Action.REPORT) for role in ACTORS]


def _report_kwargs(world, role: str, self_resolved: bool) -> dict:
    lng, lat = world.inside
    kw = {"category": world.event_cat, "lng": lng, "lat": lat, "description": "路边有暴露垃圾"}
    if role == Role.HOTLINE:
        kw.update(hotline_ticket_no="T-REPORT-EDGE", reporter_phone="13800000000")
    if self_resolved:
        kw.update(self_resolved=True, after_photos=[photo()])
    return kw


@pytest.mark.parametrize(
    ("transition", "role"), REPORT_EDGES, ids=[_edge_id(t, "new", role) for t, role in REPORT_EDGES]
)
def test_report_edge_for_role(world, transition, role):
    actor = persona(world, role)
    kwargs = _report_kwargs(world, role, transition.outcome == "self_resolved")
    counts = (Case.objects.count(), CaseEvent.objects.count(), CasePhoto.objects.count())

    if role in transition.roles:
        case = case_report(actor=actor, **kwargs)
        assert case.status == transition.target
        assert case.grid == world.grid
        event = last_event(case)
        assert (event.action, event.from_status, event.to_status, event.actor_role) == (
            "report",
            "",
            transition.target,
            role,
        )
    else:
        with pytest.raises(ActionForbidden):
            case_report(actor=actor, **kwargs)
        assert (Case.objects.count(), CaseEvent.objects.count(), CasePhoto.objects.count()) == counts


def _sources(action) -> set:
    return set().union(*(t.sources for t in transitions_for(action)))


def _someone_allowed(action) -> str:
    roles = {r for t in transitions_for(action) for r in t.roles} - {SYSTEM}
    return (sorted(roles) or [SYSTEM])[0]  # the 12345 centre's 退单 decisions: the system only


STATE_REFUSALS = [
    (action, status) for action in SERVICES for status in Status if status not in _sources(action)
]


@pytest.mark.parametrize(("action", "status"), STATE_REFUSALS, ids=[f"{a}:{s}" for a, s in STATE_REFUSALS])
def test_action_refused_in_a_state_outside_its_sources(world, action, status):
    case = case_in(world, status)
    before = snapshot(case)
    outcome = transitions_for(action)[0].outcome
    actor = persona(world, _someone_allowed(action))

    with pytest.raises(ActionRefused) as refused:
        SERVICES[action](case=case, actor=actor, **action_kwargs(world, action, outcome))

    assert str(STATUS_LABELS[Status(status)]) in refused.value.message
    assert snapshot(case) == before


def test_every_action_has_a_service_and_every_table_state_is_reachable(world):
    # The table, the services and case_in agree: nothing in the table is untested above.
    assert set(SERVICES) == {t.action for t in TRANSITIONS} - {Action.REPORT}
    for status in Status:
        assert case_in(world, status).status == status


def test_refused_approvals_leave_the_pending_request_alone(world):
    case = case_in(world, Status.IN_PROGRESS, pending="return")
    with pytest.raises(ActionForbidden):
        SERVICES[Action.APPROVE_RETURN](case=case, actor=world.p.shift_leader)
    request = case.requests.get()
    assert (request.state, request.decided_by, request.decided_at) == (CaseRequest.State.PENDING, None, None)
