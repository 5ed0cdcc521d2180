"""allowed_actions (cases/rules.py) works its table, role and scope part out once per (status, roles,
scope) for an actor object (one request), and still says exactly what `check` (the services' gate) says."""

import pytest
from django.contrib.auth import get_user_model

from cases import rules
from cases.errors import ActionForbidden, ActionRefused
from cases.models import Case
from cases.workflow import TRANSITIONS, Action, Status, actions_from
from tests.cases.conftest import case_in

pytestmark = [pytest.mark.usefixtures("fast_passwords", "media_root")]

STATES = [Status.REPORTED, Status.VERIFYING, Status.IN_PROGRESS, Status.PENDING_CHECK, Status.SUSPENDED]
PEOPLE = (
    "inspector",
    "other_inspector",
    "operator",
    "shift_leader",
    "dispatcher",
    "department",
    "supervisor",
)


def _reference(case, actor) -> list[str]:
    """What the services would accept, asked action by action (no memo)."""
    out = []
    for action in actions_from(case.status):
        if action == Action.REPORT:
            continue
        outcome = next(t.outcome for t in TRANSITIONS if t.action == action and case.status in t.sources)
        try:
            rules.check(case, action, actor, outcome)
        except (ActionRefused, ActionForbidden):
            continue
        out.append(action.value)
    return out


def _fresh(user):
    return get_user_model().objects.get(pk=user.pk)  # a new object: no memo yet


def test_the_memo_agrees_with_check_for_every_state_and_person(world):
    cases = [case_in(world, status) for status in STATES]
    cases.append(case_in(world, Status.IN_PROGRESS, pending="extension"))
    for name in PEOPLE:
        person = getattr(world.p, name)
        shared = _fresh(person)  # one actor object for all cases, as in one request listing them
        for case in cases:
            loaded = Case.objects.prefetch_related("requests").get(pk=case.pk)
            expected = _reference(loaded, _fresh(person))
            assert rules.allowed_actions(loaded, shared) == expected, (name, case.status)
    assert any(rules.allowed_actions(c, _fresh(world.p.dispatcher)) for c in cases)  # not all empty


def test_a_second_case_with_the_same_key_costs_no_query(world, django_assert_num_queries):
    first, second = (case_in(world, Status.PENDING_CHECK) for _ in range(2))
    inspector = _fresh(world.p.inspector)
    loaded = [Case.objects.prefetch_related("requests").get(pk=c.pk) for c in (first, second)]
    with django_assert_num_queries(2):  # the inspector's roles and grids, each read once
        answer = rules.allowed_actions(loaded[0], inspector)
    with django_assert_num_queries(0):
        assert rules.allowed_actions(loaded[1], inspector) == answer
    assert Action.CHECK.value in answer


def test_a_case_outside_the_inspectors_grids_gets_a_different_answer(world):
    case = Case.objects.prefetch_related("requests").get(pk=case_in(world, Status.PENDING_CHECK).pk)
    mine, other = _fresh(world.p.inspector), _fresh(world.p.other_inspector)
    assert Action.CHECK.value in rules.allowed_actions(case, mine)
    assert Action.CHECK.value not in rules.allowed_actions(case, other)


def test_the_memo_lasts_one_request_even_when_the_user_object_outlives_it(api, world):
    """A user object kept across requests (here force_authenticate's) must see a grid change at once."""
    case = case_in(world, Status.PENDING_CHECK)  # reported by world.p.inspector, in their grid
    inspector = world.p.inspector
    api.force_authenticate(inspector)
    url = f"/api/v1/cases/{case.pk}/"
    assert Action.CHECK.value in api.get(url).json()["allowed_actions"]
    world.grid.inspectors.remove(inspector)  # the grid is taken from them between two requests
    response = api.get(url)  # still theirs to see: they reported it
    assert response.status_code == 200
    assert Action.CHECK.value not in response.json()["allowed_actions"]
