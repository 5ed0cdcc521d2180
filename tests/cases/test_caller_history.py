"""Hotline intake records the caller's history (repeat callers) and the 诉求性质 (issue #22.4)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.intake import hotline
from cases.models import Case, HotlineTicket
from tests.cases.conftest import hotline_report
from tests.cases.test_hotline import KEYS, make_clients, ticket_body
from tests.security.sec_support import signed_in

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")
PHONE = "13911112222"


def test_a_repeat_caller_is_counted_for_the_agent_and_the_operator_only(world, api):
    first = hotline_report(world, reporter_phone=PHONE, description="门口垃圾没清")
    hotline_report(world, reporter_phone="13000000000", description="另一位来电人")
    # A ticket from the same number parked for a position counts too (it is not a case yet).
    HotlineTicket.objects.create(
        channel="12345",
        ticket_no="P-1",
        received_at=timezone.now(),
        caller_phone=PHONE,
        description="x",
        state="needs_location",
    )
    third = hotline_report(world, reporter_phone=PHONE, description="还是没清")

    # On the intake form, as the agent types the number (the htmx fragment).
    agent = signed_in(world.p.hotline)
    fragment = agent.get(reverse("hotline-caller-history"), {"reporter_phone": PHONE}).content.decode()
    assert 'data-repeat-caller="3"' in fragment and first.number in fragment
    fresh = agent.get(reverse("hotline-caller-history"), {"reporter_phone": "13700009999"}).content.decode()
    assert 'data-repeat-caller="0"' in fresh

    # On the case page: the calls before this one (the first case and the parked ticket).
    page = signed_in(world.p.operator).get(reverse("case-detail", args=[third.pk])).content.decode()
    assert 'data-repeat-caller="2"' in page and first.number in page
    # In the API, for the same roles.
    api.force_authenticate(world.p.operator)
    assert api.get(f"/api/v1/cases/{third.pk}/").json()["caller"]["earlier_calls"] == 2

    # Personal data (core/privacy.py): a supervisor sees neither the number nor the history.
    boss = signed_in(world.p.supervisor).get(reverse("case-detail", args=[third.pk])).content.decode()
    assert "data-repeat-caller" not in boss and PHONE not in boss
    assert (
        signed_in(world.p.supervisor)
        .get(reverse("hotline-caller-history"), {"reporter_phone": PHONE})
        .status_code
        == 403
    )
    api.force_authenticate(world.p.supervisor)
    assert api.get(f"/api/v1/cases/{third.pk}/").json()["caller"] is None


def test_the_number_is_matched_however_it_was_typed(world):
    from cases.caller_history import caller_history

    hotline_report(world, reporter_phone="13911112222")
    assert caller_history("139-1111 2222").earlier == 1


def test_the_agent_records_the_request_nature_and_the_list_filters_by_it(world):
    agent = signed_in(world.p.hotline)
    lng, lat = world.inside
    form = {
        "channel": "12345",
        "hotline_ticket_no": "N-1",
        "reporter_name": "李先生",
        "reporter_phone": PHONE,
        "lng": lng,
        "lat": lat,
        "category": world.event_cat.pk,
        "urgency": "normal",
        "description": "有人在绿地里倾倒渣土",
        "request_nature": "report",
    }
    assert agent.post(reverse("hotline-intake"), form).status_code == 302
    case = Case.objects.get(hotline_ticket_no="N-1")
    assert (case.request_nature, case.get_request_nature_display()) == ("report", "举报")
    bad = agent.post(
        reverse("hotline-intake"), {**form, "hotline_ticket_no": "N-2", "request_nature": "rant"}
    )
    assert bad.status_code == 200 and not Case.objects.filter(hotline_ticket_no="N-2").exists()
    hotline_report(world, ticket="N-3", request_nature="consult")
    listed = agent.get(reverse("hotline-tickets"), {"request_nature": "report"}).content.decode()
    assert case.number in listed and "N-3" not in listed
    page = signed_in(world.p.operator).get(reverse("case-detail", args=[case.pk])).content.decode()
    assert 'data-request-nature="report"' in page


def test_the_intake_api_takes_the_request_nature_and_refuses_a_wrong_one(world, api):
    make_clients()
    body = {**ticket_body(world, ticket_no="API-1"), "request_nature": "complaint"}
    assert (
        api.post("/api/v1/hotline/tickets/", body, format="json", HTTP_X_API_KEY=KEYS["12345"]).status_code
        == 202
    )
    hotline.process_pending()
    assert HotlineTicket.objects.get(ticket_no="API-1").case.request_nature == "complaint"
    wrong = {**ticket_body(world, ticket_no="API-2"), "request_nature": "praise"}
    refused = api.post("/api/v1/hotline/tickets/", wrong, format="json", HTTP_X_API_KEY=KEYS["12345"])
    assert refused.status_code == 400 and "praise" in str(refused.json()["request_nature"])
    assert not HotlineTicket.objects.filter(ticket_no="API-2").exists()
    # The case API filters by it.
    api.force_authenticate(world.p.operator)
    assert api.get("/api/v1/cases/?request_nature=complaint").json()["count"] == 1
    assert api.get("/api/v1/cases/?request_nature=praise").status_code == 400
