"""pytest plugin (loaded with `-p tooling.testing`): choose the test database before Django starts.

PostgreSQL is used when it answers (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/cityops);
otherwise the suite warns loudly, runs on SQLite and skips tests marked `postgres`. Under CI=true a
missing service, or any skipped test, fails the run: CI must prove everything on the real services.
"""

import os
import sys
import warnings

import pytest

CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/cityops"


def _redis_answers(url: str) -> bool:
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
        return True
    except Exception:
        return False


def _choose_database() -> str:
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    url = os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG
    from core.pg import answers

    if answers(url):
        os.environ["DATABASE_URL"] = url
        return url
    message = f"PostgreSQL at {url} does not answer: running on SQLite and skipping PostgreSQL-only tests."
    if CI:
        sys.exit(f"CI=true and {message.split(':')[0]}: refusing to run without it.")
    warnings.warn(message, stacklevel=1)
    print(f"\n*** WARNING: {message} ***\n", file=sys.stderr)
    return "sqlite"


DATABASE = _choose_database()
os.environ.setdefault("CITYOPS_TEST_DB_NAME", f"test_cityops_{os.getpid()}")
ON_POSTGRES = DATABASE.startswith("postgres")
REDIS_URL = os.environ.get("REDIS_URL", "")
if CI and not (REDIS_URL and _redis_answers(REDIS_URL)):
    sys.exit(
        f"CI=true and Redis at {REDIS_URL or '(REDIS_URL unset)'} does not answer: refusing to run without it."
    )
# The suite never needs a live broker: tasks run eagerly unless a test says otherwise.
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")


def pytest_configure(config):
    config.addinivalue_line("markers", "redis: needs Redis at REDIS_URL")


def pytest_collection_modifyitems(config, items):
    redis_ok = bool(REDIS_URL) and _redis_answers(REDIS_URL)
    for item in items:
        if "postgres" in item.keywords and not ON_POSTGRES:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (set TEST_DATABASE_URL)"))
        if "redis" in item.keywords and not redis_ok:
            item.add_marker(pytest.mark.skip(reason="needs Redis (set REDIS_URL)"))


def pytest_report_header(config):
    return f"cityops: database={'PostgreSQL' if ON_POSTGRES else 'SQLite'} redis={REDIS_URL or 'off'} CI={CI}"


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if CI and skipped:
        print(f"\nCI=true: {skipped} test(s) were skipped; every test must run in CI.", file=sys.stderr)
        session.exitstatus = 1
