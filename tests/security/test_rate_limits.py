"""Rate limits on what is reachable without signing in (core/security.py): over the limit an
anonymous caller gets 429 with Retry-After, in the shape that endpoint speaks; signed-in staff, token
and API-key clients are never counted; each address has its own count."""

# The fixtures imported from tests/cases/conftest.py are used as test parameters by name.
# ruff: noqa: F811

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from cases.models import ApiClient, CasePhoto
from tests.cases.conftest import fast_passwords, media_root, photo, report, world  # noqa: F401
from tests.security.sec_support import OUTSIDE, PASSWORD, private_cache, signed_in

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root", "low_limits")

LIMIT = 3


@pytest.fixture
def low_limits(settings):
    private_cache(settings)
    # Sign-in has a bucket of its own (issue 17.6), at the same limit here.
    settings.RATE_LIMITS = {
        "anon": f"{LIMIT}/min",
        "login": f"{LIMIT}/min",
        "schema": "2/min",
        "login_failures": "3/hour",
    }


def _photo_url(world) -> str:
    case = report(world, photos=[photo()])
    return "/media/" + CasePhoto.objects.get(case=case).image.name


# (path, what the 429 looks like)
PUBLIC = [
    ("/open311/v2/discovery.xml", "open311-xml"),
    ("/open311/v2/services.json", "open311-json"),
    ("/open311/v2/requests.json", "open311-json"),
    ("/healthz?live=1", "json"),
    ("/login/", "text"),
    ("/map/grids.geojson", "json"),
    ("/api/docs/", "html"),
    ("/api/v1/auth/token/", "json"),  # a GET here is 405, and counted all the same
    ("photo", "text"),
]
# Not listed: the API's other endpoints answer a stranger 401 before any throttle runs (DRF checks
# permissions first), without touching the database.


@pytest.mark.parametrize(("path", "shape"), PUBLIC, ids=[p for p, _s in PUBLIC])
def test_anonymous_callers_are_limited_with_retry_after(world, path, shape):
    if path == "photo":
        path = _photo_url(world)
    client = Client(REMOTE_ADDR=OUTSIDE, HTTP_ACCEPT="text/html" if shape == "text" else "*/*")
    before = [client.get(path).status_code for _ in range(LIMIT)]
    assert 429 not in before, before
    refused = client.get(path)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    if shape == "open311-xml":
        assert b"<errors>" in refused.content and b"<code>429</code>" in refused.content
    elif shape == "open311-json":
        assert refused.json()[0]["code"] == 429
    elif shape == "json":
        assert "retry_after" in refused.json() or "detail" in refused.json()
    elif shape == "html":
        assert refused["Content-Type"].startswith("text/html")
    else:
        assert "请求过于频繁" in refused.content.decode()


def test_the_api_schema_has_a_tighter_limit_of_its_own(db):
    client = Client(REMOTE_ADDR=OUTSIDE)
    assert [client.get("/api/schema/").status_code for _ in range(2)] == [200, 200]
    refused = client.get("/api/schema/")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert client.get("/open311/v2/services.json").status_code == 200  # other endpoints: their own count


def test_each_address_is_counted_on_its_own(world):
    one, other = Client(REMOTE_ADDR=OUTSIDE), Client(REMOTE_ADDR="198.51.100.20")
    for _ in range(LIMIT):
        one.get("/open311/v2/discovery.json")
    assert one.get("/open311/v2/discovery.json").status_code == 429
    assert other.get("/open311/v2/discovery.json").status_code == 200


def test_behind_trusted_proxies_the_forwarded_address_counts_and_a_forged_one_does_not(settings):
    settings.TRUSTED_PROXIES = 1
    proxy = "10.0.0.2"
    visitor = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.30")
    for _ in range(LIMIT):
        visitor.get("/open311/v2/discovery.json")
    assert visitor.get("/open311/v2/discovery.json").status_code == 429
    # Another visitor behind the same proxy is not refused …
    assert (
        Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.31")
        .get("/open311/v2/discovery.json")
        .status_code
        == 200
    )
    # … and the first cannot escape by putting another address in front of what the proxy appended.
    forged = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.30")
    assert forged.get("/open311/v2/discovery.json").status_code == 429


