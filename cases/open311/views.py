"""The GeoReport v2 resources (see the package docstring for the decisions behind the mapping).

Plain Django views: the format comes from the URL's extension, not from content negotiation, and the
answers are the spec's documents, so DRF's renderers and the OpenAPI schema have nothing to add.
Reads use one query per list (annotations, no N+1); the one write goes through cases.services.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db.models import F, OuterRef, Subquery
from django.http import HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from cases import apikeys, channels, services
from cases.errors import ActionError
from cases.intake import gazetteer
from cases.models import ApiClient, Case, CaseEvent, CasePhoto, RejectReason, Source, TimedStep
from cases.open311 import params
from cases.open311.formats import FORMATS, errors, render, w3c_datetime
from cases.workflow import OPEN, STATUS_LABELS, SYSTEM, TERMINAL, Action, Status
from core import security
from dispatch.models import Category, Step

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"


def _too_many_requests(request, wait: int) -> HttpResponse:
    """The spec's error document for a 429, in the format the path asks for (any limit, any view)."""
    return _throttled("json" if request.path.endswith(".json") else "xml", wait)


open311_view = security.answers_too_many_requests(_too_many_requests)

# Whose notes explain a status to the public: what the centre and the department decided. Not the
# reporter's own words (report), nor the approval ledger's internal reasoning (回退, 挂账, 作废).
PUBLIC_NOTE_ACTIONS = frozenset(
    {
        Action.VERIFY,
        Action.REJECT,
        Action.REFUSE_FILING,
        Action.FILE,
        Action.DISPATCH,
        Action.RESUME,
        Action.SUBMIT_FEEDBACK,
        Action.CHECK,
        Action.CLOSE,
        Action.REOPEN,
    }
)


def _format_or_error(fmt: str, request, methods: tuple[str, ...]) -> HttpResponse | None:
    if fmt not in FORMATS:
        return errors("xml", 404, f"format {fmt!r} is not offered: use xml or json")
    if request.method not in methods:
        response = errors(fmt, 405, f"method {request.method} is not allowed here")
        response["Allow"] = ", ".join(methods)
        return response
    return None


# ---------------------------------------------------------------- discovery and services


@open311_view
def discovery(request, fmt: str):
    if refused := _format_or_error(fmt, request, ("GET", "HEAD")):
        return refused
    endpoint = {
        "specification": SPECIFICATION,
        "url": request.build_absolute_uri(reverse("open311-root")).rstrip("/"),
        "changeset": settings.OPEN311_CHANGESET,
        "type": settings.OPEN311_ENDPOINT_TYPE,
        "formats": list(_MIME_TYPES),
    }
    data = {
        "changeset": settings.OPEN311_CHANGESET,
        "contact": settings.OPEN311_CONTACT,
        "key_service": settings.OPEN311_KEY_SERVICE,
        "endpoints": [endpoint],
    }
    return render(data, fmt, root="discovery")


_MIME_TYPES = ("text/xml", "application/json")


@open311_view
def service_list(request, fmt: str):
    if refused := _format_or_error(fmt, request, ("GET", "HEAD")):
        return refused
    categories = Category.objects.filter(is_active=True).order_by("kind", "code", "pk")
    return render([_service(c) for c in categories], fmt, root="services")


def _service(category: Category) -> dict:
    return {
        "service_code": str(category.pk),
        "service_name": category.name,
        "description": f"{category.get_kind_display()} {category.code} {category.name}（{category.standard}）",
        "metadata": False,  # no attributes beyond the standard fields
        "type": "realtime",  # a POST answers with the service_request_id at once
        "keywords": ", ".join(category.keywords.split()) or None,
        "group": category.major_name,
    }


@open311_view
def service_definition(request, code: str, fmt: str):
    if refused := _format_or_error(fmt, request, ("GET", "HEAD")):
        return refused
    if not _active_category(code):
        return errors(fmt, 404, f"service_code {code!r} not found")
    return render({"service_code": code, "attributes": []}, fmt, root="service_definition")


def _active_category(code: str) -> Category | None:
    if not code.isdigit():
        return None
    return Category.objects.filter(pk=int(code), is_active=True).first()


