"""Open311 GeoReport v2 conformance: every resource in XML and JSON, read as the spec describes it."""

import re
from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from cases import services
from cases.models import Case, CaseEvent, TimedStep
from cases.workflow import Status
from dispatch.models import Category
from tests.cases.conftest import case_in, photo, report
from tests.cases.test_open311_support import BASE, get, parse, post, post_fields, with_open311_app
from tests.factories import CategoryFactory

FORMATS = ["xml", "json"]
ZONED = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$")


@pytest.fixture
def open311(fast_passwords, media_root, world, settings):
    return with_open311_app(world, settings)


def ids(rows) -> set[str]:
    return {row["service_request_id"] for row in rows}


# ---------------------------------------------------------------- discovery, services


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_lists_this_endpoint_and_both_formats(client, open311, fmt):
    data = get(client, "discovery", fmt, schema_name="discovery")
    (endpoint,) = data["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_are_the_active_categories(client, open311, fmt):
    CategoryFactory(name="停用的类别", is_active=False)
    data = get(client, "services", fmt, schema_name="services")
    by_code = {service["service_code"]: service for service in data}
    assert set(by_code) == {str(c.pk) for c in Category.objects.filter(is_active=True)}
    service = by_code[str(open311.event_cat.pk)]
    assert service["service_name"] == "暴露垃圾"
    assert service["group"] == "市容环境类"
    assert service["metadata"] is False
    assert service["type"] == "realtime"
    assert open311.event_cat.code in service["description"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_keywords_come_from_the_category(client, open311, fmt):
    open311.event_cat.keywords = "垃圾 脏乱"
    open311.event_cat.save()
    data = get(client, "services", fmt, schema_name="services")
    (service,) = [s for s in data if s["service_code"] == str(open311.event_cat.pk)]
    assert service["keywords"] == "垃圾, 脏乱"


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition_has_no_extra_attributes(client, open311, fmt):
    code = str(open311.event_cat.pk)
    data = get(client, f"services/{code}", fmt, schema_name="service_definition")
    assert data == {"service_code": code, "attributes": []}


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_or_inactive_service_definition_is_404(client, open311, fmt):
    inactive = CategoryFactory(is_active=False)
    get(client, f"services/{inactive.pk}", fmt, expect=404)
    get(client, "services/999999", fmt, expect=404)
    get(client, "services/not-a-code", fmt, expect=404)


def test_xml_service_definition_root_element(client, open311):
    response = client.get(f"{BASE}/services/{open311.event_cat.pk}.xml")
    root, _data = parse(response)
    assert root == "service_definition"
    assert (
        "<attributes />" in response.content.decode()
        or "<attributes></attributes>" in response.content.decode()
    )


# ---------------------------------------------------------------- POST requests


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_creates_a_public_case_through_the_report_service(client, open311, fmt):
    data = post(client, fmt, post_fields(open311, media_url="https://img.example.com/a.jpg"))
    (answer,) = data
    assert isinstance(answer["service_request_id"], str)
    assert answer["account_id"] is None
    assert answer["service_notice"]
    case = Case.objects.get(number=answer["service_request_id"])
    assert case.source == "public"
    assert case.status == Status.REPORTED
    assert case.category == open311.event_cat
    assert case.grid == open311.grid
    assert case.description == "人行道上堆了很多垃圾"
    assert case.address == "友谊路 12 号门前"
    assert (case.reporter_name, case.reporter_phone, case.reporter_email) == (
        "张三",
        "13912345678",
        "reporter@example.com",
    )
    (event,) = case.events.all()
    assert event.action == "report" and event.actor is None and event.actor_role == "system"
    assert "https://img.example.com/a.jpg" in event.note
    assert "随手拍 App" in event.note


def test_post_without_description_uses_the_service_name(client, open311):
    (answer,) = post(client, "json", post_fields(open311, description=""))
    assert Case.objects.get(number=answer["service_request_id"]).description == "暴露垃圾"


def _nothing_saved(before):
    assert (Case.objects.count(), CaseEvent.objects.count(), TimedStep.objects.count()) == before


def _counts():
    return Case.objects.count(), CaseEvent.objects.count(), TimedStep.objects.count()


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "overrides",
    [
        {"api_key": None},
        {"api_key": ""},
        {"api_key": "no-such-key"},
    ],
)
def test_post_without_a_valid_api_key_is_403(client, open311, fmt, overrides):
    before = _counts()
    post(client, fmt, post_fields(open311, **overrides), expect=403)
    _nothing_saved(before)


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_with_a_disabled_or_hotline_key_is_403(client, open311, fmt):
    from cases.models import ApiClient

    hotline = ApiClient.objects.create(name="12345", kind="hotline", channel="12345", api_key="hotline-key")
    open311.app.is_active = False
    open311.app.save()
    before = _counts()
    post(client, fmt, post_fields(open311), expect=403)
    post(client, fmt, post_fields(open311, api_key=hotline.api_key), expect=403)
    _nothing_saved(before)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        ({"service_code": None}, "service_code"),
        ({"service_code": ""}, "service_code"),
        ({"lat": None, "long": None, "address_string": None}, "a location is required"),
        ({"lat": None, "long": "117.2"}, "lat and long are required together"),
        ({"lat": None, "long": None, "address_string": None, "address_id": "7"}, "address_id"),
        ({"lat": None, "long": None, "address_string": "火星 12 号"}, "could not be located"),
        ({"lat": "north", "long": "117.2"}, "lat"),
        ({"lat": "91", "long": "117.2"}, "lat"),
        ({"lat": "nan", "long": "117.2"}, "lat"),
        ({"lat": "39.0505", "long": "118.9"}, "网格"),  # valid position, outside every grid
        ({"description": "很" * 4001}, "4000"),
        ({"email": "not-an-email"}, "email"),
        ({"phone": "1" * 31}, "phone"),
        ({"address_string": "路" * 201}, "address_string"),
        ({"media_url": "javascript:alert(1)"}, "media_url"),
    ],
)
def test_malformed_post_is_400_and_saves_nothing(client, open311, fmt, overrides, says):
    before = _counts()
    (error,) = post(client, fmt, post_fields(open311, **overrides), expect=400)
    assert says in error["description"]
    _nothing_saved(before)


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_or_inactive_service_code_is_404_as_the_spec_says(client, open311, fmt):
    inactive = CategoryFactory(is_active=False)
    before = _counts()
    for code in ("999999", str(inactive.pk), "abc"):
        (error,) = post(client, fmt, post_fields(open311, service_code=code), expect=404)
        assert "service_code" in error["description"]
    _nothing_saved(before)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_request_located_only_by_address_string_is_placed_by_the_gazetteer(client, open311, fmt):
    from grids.models import Place

    west, south = open311.grid.min_lng, open311.grid.min_lat
    Place.objects.create(
        name="友谊路12号", kind=Place.Kind.HOUSE, road="友谊路", house_number="12",
        lng=west + 0.0004, lat=south + 0.0005,
    )  # fmt: skip
    fields = post_fields(open311, lat=None, long=None, address_string="天津市河西区友谊路12号门前")

    (answer,) = post(client, fmt, fields)

    case = Case.objects.get(number=answer["service_request_id"])
    assert (case.lng, case.lat) == (pytest.approx(west + 0.0004), pytest.approx(south + 0.0005))
    assert case.grid == open311.grid


