"""The beat schedule and a real Celery worker: every beat entry names a task the worker has, and the
two beats that matter most to a district, the SLA sweep and the hotline outbox push, do their work in
a worker *process* (not eagerly, not in a thread) against the test database and the real Redis.

The worker listens on a queue of its own (a uuid), so parallel test runs sharing REDIS_URL never take
each other's messages; the test sends each task by name, as beat would.
"""

# The fixtures imported from tests/cases/conftest.py are used as test parameters by name.
# ruff: noqa: F811

import json
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import time_machine
from celery import Celery
from celery.schedules import crontab
from django.conf import settings
from django.db import connection
from django.utils import timezone

from cases import services as s
from cases.intake import hotline
from cases.models import CaseEvent, HotlineOutbox, Light, TimedStep
from tests.cases.conftest import fast_passwords, media_root, report, world  # noqa: F401
from tests.cases.test_hotline import make_clients, ticket_body

# The broker: REDIS_URL's server in a database of its own, which no test's cache.clear() flushes.
REDIS_URL = (
    re.sub(r"/\d+$", "", os.environ.get("REDIS_URL", "")) + "/14" if os.environ.get("REDIS_URL") else ""
)


def test_every_beat_entry_names_a_registered_task():
    from cityops.celery import app

    app.loader.import_default_modules()  # what a worker imports at start: autodiscovery + CELERY_IMPORTS
    assert settings.CELERY_BEAT_SCHEDULE, "no beat entries at all"
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, (
            f"beat entry {name!r} names {entry['task']!r}, which no module registers"
        )
        schedule = entry["schedule"]
        assert isinstance(schedule, crontab) or (isinstance(schedule, int | float) and schedule > 0), name


# ---------------------------------------------------------------- a worker process


def _database_url() -> str:
    cfg = connection.settings_dict
    auth = cfg["USER"] + (f":{cfg['PASSWORD']}" if cfg["PASSWORD"] else "")
    return f"postgres://{auth}@{cfg['HOST'] or '127.0.0.1'}:{cfg['PORT'] or 5432}/{cfg['NAME']}"


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker, tmp_path_factory):
    """A `celery worker` process on the test database and REDIS_URL, consuming a queue of its own."""
    if not REDIS_URL:
        pytest.skip("needs Redis (set REDIS_URL)")
    queue = f"cityops-test-{uuid.uuid4().hex}"
    work_dir = tmp_path_factory.mktemp("worker")
    with django_db_blocker.unblock():
        database_url = _database_url()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CITYOPS_VAR_DIR": str(work_dir / "var"),
        "MEDIA_ROOT": str(work_dir / "media"),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("CITYOPS_TEST_DB_NAME", None)
    log = open(work_dir / "worker.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cityops",
            "worker",
            "--pool",
            "solo",
            "--queues",
            queue,
            "--hostname",
            f"{queue}@%h",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    producer = Celery("cityops-test-producer", broker=REDIS_URL)
    handle = type("Worker", (), {})()
    handle.queue, handle.proc, handle.log = queue, proc, Path(work_dir / "worker.log")
    handle.producer = producer

    def send(task_name: str) -> None:
        producer.send_task(task_name, queue=queue)

    handle.send = send
    try:
        _wait_until_ready(handle)
        yield handle
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()
        producer.close()


def _wait_until_ready(handle, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if handle.proc.poll() is not None:
            raise AssertionError(f"the worker exited:\n{handle.log.read_text(errors='replace')[-4000:]}")
        if "ready." in handle.log.read_text(errors="replace"):
            return
        time.sleep(0.3)
    raise AssertionError(f"the worker did not start:\n{handle.log.read_text(errors='replace')[-4000:]}")


def _eventually(check, what: str, handle, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.3)
    raise AssertionError(f"{what} did not happen:\n{handle.log.read_text(errors='replace')[-4000:]}")


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_worker_has_every_beat_task_registered(worker):
    inspect = worker.producer.control.inspect(
        destination=[worker.queue + "@" + os.uname().nodename], timeout=10
    )
    registered = _eventually(inspect.registered, "an answer to `inspect registered`", worker)
    (tasks,) = registered.values()
    missing = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()} - set(tasks)
    assert not missing, f"beat would send tasks this worker does not know: {missing}"


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_sla_sweep_runs_in_a_worker(worker, world, fast_passwords, media_root):
    p = world.p
    # Dispatched a month ago: the 3-working-day 处置 limit has long passed by the worker's clock.
    with time_machine.travel(timezone.now() - timedelta(days=30), tick=False):
        case = s.case_file(case=s.case_accept(case=report(world), actor=p.operator), actor=p.shift_leader)
        case = s.case_dispatch(case=case, actor=p.dispatcher)
    step = TimedStep.objects.get(case=case, step="dispose")
    assert step.light == Light.GREEN

    worker.send("cases.tasks.sweep_deadlines")

    def red():
        step.refresh_from_db()
        return step.light == Light.RED

    _eventually(red, "the sweep turning the overdue step red", worker)
    auto = CaseEvent.objects.filter(case=case, action="supervise", actor_role="system")
    assert auto.count() == 1 and auto.get().payload["step"] == "dispose"


class _Hook(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.headers["X-CityOps-Event"], json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hotline_receiver():
    _Hook.received = []
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", _Hook.received
    server.shutdown()
    server.server_close()


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_hotline_outbox_is_pushed_by_a_worker(
    worker, world, hotline_receiver, fast_passwords, media_root
):
    url, received = hotline_receiver
    make_clients(webhook=url)
    body = ticket_body(world, ticket_no="W0001")
    body["received_at"] = timezone.now()
    ticket, _ = hotline.receive(data=body, raw={})
    hotline.process_ticket(ticket.pk)  # (already done if the enqueue ran eagerly at commit)
    ticket.refresh_from_db()
    assert ticket.state == "done"
    s.case_send_verify(case=ticket.case, actor=world.p.operator)  # 受理: one outbox row
    row = HotlineOutbox.objects.get()
    assert (row.kind, row.state) == ("accepted", "pending")

    worker.send("cases.intake.tasks.push_hotline_outbox")

    def sent():
        row.refresh_from_db()
        return row.state == "sent"

    _eventually(sent, "the outbox row being posted", worker)
    assert [(event, payload["ticket_no"], payload["kind"]) for event, payload in received] == [
        (str(row.event_id), "W0001", "accepted")
    ]
    assert row.attempts == 1 and row.sent_at is not None
    # And a second beat has nothing left to send.
    worker.send("cases.intake.tasks.push_hotline_outbox")
    worker.send("cases.tasks.sweep_deadlines")  # a task after it: once this one is done, so is the push
    time.sleep(2)
    assert len(received) == 1
