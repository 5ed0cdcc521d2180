"""Each 5xx the schemathesis fuzzer (test_openapi.py) found, as a plain test: the input that crashed
the server now gets a 4xx that names the problem. The curl line in each docstring is what the fuzzer
printed.
"""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from cases.models import ApiClient, HotlineTicket, Notification
from tests.cases.conftest import case_in

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")


@pytest.fixture
def chief(world):
    """A centre user with every district-wide role: the fuzzer's deepest-reaching persona."""
    from tests.factories import UserFactory

    user = UserFactory(roles=["operator", "shift_leader", "dispatcher", "supervisor", "admin"])
    client = APIClient()
    client.force_authenticate(user)
    client.user = user
    return client


def test_a_notification_id_that_is_not_a_number_is_a_404(chief, world):
    """curl -X POST http://localhost/api/v1/notifications/false/read/ → 500 (ValueError in filter(pk=…))."""
    note = Notification.objects.create(
        user=chief.user, case=case_in(world, "reported"), kind=Notification.Kind.INFO, title="测试"
    )

    assert chief.post("/api/v1/notifications/false/read/").status_code == 404
    assert chief.post(f"/api/v1/notifications/{note.pk}/read/").status_code == 204


def test_an_action_on_a_case_id_that_is_not_a_number_is_a_404(chief, world):
    """The action endpoint looked the case up with Django's get_object_or_404, which lets ValueError out."""
    assert chief.post("/api/v1/cases/false/actions/accept/", {}, format="json").status_code == 404
    assert chief.get("/api/v1/cases/false/").status_code == 404


@pytest.mark.parametrize("body", ["0", "false", "null", "[]", '"text"'])
def test_a_json_body_that_is_not_an_object_is_a_400(chief, world, body):
    """curl -X POST -H 'Content-Type: application/json' -d 0 http://localhost/api/v1/cases/ → 500
    (TypeError: 'int' object is not iterable): reports and actions alike."""
    case = case_in(world, "reported")
    for url in ("/api/v1/cases/", f"/api/v1/cases/{case.pk}/actions/accept/"):
        response = chief.generic("POST", url, body, content_type="application/json")

        assert response.status_code == 400, (url, response.content)
        assert "请求体须为 JSON 对象" in response.json()["non_field_errors"][0]


# (url, the parameter the 400 names). Each crashed with OverflowError: date value out of range, when
# a period's neighbour (the day before, the week's Sunday, the baseline windows) left Python's calendar.
EXTREME_DATES = [
    *(
        (f"/api/v1/kpi/reports/{cadence}/?date=0001-01-01", "date")
        for cadence in ("daily", "weekly", "xun", "monthly")
    ),
    ("/api/v1/kpi/trend/?date_from=9999-12-01&date_to=9999-12-31&granularity=week", "date_from"),
    ("/api/v1/kpi/summary/?date_from=0001-01-01&date_to=0001-01-02", "date_from"),
    ("/api/v1/kpi/hotspots/cells/?date=0001-01-01", "date"),
    ("/api/v1/kpi/hotspots/cells/?date=9999-12-31", "date"),
    ("/api/v1/kpi/hotspots/places/?date=0001-01-01", "date"),
    ("/api/v1/kpi/hotspots/places/?date=9999-12-31", "date"),
    ("/api/v1/kpi/hotspots/pattern/?date_from=0001-01-01&date_to=0001-02-01", "date_from"),
    ("/api/v1/kpi/hotspots/pattern/?date_from=9999-12-01&date_to=9999-12-31", "date_to"),
]


@pytest.mark.parametrize(("url", "field"), EXTREME_DATES)
def test_a_kpi_date_off_the_calendar_is_a_400_naming_it(chief, world, url, field):
    response = chief.get(url)

    assert response.status_code == 400, response.content
    assert "日期须在 2000-01-01 至 2099-12-31 之间" in response.json()[field][0]


def test_kpi_dates_inside_the_bounds_still_answer(chief, world):
    assert chief.get("/api/v1/kpi/summary/?date_from=2000-01-01&date_to=2000-01-31").status_code == 200
    assert chief.get("/api/v1/kpi/reports/weekly/?date=2000-01-01").status_code == 200
    assert chief.get("/api/v1/kpi/hotspots/cells/?date=2000-01-01").status_code == 200


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"\x00": None}, "\\u0000"),
        ({"note": "a\x00b"}, "note"),
        ({"attachments": ["ok", "\x00"]}, "attachments.1"),
    ],
)
def test_a_null_character_in_a_hotline_ticket_is_a_400_naming_where(world, extra, named):
    """curl -X POST -H 'X-Api-Key: …' -d '{"\\u0000": null, "channel": "12345", "description": "12", …}'
    http://localhost/api/v1/hotline/tickets/ → 500 on PostgreSQL: the body is kept whole as `raw`
    (jsonb), which cannot hold U+0000 (DataError: unsupported Unicode escape sequence)."""
    ApiClient.objects.create(name="12345", kind=ApiClient.Kind.HOTLINE, channel="12345", api_key="k-12345")
    client = APIClient()
    body = {
        "ticket_no": "T-NUL",
        "channel": "12345",
        "received_at": "2026-03-02T09:15:00+08:00",
        "description": "路灯不亮",
        "address": "友谊路 3 号",
        **extra,
    }

    response = client.post("/api/v1/hotline/tickets/", body, format="json", HTTP_X_API_KEY="k-12345")

    assert response.status_code == 400, response.content
    assert response.json()[named] == ["不能包含空字符（\\u0000）"]
    assert not HotlineTicket.objects.exists()