def test_get_requests_never_lists_a_description_over_the_specs_4000(client, open311):
    made = report(open311, description="长" * 5000)  # stored before the limits, or by another path

    (row,) = [r for r in get(client, "requests", "json") if r["service_request_id"] == made.number]

    assert len(row["description"]) == 4000 and row["description"].endswith("…")


@pytest.mark.parametrize("fmt", FORMATS)
def test_oversized_body_is_refused_and_saves_nothing(client, open311, fmt, settings):
    before = _counts()
    fields = post_fields(open311, padding="x" * (settings.OPEN311_MAX_BODY_BYTES + 1))
    post(client, fmt, fields, expect=413)
    _nothing_saved(before)


@pytest.mark.parametrize("fmt", FORMATS)
def test_json_or_garbled_body_is_400(client, open311, fmt):
    before = _counts()
    response = client.post(
        f"{BASE}/requests.{fmt}", data=b'{"api_key": "x"}', content_type="application/json"
    )
    assert response.status_code == 400
    response = client.post(
        f"{BASE}/requests.{fmt}",
        data=b'--b\r\nContent-Disposition: form-data; name="api_key"\r\n\r\nbroken',
        content_type="multipart/form-data; boundary=b",
    )
    assert response.status_code in (400, 403)  # an unterminated part: refused, never a 500 or a case
    _nothing_saved(before)


# ---------------------------------------------------------------- rate limits


