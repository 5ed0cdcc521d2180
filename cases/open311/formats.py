"""Rendering GeoReport v2 answers as XML (required by the spec) or JSON (optional, offered).

Views build plain Python data: a list of dicts for a list resource, a dict for a single object. The
same data renders to both formats, so the two can never disagree. XML names each list's items by the
spec's element names (ITEM_NAMES); None becomes an empty element in XML and null in JSON.
"""

import json
from datetime import datetime
from xml.etree import ElementTree as ET

from django.http import HttpResponse
from django.utils import timezone

FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
DEFAULT_FORMAT = "xml"

# The element name of the items of each list, by the list's own element name.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


def w3c_datetime(value: datetime | None) -> str | None:
    """ISO 8601 with the zone, in the site's time zone (e.g. 2026-03-01T09:30:00+08:00)."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def render(data, fmt: str, *, root: str, status: int = 200, headers: dict | None = None) -> HttpResponse:
    """`data` as `fmt`; `root` names the XML root element (and, for a list, its items)."""
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    else:
        fmt = "xml"
        body = to_xml(data, root)
    response = HttpResponse(body, content_type=FORMATS[fmt], status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def to_xml(data, root: str) -> str:
    element = ET.Element(root)
    _fill(element, data)
    # The spec asks for the declaration with its encoding before the root element.
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(element, encoding="unicode")


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for name, child in value.items():
            _fill(ET.SubElement(element, name), child)
    elif isinstance(value, list | tuple):
        item_name = ITEM_NAMES.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, item_name), child)
    elif value is None:
        return
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif isinstance(value, datetime):
        element.text = w3c_datetime(value)
    else:
        element.text = str(value)


def errors(fmt: str, status: int, *descriptions: str, headers: dict | None = None) -> HttpResponse:
    """The spec's error answer: [{"code": …, "description": …}], in the requested format."""
    body = [{"code": status, "description": text} for text in descriptions]
    return render(
        body, fmt if fmt in FORMATS else DEFAULT_FORMAT, root="errors", status=status, headers=headers
    )
