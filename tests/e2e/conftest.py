"""Real-browser tests: Playwright (Python) driving Debian's Chromium against pytest-django's live server.

- `browser` (session): headless Chromium at CHROMIUM (no `playwright install`: the system browser is used).
  Missing browser: the tests fail under CI=true and skip with a warning elsewhere (tooling/testing.py).
- `page`: a fresh browser context (1280×800, zh-CN) per test that fails the test on any JavaScript
  console error, uncaught page error, failed request, or 4xx/5xx answer for a page or an asset.
  `open_page()` opens more such pages, one signed-in user each (the loop is played by five people).
- `shot(page, name)` saves a full-page screenshot as test-output/e2e/<test>/NN-name.png.
- `login(page, user)` signs in through the real form at /login/.
- `e2e_world`: tests/cases' `world` (a street, two grids, one persona per role), committed (the live
  server runs in another thread and sees only committed rows), with an outline for the maps, and
  passwords hashed cheaply (MD5) so that creating the personas stays fast.

The live server serves static files through the staticfiles finders (pytest-django's live_server uses
django.contrib.staticfiles' StaticFilesHandler), so the npm packages under vendor/ come from
cityops.assets.NodeModulesFinder exactly as in runserver; a missing package is a failed request here.
"""

import os
import re
import shutil
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.cases.conftest import fast_passwords, media_root, model_dir, suggester, world  # noqa: F401
from tooling.testing import CI

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls (building the world,
# checking results) are plain synchronous code all the same, so Django's async guard must stand aside.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "e2e"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
PASSWORD = "cityops-test-password"  # tests/factories.py DEFAULT_PASSWORD
ASSET_TYPES = {"stylesheet", "script", "image", "font", "media"}
# A page answering 400/409/422 is a form shown again with its errors inline: that is the UI working.
FORM_ERROR_STATUSES = {400, 409, 422}


def _browser_problem() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package `playwright` is not installed (make install)"
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium, or set CHROMIUM=…)"
    return None


def _unavailable(message: str):
    if CI:
        pytest.fail(f"CI=true and the real-browser tests cannot run: {message}", pytrace=False)
    warnings.warn(f"Skipping the real-browser tests: {message}", stacklevel=2)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser():
    problem = _browser_problem()
    if problem:
        _unavailable(problem)
    from playwright.sync_api import Error, sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    except Error as exc:
        playwright.stop()
        _unavailable(f"Chromium at {CHROMIUM} does not start: {exc}")
    yield chromium
    chromium.close()
    playwright.stop()


# ---------------------------------------------------------------- watching pages for errors


@dataclass
class Watch:
    """What went wrong in the pages of one test (console errors, page errors, failed requests)."""

    problems: list[str] = field(default_factory=list)
    allowed: list[re.Pattern] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        """Let one expected problem pass (a regex on its text), e.g. a page refusing a request on purpose."""
        self.allowed.append(re.compile(pattern))

    def add(self, problem: str) -> None:
        if not any(p.search(problem) for p in self.allowed):
            self.problems.append(problem)

    def attach(self, page, who: str) -> None:
        def console(message):
            # Chromium also logs every failed load as a console error: the response handler judges those.
            if message.type == "error" and not message.text.startswith("Failed to load resource"):
                self.add(f"[{who}] console error: {message.text} ({message.location.get('url', '')})")

        def response(resp):
            request = resp.request
            status = resp.status
            if status < 400 or request.url.endswith("/favicon.ico"):
                return
            kind = request.resource_type
            if kind in ASSET_TYPES or "/static/" in request.url or "/media/" in request.url:
                self.add(f"[{who}] {kind} {request.url} answered {status}")
            elif status >= 500 or status not in FORM_ERROR_STATUSES:
                self.add(f"[{who}] {request.method} {request.url} ({kind}) answered {status}")

        def failed(request):
            # ERR_ABORTED is a load the page itself cancelled by navigating on: not an error.
            if "ERR_ABORTED" not in (request.failure or ""):
                self.add(f"[{who}] request failed: {request.method} {request.url} — {request.failure}")

        page.on("console", console)
        page.on("pageerror", lambda error: self.add(f"[{who}] page error: {error}"))
        page.on("response", response)
        page.on("requestfailed", failed)

    def check(self) -> None:
        if self.problems:
            problems, self.problems = self.problems, []
            raise AssertionError("The browser reported problems:\n  " + "\n  ".join(problems))