@open311_view
def token(request, token: str, fmt: str):
    # Requests are created synchronously: POST answers with the service_request_id, never a token.
    if refused := _format_or_error(fmt, request, ("GET", "HEAD")):
        return refused
    return errors(fmt, 404, f"token {token!r} not found: this endpoint issues service_request_id at once")


# ---------------------------------------------------------------- service requests


@open311_view
@csrf_exempt
def service_requests(request, fmt: str):
    if refused := _format_or_error(fmt, request, ("GET", "HEAD", "POST")):
        return refused
    if request.method == "POST":
        return _create(request, fmt)
    try:
        query = params.request_query(request.GET)
    except params.ParamError as exc:
        return errors(fmt, exc.status, exc.description)
    return render(_request_rows(request, query), fmt, root="service_requests")


@open311_view
def service_request(request, request_id: str, fmt: str):
    if refused := _format_or_error(fmt, request, ("GET", "HEAD")):
        return refused
    # A case number never holds U+0000, which PostgreSQL cannot even compare: not found, not a 500.
    found = _request_queryset().filter(number=request_id) if "\x00" not in request_id else []
    rows = [_request(request, case) for case in found]
    if not rows:
        return errors(fmt, 404, f"service_request_id {request_id!r} not found")
    return render(rows, fmt, root="service_requests")


def _request_queryset():
    state_changes = CaseEvent.objects.filter(case=OuterRef("pk")).exclude(to_status=F("from_status"))
    last_change = state_changes.order_by("-at", "-id")
    dispose = TimedStep.objects.filter(case=OuterRef("pk"), step=Step.DISPOSE).order_by(
        F("finished_at").desc(nulls_first=True), "-id"
    )
    first_photo = (
        CasePhoto.objects.filter(
            case=OuterRef("pk"), stage=CasePhoto.Stage.REPORT, processed_at__isnull=False
        )
        .exclude(image="")
        .order_by("created_at", "id")
    )
    return (
        Case.objects.select_related("department")
        .annotate(
            last_change_action=Subquery(last_change.values("action")[:1]),
            last_change_note=Subquery(last_change.values("note")[:1]),
            expected_at=Subquery(dispose.values("due_at")[:1]),
            first_photo=Subquery(first_photo.values("image")[:1]),
        )
        .order_by("-created_at", "-id")
    )


def _request_rows(request, query: params.RequestQuery) -> list[dict]:
    cases = _request_queryset()
    if query.ids:
        cases = cases.filter(number__in=query.ids)
    else:
        cases = cases.filter(created_at__gte=query.start, created_at__lte=query.end)
        if query.service_codes:
            ids = [int(code) for code in query.service_codes if code.isdigit()]
            cases = cases.filter(category_id__in=ids)
        if set(query.statuses) == {params.OPEN}:
            cases = cases.filter(status__in=[s.value for s in OPEN])
        elif set(query.statuses) == {params.CLOSED}:
            cases = cases.filter(status__in=[s.value for s in TERMINAL])
    return [_request(request, case) for case in cases[query.offset : query.offset + query.page_size]]


def _request(request, case: Case) -> dict:
    photo = None
    if case.first_photo:
        storage = CasePhoto._meta.get_field("image").storage
        photo = request.build_absolute_uri(storage.url(case.first_photo))
    # Reporter name, phone and email are deliberately absent: the public never sees them.
    return {
        "service_request_id": case.number,
        "status": "closed" if case.status in TERMINAL else "open",
        "status_notes": _status_notes(case),
        "service_name": case.category_name,
        "service_code": str(case.category_id),
        "description": _spec_text(case.description),
        "agency_responsible": case.department.name if case.department else None,
        "service_notice": None,
        "requested_datetime": w3c_datetime(case.created_at),
        "updated_datetime": w3c_datetime(case.updated_at),
        "expected_datetime": w3c_datetime(case.expected_at),
        "address": case.address or None,
        "lat": case.lat,
        "long": case.lng,
        "media_url": photo,
    }


# The spec's longest description. Every intake refuses longer ones now (2,000 through the API and the
# pages, OPEN311_MAX_DESCRIPTION here), but rows from before the limits may hold more.
SPEC_DESCRIPTION_MAX = 4000


