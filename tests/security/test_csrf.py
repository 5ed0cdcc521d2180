"""CSRF: every view of the site refuses a POST without the token from a signed-in browser, and the
only views exempt from Django's check are exempt on purpose.

The walk goes over every URL pattern of the root URLconf (tests/security/url_walk.py), so a page added
later is covered without being listed here. Deliberately exempt:

- DRF views: DRF exempts them from Django's middleware and enforces CSRF itself in
  SessionAuthentication, i.e. exactly when the caller is a browser session. Token and API-key clients
  send no cookies, so there is nothing to forge. Tested below: a session POST without the token is 403.
- Open311 POST requests.{fmt}: a public API authenticated by its api_key field, never by a cookie; it
  acts as the system, not as whoever happens to be signed in.
- the hotline API's 404 for a ticket id that is not a number: it reads and changes nothing.
"""

# The fixtures imported from tests/cases/conftest.py are used as test parameters by name.
# ruff: noqa: F811

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import Resolver404, resolve

from cases.models import Notification
from cases.web.queues import QUEUES
from tests.cases.conftest import case_in, fast_passwords, media_root, report, world  # noqa: F401
from tests.security.sec_support import OUTSIDE, private_cache, signed_in
from tests.security.url_walk import is_drf, site_routes

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")

DELIBERATELY_EXEMPT = {
    "cases.open311.views.service_requests",
    # A fixed 404 for a ticket id that is not a number: reads nothing, changes nothing.
    "cases.intake.urls.no_such_ticket",
}
# DRF views that take no session, so a cookie cannot act for anyone there: signing in for a token.
# The 12345 centre's messages: its API key and a signature of the body only, never a session.
DRF_WITHOUT_SESSION = {"core.api.TokenView", "cases.intake.api.HotlineMessageView"}


def _first_choice(route, name: str, default: str) -> str:
    """The first alternative of a `(?P<name>a|b|…)` group in the route's pattern, else `default`."""
    found = re.search(rf"\(\?P<{name}>([a-z_]+)[|)]", route.text)
    return found.group(1) if found else default


ANY_VALUES = {
    # A number, except where a route exists for what is *not* a number (after the <int:pk> one).
    "pk": lambda route: "x" if "<str:pk>" in route.text else 1,
    "id": 1,
    "case_pk": 1,
    "key": "accept",
    # Routes that spell out their verbs (enforcement/urls.py, api_urls.py) take their first one.
    "action": lambda route: _first_choice(route, "action", "accept"),
    "action_name": "accept",
    "decision": lambda route: _first_choice(route, "decision", "approve"),
    "number": 1,  # a 考核 revision's number (kpi/web/periods.py)
    "code": "12010300100100001",
    # DRF's optional suffix converter wants the dot; other `format`/`fmt` parameters only the name.
    "format": lambda route: ".json" if "drf_format_suffix" in route.text else "json",
    "fmt": "json",
    "request_id": "X1",
    "token": "t",
    "path": "x.jpg",
    "channel": "12345",
    "ticket_no": "T1",
    "cadence": "daily",
    "content_type_id": "1",
    "object_id": "1",
    "app_label": "core",
    "url": "nothing/",
}


def _routes_with_urls(values: dict):
    """(route, url) for every route a URL reaches, and the routes no URL reaches.

    A route shadowed by an earlier one with the same view (each DRF router adds its own api-root at
    /api/v1/) is unreachable by construction and counts as neither.
    """
    routes, missing = [], []
    for route in site_routes():
        url = route.url(values)
        if url:
            routes.append((route, url))
            continue
        raw = route.url(values, check=False)
        try:
            reached = resolve(raw.split("?")[0]) if raw else None
        except Resolver404:
            reached = None
        shadowed = reached is not None and getattr(reached.func, "cls", None) is route.view_class is not None
        if not shadowed:
            missing.append(route.text)
    return routes, missing


def test_every_route_gets_a_url():
    # Guards the walk itself: a route it cannot reach would silently escape every check below.
    _routes, missing = _routes_with_urls(ANY_VALUES)
    assert not missing


def test_only_the_deliberate_views_are_csrf_exempt():
    exempt = {
        route.dotted
        for route in site_routes()
        if getattr(route.callback, "csrf_exempt", False) and not is_drf(route)
    }
    assert exempt == DELIBERATELY_EXEMPT
    drf_without_session = set()
    for route in site_routes():
        if is_drf(route):
            from rest_framework.authentication import SessionAuthentication

            classes = route.view_class.authentication_classes
            if not any(issubclass(c, SessionAuthentication) for c in classes):
                drf_without_session.add(route.dotted)
    assert drf_without_session == DRF_WITHOUT_SESSION


def test_a_post_without_the_token_is_403_on_every_view(world, settings):
    private_cache(settings)  # many requests from one address: counters of this test's own
    user = world.p.operator
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    browser = signed_in(user, enforce_csrf_checks=True)
    routes, _missing = _routes_with_urls(ANY_VALUES)
    accepted = []
    for route, url in routes:
        if route.dotted in DELIBERATELY_EXEMPT or route.dotted in DRF_WITHOUT_SESSION:
            continue
        response = browser.post(url, {"anything": "1"})
        if response.status_code != 403:
            accepted.append(f"{url} ({route.dotted}) answered {response.status_code}")
        elif is_drf(route) and b"CSRF" not in response.content:
            # An HTML-rendered DRF view (the API docs) shows no reason: the same POST with the token
            # must get past the 403, or the refusal was not the CSRF check's.
            again = browser.post(url, {"anything": "1"}, HTTP_X_CSRFTOKEN=_token(browser))
            if again.status_code == 403:
                accepted.append(f"{url} ({route.dotted}) is 403 even with the token: not a CSRF refusal")
    assert not accepted, "\n".join(accepted)


