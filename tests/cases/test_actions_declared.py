"""One home per action (cases/actions.py): every action of the workflow table is declared whole, the API
has one route per action with exactly its input, and every event payload comes from its builder."""

import inspect

import pytest
from rest_framework import serializers

from cases import events
from cases.actions import ACTIONS
from cases.web.fields import ActionSpec
from cases.web.forms import ActionForm
from cases.workflow import SYSTEM, TRANSITIONS, Action, Status
from tests.cases.conftest import action_kwargs, case_in, last_event, needs_loop, pending_kind, persona

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")

TABLE_ACTIONS = sorted({t.action for t in TRANSITIONS} - {Action.REPORT})


def _keyword_arguments(function) -> set[str]:
    return {
        name
        for name, p in inspect.signature(function).parameters.items()
        if p.kind == p.KEYWORD_ONLY and name not in ("case", "actor")
    }


@pytest.mark.parametrize("action", TABLE_ACTIONS)
def test_every_action_of_the_table_is_declared_whole(action):
    declaration = ACTIONS[action]

    assert declaration.label and declaration.label != action.value
    assert issubclass(declaration.input, serializers.Serializer)
    assert isinstance(declaration.form, ActionSpec)
    assert declaration.event.__module__ == events.__name__ and callable(declaration.event)
    # The API body, the page form and the service take the same arguments, by the same names.
    api_fields = set(declaration.input().fields)
    form_fields = {name for name, _factory in declaration.form.fields}
    assert api_fields == form_fields
    assert api_fields <= _keyword_arguments(declaration.service)


def test_nothing_is_declared_that_the_table_does_not_know():
    assert sorted(ACTIONS) == TABLE_ACTIONS


EDGES = [(t, sorted(t.sources, key=str)[0]) for t in TRANSITIONS if t.action != Action.REPORT]


@pytest.mark.parametrize(
    ("transition", "source"),
    EDGES,
    ids=[f"{t.action}{'-' + t.outcome if t.outcome else ''}" for t, _s in EDGES],
)
def test_each_action_writes_the_payload_its_declared_builder_makes(world, transition, source):
    role = (sorted(transition.roles - {SYSTEM}) or [SYSTEM])[0]  # the 12345 centre's decisions: system only
    case = case_in(
        world, source, pending=pending_kind(transition.action), loop=needs_loop(transition.action, role)
    )
    declaration = ACTIONS[transition.action]

    declaration.service(
        case=case, actor=persona(world, role), **action_kwargs(world, transition.action, transition.outcome)
    )

    payload = last_event(case).payload
    parameters = inspect.signature(declaration.event).parameters
    required = {name for name, p in parameters.items() if p.default is p.empty}
    assert required <= set(payload) <= set(parameters), (declaration.event.__name__, payload)


def test_the_openapi_document_says_what_each_action_takes(api, world):
    api.force_authenticate(world.p.dispatcher)
    schema = api.get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]

    def body(action: str) -> dict:
        operation = schema["paths"][f"/api/v1/cases/{{id}}/actions/{action}/"]["post"]
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        return components[ref.rsplit("/", 1)[-1]]

    assert set(body("dispatch")["properties"]) == {"department", "co_departments", "note"}
    assert body("check")["required"] == ["passed"]
    assert set(body("request_extension")["required"]) == {"reason", "hours"}
    assert body("request_return")["properties"]["reason"]["maxLength"] == 2000
    # No catch-all body listing every action's fields any more.
    assert "/api/v1/cases/{id}/actions/{action_name}/" not in schema["paths"]
    assert {path.rsplit("/", 2)[-2] for path in schema["paths"] if "/actions/" in path} == {
        a.value for a in TABLE_ACTIONS
    }


def test_an_action_route_takes_exactly_its_input_and_an_unknown_one_is_a_404(api, world):
    case = case_in(world, Status.PENDING_DISPATCH)
    api.force_authenticate(world.p.dispatcher)

    response = api.post(
        f"/api/v1/cases/{case.pk}/actions/dispatch/", {"department": world.office.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["department"]["code"] == world.office.code

    unknown = api.post(f"/api/v1/cases/{case.pk}/actions/fly/", {}, format="json")
    assert unknown.status_code == 404 and unknown.json()["field"] == "action"


def test_the_page_form_is_the_declared_one(world):
    case = case_in(world, Status.PENDING_DISPATCH)
    form = ActionForm(Action.DISPATCH, case, world.p.dispatcher)
    assert list(form.fields) == ["department", "co_departments", "note"]
    assert form.label == "派遣"


def test_extension_hours_are_one_key_and_old_events_still_read(world):
    case = case_in(world, Status.IN_PROGRESS, pending="extension")
    assert last_event(case).payload["hours"] == "8"
    assert "extension_hours" not in last_event(case).payload
    # request_extension events written before the keys were unified said extension_hours.
    assert events.extension_hours({"request": 1, "extension_hours": "12.5"}) == events.extension_hours(
        {"request": 1, "hours": "12.5"}
    )
    assert events.extension_hours({"request": 1}) is None
