"""The worker is stopped, the broker is gone: every ticket is still stored, then becomes exactly one case.

The 10,000-delivery run takes minutes: it is marked `long`, so under xdist it starts first on a worker
of its own and runs beside the rest of the suite (tooling/testing.py). HOTLINE_RELIABILITY_DELIVERIES
sizes it (CI runs the full 10,000: .ci/run); at least 2,000, so the crash and the batches below fit.
"""

import os
import random
import time

import pytest

from cases.intake import hotline
from cases.models import Case, HotlineTicket
from tests.cases.test_hotline import KEYS, make_clients, ticket_body

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")

DELIVERIES = int(os.environ.get("HOTLINE_RELIABILITY_DELIVERIES") or 10_000)  # the figure: ~4 minutes
assert DELIVERIES >= 2_000, "HOTLINE_RELIABILITY_DELIVERIES must be at least 2,000"
REPEAT_SHARE = 0.3


class WorkerKilled(BaseException):
    """Not an Exception: like a killed process, nothing in the task may catch it."""


@pytest.fixture
def stopped_worker():
    """Tasks are really published (not run eagerly) to a broker on a closed port."""
    from cityops.celery import app

    saved = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager, app.conf.broker_url = False, "redis://127.0.0.1:1/0"
    yield
    app.conf.task_always_eager, app.conf.broker_url = saved


@pytest.mark.long
def test_10000_deliveries_with_repeats_and_a_crash_become_exactly_the_distinct_cases(
    api, world, stopped_worker, monkeypatch, django_capture_on_commit_callbacks
):
    make_clients()
    rng = random.Random(12345)
    distinct = int(DELIVERIES * (1 - REPEAT_SHARE))
    numbers = [f"R{n:05d}" for n in range(distinct)]
    deliveries = numbers + [rng.choice(numbers) for _ in range(DELIVERIES - distinct)]
    rng.shuffle(deliveries)
    seen, started = set(), time.monotonic()
    for number in deliveries:
        channel = "8890" if int(number[1:]) % 3 == 0 else "12345"
        body = ticket_body(world, ticket_no=number, channel=channel)
        with django_capture_on_commit_callbacks(execute=True):  # the enqueue runs, and fails
            response = api.post("/api/v1/hotline/tickets/", body, format="json", HTTP_X_API_KEY=KEYS[channel])
        assert response.status_code == (200 if number in seen else 202), response.content
        seen.add(number)
    print(f"\n{DELIVERIES} deliveries with the broker down: {time.monotonic() - started:.1f} s")
    assert HotlineTicket.objects.count() == distinct
    assert not HotlineTicket.objects.exclude(state="received").exists()
    assert not HotlineTicket.objects.filter(enqueued_at__isnull=False).exists()  # nothing reached a queue
    assert Case.objects.count() == 0

    # Pass 1: the worker dies after 300 cases, in the middle of the 301st.
    real, calls = hotline._case_for, {"n": 0}

    def crashing(ticket, located_by=None):
        calls["n"] += 1
        case = real(ticket, located_by)
        if calls["n"] == 301:
            raise WorkerKilled
        return case

    monkeypatch.setattr(hotline, "_case_for", crashing)
    with pytest.raises(WorkerKilled):
        hotline.process_pending()
    assert Case.objects.count() == 300  # the 301st rolled back with its claim
    monkeypatch.setattr(hotline, "_case_for", real)

    # Pass 2 and 3: a new worker drains the rest in two batches; pass 4 finds nothing to do.
    assert hotline.process_pending(limit=500) == {"done": 500}
    assert hotline.process_pending() == {"done": distinct - 800}
    assert hotline.process_pending() == {}
    print(f"converted in {time.monotonic() - started:.1f} s in all")

    assert Case.objects.count() == distinct
    assert HotlineTicket.objects.filter(state="done", case__isnull=False).count() == distinct
    cases = set(Case.objects.values_list("hotline_channel", "hotline_ticket_no"))
    assert cases == set(HotlineTicket.objects.values_list("channel", "ticket_no"))
    assert set(HotlineTicket.objects.values_list("ticket_no", flat=True)) == set(numbers)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_real_redis_converts_tickets(world, settings, fast_passwords, media_root):
    """Publish to the real Redis broker and consume with an in-thread Celery worker."""
    import os

    from celery.contrib.testing.worker import start_worker

    from cityops.celery import app

    make_clients()
    saved = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager, app.conf.broker_url = False, os.environ["REDIS_URL"]
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            tickets = []
            for n in range(3):
                body = ticket_body(world, ticket_no=f"Q{n}")
                body["received_at"] = "2026-03-02T09:15:00+08:00"
                ticket, _ = hotline.receive(data=_parsed(body), raw=body)
                tickets.append(ticket.pk)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                if HotlineTicket.objects.filter(pk__in=tickets, state="done").count() == 3:
                    break
                time.sleep(0.2)
    finally:
        app.conf.task_always_eager, app.conf.broker_url = saved
    assert HotlineTicket.objects.filter(pk__in=tickets, state="done").count() == 3
    assert Case.objects.filter(hotline_ticket_no__startswith="Q").count() == 3


def _parsed(body: dict) -> dict:
    from cases.intake.serializers import HotlineTicketInSerializer

    data = HotlineTicketInSerializer(data=body)
    data.is_valid(raise_exception=True)
    return data.validated_data