@pytest.mark.parametrize("fmt", FORMATS)
def test_posts_per_api_key_are_rate_limited(client, open311, fmt, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "open311_key": "2/min", "open311_ip": "100/min"}
    post(client, fmt, post_fields(open311))
    post(client, fmt, post_fields(open311))
    before = _counts()
    response = client.post(f"{BASE}/requests.{fmt}", post_fields(open311))
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    _root, (error,) = parse(response)
    assert error["code"] == 429 and "too many" in error["description"]
    _nothing_saved(before)


def test_posts_per_client_ip_are_rate_limited_whatever_the_key(client, open311, settings):
    from cases.models import ApiClient

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "open311_key": "100/min", "open311_ip": "2/min"}
    other = ApiClient.objects.create(name="另一个应用", kind="open311", api_key="other-key")
    post(client, "json", post_fields(open311))
    post(client, "json", post_fields(open311, api_key=other.api_key))
    post(client, "json", post_fields(open311, api_key="guess"), expect=429)
    # Another address is counted on its own.
    post(client, "json", post_fields(open311), REMOTE_ADDR="10.1.2.3")


# ---------------------------------------------------------------- GET requests


@pytest.mark.parametrize("fmt", FORMATS)
def test_get_requests_maps_fields_and_zones_datetimes(client, open311, fmt):
    case = case_in(open311, Status.IN_PROGRESS)
    services.case_report(
        actor=open311.p.inspector,
        category=open311.component_cat,
        lng=open311.inside[0],
        lat=open311.inside[1],
        description="井盖破损",
        address="友谊路口",
        photos=[photo()],
    )
    rows = get(client, "requests", fmt, schema_name="service_requests")
    by_id = {row["service_request_id"]: row for row in rows}
    row = by_id[case.number]
    dispose = TimedStep.objects.get(case=case, step="dispose")
    assert row["status"] == "open"
    assert row["service_code"] == str(open311.event_cat.pk)
    assert row["service_name"] == "暴露垃圾"
    assert row["agency_responsible"] == "街道公共管理办"
    assert row["lat"] == case.lat and row["long"] == case.lng
    for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert ZONED.match(row[name]), row[name]
    assert row["requested_datetime"] == timezone.localtime(case.created_at).isoformat(timespec="seconds")
    assert row["expected_datetime"] == timezone.localtime(dispose.due_at).isoformat(timespec="seconds")
    assert row["media_url"] is None
    (with_photo,) = [r for r in rows if r["service_code"] == str(open311.component_cat.pk)]
    assert with_photo["media_url"].startswith("http://testserver/media/cases/")
    assert with_photo["address"] == "友谊路口"
    assert with_photo["agency_responsible"] is None and with_photo["expected_datetime"] is None


@pytest.mark.parametrize(
    ("status", "open311_status"),
    [
        (Status.REPORTED, "open"),
        (Status.VERIFYING, "open"),
        (Status.PENDING_FILING, "open"),
        (Status.PENDING_DISPATCH, "open"),
        (Status.IN_PROGRESS, "open"),
        (Status.SUSPENDED, "open"),
        (Status.PENDING_CHECK, "open"),
        (Status.PENDING_CLOSURE, "open"),
        (Status.CLOSED, "closed"),
        (Status.REJECTED, "closed"),
        (Status.VOIDED, "closed"),
    ],
)
def test_status_maps_to_open_or_closed(client, open311, status, open311_status):
    case = case_in(open311, status)
    (row,) = get(client, f"requests/{case.number}", "json", schema_name="service_requests")
    assert row["status"] == open311_status
    assert row["status_notes"]


def test_status_notes_explain_without_internal_ledger_notes(client, open311):
    closed = case_in(open311, Status.PENDING_CLOSURE)
    services.case_close(case=closed, actor=open311.p.shift_leader, note="已清理完毕，现场整洁")
    rejected = report(open311)
    rejected = services.case_reject(case=rejected, actor=open311.p.operator, reason="not_a_problem")
    returned = case_in(open311, Status.IN_PROGRESS, pending="return")
    services.case_approve_return(case=returned, actor=open311.p.dispatcher, note="内部意见：该部门推诿")
    notes = {
        row["service_request_id"]: row["status_notes"]
        for row in get(client, "requests", "json", schema_name="service_requests")
    }
    assert notes[closed.number] == "已结案：已清理完毕，现场整洁"
    assert notes[rejected.number].startswith("不予受理") and "经核实不存在问题" in notes[rejected.number]
    assert notes[returned.number] == "待派遣"


