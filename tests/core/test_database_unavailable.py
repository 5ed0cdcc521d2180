"""A request the database drops (a cut connection, a restarted server, a deadlock) answers 503 with
Retry-After and a message, never a bare 500; and the next request works again."""

from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CUT = OperationalError("server closed the connection unexpectedly")


@pytest.fixture
def supervisor(client):
    user = UserFactory(username="boss", roles=["supervisor"])
    client.force_login(user)
    return user


@pytest.mark.parametrize("error", [CUT, InterfaceError("connection already closed")])
def test_api_request_whose_connection_is_cut_gets_503_with_retry_after(client, supervisor, error):
    with mock.patch("cases.selectors.case_list", side_effect=error):
        response = client.get("/api/v1/cases/")
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert "数据库暂时不可用" in response.json()["detail"]
    # The outage is over: the same request succeeds.
    assert client.get("/api/v1/cases/").status_code == 200


def test_page_whose_connection_is_cut_gets_a_503_page(client, supervisor):
    with mock.patch("cases.web.lists.cases_visible_to", side_effect=CUT):
        response = client.get("/cases/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert "数据库暂时不可用" in response.content.decode()


def test_other_errors_are_not_disguised(client, supervisor):
    client.raise_request_exception = True
    with mock.patch("cases.selectors.case_list", side_effect=ValueError("a bug")):
        with pytest.raises(ValueError):
            client.get("/api/v1/cases/")
