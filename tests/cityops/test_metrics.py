"""/metrics: request latency, and the queue, deadline and case gauges read at scrape time."""

import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from cases.models import Light, TimedStep
from cityops import health
from tests.cases.conftest import case_in, fast_passwords, media_root, world  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quiet_broker(settings, tmp_path):
    """An empty filesystem broker and heartbeats in a throw-away folder, unless a test says otherwise."""
    (tmp_path / "in").mkdir()
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path / "in")}
    settings.REDIS_URL = ""
    settings.VAR_DIR = tmp_path
    settings.METRICS_TOKEN = ""
    return tmp_path / "in"


def scrape(client, **extra) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


@pytest.mark.usefixtures("media_root", "fast_passwords")
def test_gauges_count_a_small_world(client, world):  # noqa: F811 (the imported fixture)
    reported = [case_in(world, "reported") for _ in range(2)]
    working = case_in(world, "in_progress")
    case_in(world, "closed")  # not open: counted nowhere
    now = timezone.now()
    running = TimedStep.objects.filter(finished_at__isnull=True)
    running.update(next_check_at=now + timedelta(hours=1))
    # One step whose light was due to change 10 minutes ago (the sweep has not run), one already red.
    running.filter(case=reported[0]).update(next_check_at=now - timedelta(minutes=10))
    running.filter(case=working).update(light=Light.RED, next_check_at=None)

    m = scrape(client)
    assert m[("cityops_timed_steps_due", ())] == 1
    assert 600 <= m[("cityops_sla_sweep_lag_seconds", ())] < 660
    assert m[("cityops_timed_steps_overdue", ())] == 1
    open_cases = {
        dict(labels)["status"]: v for (name, labels), v in m.items() if name == "cityops_cases_open"
    }
    assert open_cases["reported"] == 2
    assert open_cases["in_progress"] == 1
    assert open_cases["pending_check"] == 0  # every open status is reported, zeros included
    assert "closed" not in open_cases


@pytest.mark.usefixtures("media_root", "fast_passwords")
def test_the_scrape_is_a_few_queries_however_many_cases(client, world, django_assert_num_queries):  # noqa: F811
    def queries_and_open_cases() -> tuple[int, float]:
        with django_assert_num_queries(3) as captured:  # due + lag, overdue, open cases by status
            m = scrape(client)
        opened = sum(v for (name, _labels), v in m.items() if name == "cityops_cases_open")
        return len(captured.captured_queries), opened

    assert queries_and_open_cases() == (3, 0)
    for status in ("reported", "reported", "in_progress", "pending_check", "suspended"):
        case_in(world, status)
    red = TimedStep.objects.filter(finished_at__isnull=True).first()
    TimedStep.objects.filter(pk=red.pk).update(light=Light.RED, next_check_at=None)
    assert queries_and_open_cases() == (3, 5)  # five open cases in four states, one overdue: still 3


def test_request_latency_by_view_method_and_status(client):
    key = (
        "cityops_http_request_duration_seconds_count",
        (("method", "GET"), ("status", "200"), ("view", "healthz")),
    )
    before = scrape(client).get(key, 0)
    client.get("/healthz?live=1")
    client.get("/healthz?live=1")
    client.get("/no/such/page/")
    after = scrape(client)
    assert after[key] == before + 2
    # Unresolved paths share one series: a path label would grow one series per URL tried.
    assert any(
        name == "cityops_http_request_duration_seconds_count" and dict(labels).get("view") == "<unresolved>"
        for name, labels in after
    )


def test_filesystem_queue_depth(client, quiet_broker):
    for n in range(3):
        (quiet_broker / f"{n}_{uuid.uuid4()}.celery.msg").write_text("{}")
    (quiet_broker / f"9_{uuid.uuid4()}.other.msg").write_text("{}")
    m = scrape(client)
    assert m[("cityops_celery_queue_length", (("queue", "celery"),))] == 3
    assert m[("cityops_celery_broker_up", ())] == 1


def test_a_broker_that_does_not_answer_is_reported_not_raised(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    m = scrape(client)
    assert m[("cityops_celery_broker_up", ())] == 0
    assert not any(name == "cityops_celery_queue_length" for name, _ in m)


@pytest.mark.redis
def test_redis_queue_depth_counts_every_priority_list(client, settings):
    import redis

    from tooling.testing import REDIS_URL

    queue = f"test-queue-{uuid.uuid4().hex}"
    settings.CELERY_BROKER_URL = REDIS_URL
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    r = redis.Redis.from_url(REDIS_URL)
    try:
        r.rpush(queue, "a", "b")
        r.rpush(f"{queue}\x06\x163", "c")
        m = scrape(client)
    finally:
        r.delete(queue, f"{queue}\x06\x163")
    assert m[("cityops_celery_queue_length", (("queue", queue),))] == 3


def test_heartbeat_ages(client):
    health.record_heartbeat("worker", time.time() - 30)
    m = scrape(client)
    assert 30 <= m[("cityops_heartbeat_age_seconds", (("process", "worker"),))] < 40
    assert ("cityops_heartbeat_age_seconds", (("process", "beat"),)) not in m


@pytest.mark.parametrize(
    ("remote", "headers", "allowed"),
    [
        ("127.0.0.1", {}, True),
        ("10.1.2.3", {}, True),  # Prometheus inside the private network
        ("::ffff:192.168.0.7", {}, True),
        ("203.0.113.5", {}, False),
        ("10.1.2.3", {"HTTP_X_FORWARDED_FOR": "203.0.113.5"}, False),  # a public client via the proxy
        ("203.0.113.5", {"HTTP_AUTHORIZATION": "Bearer s3cret-token"}, True),
        ("203.0.113.5", {"HTTP_AUTHORIZATION": "Bearer wrong"}, False),
        (
            "10.1.2.3",
            {"HTTP_X_FORWARDED_FOR": "203.0.113.5", "HTTP_AUTHORIZATION": "Bearer s3cret-token"},
            True,
        ),
    ],
)
def test_access(client, settings, remote, headers, allowed):
    settings.METRICS_TOKEN = "s3cret-token"
    response = client.get("/metrics", REMOTE_ADDR=remote, **headers)
    assert response.status_code == (200 if allowed else 403)


def test_no_token_configured_means_no_token_accepted(client):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.5", HTTP_AUTHORIZATION="Bearer ")
    assert response.status_code == 403