@pytest.mark.parametrize("fmt", FORMATS)
def test_default_window_is_the_last_90_days(client, open311, fmt):
    now = timezone.now()
    recent = report(open311, at=now - timedelta(days=89))
    old = report(open311, at=now - timedelta(days=91))
    found = ids(get(client, "requests", fmt, schema_name="service_requests"))
    assert recent.number in found and old.number not in found


@pytest.mark.parametrize("fmt", FORMATS)
def test_at_most_the_configured_number_of_rows(client, open311, fmt, settings):
    settings.OPEN311_MAX_REQUESTS = 3
    made = [report(open311, description=f"垃圾{i}") for i in range(5)]
    rows = get(client, "requests", fmt, schema_name="service_requests")
    assert [r["service_request_id"] for r in rows] == [c.number for c in reversed(made)][:3]
    assert len(get(client, "requests", fmt, page_size="50")) == 3  # page_size cannot exceed the cap
    page2 = get(client, "requests", fmt, page="2", page_size="2")
    assert [r["service_request_id"] for r in page2] == [made[2].number, made[1].number]


@pytest.mark.parametrize("fmt", FORMATS)
def test_filters_take_comma_lists(client, open311, fmt):
    other_cat = CategoryFactory(kind=Category.Kind.EVENT, major_code="06", name="道路不洁")
    third_cat = CategoryFactory(kind=Category.Kind.EVENT, major_code="06", name="乱堆杂物")
    a = report(open311)
    b = report(open311, category=other_cat)
    c = report(open311, category=third_cat)
    closed = case_in(open311, Status.CLOSED)
    codes = f"{open311.event_cat.pk},{other_cat.pk}"
    assert ids(get(client, "requests", fmt, service_code=codes)) == {a.number, b.number, closed.number}
    assert ids(get(client, "requests", fmt, status="closed")) == {closed.number}
    assert ids(get(client, "requests", fmt, status="open")) == {a.number, b.number, c.number}
    assert ids(get(client, "requests", fmt, status="open,closed")) == {
        a.number,
        b.number,
        c.number,
        closed.number,
    }
    assert ids(get(client, "requests", fmt, service_code=codes, status="open")) == {a.number, b.number}
    assert ids(get(client, "requests", fmt, service_request_id=f"{a.number},{c.number}")) == {
        a.number,
        c.number,
    }


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_parameters_mean_absent(client, open311, fmt):
    report(open311)
    case_in(open311, Status.CLOSED)
    everything = get(client, "requests", fmt)
    empty = dict.fromkeys(
        ["service_request_id", "service_code", "start_date", "end_date", "status", "page", "page_size"], ""
    )
    assert get(client, "requests", fmt, **empty) == everything
    assert len(everything) == 2


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_request_id_overrides_every_other_filter(client, open311, fmt):
    now = timezone.now()
    old_closed = case_in(open311, Status.CLOSED)
    Case.objects.filter(pk=old_closed.pk).update(created_at=now - timedelta(days=400))
    other = report(open311)
    rows = get(
        client,
        "requests",
        fmt,
        schema_name="service_requests",
        service_request_id=old_closed.number,
        status="open",
        service_code=str(open311.component_cat.pk),
        start_date=(now - timedelta(days=1)).isoformat(),
        end_date=now.isoformat(),
    )
    assert ids(rows) == {old_closed.number}
    assert other.number not in ids(rows)


