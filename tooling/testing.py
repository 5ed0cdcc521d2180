"""pytest plugin (loaded with `-p tooling.testing`): choose the test database before Django starts, and
hold CI to the whole suite.

PostgreSQL is used when it answers (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/cityops);
otherwise the suite warns loudly, runs on SQLite and skips tests marked `postgres`. Under CI=true a
missing service, or any skipped test, fails the run: CI must prove everything on the real services.

The CI gate (CI=true), so that a green CI means every test ran and passed:
- nothing may narrow the run: no -k, -m, --deselect, --lf, -x/--maxfail, --sw, and no explicit paths
  (CI runs `testpaths`); a PYTEST_ARGS or PYTEST_ADDOPTS left in the environment is refused by .ci/run;
- no test may be skipped, deselected, xfailed or xpassed (xfail_strict makes an xpass a failure
  everywhere; under CI an expected failure is a failure too: fix the test or the code);
- at least `ci_min_tests` tests ([tool.pytest.ini_options] in pyproject.toml, the one place the number
  lives) must have run: a collection that silently lost a module fails. Raise it as the suite grows;
  lowering it is a decision to write down in the commit.
- Hypothesis runs its "ci" profile: derandomized (the same examples every run, so a red CI reproduces
  with `CI=true pytest <test id>`), and a failure prints its `@reproduce_failure` blob in the output.

Tests marked `long` (minutes each) are placed so that each starts first on a different xdist worker
(`--dist load`, xdist's default): they run beside the rest instead of after it. (Not worksteal: a worker
that steals earlier tests after running a transactional one would run them on a flushed database.)
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
# Redis on its default port, in a database no other test names (the rate-limit and real-worker tests
# take /14 of REDIS_URL's server): used when REDIS_URL is unset and it answers, so `make test` on a
# machine with Redis runs the Redis tests instead of skipping them in silence.
DEFAULT_REDIS = "redis://127.0.0.1:6379/13"


def choose_redis(environ, answers=None) -> str:
    """REDIS_URL when set; else DEFAULT_REDIS when it answers (and put in `environ`); else ""."""
    answers = answers or _redis_answers
    if environ.get("REDIS_URL"):
        return environ["REDIS_URL"]
    if answers(DEFAULT_REDIS):
        environ["REDIS_URL"] = DEFAULT_REDIS
        return DEFAULT_REDIS
    return ""


def _worker_redis_url(url: str) -> str:
    """Each xdist worker gets a Redis database of its own: tests that clear the cache FLUSHDB it, which
    must not wipe keys another worker's test is reading. gw0 keeps REDIS_URL's database, gwK takes
    the K-th below the one beneath it (15 → 15, 13, 12, …; 14 is the real-worker tests' broker)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    head, _, db = url.rpartition("/")
    if not (url and worker.startswith("gw") and db.isdigit() and head.count("/") >= 2):
        return url
    k = int(worker[2:])
    return url if k == 0 else f"{head}/{(int(db) - 1 - k) % 16}"


# Chosen first, then made the xdist worker's own (an empty choice stays empty: Redis tests skip, or CI fails).
REDIS_URL = choose_redis(os.environ)
if REDIS_URL:
    REDIS_URL = os.environ["REDIS_URL"] = _worker_redis_url(REDIS_URL)
if CI and not (REDIS_URL and _redis_answers(REDIS_URL)):
    sys.exit(
        f"CI=true and Redis at {REDIS_URL or '(REDIS_URL unset)'} does not answer: refusing to run without it."
    )
# The suite never needs a live broker: tasks run eagerly unless a test says otherwise.
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")


def _hypothesis_profile() -> str:
    """Hypothesis's own "ci" profile under CI (derandomize, print_blob, no example database, no
    deadline); elsewhere random exploration, but a failure still prints the blob that replays it."""
    from hypothesis import settings

    settings.register_profile("dev", print_blob=True, database=None, deadline=None)
    name = "ci" if CI else os.environ.get("HYPOTHESIS_PROFILE", "dev")
    settings.load_profile(name)
    return name


HYPOTHESIS_PROFILE = _hypothesis_profile()


def pytest_addoption(parser):
    parser.addini(
        "ci_min_tests",
        "under CI=true, the run fails unless at least this many tests ran (the suite's floor)",
        default="0",
    )


def _is_worker(config) -> bool:
    return hasattr(config, "workerinput")


def narrowing(config) -> list[str]:
    """What in this invocation would run less than the whole suite (empty when nothing does)."""
    option = config.option
    found = []
    if config.args_source == pytest.Config.ArgsSource.ARGS:
        found.append(f"explicit paths {' '.join(config.args)}")
    if getattr(option, "keyword", ""):
        found.append(f"-k {option.keyword!r}")
    if getattr(option, "markexpr", ""):
        found.append(f"-m {option.markexpr!r}")
    if getattr(option, "deselect", None):
        found.append(f"--deselect {' '.join(option.deselect)}")
    if getattr(option, "ignore", None) or getattr(option, "ignore_glob", None):
        found.append("--ignore")
    if getattr(option, "lf", False):
        found.append("--lf")
    if getattr(option, "stepwise", False) or getattr(option, "stepwise_skip", False):
        found.append("--sw")
    if getattr(option, "maxfail", 0):
        found.append(f"-x/--maxfail={option.maxfail}")
    if getattr(option, "collectonly", False):
        found.append("--collect-only")
    return found


def pytest_configure(config):
    config.addinivalue_line("markers", "redis: needs Redis at REDIS_URL")
    config.addinivalue_line(
        "markers", "long: runs for minutes; started first on a worker of its own under xdist"
    )
    if CI and not _is_worker(config) and (found := narrowing(config)):
        raise pytest.UsageError(
            f"CI=true runs the whole suite, but this run is narrowed by: {'; '.join(found)}. "
            "Unset PYTEST_ARGS / PYTEST_ADDOPTS and run `make test`."
        )


def spread_long_tests(items: list, workers: int) -> None:
    """Move the `long` tests to where xdist's load scheduling starts each worker: its first hand-out
    gives worker k the k-th chunk of max(total // workers // 4, 2) tests, in collection order. Later
    hand-outs keep each worker's indices rising, so pytest-django's order (database tests, then the
    transactional ones that flush the database) still holds on every worker."""
    long_items = [item for item in items if "long" in item.keywords]
    if not long_items or workers < 2:
        return
    rest = [item for item in items if "long" not in item.keywords]
    chunk = max(len(items) // workers // 4, 2)
    slots = [k * chunk for k in range(workers)]
    ordered = list(rest)
    for n, item in enumerate(long_items):
        position = slots[n] if n < len(slots) else slots[n % len(slots)] + 1
        ordered.insert(min(position, len(ordered)), item)
    items[:] = ordered


@pytest.hookimpl(trylast=True)  # after pytest-django has sorted the tests by their database use
def pytest_collection_modifyitems(config, items):
    redis_ok = bool(REDIS_URL) and _redis_answers(REDIS_URL)
    for item in items:
        if "postgres" in item.keywords and not ON_POSTGRES:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (set TEST_DATABASE_URL)"))
        if "redis" in item.keywords and not redis_ok:
            item.add_marker(pytest.mark.skip(reason="needs Redis (set REDIS_URL)"))
    if _is_worker(config):
        spread_long_tests(items, int(config.workerinput.get("workercount", 1)))
    if os.environ.get("CITYOPS_MUTANTS") and not CI:
        _deselect_flushing_tests(config, items)


def _deselect_flushing_tests(config, items):
    """Under `make mutants` the forked workers share one kept test database (--reuse-db); a test with
    transaction=True flushes it (the seeded calendar and time limits with it) for every later test."""
    flushing = []
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and (
            marker.kwargs.get("transaction") or "transactional_db" in getattr(item, "fixturenames", ())
        ):
            flushing.append(item)
    if flushing:
        config.hook.pytest_deselected(items=flushing)
        items[:] = [item for item in items if item not in flushing]


def pytest_report_header(config):
    return (
        f"cityops: database={'PostgreSQL' if ON_POSTGRES else 'SQLite'} redis={REDIS_URL or 'off'} CI={CI} "
        f"hypothesis={HYPOTHESIS_PROFILE}"
    )


def tests_ran(stats: dict) -> int:
    """Tests whose body ran (passed or failed), from the terminal reporter's stats."""
    return sum(
        1 for key in ("passed", "failed") for r in stats.get(key, []) if getattr(r, "when", "") == "call"
    )


def gate_failures(stats: dict, minimum: int) -> list[str]:
    """Why a CI run must fail although pytest itself may have passed it (empty when it may pass)."""
    skipped, deselected = len(stats.get("skipped", [])), len(stats.get("deselected", []))
    xfailed, xpassed = len(stats.get("xfailed", [])), len(stats.get("xpassed", []))
    problems = []
    if skipped:
        problems.append(f"{skipped} test(s) were skipped; every test must run in CI")
    if deselected:
        problems.append(f"{deselected} test(s) were deselected; CI runs the whole suite")
    if xfailed or xpassed:
        problems.append(f"{xfailed} xfailed and {xpassed} xpassed: an expected failure is a failure in CI")
    if (ran := tests_ran(stats)) < minimum:
        problems.append(f"only {ran} tests ran, fewer than ci_min_tests = {minimum} (pyproject.toml)")
    return problems


def pytest_sessionfinish(session, exitstatus):
    config = session.config
    if _is_worker(config) or not CI:
        return
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    stats = reporter.stats if reporter else {}
    minimum = int(config.getini("ci_min_tests"))
    problems = gate_failures(stats, minimum)
    print(f"\nCI gate: {tests_ran(stats)} tests ran (ci_min_tests = {minimum}).", file=sys.stderr)
    for problem in problems:
        print(f"CI=true: {problem}.", file=sys.stderr)
    if problems and session.exitstatus == 0:
        session.exitstatus = 1
