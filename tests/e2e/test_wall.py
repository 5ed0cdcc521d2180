"""The command centre's wall (issue #23 point 1): held open in Chromium while a case is reported
elsewhere, it shows the new case within two seconds of the report's commit, pushed by Server-Sent Events
from an ASGI server (uvicorn, as in `make demo` and the `live` service of docker-compose.yml)."""

import socket
import threading
import time

import pytest
from playwright.sync_api import expect

from tests.cases.conftest import report
from tests.e2e.conftest import DESKTOP, login

WALL = {"width": 1920, "height": 1080}


@pytest.fixture
def asgi_server(e2e_world):
    """uvicorn serving the project's ASGI application (static files too) on a free port, in a thread."""
    import uvicorn
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    from cityops.asgi import application

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(
        ASGIStaticFilesHandler(application),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 10
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    server.force_exit = True  # the walls' streams never end by themselves
    thread.join(timeout=5)


def test_a_report_appears_on_the_open_wall_within_two_seconds(asgi_server, e2e_world, browser, watch, shot):
    w = e2e_world
    context = browser.new_context(
        viewport=WALL, locale="zh-CN", timezone_id="Asia/Shanghai", base_url=asgi_server
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    watch.attach(page, "wall")
    try:
        login(page, w.p.supervisor)
        page.goto("/wall/")
        expect(page.locator("#wall-link")).to_have_class("wall-link live")
        expect(page.locator('[data-count="reported"]')).to_have_text("0")
        shot(page, "wall-open")

        case = report(w, description="井盖缺失，行人易跌倒")
        reported = time.monotonic()
        item = page.locator(f'#wall-latest [data-case="{case.pk}"]')
        expect(item).to_contain_text(case.number, timeout=2_000)
        seen = time.monotonic() - reported
        assert seen < 2.0, seen
        expect(page.locator('[data-count="reported"]')).to_have_text("1")
        expect(page.locator('[data-count="open"]')).to_have_text("1")
        shot(page, "wall-new-case")

        # A screen rebooted now loads the snapshot, which has the case, and follows from after it.
        page.reload()
        expect(page.locator(f'#wall-latest [data-case="{case.pk}"]')).to_be_visible()
        expect(page.locator('[data-count="reported"]')).to_have_text("1")
        assert int(page.locator("#wall").get_attribute("data-last-id")) >= 1
    finally:
        context.close()


def test_the_wall_polls_when_the_server_cannot_push(e2e_world, open_page, watch):
    """pytest-django's live server speaks WSGI: the stream answers 503 and the page polls instead."""
    w = e2e_world
    watch.allow(r"/live/stream")
    watch.allow(r"EventSource")
    page = open_page("wall", DESKTOP)
    login(page, w.p.shift_leader)
    page.goto("/wall/")
    expect(page.locator("#wall-link")).to_have_class("wall-link poll")
    case = report(w)
    expect(page.locator(f'#wall-latest [data-case="{case.pk}"]')).to_be_visible(timeout=3_000)
