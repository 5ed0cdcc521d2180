"""Hard edges (issue 17): inputs refused before they reach the services, with a JSON message, never a 5xx."""

import pytest
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
