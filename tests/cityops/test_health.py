"""/healthz: the database, the cache, and the worker and beat heartbeats."""

import socket
import time
import uuid

import pytest
from celery.signals import before_task_publish
from django.db import OperationalError

from cityops import health
from cityops.tasks import HEARTBEAT_TASK, heartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def ops(settings, tmp_path):
    """A production-like installation: a real worker and beat expected, heartbeats in a throw-away
    folder (the cache-backed store has its own test below)."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.REDIS_URL = ""
    settings.VAR_DIR = tmp_path
    settings.HEALTH_HEARTBEAT_MAX_AGE = 180
    # The calendar's warning depends on today's date; it has tests of its own (test_holiday_notice.py).
    settings.CALENDAR_WARN_DAYS = -100_000


def beats(worker_age: float | None = 5, beat_age: float | None = 5):
    now = time.time()
    if worker_age is not None:
        health.record_heartbeat("worker", now - worker_age)
    if beat_age is not None:
        health.record_heartbeat("beat", now - beat_age)


def test_all_parts_ok_is_200_without_a_session(client):
    beats()
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and "failing" not in body
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "calendar": "ok",
        "database": "ok",
        "cache": "skipped",  # no REDIS_URL: the local-memory cache is per process, nothing to check
        "worker": "ok",
        "beat": "ok",
        "proxy": "ok",
    }
    assert 4 <= body["checks"]["worker"]["age_s"] < 10
    assert not response.cookies  # no session, no CSRF cookie
    assert "no-cache" in response["Cache-Control"]


def test_a_stale_worker_heartbeat_is_503_naming_the_worker(client):
    beats(worker_age=600)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["worker"]
    assert "600 s ago (limit 180 s)" in body["checks"]["worker"]["error"]
    assert body["checks"]["beat"]["status"] == "ok"


def test_a_dead_beat_is_told_apart_from_a_dead_worker(client):
    beats(beat_age=None)
    body = client.get("/healthz").json()
    assert body["failing"] == ["beat"]
    assert body["checks"]["beat"]["error"] == "no beat heartbeat recorded"


def test_a_dead_database_is_503_without_details(client, monkeypatch):
    beats()

    class DeadConnection:
        def cursor(self):
            raise OperationalError('could not connect to server "db" (password=hunter2)')

    monkeypatch.setattr(health, "connection", DeadConnection())
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["database"]
    assert body["checks"]["database"]["error"] == "OperationalError"
    assert b"hunter2" not in response.content


def test_a_dead_cache_is_503_naming_the_cache(client, settings):
    beats()
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": settings.REDIS_URL}
    }
    response = client.get("/healthz?check=database,cache")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["cache"]
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["cache"]["error"] == "ConnectionError"


def test_a_hung_cache_fails_within_its_timeout(client, settings):
    """A Redis that takes the connection but never answers (the kernel accepts it on the listening
    socket; nobody reads) fails the check after the socket timeout instead of holding the request."""
    beats()
    with socket.create_server(("127.0.0.1", 0)) as hung:
        settings.REDIS_URL = f"redis://127.0.0.1:{hung.getsockname()[1]}/0"
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": settings.REDIS_URL,
                "OPTIONS": settings.REDIS_CACHE_OPTIONS,
            }
        }
        started = time.monotonic()
        response = client.get("/healthz?check=cache")
        waited = time.monotonic() - started
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["error"] == "TimeoutError"
    assert waited < 3 * settings.REDIS_CACHE_OPTIONS["socket_timeout"]


def test_checks_can_be_chosen_and_unknown_ones_are_refused(client):
    response = client.get("/healthz?check=database")  # the web container's own probe
    assert response.status_code == 200
    assert list(response.json()["checks"]) == ["database"]
    assert client.get("/healthz?check=database,disk").status_code == 400


def test_liveness_touches_nothing(client, django_assert_num_queries, monkeypatch):
    monkeypatch.setattr(health, "CHECKS", {})  # any check run would now fail with a KeyError
    with django_assert_num_queries(0):
        response = client.get("/healthz?live=1")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_without_a_worker_the_heartbeats_are_skipped(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # tasks run inside the web process
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["checks"]["worker"]["status"] == body["checks"]["beat"]["status"] == "skipped"


def test_the_worker_heartbeat_is_written_by_running_the_task():
    before = time.time()
    heartbeat.apply()
    assert health.last_heartbeat("worker") >= before
    assert health.last_heartbeat("beat") is None


def test_the_beat_heartbeat_is_written_when_the_task_is_sent():
    before_task_publish.send(sender="cases.tasks.sweep_deadlines", body=(), headers={})
    assert health.last_heartbeat("beat") is None  # only sending the heartbeat task counts
    before = time.time()
    before_task_publish.send(sender=HEARTBEAT_TASK, body=(), headers={})
    assert health.last_heartbeat("beat") >= before


def test_beat_schedules_the_heartbeat_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["heartbeat"]
    assert entry["task"] == HEARTBEAT_TASK and entry["schedule"] == 60.0
    assert settings.HEALTH_HEARTBEAT_MAX_AGE > entry["schedule"]


@pytest.mark.redis
def test_with_redis_the_cache_is_checked_and_holds_the_heartbeats(client, settings, monkeypatch):
    from tooling.testing import REDIS_URL

    settings.REDIS_URL = REDIS_URL
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    # Concurrent test runs share this Redis database: keep our heartbeats apart.
    monkeypatch.setattr(health, "HEARTBEAT_KEY", f"cityops:test:{uuid.uuid4().hex}:")
    beats()
    assert not list(settings.VAR_DIR.iterdir())  # stored in Redis, not in files
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["cache"]["status"] == "ok"
    beats(worker_age=900)
    assert client.get("/healthz").json()["failing"] == ["worker"]
