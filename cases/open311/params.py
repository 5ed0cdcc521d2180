"""Parsing and checking what a client sends, by the spec's rules; a problem is a ParamError (400).

Throughout, an empty optional parameter means the same as an absent one (`?status=&service_code=`).
"""

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils import timezone

from cases.models import Case

OPEN, CLOSED = "open", "closed"


class ParamError(Exception):
    """Bad input: answered 400 (or `status`) with `description` in the spec's error body."""

    def __init__(self, description: str, status: int = 400):
        super().__init__(description)
        self.description = description
        self.status = status


def optional(data, name: str) -> str | None:
    value = (data.get(name) or "").strip()
    if "\x00" in value:  # PostgreSQL cannot store or even compare it: a 500 unless refused here
        raise ParamError(f"{name} contains a null character (U+0000)")
    return value or None


def comma_list(data, name: str) -> list[str]:
    value = optional(data, name)
    if value is None:
        return []
    return [item.strip() for item in value.split(",") if item.strip()]


# A "+" in an unencoded query string arrives as a space: "2026-01-01T00:00:00 08:00".
_SPACE_FOR_PLUS = re.compile(r" (\d{2}:?\d{2})$")


def zoned_datetime(data, name: str) -> datetime | None:
    raw = optional(data, name)
    if raw is None:
        return None
    text = _SPACE_FOR_PLUS.sub(r"+\1", raw)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ParamError(f"{name}={raw!r} is not a W3C date-time (e.g. 2026-01-01T00:00:00+08:00)") from None
    if value.tzinfo is None or "T" not in text:
        raise ParamError(f"{name}={raw!r} must be a date-time with its time zone (Z or ±HH:MM)")
    return value


# ---------------------------------------------------------------- GET requests


@dataclass(frozen=True)
class RequestQuery:
    ids: list[str]
    service_codes: list[str]
    statuses: list[str]
    start: datetime | None
    end: datetime | None
    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


def request_query(data, *, now: datetime | None = None) -> RequestQuery:
    """The filters of GET requests. A service_request_id list overrides every other filter."""
    max_rows = settings.OPEN311_MAX_REQUESTS
    page = _positive_int(data, "page", 1)
    page_size = min(_positive_int(data, "page_size", max_rows), max_rows)
    ids = comma_list(data, "service_request_id")
    if ids:
        if len(ids) > max_rows:
            raise ParamError(f"service_request_id lists at most {max_rows} ids")
        return RequestQuery(ids, [], [], None, None, page, page_size)

    statuses = [s.lower() for s in comma_list(data, "status")]
    if unknown := [s for s in statuses if s not in (OPEN, CLOSED)]:
        raise ParamError(f"status {', '.join(unknown)} is not one of open, closed")
    start, end = zoned_datetime(data, "start_date"), zoned_datetime(data, "end_date")
    window = timedelta(days=settings.OPEN311_WINDOW_DAYS)
    # The spec's window: the most recent 90 days by default, and no query spans more than that.
    if start is None and end is None:
        end = now or timezone.now()
        start = end - window
    elif start is None:
        start = end - window
    elif end is None:
        end = start + window
    if end < start:
        raise ParamError("end_date is before start_date")
    if end - start > window:
        raise ParamError(f"start_date to end_date spans more than {settings.OPEN311_WINDOW_DAYS} days")
    return RequestQuery([], comma_list(data, "service_code"), statuses, start, end, page, page_size)


# Far beyond any real page, and small enough that page × page_size stays a valid SQL OFFSET (bigint).
MAX_PAGE = 1_000_000


def _positive_int(data, name: str, default: int) -> int:
    raw = optional(data, name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ParamError(f"{name}={raw!r} is not a positive whole number")
    if int(raw) > MAX_PAGE:
        raise ParamError(f"{name}={raw!r} is larger than {MAX_PAGE}")
    return int(raw)


# ---------------------------------------------------------------- POST requests


@dataclass(frozen=True)
class NewRequest:
    service_code: str
    lat: float | None  # None: locate by `address` (address_string)
    lng: float | None
    description: str
    address: str
    reporter_name: str
    reporter_phone: str
    reporter_email: str
    media_url: str


_email = EmailValidator()
_url = URLValidator(schemes=["http", "https"])


def new_request(data) -> NewRequest:
    """The fields of POST requests, checked before anything is written."""
    service_code = optional(data, "service_code")
    if service_code is None:
        raise ParamError("service_code is required")
    lat, lng = _coordinate(data, "lat", 90), _coordinate(data, "long", 180)
    if (lat is None) != (lng is None):
        raise ParamError("lat and long are required together")
    if lat is None and not optional(data, "address_string"):
        # The spec's three ways to locate: lat/long, address_string (placed by the gazetteer, as
        # hotline addresses are), or address_id (an id in a city's address register: we keep none).
        if optional(data, "address_id"):
            raise ParamError("address_id cannot be resolved here: send lat and long, or address_string")
        raise ParamError("a location is required: lat and long, or address_string")

    description = optional(data, "description") or ""
    max_description = settings.OPEN311_MAX_DESCRIPTION
    if len(description) > max_description:
        raise ParamError(f"description is longer than {max_description} characters")
    address = _text(data, "address_string", Case._meta.get_field("address").max_length)
    name = _person_name(optional(data, "first_name") or "", optional(data, "last_name") or "")
    if len(name) > Case._meta.get_field("reporter_name").max_length:
        raise ParamError("first_name and last_name are too long")
    phone = _text(data, "phone", Case._meta.get_field("reporter_phone").max_length)
    email = _text(data, "email", Case._meta.get_field("reporter_email").max_length)
    if email:
        try:
            _email(email)
        except ValidationError:
            raise ParamError("email is not a valid e-mail address") from None
    media_url = _text(data, "media_url", 2000)
    if media_url:
        try:
            _url(media_url)
        except ValidationError:
            raise ParamError("media_url is not an http(s) URL") from None
    return NewRequest(service_code, lat, lng, description, address, name, phone, email, media_url)


def _coordinate(data, name: str, bound: float) -> float | None:
    raw = optional(data, name)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ParamError(f"{name}={raw[:40]!r} is not a number") from None
    if not math.isfinite(value) or abs(value) > bound:
        raise ParamError(f"{name}={raw[:40]!r} is not a WGS84 coordinate")
    return value


def _text(data, name: str, max_length: int) -> str:
    value = optional(data, name) or ""
    if len(value) > max_length:
        raise ParamError(f"{name} is longer than {max_length} characters")
    return value


def _person_name(first: str, last: str) -> str:
    # Chinese names read family name first, without a space; others "first last".
    if any("\u4e00" <= ch <= "\u9fff" for ch in first + last):
        return f"{last}{first}"
    return " ".join(part for part in (first, last) if part)