@pytest.mark.parametrize("fmt", FORMATS)
def test_start_and_end_date_need_a_zone_and_bound_the_window(client, open311, fmt):
    now = timezone.now()
    inside = report(open311, at=now - timedelta(days=10))
    before = report(open311, at=now - timedelta(days=30))
    start = (now - timedelta(days=20)).astimezone(timezone.get_current_timezone())
    found = ids(get(client, "requests", fmt, start_date=start.isoformat(timespec="seconds")))
    assert found == {inside.number}
    utc = (now - timedelta(days=40)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (now - timedelta(days=20)).isoformat()
    assert ids(get(client, "requests", fmt, start_date=utc, end_date=end)) == {before.number}
    # An unencoded "+08:00" arrives as " 08:00": still the same instant.
    raw = f"{BASE}/requests.{fmt}?start_date={start.isoformat(timespec='seconds')}"
    assert ids(parse(client.get(raw))[1]) == {inside.number}
    get(client, "requests", fmt, expect=400, start_date="2026-01-01T00:00:00")  # no zone
    get(client, "requests", fmt, expect=400, start_date="2026-01-01")
    get(client, "requests", fmt, expect=400, end_date="yesterday")
    get(client, "requests", fmt, expect=400, start_date=end, end_date=utc)  # end before start
    get(
        client,
        "requests",
        fmt,
        expect=400,
        start_date="2025-01-01T00:00:00Z",
        end_date="2025-06-01T00:00:00Z",
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_status_or_paging_is_400(client, open311, fmt):
    get(client, "requests", fmt, expect=400, status="pending")
    get(client, "requests", fmt, expect=400, page="0")
    get(client, "requests", fmt, expect=400, page_size="many")


@pytest.mark.parametrize("fmt", FORMATS)
def test_get_one_request_is_a_list_of_one(client, open311, fmt):
    case = report(open311)
    rows = get(client, f"requests/{case.number}", fmt, schema_name="service_requests")
    assert [r["service_request_id"] for r in rows] == [case.number]
    get(client, "requests/no-such-case", fmt, expect=404)


def test_xml_roots_follow_the_spec(client, open311):
    case = report(open311)
    roots = {
        "discovery": parse(client.get(f"{BASE}/discovery.xml"))[0],
        "services": parse(client.get(f"{BASE}/services.xml"))[0],
        "requests": parse(client.get(f"{BASE}/requests.xml"))[0],
        "request": parse(client.get(f"{BASE}/requests/{case.number}.xml"))[0],
        "error": parse(client.get(f"{BASE}/requests/nope.xml"))[0],
    }
    assert roots == {
        "discovery": "discovery",
        "services": "services",
        "requests": "service_requests",
        "request": "service_requests",
        "error": "errors",
    }
    body = client.get(f"{BASE}/requests.xml").content.decode()
    assert "<service_requests><request><service_request_id>" in body


@pytest.mark.parametrize("fmt", FORMATS)
def test_tokens_are_not_issued(client, open311, fmt):
    (error,) = get(client, "tokens/abc123", fmt, expect=404)
    assert "token" in error["description"]


def test_unknown_format_resource_and_method(client, open311):
    response = client.get(f"{BASE}/services.csv")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/xml")
    get(client, "nothing/here", "json", expect=404)
    response = client.delete(f"{BASE}/requests.json")
    assert response.status_code == 405 and "POST" in response["Allow"]


# ---------------------------------------------------------------- privacy and cost


def test_reporter_contact_never_appears_in_any_answer(client, open311):
    secrets = {
        "email": "secret.mailbox@example.org",
        "first_name": "秘密",
        "last_name": "欧阳",
        "phone": "13700009999",
    }
    answers = []
    for fmt in FORMATS:
        response = client.post(f"{BASE}/requests.{fmt}", post_fields(open311, **secrets))
        answers.append(response)
    hotline = services.case_report(
        actor=open311.p.hotline,
        category=open311.event_cat,
        lng=open311.inside[0],
        lat=open311.inside[1],
        description="来电反映垃圾",
        source="hotline_12345",
        hotline_ticket_no="T-PRIVACY",
        reporter_name="欧阳秘密",
        reporter_phone="13700009999",
    )
    numbers = [*Case.objects.values_list("number", flat=True)]
    for fmt in FORMATS:
        answers += [
            client.get(f"{BASE}/requests.{fmt}"),
            client.get(f"{BASE}/requests.{fmt}", {"service_request_id": ",".join(numbers)}),
            client.get(f"{BASE}/requests/{hotline.number}.{fmt}"),
            client.get(f"{BASE}/services.{fmt}"),
            client.get(f"{BASE}/discovery.{fmt}"),
        ]
        answers += [client.get(f"{BASE}/requests/{n}.{fmt}") for n in numbers]
    assert all(a.status_code == 200 for a in answers)
    for answer in answers:
        text = answer.content.decode()
        for secret in ("secret.mailbox", "13700009999", "欧阳", "秘密"):
            assert secret not in text


def test_get_requests_costs_the_same_for_100_rows_as_for_1(client, open311, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    report(open311, photos=[photo()])
    with CaptureQueriesContext(connection) as one:
        assert len(get(client, "requests", "json")) == 1
    for i in range(99):
        report(open311, description=f"垃圾{i}")
    dispatched = case_in(open311, Status.IN_PROGRESS)
    assert dispatched
    with django_assert_max_num_queries(len(one.captured_queries)):
        rows = get(client, "requests", "xml", schema_name="service_requests")
    assert len(rows) == 101
    assert len(one.captured_queries) <= 2
