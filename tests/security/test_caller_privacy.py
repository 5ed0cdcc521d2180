"""Reporters' phone numbers reach only the roles that call them back (core/privacy.py): the hotline
agent and the operator. For every other role, and for the public, the digits appear nowhere.

The test plants one known number (and name) on a hotline case in progress at a department, on a closed
hotline case waiting for its 回访, on a public Open311 report and on a hotline ticket waiting for a
position, then walks every URL pattern of the site (tests/security/url_walk.py) as every role and as a
stranger: pages, the API (JSON), its schema, Open311 (XML and JSON), KPI reports and their CSV and
XLSX exports, notifications, the map layers, and the admin (every persona is staff here, so the
admin's case pages are walked for each role that may read cases). Each body is searched for the
digits; XLSX files are unzipped first.
"""

# The fixtures imported from tests/cases/conftest.py are used as test parameters by name.
# ruff: noqa: F811

import io
import zipfile

import pytest
from django.test import Client
from django.utils import timezone

from cases import services
from cases.models import Case, CaseEvent, CasePhoto, HotlineTicket, Notification, Source
from cases.web.queues import QUEUES
from cases.workflow import SYSTEM
from core.privacy import CALLER_CONTACT_ROLES
from core.roles import Role
from tests.cases.conftest import fast_passwords, hotline_report, media_root, photo, world  # noqa: F401
from tests.security.sec_support import OUTSIDE, body_text, private_cache, signed_in
from tests.security.url_walk import site_routes

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")

PHONE = "13912340987"
CALLER = "欧阳来电人"
TICKET_PHONE = "13712340986"
SECRETS = (PHONE, TICKET_PHONE, CALLER)
MUST_SEE = {role.value for role in CALLER_CONTACT_ROLES}
MUST_NOT_SEE = [role.value for role in Role if role.value not in MUST_SEE]


@pytest.fixture
def planted(world, settings):
    private_cache(settings)  # thousands of requests from one address: counters of this test's own
    s, p = services, world.p
    for user in vars(p).values():
        user.is_staff = True
        user.save(update_fields=["is_staff"])

    working = hotline_report(world, reporter_name=CALLER, reporter_phone=PHONE)
    working = s.case_send_verify(case=working, actor=p.operator)
    working = s.case_verify(case=working, actor=p.inspector, confirmed=True, photos=[photo()])
    working = s.case_file(case=working, actor=p.shift_leader)
    working = s.case_dispatch(case=working, actor=p.dispatcher, department=world.office)
    s.case_supervise(case=working, actor=p.supervisor, note="请尽快处置")

    closed = hotline_report(world, reporter_name=CALLER, reporter_phone=PHONE)
    closed = s.case_send_verify(case=closed, actor=p.operator)
    closed = s.case_verify(case=closed, actor=p.inspector, confirmed=True, photos=[photo()])
    closed = s.case_file(case=closed, actor=p.shift_leader)
    closed = s.case_dispatch(case=closed, actor=p.dispatcher, department=world.office)
    closed = s.case_submit_feedback(case=closed, actor=p.department, result="已清理", photos=[photo()])
    closed = s.case_check(case=closed, actor=p.inspector, passed=True, photos=[photo()])
    closed = s.case_close(case=closed, actor=p.shift_leader)

    lng, lat = world.inside
    public = services.case_report(
        actor=SYSTEM,
        source=Source.PUBLIC,
        category=world.event_cat,
        lng=lng,
        lat=lat,
        description="小区门口垃圾堆放",
        reporter_name=CALLER,
        reporter_phone=PHONE,
        reporter_email="caller@example.com",
        photos=[photo()],
    )
    ticket = HotlineTicket.objects.create(
        channel="12345",
        ticket_no="T-PRIVACY-1",
        received_at=timezone.now(),
        caller_name=CALLER,
        caller_phone=TICKET_PHONE,
        address="友谊路某小区",
        description="路灯不亮",
        state=HotlineTicket.State.NEEDS_LOCATION,
    )
    for user in vars(p).values():
        Notification.objects.create(user=user, case=working, kind="info", title=f"案件 {working.number}")
    return {"working": working, "closed": closed, "public": public, "ticket": ticket}


def _object_for(model, cases: dict):
    if model is Case:
        return cases["working"]
    if model is CaseEvent:
        return cases["working"].events.order_by("id").first()
    if model is CasePhoto:
        return cases["public"].photos.first()
    if model is HotlineTicket:
        return cases["ticket"]
    return model._default_manager.order_by("pk").first()