def _spec_text(text: str) -> str:
    return text if len(text) <= SPEC_DESCRIPTION_MAX else text[: SPEC_DESCRIPTION_MAX - 1] + "…"


def _status_notes(case: Case) -> str:
    """The state in words (Open311 only knows open/closed), with the public reason for it, if any."""
    label = str(STATUS_LABELS[Status(case.status)])
    reason = ""
    if case.status == Status.REJECTED and case.reject_reason:
        reason = str(RejectReason(case.reject_reason).label)
    if case.last_change_action in PUBLIC_NOTE_ACTIONS and case.last_change_note:
        reason = "；".join(part for part in (reason, case.last_change_note.strip()) if part)
    return f"{label}：{reason}" if reason else label


# ---------------------------------------------------------------- POST requests


def _create(request, fmt: str):
    if wait := security.hit("open311_ip", security.client_ip(request) or "unknown"):
        return _throttled(fmt, wait)
    max_body = settings.OPEN311_MAX_BODY_BYTES
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return errors(fmt, 400, "Content-Length is not a number")
    if length > max_body:
        return errors(fmt, 413, f"request body is larger than {max_body} bytes")
    content_type = request.content_type or ""
    if content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return errors(fmt, 400, "send the fields form-encoded (application/x-www-form-urlencoded)")
    try:
        data = request.POST
    except (
        RequestDataTooBig,
        TooManyFieldsSent,
        MultiPartParserError,
        UnreadablePostError,
        UnicodeDecodeError,
    ):
        return errors(fmt, 400, "the request body could not be read as form fields")

    try:
        client = _client(params.optional(data, "api_key"))
    except params.ParamError as exc:
        return errors(fmt, exc.status, exc.description)
    if client is None:
        return errors(fmt, 403, "api_key is missing, unknown or disabled")
    if wait := security.hit("open311_key", str(client.pk)):
        return _throttled(fmt, wait)
    try:
        new = params.new_request(data)
    except params.ParamError as exc:
        return errors(fmt, exc.status, exc.description)
    category = _active_category(new.service_code)
    if category is None:  # the spec: 404 for a service_code not found
        return errors(fmt, 404, f"service_code {new.service_code!r} is not a service offered here")
    lng, lat = new.lng, new.lat
    if lat is None:
        found = gazetteer.locate_address(new.address)
        if found is None:
            return errors(fmt, 400, f"address_string {new.address!r} could not be located: send lat and long")
        lng, lat = found.lng, found.lat

    note = f"Open311 应用：{client.name}"
    if new.media_url:
        note += f"\nmedia_url: {new.media_url}"  # kept for staff; never fetched (no server-side requests)
    try:
        case = services.case_report(
            actor=SYSTEM,
            # An application linked to a channel in the admin (政民零距离's app, say) reports as that channel.
            source=(linked.code if (linked := channels.for_api_client(client.pk)) else Source.PUBLIC),
            category=category,
            lng=lng,
            lat=lat,
            description=new.description or category.name,
            address=new.address,
            reporter_name=new.reporter_name,
            reporter_phone=new.reporter_phone,
            reporter_email=new.reporter_email,
            note=note,
        )
    except ActionError as exc:
        return errors(fmt, 400, exc.message)
    notice = f"已收到，案件编号 {case.number}。监督员将到现场核实，属实后立案并派遣处置。"
    body = [{"service_request_id": case.number, "service_notice": notice, "account_id": None}]
    return render(body, fmt, root="service_requests")


def _client(api_key: str | None) -> ApiClient | None:
    return apikeys.client_for(api_key or "", kind=ApiClient.Kind.OPEN311)


def _throttled(fmt: str, wait: int) -> HttpResponse:
    return errors(
        fmt, 429, f"too many requests: try again in {wait} seconds", headers={"Retry-After": str(wait)}
    )


@open311_view
def not_found(request, path: str = ""):
    """Anything else under /open311/v2/: the spec's 404 body, in the format the path asks for."""
    fmt = "json" if path.endswith(".json") else "xml"
    return errors(fmt, 404, "no such Open311 resource")
