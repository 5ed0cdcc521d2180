"""Shared pieces of the Open311 conformance tests, written from the GeoReport v2 text, not from our code.

`read_xml` turns an XML answer into the shape of the JSON answer (lists by the spec's list elements,
booleans and numbers where the spec says so), so one set of JSON Schemas checks both formats.
"""

import json
import uuid
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
from django.core.cache import cache

from cases.models import ApiClient

SCHEMAS = Path(__file__).resolve().parent.parent / "fixtures" / "open311"
BASE = "/open311/v2"

# Elements whose children are a list, per the spec's examples.
LIST_ELEMENTS = {"services", "service_requests", "errors", "attributes", "values", "endpoints", "formats"}
BOOLEANS = {"metadata", "variable", "required"}
NUMBERS = {"lat", "long"}
INTEGERS = {"order", "code"}  # "code" is an integer only inside <error>

# Which schema checks which answer.
SCHEMA_FOR = {
    "discovery": "discovery.json",
    "services": "services.json",
    "service_definition": "service_definition.json",
    "service_requests": "service_requests.json",
    "post": "post_service_request.json",
    "errors": "errors.json",
}


def schema(name: str) -> dict:
    return json.loads((SCHEMAS / SCHEMA_FOR[name]).read_text(encoding="utf-8"))


def validate(data, name: str) -> None:
    jsonschema.validate(data, schema(name))


def read_xml(text: str):
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>'), "the spec asks for the XML declaration"
    root = ET.fromstring(text.encode("utf-8"))
    return root.tag, _convert(root, parent=None)


def _convert(element: ET.Element, parent: str | None):
    children = list(element)
    if element.tag in LIST_ELEMENTS:
        return [_convert(child, element.tag) for child in children]
    if children:
        return {child.tag: _convert(child, element.tag) for child in children}
    text = element.text
    if text is None or text == "":
        return None
    if element.tag in BOOLEANS:
        assert text in ("true", "false"), f"<{element.tag}> must be true or false, got {text!r}"
        return text == "true"
    if element.tag in NUMBERS:
        return float(text)
    if element.tag in INTEGERS and (element.tag != "code" or parent == "error"):
        return int(text)
    return text


def parse(response):
    """(root element name or None, data) of an Open311 answer in either format."""
    content_type = response["Content-Type"]
    text = response.content.decode("utf-8")
    if content_type.startswith("application/json"):
        return None, json.loads(text)
    assert content_type.startswith("text/xml"), content_type
    return read_xml(text)


def get(client, path: str, fmt: str, *, expect: int = 200, schema_name: str | None = None, **query):
    response = client.get(f"{BASE}/{path}.{fmt}", query)
    return check(response, fmt, expect=expect, schema_name=schema_name)


def post(client, fmt: str, data: dict, *, expect: int = 200, **extra):
    response = client.post(f"{BASE}/requests.{fmt}", data, **extra)
    return check(response, fmt, expect=expect, schema_name="post" if expect == 200 else None)


def check(response, fmt: str, *, expect: int, schema_name: str | None = None):
    assert response.status_code == expect, response.content.decode("utf-8", "replace")[:500]
    expected_type = "application/json" if fmt == "json" else "text/xml"
    assert response["Content-Type"].startswith(expected_type)
    assert "charset=utf-8" in response["Content-Type"]
    root, data = parse(response)
    if expect >= 400:
        validate(data, "errors")
        assert all(error["code"] == expect for error in data)
        if root is not None:
            assert root == "errors"
    elif schema_name:
        validate(data, schema_name)
    return data


def private_cache(settings) -> None:
    """Throttle counters in a cache of this test's own: clearing it never touches a shared Redis."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"open311-{uuid.uuid4().hex}",
        }
    }
    cache.clear()


def with_open311_app(world, settings):
    """The world plus an Open311 app's API key, with throttle counters of its own (for a fixture)."""
    private_cache(settings)
    world.app = ApiClient.objects.create(
        name="随手拍 App", kind=ApiClient.Kind.OPEN311, api_key=f"key-{uuid.uuid4().hex}"
    )
    return world


def post_fields(world, **overrides) -> dict:
    lng, lat = world.inside
    fields = {
        "api_key": world.app.api_key,
        "service_code": str(world.event_cat.pk),
        "lat": f"{lat}",
        "long": f"{lng}",
        "address_string": "友谊路 12 号门前",
        "description": "人行道上堆了很多垃圾",
        "email": "reporter@example.com",
        "first_name": "三",
        "last_name": "张",
        "phone": "13912345678",
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}