def _values(world, cases: dict, case: Case, user) -> dict:
    def pk(route):
        name = route.name or ""
        if "notification" in name:
            notice = Notification.objects.filter(user=user).first() if user else None
            return notice.pk if notice else 1
        if name.startswith("category"):
            return world.event_cat.pk
        if name.startswith("department"):
            return world.office.pk
        if name == "hotline-callback":
            return cases["closed"].pk
        if name == "hotline-ticket-locate":
            return cases["ticket"].pk
        return case.pk

    def object_id(route):
        model_admin = getattr(route.callback, "model_admin", None)
        if model_admin is None:
            return None  # the admin's view_on_site redirect: nothing of its own to show
        obj = _object_for(model_admin.model, cases)
        return obj.pk if obj is not None else None

    def code(route):
        text = route.text
        if "districts" in text:
            return world.street.district.code
        if "streets" in text:
            return world.street.code
        if "communities" in text:
            return world.community.code
        if "grids" in text:
            return world.grid.code
        if "services" in text:
            return str(world.event_cat.pk)
        return None

    photo_shot = cases["public"].photos.first()
    return {
        "pk": pk,
        "id": user.pk if user else 1,
        "case_pk": case.pk,
        "key": "accept",  # every queue is walked below
        "action": "callback",
        "action_name": "callback",
        "decision": "approve",
        "code": code,
        "format": lambda route: ".json" if "drf_format_suffix" in route.text else "json",
        "fmt": "json",
        "request_id": case.number,
        "token": "t",
        "path": photo_shot.thumbnail.name,
        "channel": "12345",
        "ticket_no": cases["ticket"].ticket_no,
        "cadence": "daily",
        "content_type_id": None,
        "object_id": object_id,
        "app_label": "cases",
        "url": None,
    }


def _urls(world, cases: dict, user) -> list[str]:
    urls: set[str] = set()
    for case in (cases["working"], cases["closed"], cases["public"]):
        values = _values(world, cases, case, user)
        for route in site_routes():
            url = route.url(values)
            if url:
                urls.add(url)
            if url and url.startswith("/open311/") and url.endswith(".json"):
                urls.add(url[: -len(".json")] + ".xml")
    day = timezone.localdate().isoformat()
    urls |= {f"/queues/{queue.key}/" for queue in QUEUES}
    urls |= {
        "/cases/?page_size=500",
        "/api/v1/cases/?page_size=500",
        "/api/v1/hotline/tickets/?page_size=500",
        f"/kpi/reports/?cadence=daily&date={day}",
        *(
            f"/api/v1/kpi/reports/{c}/?date={day}&format={f}"
            for c in ("daily", "monthly")
            for f in ("json", "csv", "xlsx")
        ),
        "/open311/v2/requests.xml",
        "/hotline/tickets/?q=",
        "/supervise/cases.geojson",
        "/inspector/tasks.geojson",
        f"/admin/cases/case/?q={cases['working'].number}",
    }
    return sorted(urls)


def _text(response) -> str:
    kind = response.get("Content-Type", "")
    if kind.startswith("image/"):
        return ""
    if "spreadsheetml" in kind:
        data = b"".join(response.streaming_content) if response.streaming else response.content
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            return "".join(book.read(name).decode("utf-8", "replace") for name in book.namelist())
    return body_text(response)


def _walk(world, cases, user) -> dict[str, str]:
    client = signed_in(user) if user else Client(REMOTE_ADDR=OUTSIDE)
    seen = {}
    for url in _urls(world, cases, user):
        response = client.get(url)
        seen[url] = (response.status_code, _text(response))
    return seen


def _leaks(seen: dict) -> list[str]:
    return [
        f"{url} ({status})"
        for url, (status, text) in seen.items()
        if any(secret in text for secret in SECRETS)
    ]


@pytest.mark.parametrize("role", [*MUST_NOT_SEE, "anonymous"])
def test_no_page_or_endpoint_shows_the_callers_phone(world, planted, role):
    user = None if role == "anonymous" else getattr(world.p, role)
    seen = _walk(world, planted, user)
    answered = [url for url, (status, _text) in seen.items() if status == 200]
    if user is not None:
        # The walk reached real content: the case pages, the API and the admin answered this role.
        assert len(answered) > 40, answered
        assert any(planted["working"].number in text for _s, text in seen.values())
    assert _leaks(seen) == []


@pytest.mark.parametrize("role", sorted(MUST_SEE))
def test_the_roles_that_call_back_do_see_it(world, planted, role):
    user = getattr(world.p, role)
    browser = signed_in(user)
    case = planted["working"]
    page = browser.get(f"/cases/{case.pk}/").content.decode()
    assert PHONE in page and CALLER in page
    detail = browser.get(f"/api/v1/cases/{case.pk}/").json()
    assert detail["caller"] == {"name": CALLER, "phone": PHONE, "earlier_calls": 0}  # repeat callers (#22.4)
    # … and still nowhere public: Open311, the KPI exports.
    seen = _walk(world, planted, user)
    public = {url: v for url, v in seen.items() if url.startswith(("/open311/", "/api/v1/kpi/", "/kpi/"))}
    assert public and _leaks(public) == []


def test_the_hotline_agent_sees_the_number_to_call_back(world, planted):
    page = signed_in(world.p.hotline).get("/hotline/callbacks/").content.decode()
    assert planted["closed"].number in page and PHONE in page


def test_the_operator_sees_the_caller_of_a_ticket_waiting_for_a_position(world, planted):
    tickets = signed_in(world.p.operator).get("/api/v1/hotline/tickets/").json()["results"]
    (row,) = [t for t in tickets if t["ticket_no"] == "T-PRIVACY-1"]
    assert (row["caller_name"], row["caller_phone"]) == (CALLER, TICKET_PHONE)
    # The same queue for a shift leader: the ticket, without the caller.
    tickets = signed_in(world.p.shift_leader).get("/api/v1/hotline/tickets/").json()["results"]
    (row,) = [t for t in tickets if t["ticket_no"] == "T-PRIVACY-1"]
    assert (row["caller_name"], row["caller_phone"]) == ("", "")


def test_the_policy_is_the_hotline_and_the_operator():
    assert MUST_SEE == {"hotline", "operator"}