# ---------------------------------------------------------------- answers the schema did not describe


def test_an_unknown_api_address_is_a_json_404(chief, world):
    """/api/v1/grids/%3A/ (ids are digits: the router does not match) was Django's HTML 404 page."""
    for url in ("/api/v1/grids/%3A/", "/api/v1/cases/true/actions/accept/", "/api/v1/no-such-thing/"):
        response = chief.get(url) if "actions" not in url else chief.post(url, {}, format="json")

        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/json"
        assert response.json()["detail"]


def test_locating_a_ticket_by_an_id_that_is_not_a_number_is_a_404(chief, world):
    """POST /api/v1/hotline/tickets/-1/locate/ fell through to the GET-only pull route: 405."""
    response = chief.post("/api/v1/hotline/tickets/-1/locate/", {"lng": 117.2, "lat": 39.05}, format="json")

    assert response.status_code == 404
    assert response.json()["field"] == "id"


def test_the_schema_documents_what_the_api_answers(chief, world):
    """The fuzzer's status-code and response-shape checks failed on these until the schema said them."""
    schema = chief.get("/api/schema/?format=json").json()
    paths = schema["paths"]

    action = paths["/api/v1/cases/{id}/actions/request_extension/"]["post"]
    assert {p["name"] for p in action["parameters"]} == {"id"}  # was `action`, not in the URL
    body = action["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert "hours" in schema["components"]["schemas"][body]["properties"]  # the body was unstated
    assert {"400", "401", "403", "404", "409"} <= set(action["responses"])
    assert set(paths["/api/v1/kpi/summary/"]["get"]["responses"]) == {"200", "400", "401", "403"}
    assert "400" in paths["/api/v1/auth/token/"]["post"]["responses"]
    # ?geometry=0 leaves the outline out, so it cannot be a required property.
    assert "geometry" not in schema["components"]["schemas"]["Street"]["required"]
    assert chief.get("/api/v1/streets/?geometry=0").json()["results"][0].keys() == {
        "code",
        "name",
        "district",
    }


# ---------------------------------------------------------------- the pages (outside the OpenAPI schema)
# The same inputs, tried by hand on the pages that read the same parameters.


@pytest.mark.parametrize(
    "url",
    [
        "/kpi/?date_from=0001-01-01&date_to=0001-01-02",
        "/kpi/?date_from=9999-12-01&date_to=9999-12-31&granularity=week",
        "/kpi/reports/?cadence=weekly&date=0001-01-01",
    ],
)
def test_the_kpi_pages_say_the_date_is_out_of_range(chief, world, url):
    client = Client()
    client.force_login(chief.user)

    response = client.get(url)

    assert response.status_code == 200  # the form again, with the error next to the field
    assert "日期须在 2000-01-01 至 2099-12-31 之间" in response.content.decode()


def test_the_category_picker_ignores_a_null_character(chief, world):
    """GET /categories/pick/?category_q=%00 (and ?major=%00&kind=event) → 500: ValueError from PostgreSQL."""
    client = Client()
    client.force_login(chief.user)

    assert client.get("/categories/pick/?category_q=%00").status_code == 200
    assert client.get("/categories/pick/?major=%00&kind=event").status_code == 200
    assert world.event_cat.name in client.get("/categories/pick/?category_q=暴露%00垃圾").content.decode()


# ---------------------------------------------------------------- Open311 (not in the OpenAPI schema)
# Probed by hand with the inputs the fuzzer found harmful elsewhere: PostgreSQL refuses U+0000 in any
# text it stores or compares (ValueError), and an OFFSET past bigint (DataError).


@pytest.fixture
def open311(world, settings):
    from tests.cases.test_open311_support import with_open311_app

    return with_open311_app(world, settings)


@pytest.mark.parametrize("field", ["description", "address_string", "first_name", "phone", "api_key"])
def test_open311_refuses_a_null_character_in_a_posted_field(client, world, open311, field):
    from tests.cases.test_open311_support import BASE, post_fields

    response = client.post(f"{BASE}/requests.json", post_fields(world, **{field: "路灯\x00不亮"}))

    assert response.status_code == 400
    assert response.json()[0]["description"] == f"{field} contains a null character (U+0000)"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("service_request_id=1%00", "service_request_id contains a null character (U+0000)"),
        ("page=99999999999999999999999", "page='99999999999999999999999' is larger than 1000000"),
    ],
)
def test_open311_refuses_a_query_it_cannot_run(client, world, open311, query, message):
    from tests.cases.test_open311_support import BASE

    response = client.get(f"{BASE}/requests.json?{query}")

    assert response.status_code == 400
    assert response.json()[0]["description"] == message


def test_open311_a_request_id_with_a_null_character_is_not_found(client, world, open311):
    from tests.cases.test_open311_support import BASE

    assert client.get(f"{BASE}/requests/1%00.json").status_code == 404
