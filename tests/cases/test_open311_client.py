"""Round trips over real HTTP against the live test server.

Reading goes through `georeport` (PyPI), an independent GeoReport v2 client that parses our XML with
xmltodict and our JSON with requests. georeport cannot create requests, so POST uses a minimal client
written here from the spec's text alone: form-encoded fields to requests.{format}, api_key included.
(`open311` 1.1 from PyPI does not import under Python 3: it uses Python 2 relative imports.)
"""

import json
import uuid
from xml.etree import ElementTree as ET

import pytest
import requests
from django.core.cache import cache
from georeport import GeoReport

from cases.models import ApiClient, Case
from cases.workflow import Status
from tests.cases.conftest import case_in
from tests.cases.test_open311_support import private_cache, validate


class SpecClient:
    """POST Service Request, exactly as GeoReport v2 describes it; nothing borrowed from our code."""

    def __init__(self, root: str, api_key: str):
        self.root, self.api_key = root.rstrip("/"), api_key

    def create(self, fmt: str, **fields) -> tuple[int, list[dict]]:
        response = requests.post(
            f"{self.root}/requests.{fmt}", data={"api_key": self.api_key, **fields}, timeout=10
        )
        if fmt == "json":
            return response.status_code, response.json()
        root = ET.fromstring(response.content)
        items = [{child.tag: child.text for child in item} for item in root]
        return response.status_code, items


@pytest.fixture
def live(fast_passwords, media_root, tx_world, live_server, monkeypatch, settings):
    # A kept-alive connection keeps a live-server thread, and its database session, past the test,
    # so the test database could not be dropped: every client request here says Connection: close.
    plain = requests.sessions.default_headers

    def closing_headers():
        headers = plain()
        headers["Connection"] = "close"
        return headers

    monkeypatch.setattr(requests.sessions, "default_headers", closing_headers)
    private_cache(settings)
    tx_world.app = ApiClient.objects.create(
        name="FixMyStreet", kind="open311", api_key=f"k-{uuid.uuid4().hex}"
    )
    tx_world.root = f"{live_server.url}/open311/v2"
    yield tx_world
    cache.clear()


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_round_trip_with_an_independent_client(live, fmt):
    reader = GeoReport(live.root, output_format=fmt)
    services = reader.get_service_list()
    if isinstance(services, dict):  # xmltodict gives a dict, not a list, for a single <service>
        services = [services]
    codes = {s["service_code"] for s in services}
    assert str(live.event_cat.pk) in codes and all(isinstance(code, str) for code in codes)
    definition = reader.get_service_definition(str(live.event_cat.pk))
    assert definition["service_code"] == str(live.event_cat.pk)

    lng, lat = live.inside
    status, answer = SpecClient(live.root, live.app.api_key).create(
        fmt,
        service_code=str(live.event_cat.pk),
        lat=str(lat),
        long=str(lng),
        description="路口有一堆建筑垃圾",
        email="someone@example.com",
    )
    assert status == 200, answer
    (created,) = answer
    if fmt == "json":
        validate(answer, "post")
    request_id = created["service_request_id"]
    assert Case.objects.get(number=request_id).status == Status.REPORTED

    one = reader.get_service_request(request_id)
    assert one["service_request_id"] == request_id
    assert one["status"] == "open"
    assert one["description"] == "路口有一堆建筑垃圾"
    assert "someone@example.com" not in json.dumps(one, ensure_ascii=False)

    closed = case_in(live, Status.CLOSED)
    listed = reader.get_service_requests(status="closed")
    if isinstance(listed, dict):
        listed = [listed]
    assert [r["service_request_id"] for r in listed] == [closed.number]
    both = reader.get_service_requests(service_request_id=f"{request_id},{closed.number}")
    assert {r["service_request_id"] for r in both} == {request_id, closed.number}


def test_refusals_reach_a_client_as_http_errors(live):
    reader = GeoReport(live.root, output_format="xml")
    with pytest.raises(requests.HTTPError) as caught:
        reader.get_service_request("no-such-request")
    assert caught.value.response.status_code == 404
    status, answer = SpecClient(live.root, "wrong-key").create("json", service_code=str(live.event_cat.pk))
    assert status == 403 and answer[0]["code"] == 403
