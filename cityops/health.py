"""`/healthz`: is this installation able to do its work?

    GET /healthz                      every check; 200 when all pass, 503 naming the failing ones
    GET /healthz?check=database,cache only these (the web container's own health: it can serve)
    GET /healthz?live=1               200 without touching anything (the process answers)

Checks: the calendar (a warning, not a failure: from CALENDAR_WARN_DAYS before the working calendar's
last known day, status "warn" and HTTP 200, so no orchestrator restarts a healthy container over it),
the database (SELECT 1), the cache (a set and a get, when REDIS_URL is set), the worker and
beat heartbeats, and the proxy setting (a warning too: TRUSTED_PROXIES disagreeing with the
X-Forwarded-For that requests carried in the last hour, core/security.py). Beat sends `cityops.tasks.heartbeat` every minute and stamps the time it sent it;
the worker stamps the time it ran it. So "worker alive" means a worker consumed a task recently,
not merely that a process exists, and a dead beat is told apart from a dead or stuck worker.

The heartbeats live in the cache when it is Redis (shared by every container), otherwise in files
under CITYOPS_VAR_DIR (the demo runs web, worker and beat on one machine, each with its own
local-memory cache).
"""

import logging
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = "cityops:heartbeat:"
PROCESSES = ("worker", "beat")


class CheckFailed(Exception):
    """A failure whose message is safe to show to an unauthenticated caller."""


class Warned(Exception):
    """The installation works, but someone must act soon (the body says what; the status stays 200)."""


class Skipped(Exception):
    """The check does not apply to this installation."""


# ------------------------------------------------------------------------------------- heartbeats


def _heartbeat_file(process: str) -> Path:
    return Path(settings.VAR_DIR) / f"heartbeat-{process}"


def record_heartbeat(process: str, at: float | None = None) -> None:
    at = time.time() if at is None else at
    if settings.REDIS_URL:
        # Kept a day, so a long-dead process shows its age rather than "no heartbeat".
        cache.set(HEARTBEAT_KEY + process, at, timeout=24 * 3600)
        return
    path = _heartbeat_file(process)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    tmp.write_text(repr(at))
    tmp.replace(path)  # atomic: a reader never sees half a number


def last_heartbeat(process: str) -> float | None:
    if settings.REDIS_URL:
        return cache.get(HEARTBEAT_KEY + process)
    try:
        return float(_heartbeat_file(process).read_text())
    except (FileNotFoundError, ValueError):
        return None


# ----------------------------------------------------------------------------------------- checks


def check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {}


def check_cache() -> dict:
    if not settings.REDIS_URL:
        raise Skipped("REDIS_URL is not set (local-memory cache)")
    key, token = f"cityops:healthz:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, token, timeout=30)
    try:
        if cache.get(key) != token:
            raise CheckFailed("the cache did not return the value just written")
    finally:
        cache.delete(key)
    return {}


def check_calendar() -> dict:
    from django.utils import timezone

    from dispatch.calendar import calendar_warning, days_left, get_calendar, known_until

    calendar, today = get_calendar(), timezone.localdate()
    last = known_until(calendar)
    warning = calendar_warning(today, calendar)
    if warning:
        raise Warned(warning)
    return {"known_until": last.isoformat(), "days_left": days_left(today, calendar)}


def _heartbeat_check(process: str) -> dict:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        raise Skipped("CELERY_TASK_ALWAYS_EAGER: tasks run in the web process")
    at = last_heartbeat(process)
    if at is None:
        raise CheckFailed(f"no {process} heartbeat recorded")
    age = max(0.0, time.time() - at)
    limit = settings.HEALTH_HEARTBEAT_MAX_AGE
    if age > limit:
        raise CheckFailed(f"last {process} heartbeat {age:.0f} s ago (limit {limit} s)")
    return {"age_s": round(age, 1)}


def check_worker() -> dict:
    return _heartbeat_check("worker")


def check_beat() -> dict:
    return _heartbeat_check("beat")


def check_proxy() -> dict:
    """TRUSTED_PROXIES against what requests carry (core/security.py): a request with X-Forwarded-For
    while it is 0, or with fewer addresses than it says, within the last hour is a warning here."""
    from core.security import last_proxy_warning

    if seen := last_proxy_warning():
        raise Warned(seen["warning"])
    return {"trusted_proxies": settings.TRUSTED_PROXIES}


CHECKS: dict[str, Callable[[], dict]] = {
    "calendar": check_calendar,
    "database": check_database,
    "cache": check_cache,
    "worker": check_worker,
    "beat": check_beat,
    "proxy": check_proxy,
}


def run_checks(names: list[str]) -> dict[str, dict]:
    results = {}
    for name in names:
        started = time.perf_counter()
        try:
            result = {"status": "ok", **CHECKS[name]()}
        except Warned as warning:
            result = {"status": "warn", "warning": str(warning)}
        except Skipped as skip:
            result = {"status": "skipped", "reason": str(skip)}
        except CheckFailed as failure:
            result = {"status": "fail", "error": str(failure)}
        except Exception as exc:
            # The details (host names, credentials in URLs) go to the log, not to an anonymous caller.
            logger.warning("health check %s failed", name, exc_info=True)
            result = {"status": "fail", "error": type(exc).__name__}
        result["ms"] = round((time.perf_counter() - started) * 1000, 1)
        results[name] = result
    return results


@never_cache
@require_safe
def healthz(request):
    if request.GET.get("live"):
        return JsonResponse({"status": "ok"})
    wanted = request.GET.get("check")
    names = [n.strip() for n in wanted.split(",") if n.strip()] if wanted else list(CHECKS)
    unknown = [n for n in names if n not in CHECKS]
    if unknown or not names:
        return JsonResponse(
            {"status": "error", "error": f"unknown check {', '.join(unknown)}; use {', '.join(CHECKS)}"},
            status=400,
        )
    results = run_checks(names)
    failing = [name for name, result in results.items() if result["status"] == "fail"]
    warning = [name for name, result in results.items() if result["status"] == "warn"]
    body = {"status": "fail" if failing else "warn" if warning else "ok", "checks": results}
    if failing:
        body["failing"] = failing
    if warning:
        body["warnings"] = warning
    return JsonResponse(body, status=503 if failing else 200)
