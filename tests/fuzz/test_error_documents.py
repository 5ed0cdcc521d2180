"""Every API error is JSON with a message (issue 17): 400 401 403 404 405 413 415 429 500 503.

Each is provoked the way a client meets it, and the answer must be application/json with a non-empty
`detail` (or, for a 400 that names fields, the field's messages).
"""

import pytest
from django.db import OperationalError
from rest_framework.test import APIClient

from core.api import TokenView
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")


@pytest.fixture
def anyone():
    return APIClient(raise_request_exception=False)


@pytest.fixture
def inspector(world):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(world.p.inspector)
    return client


def _detail(response, status: int) -> str:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail.strip()
    return detail


def test_400_malformed_json(world, anyone):
    response = anyone.generic("POST", "/api/v1/auth/token/", "{", content_type="application/json")
    assert "JSON" in _detail(response, 400)


def test_400_a_suspicious_request_outside_a_view(world, anyone, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
    body = "&".join(f"f{i}=x" for i in range(10))
    response = anyone.generic(
        "POST", "/api/v1/auth/token/", body, content_type="application/x-www-form-urlencoded"
    )
    _detail(response, 400)


def test_401_no_credentials(world, anyone):
    _detail(anyone.get("/api/v1/cases/"), 401)


def test_403_the_wrong_role(world, inspector):
    _detail(inspector.get("/api/v1/hotline/tickets/"), 403)


def test_404_no_such_address(world, inspector):
    _detail(inspector.get("/api/v1/no-such-thing/"), 404)


def test_405_the_wrong_method(world, anyone):
    _detail(anyone.get("/api/v1/auth/token/"), 405)


def test_413_a_json_body_over_the_limit(world, anyone, settings):
    settings.API_MAX_JSON_BYTES = 1000
    response = anyone.post("/api/v1/auth/token/", {"username": "u" * 2000, "password": "x"}, format="json")
    assert "1000" in _detail(response, 413)
    assert response.json()["max_bytes"] == 1000


def test_413_any_other_body_over_its_limit(world, inspector, settings):
    settings.API_MAX_BODY_BYTES = 1000
    response = inspector.post("/api/v1/cases/", {"description": "x" * 2000}, format="multipart")
    _detail(response, 413)


def test_a_body_at_the_limit_is_read(world, anyone, settings):
    body = '{"username": "u", "password": "x"}'
    settings.API_MAX_JSON_BYTES = len(body)
    response = anyone.generic("POST", "/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code == 400 and "non_field_errors" in response.json()  # the wrong password


def test_415_an_unsupported_media_type(world, anyone):
    response = anyone.generic("POST", "/api/v1/auth/token/", "u=x", content_type="text/plain")
    _detail(response, 415)


def test_429_too_many_requests(world, anyone, settings):
    from tests.security.sec_support import private_cache

    private_cache(settings)  # a bucket of this test's own: earlier requests in this minute must not count
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "anon": "1/min"}
    assert anyone.get("/api/v1/").status_code == 200  # the public root, in the anonymous bucket
    response = anyone.get("/api/v1/")
    _detail(response, 429)
    assert response["Retry-After"]


def test_500_an_unhandled_error(world, anyone, monkeypatch):
    def broken(self, request):
        raise RuntimeError("boom")

    monkeypatch.setattr(TokenView, "post", broken)
    response = anyone.post("/api/v1/auth/token/", {"username": "u", "password": "x"}, format="json")
    _detail(response, 500)
    assert response.json()["request_id"]
    assert "boom" not in response.content.decode()


def test_503_the_database_dropped_the_request(world, inspector, monkeypatch):
    from cases import selectors

    def cut(user):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(selectors, "case_list", cut)
    response = inspector.get("/api/v1/cases/")
    _detail(response, 503)


def test_pages_keep_their_html_error_pages(world):
    from django.test import Client

    response = Client(raise_request_exception=False).get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_a_staff_user_sees_json_too(world):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(UserFactory(roles=["admin"]))
    _detail(client.post("/api/v1/grids/"), 405)


def test_the_schema_documents_413_wherever_a_body_is_taken(world):
    client = APIClient()
    client.force_authenticate(UserFactory(roles=["admin"]))
    paths = client.get("/api/schema/?format=json").json()["paths"]

    assert "413" in paths["/api/v1/cases/"]["post"]["responses"]
    assert "413" in paths["/api/v1/hotline/tickets/"]["post"]["responses"]
    assert "413" not in paths["/api/v1/cases/"]["get"]["responses"]
