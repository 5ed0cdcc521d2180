"""The input fuzz corpus (issue 17), run against every write endpoint: each hostile value, put in each
field of a valid request (and a few hostile whole bodies), must answer 4xx and write nothing.

The corpus: deep nesting, a string over the body limit, NUL, a lone surrogate, NaN and ±Infinity,
numbers negative, huge and beyond float, and wrong types (lists, objects, booleans, text for numbers).
Each endpoint's fields are marked text or number, so a value is only tried where it is wrong (a
number is a fine description). The valid request itself is sent last and must succeed, so a refusal
is never the fixture's fault.
"""

import json
from dataclasses import dataclass

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases.models import Case, CaseEvent, HotlineTicket
from tests.cases.conftest import case_in
from tests.cases.test_hotline import make_clients, ticket_body
from tests.cases.test_open311_support import post_fields, with_open311_app

pytestmark = [pytest.mark.usefixtures("fast_passwords", "media_root")]


@dataclass(frozen=True)
class Raw:
    """JSON text put into the body as is (NaN, a lone surrogate escape, a number beyond float)."""

    text: str


HUGE = "长" * 2_000_001  # over API_MAX_JSON_BYTES whatever the field's own limit
DEEP = json.loads("[" * 40 + "]" * 40)
TEXT = {
    "nul": "a\x00b",
    "surrogate": Raw('"\\ud800 x"'),
    "huge": HUGE,
    "deep": DEEP,
    "list": ["a"],
    "object": {"a": 1},
    "bool": True,
}
NUMBER = {
    "nan": Raw("NaN"),
    "infinity": Raw("Infinity"),
    "-infinity": Raw("-Infinity"),
    "beyond_float": Raw("1" + "0" * 400),
    "float_overflow": Raw("1e400"),
    "negative": -1e300,
    "huge": 10**30,
    "text": "abc",
    "list": [1],
    "object": {"a": 1},
    "deep": DEEP,
}
BODIES = {
    "deep": "[" * 5000 + "]" * 5000,
    "nan": "NaN",
    "array": "[1, 2]",
    "number": "12",
    "truncated": '{"a": ',
    "surrogate_key": '{"\\udc00": 1}',
}


def _dump(body: dict) -> str:
    raws, plain = {}, {}
    for key, value in body.items():
        if isinstance(value, Raw):
            marker = f"__raw_{len(raws)}__"
            raws[f'"{marker}"'] = value.text
            value = marker
        plain[key] = value
    text = json.dumps(plain, ensure_ascii=False)
    for marker, raw in raws.items():
        text = text.replace(marker, raw)
    return text


@dataclass
class Endpoint:
    url: str
    body: dict
    text: tuple[str, ...]
    numbers: tuple[str, ...]
    client: APIClient
    ok: int


@pytest.fixture
def endpoints(world, settings):
    settings.HOTLINE_FALLBACK_CATEGORY = ""
    make_clients()
    operator, inspector, dispatcher = (APIClient(raise_request_exception=False) for _ in range(3))
    operator.force_authenticate(world.p.operator)
    inspector.force_authenticate(world.p.inspector)
    dispatcher.force_authenticate(world.p.dispatcher)
    hotline = APIClient(raise_request_exception=False, HTTP_X_API_KEY="key-12345")
    anyone = APIClient(raise_request_exception=False)
    world.p.operator.set_password("right-password")
    world.p.operator.save()
    parked = HotlineTicket.objects.create(
        channel="12345", ticket_no="P-1", received_at="2026-03-02T09:15:00+08:00", description="路灯不亮",
        address="无名路", category_hint=world.event_cat.code, state=HotlineTicket.State.NEEDS_LOCATION, raw={},
    )  # fmt: skip
    reported, waiting = case_in(world, "reported"), case_in(world, "pending_dispatch")
    lng, lat = world.inside
    body = ticket_body(world, ticket_no="F-1")
    return {
        "token": Endpoint(
            "/api/v1/auth/token/", {"username": "op", "password": "right-password"},
            ("username", "password"), (), anyone, 200,
        ),
        "report": Endpoint(
            "/api/v1/cases/",
            {"category": world.event_cat.pk, "lng": lng, "lat": lat, "description": "垃圾", "address": "友谊路",
             "note": "现场"},
            ("description", "address", "note"), ("category", "lng", "lat"), inspector, 201,
        ),
        "hotline": Endpoint(
            "/api/v1/hotline/tickets/", body,
            ("ticket_no", "caller_name", "caller_phone", "address", "category_hint", "description", "received_at"),
            ("lng", "lat"), hotline, 202,
        ),
        "locate": Endpoint(
            f"/api/v1/hotline/tickets/{parked.pk}/locate/", {"lng": lng, "lat": lat}, (), ("lng", "lat"),
            operator, 200,
        ),
        "accept": Endpoint(
            f"/api/v1/cases/{reported.pk}/actions/accept/", {"note": "受理"}, ("note",), (), operator, 200
        ),
        "dispatch": Endpoint(
            f"/api/v1/cases/{waiting.pk}/actions/dispatch/", {"department": world.office.pk, "note": "派遣"},
            ("note",), ("department",), dispatcher, 200,
        ),
    }  # fmt: skip


