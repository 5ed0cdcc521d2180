"""Request ids on responses and log records, task ids in tasks, JSON log lines."""

import json
import logging
import os
import subprocess
import sys

import pytest
from celery import shared_task
from django.conf import settings

from core.log import ContextFilter, JsonFormatter, current_request_id, current_task_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def records():
    """Every record reaching the root logger, after the same filter the console handler has."""

    class Keep(logging.Handler):
        def __init__(self):
            super().__init__(level=logging.DEBUG)
            self.records: list[logging.LogRecord] = []
            self.addFilter(ContextFilter())

        def emit(self, record):
            self.records.append(record)

    handler = Keep()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler.records
    root.removeHandler(handler)
    root.setLevel(old_level)


def test_the_callers_request_id_comes_back_and_is_on_every_record(client, records):
    response = client.get("/no/such/page/", HTTP_X_REQUEST_ID="lb-7f3a-42")
    assert response.status_code == 404
    assert response["X-Request-ID"] == "lb-7f3a-42"
    mine = [r for r in records if r.request_id == "lb-7f3a-42"]
    # Django's own "Not Found" record is written after the middleware returned: it has the id too.
    assert {r.name for r in mine} >= {"cityops.access", "django.request"}
    access = next(r for r in mine if r.name == "cityops.access")
    assert (access.method, access.path, access.status) == ("GET", "/no/such/page/", 404)
    assert current_request_id.get() is None  # cleared when the response was closed


def test_a_missing_or_unsafe_request_id_is_replaced(client):
    fresh = client.get("/healthz?live=1")["X-Request-ID"]
    assert len(fresh) == 32 and int(fresh, 16) >= 0
    for bad in ("a b", "x" * 200, "<script>", "id\r\nSet-Cookie: x=1"):
        rid = client.get("/healthz?live=1", HTTP_X_REQUEST_ID=bad)["X-Request-ID"]
        assert rid != bad and len(rid) == 32
    assert client.get("/healthz?live=1")["X-Request-ID"] != fresh


@shared_task(name="tests.cityops.test_logging.log_inside")
def log_inside():
    logging.getLogger("cases.tasks").warning("swept")


def test_a_task_logs_with_its_task_id(records):
    result = log_inside.apply()
    [record] = [r for r in records if r.getMessage() == "swept"]
    assert record.task_id == result.id
    assert current_task_id.get() is None


def test_json_lines_carry_the_ids_the_extras_and_the_traceback():
    logger = logging.getLogger("cityops.test")
    try:
        raise ValueError("坏了")
    except ValueError:
        record = logger.makeRecord(
            "cityops.test",
            logging.ERROR,
            __file__,
            1,
            "案件 %s 失败",
            ("C1",),
            sys.exc_info(),
            extra={"case": 7},
        )
    token = current_request_id.set("r-1")
    try:
        ContextFilter().filter(record)
    finally:
        current_request_id.reset(token)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert (
        entry["message"] == "案件 C1 失败" and entry["level"] == "ERROR" and entry["logger"] == "cityops.test"
    )
    assert entry["request_id"] == "r-1" and "task_id" not in entry
    assert entry["case"] == 7
    assert "ValueError: 坏了" in entry["exc_info"]
    assert entry["time"].endswith("+00:00")


def test_production_logs_json_and_the_demo_text():
    script = (
        "import logging, django; django.setup();"
        "from core.log import current_request_id; current_request_id.set('r-9');"
        "logging.getLogger('cityops.test').warning('hello')"
    )
    base = {**os.environ, "SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "cityops.example.org"}
    base.pop("LOG_FORMAT", None)

    def run(**env):
        done = subprocess.run(
            [sys.executable, "-c", script],
            env={**base, **env},
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stderr.strip().splitlines()[-1]

    entry = json.loads(run(DEBUG="false"))
    assert (entry["message"], entry["request_id"]) == ("hello", "r-9")
    text = run(DEBUG="true")
    assert text.endswith("WARNING cityops.test: hello [request_id=r-9]")
    assert json.loads(run(DEBUG="true", LOG_FORMAT="json"))["message"] == "hello"


def test_a_task_queued_in_a_request_logs_with_that_requests_id(records):
    """The id rides in the message headers (before_task_publish) and the worker's records carry it."""
    from core.log import TASK_HEADER, _stamp_task

    headers: dict = {}
    token = current_request_id.set("req-42")
    try:
        _stamp_task(headers=headers)
    finally:
        current_request_id.reset(token)
    assert headers == {TASK_HEADER: "req-42"}
    _stamp_task(headers=(outside := {}))  # queued outside a request: nothing to carry
    assert outside == {}

    result = log_inside.apply(headers=headers)  # as a worker runs the message
    [record] = [r for r in records if r.getMessage() == "swept"]
    assert (record.request_id, record.task_id) == ("req-42", result.id)
    assert current_request_id.get() is None  # and not left behind for the next task