@pytest.fixture
def watch():
    return Watch()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fail the test itself (not its teardown) when a page logged an error the test did not notice."""
    found = item.funcargs.get("watch") if hasattr(item, "funcargs") else None
    try:
        result = yield
    except Exception as exc:
        # A failed expectation is often caused by a script error: show both.
        if found is not None and found.problems:
            raise AssertionError(
                f"{exc}\n\nThe browser also reported:\n  " + "\n  ".join(found.problems)
            ) from exc
        raise
    if found is not None:
        found.check()
    return result


@pytest.fixture
def open_page(browser, live_server, watch):
    """open_page(who="…") → a new page in its own browser context (own cookies), watched for errors."""
    contexts = []

    def open_(who: str = "user", viewport: dict | None = None, bypass_csp: bool = False):
        # bypass_csp: for a test that injects a script of its own (the audit's axe-core).
        context = browser.new_context(
            bypass_csp=bypass_csp,
            viewport=viewport or DESKTOP,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            base_url=live_server.url,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        watch.attach(page, who)
        # data-confirm asks window.confirm(): say yes, as the user who clicked would.
        page.on("dialog", lambda dialog: dialog.accept())
        return page

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page):
    return open_page("user")


# ---------------------------------------------------------------- screenshots


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name)


@pytest.fixture
def shot(request, watch):
    """shot(page, "name") → test-output/e2e/<test>/NN-name.png (full page). Also surfaces page errors
    at once, so a failure points at the step where it happened."""
    folder = OUTPUT / _safe(request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 1000))

    def take(page, name: str) -> Path:
        page.wait_for_load_state("networkidle")
        path = folder / f"{next(counter):02d}-{_safe(name)}.png"
        page.screenshot(path=str(path), full_page=True)
        watch.check()
        return path

    return take


# ---------------------------------------------------------------- signing in


def login(page, user, password: str = PASSWORD) -> None:
    """Sign in through the login form, as a person would, and land on the home page."""
    page.goto("/login/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login/" not in url)


def logout(page) -> None:
    page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/login/**")


@pytest.fixture
def as_user(open_page):
    """as_user(user) → a page signed in as `user`, in a browser context of its own."""

    def sign_in(user, viewport: dict | None = None):
        page = open_page(user.username, viewport)
        login(page, user)
        return page

    return sign_in


# ---------------------------------------------------------------- data


def outline(w) -> None:
    """Give the world's district and street a boundary around its two grids, for the maps' outline."""
    from tests.factories import square

    district = w.street.district
    district.geometry = square(117.199, 39.049, 0.013)
    district.save(update_fields=["geometry"])
    w.street.geometry = square(117.1995, 39.0495, 0.012)
    w.street.save(update_fields=["geometry"])


@pytest.fixture
def e2e_world(fast_passwords, media_root, transactional_db, live_server, world):  # noqa: F811
    """The personas and places of tests/cases' world, committed for the live server, with an outline."""
    outline(world)
    return world


# ---------------------------------------------------------------- acting on the case page


@pytest.fixture
def jpeg(tmp_path):
    """jpeg("name") → a small JPEG file on disk, for set_input_files."""
    from PIL import Image

    def make(name: str = "scene", colour=(200, 80, 40)) -> Path:
        path = tmp_path / f"{name}.jpg"
        Image.new("RGB", (640, 480), colour).save(path, format="JPEG")
        return path

    return make


def open_case(page, case) -> None:
    page.goto(f"/cases/{case.pk}/")


def act(page, action: str, fill=None) -> None:
    """Take `action` with its button on the case page: a quick action posts at once; the others open
    their form in the action panel, which `fill(form)` completes before it is sent."""
    from playwright.sync_api import expect

    button = page.locator(f'[data-action-bar] [data-action="{action}"]')
    expect(button).to_be_visible()
    if button.evaluate("el => el.tagName") == "BUTTON":
        with page.expect_navigation():
            button.click()
        return
    button.click()
    form = page.locator(f'#action-form[data-action-form="{action}"]')
    expect(form).to_be_visible()
    if fill:
        fill(form)
    with page.expect_navigation():
        form.locator("button[type=submit]").first.click()


def status_of(page) -> str:
    return page.locator(".case-head [data-status]").get_attribute("data-status")


def place_pin(page, lng, lat) -> None:
    """Type a position into the report or intake form (what the map's pin would set) and let the
    page locate it."""
    page.locator("details.coords summary").click()
    page.get_by_label("经度").fill(str(lng))
    page.get_by_label("纬度").fill(str(lat))
    page.get_by_label("纬度").dispatch_event("change")


def pick_category(page, search: str = "暴露垃圾") -> None:
    """Search the category picker and choose the first match."""
    from playwright.sync_api import expect

    page.get_by_label("搜索类别").fill(search)
    option = page.locator("#category-options input[name=category]").first
    expect(option).to_be_attached()
    option.check()
