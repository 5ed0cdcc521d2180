"""Rate limits counted where production counts them: in Redis (REDIS_URL), shared by every web worker.

tests/security/test_rate_limits.py checks each endpoint's limit in a private in-memory cache; here the
same counters go through django's RedisCache to the real server: the limit, Retry-After, a count that
another process adds to, the window's expiry, and the sign-in failures. Each test counts for an address
of its own (TEST-NET-2, random), so parallel runs on the shared Redis never count for each other.
"""

import os
import random
import re
import subprocess
import sys
import time

import pytest
import redis
import time_machine
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client

from tests.cases.conftest import fast_passwords, world  # noqa: F401

pytestmark = [pytest.mark.redis, pytest.mark.usefixtures("fast_passwords")]

# The server of REDIS_URL, in a database of its own: tests that clear the cache FLUSHDB REDIS_URL's
# database (other test runs on a shared machine do it several times a second), which would reset the
# counters mid-test.
REDIS_URL = re.sub(r"/\d+$", "", os.environ.get("REDIS_URL", "")) + "/14"
LIMIT = 3
PATH = "/open311/v2/discovery.json"


@pytest.fixture
def redis_limits(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "anon": f"{LIMIT}/min", "login_failures": "3/hour"}
    assert type(cache._cache).__name__ == "RedisCacheClient"
    # The windows are fixed (the key carries the window's number): the clock stands still at ten
    # seconds into a minute, so a slow machine cannot spread one test's requests over two windows.
    now = time.time()
    with time_machine.travel(now - now % 60 + 10, tick=False):
        yield redis.Redis.from_url(REDIS_URL)


@pytest.fixture
def address():
    return f"198.51.100.{random.randint(1, 254)}"


def counters(server: redis.Redis, scope: str, ident: str) -> dict[bytes, int]:
    return {key: int(server.get(key)) for key in server.scan_iter(f"*cityops:rate:{scope}:{ident}:*")}


def test_the_limit_and_retry_after_are_counted_in_redis(db, redis_limits, address):
    client = Client(REMOTE_ADDR=address)
    assert [client.get(PATH).status_code for _ in range(LIMIT)] == [200] * LIMIT
    refused = client.get(PATH)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    (key, count), *others = counters(redis_limits, "anon", address).items()
    assert not others and count == LIMIT + 1
    assert 0 < redis_limits.ttl(key) <= 61  # the window's key expires on its own
    # Another address has its own count.
    assert Client(REMOTE_ADDR="198.51.100.255").get(PATH).status_code == 200


def test_web_workers_share_one_count(db, redis_limits, address):
    """Two requests counted by another process (another web worker) and one here use up the limit."""
    script = (
        "import django; django.setup()\n"
        "from core.security import hit\n"
        f"for _ in range(2): hit('anon', {address!r})\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cityops.settings",
        "REDIS_URL": REDIS_URL,
        # The other process counts in the same window as this test's standing clock.
        "RATE_LIMIT_ANON": f"{LIMIT}/min",
    }
    env.pop("DATABASE_URL", None)
    frozen = time.time()
    script = f"import time; time.time = lambda: {frozen!r}\n" + script
    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert list(counters(redis_limits, "anon", address).values()) == [2]
    client = Client(REMOTE_ADDR=address)
    assert client.get(PATH).status_code == 200  # the third in this window
    assert client.get(PATH).status_code == 429  # the fourth: over the 3 allowed


def test_failed_sign_ins_are_counted_in_redis(world, redis_limits, address):  # noqa: F811
    client = Client(REMOTE_ADDR=address, HTTP_ACCEPT="text/html")
    for who in ("op", "disp", "lead"):
        assert client.post("/login/", {"username": who, "password": "wrong-password"}).status_code == 200
    assert client.post("/login/", {"username": "hot", "password": "cityops-test-password"}).status_code == 429
    (count,) = counters(redis_limits, "login_failures", address).values()
    assert count == 3


def test_a_new_window_starts_a_new_count(db, redis_limits, address):
    client = Client(REMOTE_ADDR=address)
    assert [client.get(PATH).status_code for _ in range(LIMIT + 1)] == [200] * LIMIT + [429]
    with time_machine.travel(time.time() + 60, tick=False):  # the next minute's window
        assert client.get(PATH).status_code == 200
    assert len(counters(redis_limits, "anon", address)) == 2  # one key per window, each expiring