def _rows() -> tuple[int, ...]:
    return (
        Case.objects.count(),
        CaseEvent.objects.count(),
        HotlineTicket.objects.count(),
        Token.objects.count(),
    )


def _send(endpoint: Endpoint, text: str):
    return endpoint.client.generic("POST", endpoint.url, text, content_type="application/json")


def _cases(endpoints: dict[str, Endpoint]):
    for name, endpoint in endpoints.items():
        for field in endpoint.text:
            for kind, value in TEXT.items():
                yield f"{name}.{field}={kind}", endpoint, _dump({**endpoint.body, field: value})
        for field in endpoint.numbers:
            for kind, value in NUMBER.items():
                yield f"{name}.{field}={kind}", endpoint, _dump({**endpoint.body, field: value})
        for kind, text in BODIES.items():
            yield f"{name}<{kind}>", endpoint, text


@pytest.mark.postgres  # PostgreSQL is where NUL, surrogates and bigint overflow hurt
def test_every_write_endpoint_refuses_the_corpus_with_a_4xx_and_writes_nothing(world, endpoints):
    before = _rows()
    failures = []
    tried = 0
    for label, endpoint, text in _cases(endpoints):
        tried += 1
        response = _send(endpoint, text)
        if not 400 <= response.status_code < 500:
            failures.append((label, response.status_code, response.content[:160]))
        elif not response["Content-Type"].startswith("application/json"):
            failures.append((label, "not JSON", response["Content-Type"]))
        if _rows() != before:
            failures.append((label, "wrote rows", _rows(), before))
            before = _rows()
    assert not failures, f"{len(failures)} of {tried}: {failures[:20]}"
    assert tried > 200

    for name, endpoint in endpoints.items():  # the valid requests themselves pass: refusals were earned
        response = _send(endpoint, _dump(endpoint.body))
        assert response.status_code == endpoint.ok, (name, response.content[:300])


OPEN311_TEXT = {"nul": "a\x00b", "huge": "x" * 1_100_000, "long": "x" * 4001}
OPEN311_NUMBER = {
    "nan": "nan",
    "inf": "inf",
    "-inf": "-inf",
    "beyond": "1" + "0" * 400,
    "text": "abc",
    "neg": "-91",
}


@pytest.mark.postgres
def test_open311_post_refuses_the_corpus_with_a_4xx_and_writes_nothing(client, world, settings):
    open311 = with_open311_app(world, settings)
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "open311_key": "100000/min", "open311_ip": "100000/min"}
    before = _rows()
    failures = []
    base = post_fields(open311)
    trials = [
        (f, k, v)
        for f in (
            "description",
            "address_string",
            "first_name",
            "phone",
            "email",
            "media_url",
            "service_code",
            "api_key",
        )
        for k, v in OPEN311_TEXT.items()
    ]
    trials += [(f, k, v) for f in ("lat", "long") for k, v in OPEN311_NUMBER.items()]  # fmt: skip
    for field, kind, value in trials:
        if (
            field in ("first_name", "phone", "email", "media_url", "service_code", "api_key")
            and kind == "long"
        ):
            value = "x" * 2001
        response = client.post("/open311/v2/requests.json", {**base, field: value})
        if not 400 <= response.status_code < 500:
            failures.append((field, kind, response.status_code, response.content[:160]))
        if _rows() != before:
            failures.append((field, kind, "wrote rows"))
            before = _rows()
    assert not failures, failures
    assert client.post("/open311/v2/requests.json", base).status_code == 200
