"""Hard edges (issue 17): inputs refused before they reach the services, with a JSON message, never a 5xx."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Case, HotlineTicket
from tests.cases.test_hotline import make_clients, ticket_body
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")


@pytest.fixture
def anyone():
    return APIClient(raise_request_exception=False)


@pytest.fixture
def staff(world):
    client = APIClient(raise_request_exception=False)
    user = UserFactory(roles=["inspector", "operator", "admin"])
    world.grid.inspectors.add(user)
    client.force_authenticate(user)
    client.user = user
    return client


@pytest.fixture
def hotline_keys(world):
    return make_clients()


# ---------------------------------------------------------------- 17.1: the JSON decoder's recursion


@pytest.mark.parametrize("depth", [950, 5000, 33])
@pytest.mark.parametrize("url", ["/api/v1/auth/token/", "/api/v1/cases/", "/api/v1/hotline/tickets/"])
def test_a_deeply_nested_json_body_is_a_400(anyone, staff, hotline_keys, url, depth):
    client = anyone if "cases" not in url else staff
    body = "[" * depth + "]" * depth

    response = client.generic("POST", url, body, content_type="application/json", HTTP_X_API_KEY="key-12345")

    assert response.status_code == 400, response.content[:300]
    assert "嵌套层数超过 32 层" in response.json()["detail"]
    assert not Case.objects.exists() and not HotlineTicket.objects.exists()


def test_a_body_nested_32_deep_still_reaches_the_view(anyone):
    body = '{"username": ' + "[" * 31 + "]" * 31 + ', "password": "x"}'

    response = anyone.generic("POST", "/api/v1/auth/token/", body, content_type="application/json")

    assert response.status_code == 400
    assert "username" in response.json()  # the serializer's answer: the parser let it through


def test_a_lone_surrogate_anywhere_in_a_json_body_is_a_400(world, anyone, hotline_keys):
    body = ticket_body(world)
    raw = '{"extra": "\\ud800", ' + __import__("json").dumps(body)[1:]

    response = anyone.generic(
        "POST", "/api/v1/hotline/tickets/", raw, content_type="application/json", HTTP_X_API_KEY="key-12345"
    )

    assert response.status_code == 400, response.content[:300]
    assert "孤立代理项" in response.json()["detail"]
    assert not HotlineTicket.objects.exists()


# ---------------------------------------------------------------- 17.2: the token endpoint's columns


def test_a_username_longer_than_the_column_is_a_400_not_a_500(world, anyone):
    response = anyone.post("/api/v1/auth/token/", {"username": "u" * 300, "password": "x"}, format="json")

    assert response.status_code == 400, response.content[:300]
    assert response.json()["username"]


def test_a_megabyte_password_is_refused_before_hashing(world, anyone):
    response = anyone.post("/api/v1/auth/token/", {"username": "u", "password": "p" * 1025}, format="json")

    assert response.status_code == 400
    assert response.json()["password"]


# ---------------------------------------------------------------- 17.4, 17.5, 17.8: hotline intake


def _post(client, body):
    return client.post("/api/v1/hotline/tickets/", body, format="json", HTTP_X_API_KEY="key-12345")


@pytest.mark.parametrize("hint", ["", "不知所云", "Z99"])
def test_a_hint_that_maps_to_nothing_is_refused_at_intake_naming_the_field(
    world, anyone, hotline_keys, settings, hint
):
    settings.HOTLINE_FALLBACK_CATEGORY = ""
    response = _post(anyone, ticket_body(world, category_hint=hint, description="说不清"))

    assert response.status_code == 400, response.content
    assert "无法对应到案件类别" in response.json()["category_hint"][0]
    assert not HotlineTicket.objects.exists()


def test_with_a_fallback_category_an_unmapped_hint_is_accepted(world, anyone, hotline_keys, settings):
    settings.HOTLINE_FALLBACK_CATEGORY = world.event_cat.code
    response = _post(anyone, ticket_body(world, category_hint="不知所云", description="说不清"))

    assert response.status_code == 202, response.content


def test_a_failed_ticket_sent_again_with_a_good_hint_becomes_a_case(world, anyone, hotline_keys, settings):
    from cases.intake import hotline

    settings.HOTLINE_FALLBACK_CATEGORY = ""
    body = ticket_body(world, category_hint="不知所云", description="说不清")
    # Stored as before this fix (the intake check bypassed), then failed by the task.
    ticket, _ = hotline.receive(data={**body, "received_at": timezone.now()}, raw=body)
    assert hotline.process_ticket(ticket.pk) == "failed"

    response = _post(anyone, ticket_body(world, category_hint=world.event_cat.code))

    assert response.status_code == 202, response.content
    assert response.json()["state"] in ("received", "done")
    hotline.process_pending()
    ticket.refresh_from_db()
    assert ticket.state == "done" and ticket.case.category == world.event_cat
    assert HotlineTicket.objects.count() == 1


def test_a_ticket_already_done_sent_again_answers_its_status(world, anyone, hotline_keys):
    from cases.intake import hotline

    assert _post(anyone, ticket_body(world)).status_code == 202
    hotline.process_pending()
    again = _post(anyone, ticket_body(world, description="改过的内容"))

    assert again.status_code == 200 and again.json()["state"] == "done"
    assert HotlineTicket.objects.get().description != "改过的内容"


def test_a_hotline_description_has_a_maximum(world, anyone, hotline_keys):
    assert _post(anyone, ticket_body(world, ticket_no="A", description="垃" * 2000)).status_code == 202
    response = _post(anyone, ticket_body(world, ticket_no="B", description="垃" * 2001))

    assert response.status_code == 400
    assert response.json()["description"]
    assert HotlineTicket.objects.count() == 1


@pytest.mark.parametrize(
    "received_at", ["0001-01-01T00:00:00Z", "9999-12-31T00:00:00Z", "1999-12-31T23:00:00Z"]
)
def test_a_received_at_off_the_calendar_is_refused(world, anyone, hotline_keys, received_at):
    response = _post(anyone, ticket_body(world, received_at=received_at))

    assert response.status_code == 400, response.content
    assert response.json()["received_at"]
    assert not HotlineTicket.objects.exists()


def test_a_received_at_more_than_a_day_ahead_is_refused(world, anyone, hotline_keys):
    ahead = timezone.now() + timedelta(days=1, minutes=5)
    assert _post(anyone, ticket_body(world, received_at=ahead.isoformat())).status_code == 400
    soon = timezone.now() + timedelta(hours=23)
    assert _post(anyone, ticket_body(world, received_at=soon.isoformat())).status_code == 202


@pytest.mark.parametrize("ticket_no", ["A/B", "..", ".", "A B", "A\\B", "A?B", "A#B"])
def test_a_ticket_number_that_cannot_be_pulled_back_is_refused(world, anyone, hotline_keys, ticket_no):
    response = _post(anyone, ticket_body(world, ticket_no=ticket_no))

    assert response.status_code == 400, response.content
    assert response.json()["ticket_no"]


@pytest.mark.parametrize("ticket_no", ["12345-2026-000001", "T.1:2_3", "京A0001"])
def test_every_accepted_ticket_number_can_be_pulled(world, anyone, hotline_keys, ticket_no):
    from urllib.parse import quote

    assert _post(anyone, ticket_body(world, ticket_no=ticket_no)).status_code == 202
    pulled = anyone.get(f"/api/v1/hotline/tickets/12345/{quote(ticket_no)}/", HTTP_X_API_KEY="key-12345")

    assert pulled.status_code == 200, pulled.content
    assert pulled.json()["ticket_no"] == ticket_no


# ---------------------------------------------------------------- 17.6: buckets and the proxy setting


@pytest.fixture
def private_cache(settings):
    from tests.cases.test_open311_support import private_cache as use_private_cache

    use_private_cache(settings)


def test_anonymous_traffic_does_not_use_up_the_sign_in_budget(world, private_cache, settings, anyone):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "anon": "2/min", "login": "5/min"}
    from django.test import Client

    page = Client()
    for _ in range(2):
        page.get("/open311/v2/services.json")
    assert page.get("/open311/v2/services.json").status_code == 429  # the public budget is spent

    assert page.get("/login/").status_code == 200
    signed = anyone.post("/api/v1/auth/token/", {"username": "op", "password": "wrong"}, format="json")
    assert signed.status_code == 400  # refused for the password, not throttled


def test_sign_in_has_a_limit_of_its_own(world, private_cache, settings, anyone):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": "2/min"}
    for _ in range(2):
        anyone.post("/api/v1/auth/token/", {"username": "nobody", "password": "x"}, format="json")

    response = anyone.post("/api/v1/auth/token/", {"username": "nobody", "password": "x"}, format="json")

    assert response.status_code == 429 and response["Retry-After"]
    assert anyone.get("/api/v1/grids/").status_code in (401, 403)  # the anonymous budget is untouched


@pytest.mark.parametrize(
    ("proxies", "forwarded", "says"),
    [
        (0, "203.0.113.9", "TRUSTED_PROXIES=0"),
        (2, "203.0.113.9", "TRUSTED_PROXIES=2 but a request came with 1"),
        (1, "", "TRUSTED_PROXIES=1 but a request came with 0"),
    ],
)
def test_a_wrong_proxy_setting_shows_in_healthz_and_the_log(
    world, private_cache, settings, caplog, proxies, forwarded, says
):
    from django.test import Client

    from core import security

    security._proxy_logged_at.clear()
    settings.TRUSTED_PROXIES = proxies
    client = Client()
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    assert client.get("/healthz?check=proxy").json()["checks"]["proxy"]["status"] == "ok"

    client.get("/login/", **extra)

    assert says in caplog.text
    body = client.get("/healthz?check=proxy").json()
    assert body["status"] == "warn" and body["warnings"] == ["proxy"]  # a warning, never a failure (200)
    assert says in body["checks"]["proxy"]["warning"]


def test_a_right_proxy_setting_is_quiet(world, private_cache, settings, caplog):
    from django.test import Client

    settings.TRUSTED_PROXIES = 1
    client = Client()
    client.get("/login/", HTTP_X_FORWARDED_FOR="203.0.113.9")
    client.get("/healthz")  # probes come from inside, without the header: not a sign of anything

    body = client.get("/healthz?check=proxy").json()
    assert body["checks"]["proxy"] == {
        "status": "ok",
        "trusted_proxies": 1,
        "ms": body["checks"]["proxy"]["ms"],
    }
    assert "proxy setting" not in caplog.text


# ---------------------------------------------------------------- 17.8: page_size


@pytest.mark.parametrize("page_size", ["-1", "0", "abc", "501", "1e3", "٣"])
@pytest.mark.parametrize("url", ["/api/v1/cases/", "/api/v1/grids/", "/api/v1/notifications/"])
def test_a_page_size_that_is_not_1_to_500_is_a_400_naming_it(staff, url, page_size):
    response = staff.get(url, {"page_size": page_size})

    assert response.status_code == 400, (url, response.content[:200])
    assert "1 至 500" in response.json()["page_size"][0]


@pytest.mark.parametrize("url", ["/api/v1/cases/", "/api/v1/grids/"])
def test_a_good_page_size_is_obeyed(staff, url):
    assert staff.get(url, {"page_size": "1"}).status_code == 200
    assert staff.get(url, {"page_size": "500"}).status_code == 200
    assert staff.get(url, {"page_size": ""}).status_code == 200
