"""Refusals a user reads: in their language (#16.7), with a limit on every action text (#17.5), and
自行处置 only in the inspector's own grids (#17.7)."""

import pytest
from django.conf import settings
from django.urls import reverse

from cases import services
from cases.errors import InvalidInput
from cases.models import ACTION_TEXT_MAX_LENGTH, Case, CaseEvent, CaseRequest
from cases.workflow import Status
from tests.cases.conftest import case_in, photo, report
from tests.web.conftest import client_for

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")

TOO_LONG = "长" * (ACTION_TEXT_MAX_LENGTH + 1)


def action(api, case, name: str, body: dict, **headers):
    return api.post(f"/api/v1/cases/{case.pk}/actions/{name}/", body, format="json", **headers)


# ---------------------------------------------------------------- #16.7 refusals in the user's language


def test_an_english_api_client_reads_the_refusal_in_english(api, world):
    case = report(world)
    api.force_authenticate(world.p.shift_leader)

    english = action(api, case, "close", {}, HTTP_ACCEPT_LANGUAGE="en")
    chinese = action(api, case, "close", {})

    assert english.status_code == chinese.status_code == 409
    assert english.json()["detail"] == (
        f"Case {case.number} is “Pending acceptance”: “Close” cannot be taken in that state"
    )
    assert chinese.json()["detail"] == f"案件 {case.number} 当前状态为「待受理」，不能执行「结案」"


def test_role_scope_and_input_refusals_in_english(api, world):
    dispatched = case_in(world, Status.IN_PROGRESS)
    api.force_authenticate(world.p.other_department)
    assert action(api, dispatched, "submit_feedback", {"result": "已清理"}, HTTP_ACCEPT_LANGUAGE="en").json()[
        "detail"
    ] == ("This case is outside your scope")

    api.force_authenticate(world.p.inspector)
    closing = case_in(world, Status.PENDING_CLOSURE)
    forbidden = action(api, closing, "close", {}, HTTP_ACCEPT_LANGUAGE="en")
    assert forbidden.status_code == 403 and forbidden.json()["detail"] == "Your role cannot take “Close”"

    checked = case_in(world, Status.PENDING_CHECK)
    bad = api.post(
        f"/api/v1/cases/{checked.pk}/actions/check/",
        {"passed": "false", "photos": [photo()]},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert bad.status_code == 400 and bad.json()["note"] == ["Say why the check failed"]


def test_an_english_user_reads_the_refusal_on_the_page_in_english(world):
    case = report(world)
    browser = client_for(world.p.shift_leader)
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = browser.post(reverse("case-action", args=[case.pk, "close"]), {})

    assert page.status_code == 200
    assert "cannot be taken in that state" in page.content.decode()
    assert Case.objects.get(pk=case.pk).status == Status.REPORTED


# ---------------------------------------------------------------- #17.5 a limit on every action text


def test_an_api_reason_or_note_over_the_limit_is_a_400_naming_the_field(api, world):
    case = case_in(world, Status.IN_PROGRESS)
    api.force_authenticate(world.p.department)
    events = CaseEvent.objects.count()

    long_reason = action(api, case, "request_return", {"reason": TOO_LONG})
    assert long_reason.status_code == 400 and "reason" in long_reason.json()
    assert not CaseRequest.objects.exists() and CaseEvent.objects.count() == events

    api.force_authenticate(world.p.supervisor)
    long_note = action(api, case, "supervise", {"note": TOO_LONG})
    assert long_note.status_code == 400 and "note" in long_note.json()
    assert CaseEvent.objects.count() == events

    at_the_limit = action(api, case, "supervise", {"note": "督" * ACTION_TEXT_MAX_LENGTH})
    assert at_the_limit.status_code == 200


def test_the_form_refuses_a_reason_over_the_limit_next_to_it(world):
    case = case_in(world, Status.IN_PROGRESS)
    browser = client_for(world.p.department)

    page = browser.post(reverse("case-action", args=[case.pk, "request_return"]), {"reason": TOO_LONG})

    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-field="reason"' in html and "2000" in html
    assert not CaseRequest.objects.exists()


def test_the_service_holds_the_limit_for_every_other_caller(world):
    case = case_in(world, Status.PENDING_CLOSURE)
    with pytest.raises(InvalidInput) as refused:
        services.case_close(case=case, actor=world.p.shift_leader, note=TOO_LONG)
    assert refused.value.field == "note"
    with pytest.raises(InvalidInput) as refused:
        services.case_reopen(case=case_in(world, Status.CLOSED), actor=world.p.shift_leader, reason=TOO_LONG)
    assert refused.value.field == "reason"
    assert Case.objects.get(pk=case.pk).status == Status.PENDING_CLOSURE


def test_the_schema_states_the_limit(api, world):
    api.force_authenticate(world.p.operator)
    schemas = api.get("/api/schema/?format=json").json()["components"]["schemas"]
    assert schemas["ReasonInput"]["properties"]["reason"]["maxLength"] == ACTION_TEXT_MAX_LENGTH
    assert schemas["DecisionInput"]["properties"]["note"]["maxLength"] == ACTION_TEXT_MAX_LENGTH
    assert schemas["FeedbackInput"]["properties"]["result"]["maxLength"] == ACTION_TEXT_MAX_LENGTH


# ---------------------------------------------------------------- #17.7 自行处置 in one's own grids


def _self_resolved(world, where) -> dict:
    return {
        "category": world.event_cat.pk,
        "lng": where[0],
        "lat": where[1],
        "description": "路边有暴露垃圾，已当场清理",
        "self_resolved": "true",
        "photos": [photo()],
        "after_photos": [photo()],
    }


def test_an_inspector_self_resolves_only_in_their_own_grids(api, world):
    api.force_authenticate(world.p.inspector)

    elsewhere = api.post("/api/v1/cases/", _self_resolved(world, world.other_inside), format="multipart")
    assert elsewhere.status_code == 403, elsewhere.content
    assert world.other_grid.code in elsewhere.json()["detail"]
    assert not Case.objects.exists()

    at_home = api.post("/api/v1/cases/", _self_resolved(world, world.inside), format="multipart")
    assert at_home.status_code == 201 and at_home.json()["status"] == Status.PENDING_CLOSURE


def test_a_plain_report_from_another_grid_is_still_taken(api, world):
    """Only 自行处置 is bound to the grids: a problem seen next door is still reported (docs/domain.md §1)."""
    api.force_authenticate(world.p.inspector)
    body = {**_self_resolved(world, world.other_inside), "self_resolved": "false", "after_photos": []}
    response = api.post("/api/v1/cases/", body, format="multipart")
    assert response.status_code == 201 and response.json()["status"] == Status.REPORTED