def _token(browser) -> str:
    browser.get("/")  # any page with a form sets the CSRF cookie
    return browser.cookies[settings.CSRF_COOKIE_NAME].value


def test_the_same_posts_with_the_token_get_past_the_check(world, settings):
    # The 403s above are the CSRF check's, not something else's: with the token the sign-out goes through.
    private_cache(settings)
    browser = signed_in(world.p.operator, enforce_csrf_checks=True)
    assert browser.post("/logout/").status_code == 403
    assert browser.post("/logout/", {"csrfmiddlewaretoken": _token(browser)}).status_code == 302


def test_a_session_api_post_without_the_token_is_403_and_changes_nothing(world, settings):
    private_cache(settings)
    case = report(world)
    browser = signed_in(world.p.operator, enforce_csrf_checks=True)
    response = browser.post(f"/api/v1/cases/{case.pk}/actions/accept/", {}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    case.refresh_from_db()
    assert case.status == "reported"
    # With the token (as the pages' JavaScript sends it), the same request is accepted.
    response = browser.post(
        f"/api/v1/cases/{case.pk}/actions/accept/",
        {},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=_token(browser),
    )
    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert case.status == "pending_filing"


def test_the_open311_post_ignores_the_session(world, settings):
    """Exempt from CSRF because a session gives it nothing: without an api_key a signed-in browser's
    POST is refused and no case is made in anyone's name."""
    private_cache(settings)
    browser = signed_in(world.p.operator, enforce_csrf_checks=True)
    lng, lat = world.inside
    body = {"service_code": str(world.event_cat.pk), "lat": lat, "long": lng, "description": "x"}
    response = browser.post("/open311/v2/requests.json", body)
    assert response.status_code == 403
    assert "api_key" in response.json()[0]["description"]


# ---------------------------------------------------------------- forms in templates and in pages

FORM = re.compile(r"<form\b(?P<attrs>[^>]*)>(?P<body>.*?)</form>", re.S | re.I)
POST = re.compile(r"""method\s*=\s*["']?post""", re.I)


def test_every_post_form_in_the_templates_carries_the_token():
    root = Path(settings.BASE_DIR) / "templates"
    forms, missing = 0, []
    for path in sorted(root.rglob("*.html")):
        for match in FORM.finditer(path.read_text()):
            if POST.search(match.group("attrs")):
                forms += 1
                if "{% csrf_token %}" not in match.group("body"):
                    missing.append(f"{path.relative_to(root)}: <form{match.group('attrs')}>")
    assert forms >= 10  # the scan found the forms (login, logout, actions, bulk, ledger, …)
    assert not missing, "\n".join(missing)
    # htmx requests outside a form send the token as a header, set once on <body>.
    base = (root / "base.html").read_text()
    assert """hx-headers='{"X-CSRFToken": "{{ csrf_token }}"}'""" in base


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._open = {
                "method": (attrs.get("method") or "get").lower(),
                "action": attrs.get("action"),
                "token": False,
            }
            self.forms.append(self._open)
        elif tag == "input" and self._open is not None and attrs.get("name") == "csrfmiddlewaretoken":
            self._open["token"] = bool(attrs.get("value"))

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = None


def _page_values(world, case, notice) -> dict:
    return {
        **ANY_VALUES,
        "pk": lambda route: notice.pk if "notification" in (route.name or "") else case.pk,
        "case_pk": case.pk,
        "key": lambda route: None,  # queues are walked one by one below
    }


@pytest.mark.parametrize(
    "role", ["operator", "shift_leader", "dispatcher", "department", "inspector", "hotline"]
)
def test_every_rendered_post_form_carries_the_token(world, settings, role):
    private_cache(settings)
    case = case_in(world, "in_progress")
    user = getattr(world.p, role)
    notice = Notification.objects.create(user=user, case=case, kind="info", title="测试通知")
    browser = signed_in(user)
    routes, _missing = _routes_with_urls(_page_values(world, case, notice))
    urls = [
        url for route, url in routes if not is_drf(route) and not url.startswith(("/admin/", "/open311/"))
    ]
    urls += [f"/queues/{queue.key}/" for queue in QUEUES]
    checked, missing = 0, []
    for url in urls:
        response = browser.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        parser = _Forms()
        parser.feed(response.content.decode())
        for form in parser.forms:
            if form["method"] == "post":
                checked += 1
                if not form["token"]:
                    missing.append(f"{url}: <form action={form['action']!r}>")
    assert checked > 0
    assert not missing, "\n".join(missing)


def test_the_login_form_itself_needs_the_token(world):
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR=OUTSIDE)
    response = client.post(
        "/login/", {"username": world.p.operator.username, "password": "cityops-test-password"}
    )
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