def test_signed_in_staff_are_never_limited(world):
    browser = signed_in(world.p.operator)
    paths = [
        "/open311/v2/discovery.json",
        "/healthz?live=1",
        "/",
        "/queues/accept/",
        "/api/v1/cases/",
        "/api/schema/",
    ]
    statuses = {path: {browser.get(path).status_code for _ in range(LIMIT * 4)} for path in paths}
    assert all(429 not in seen for seen in statuses.values()), statuses


def test_token_clients_are_never_limited(api, world):
    token = Token.objects.create(user=world.p.dispatcher)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    statuses = {api.get("/api/v1/cases/", REMOTE_ADDR=OUTSIDE).status_code for _ in range(LIMIT * 4)}
    statuses |= {api.get("/api/schema/", REMOTE_ADDR=OUTSIDE).status_code for _ in range(4)}
    assert statuses == {200}


def test_hotline_systems_with_an_api_key_are_never_limited(api, world):
    ApiClient.objects.create(
        name="12345 热线", kind=ApiClient.Kind.HOTLINE, channel="12345", api_key="hotline-key"
    )
    statuses = {
        api.get(
            "/api/v1/hotline/tickets/12345/NOPE/", HTTP_X_API_KEY="hotline-key", REMOTE_ADDR=OUTSIDE
        ).status_code
        for _ in range(LIMIT * 4)
    }
    assert statuses == {404}  # the ticket does not exist: answered every time, never throttled


def test_failed_sign_ins_are_limited_per_address_whatever_the_username(world):
    """Password spraying: one password against many accounts stays under each account's lock-out, so
    the failures of one address are counted across usernames as well."""
    client = Client(REMOTE_ADDR=OUTSIDE, HTTP_ACCEPT="text/html")
    for who in ("op", "disp", "lead"):
        assert client.post("/login/", {"username": who, "password": "summer2026"}).status_code == 200
    refused = client.post("/login/", {"username": "hot", "password": PASSWORD})  # even the right one
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert "_auth_user_id" not in client.session
    token = Client(REMOTE_ADDR=OUTSIDE).post("/api/v1/auth/token/", {"username": "hot", "password": PASSWORD})
    assert token.status_code == 429
    # Another address signs in as usual.
    desk = Client(REMOTE_ADDR="198.51.100.40")
    assert desk.post("/login/", {"username": "hot", "password": PASSWORD}).status_code == 302


def test_successful_sign_ins_are_not_failures(world, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "anon": "100/min", "login": "100/min"}
    desk = Client(REMOTE_ADDR=OUTSIDE)
    for _ in range(5):  # more than the 3 failures allowed per address
        assert desk.post("/login/", {"username": "hot", "password": PASSWORD}).status_code == 302
        desk.post("/logout/")


def test_with_the_cache_down_requests_are_served(settings):
    # Fail open: a dead Redis must not take the public endpoints (or /healthz's report of it) down.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    client = Client(REMOTE_ADDR=OUTSIDE)
    assert {client.get("/open311/v2/discovery.json").status_code for _ in range(LIMIT + 2)} == {200}


def test_a_wrong_rate_in_the_environment_stops_start_up(settings):
    from django.core.exceptions import ImproperlyConfigured

    from core.security import PublicRateLimitMiddleware

    settings.RATE_LIMITS = {"anon": "lots", "schema": "2/min", "login_failures": "3/hour"}
    with pytest.raises(ImproperlyConfigured, match="RATE_LIMITS\\['anon'\\]"):
        PublicRateLimitMiddleware(lambda request: None)
