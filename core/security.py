"""Sign-in lock-out and rate limits for what is reachable without signing in.

Sign-in (django-axes, settings LOGIN_*): failures are counted per username + client address in the
database; after LOGIN_FAILURE_LIMIT of them that pair is refused for LOGIN_LOCKOUT_MINUTES, on the
/login/ form, the admin's login and POST /api/v1/auth/token/ alike, and `lockout_response` says when
to try again. A good sign-in clears the count; an admin unlocks by deleting the attempt in the admin.
On top of that, failed sign-ins per address across all usernames are limited (`login_failures`), so
one address cannot try one password against every account (password spraying) below the per-user limit.

Rate limits (RATE_LIMITS, "N/s|min|hour|day" per client address): anonymous traffic only. Signed-in
staff (a session, an API token) and machine clients with an API key are never counted, so the work
of a busy centre is never throttled; a stranger is. Pages and plain views (Open311, report photos,
/healthz, /metrics, the login page, the map layers' redirect) are limited by
`PublicRateLimitMiddleware`; DRF views (the API, its schema) by `AnonymousRateThrottle`, which DRF
turns into 429 with Retry-After. Both count in the default cache, the same counter per address:
use Redis in production, since the local-memory cache counts per process. Open311 POSTs add stricter
limits per API key and per address (scopes open311_key, open311_ip) through the same `hit`. Every
count fails open: with the cache down, requests pass and a warning is logged.

A view whose clients expect another error shape (Open311's error document) says how it answers 429
with `@answers_too_many_requests(responder)`; this module never needs to know those views.
"""

import ipaddress
import logging
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)

# ---------------------------------------------------------------- client address and counters


def _forwarded(request) -> list[str]:
    return [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or the address our own trusted proxies saw (counted from the right of X-Forwarded-For).

    Only the proxies we run append to the header; anything further left was sent by the client and
    could be forged, so it is never believed. None when there is no valid address (a request built in
    code, e.g. by force_login), which django-axes stores as an empty address.
    """
    proxies = settings.TRUSTED_PROXIES
    forwarded = _forwarded(request)
    candidate = (
        forwarded[-proxies] if proxies and len(forwarded) >= proxies else request.META.get("REMOTE_ADDR")
    )
    try:
        return str(ipaddress.ip_address((candidate or "").strip()))
    except ValueError:
        return None


def _ident(request) -> str:
    return client_ip(request) or "unknown"


# ---------------------------------------------------------------- a wrong proxy setting, made visible

PROXY_WARNING_KEY = "cityops:proxy-warning"
PROXY_WARNING_SECONDS = 3600
# Probes and scrapes come from inside the network, never through the proxy: not evidence either way.
_UNPROXIED_PATHS = ("/healthz", "/metrics")
_proxy_logged_at: dict[str, float] = {}


def proxy_warning(request) -> str | None:
    """What this request says about TRUSTED_PROXIES, when it says the setting is wrong; else None."""
    proxies, forwarded = settings.TRUSTED_PROXIES, _forwarded(request)
    if proxies == 0 and forwarded:
        return (
            "X-Forwarded-For arrived but TRUSTED_PROXIES=0: behind a proxy every client counts as the "
            "proxy's address (one rate limit and one sign-in lock-out for the whole city); set "
            "TRUSTED_PROXIES to the number of proxies in front of the app"
        )
    if proxies and len(forwarded) < proxies:
        return (
            f"TRUSTED_PROXIES={proxies} but a request came with {len(forwarded)} X-Forwarded-For "
            "address(es): it bypassed the proxy, or the setting is higher than the proxies in front "
            "(its client address is REMOTE_ADDR)"
        )
    return None


def note_proxy_setting(request) -> None:
    """Log a wrong proxy setting (at most every ten minutes per process) and keep it for /healthz."""
    if request.path.startswith(_UNPROXIED_PATHS) or not (warning := proxy_warning(request)):
        return
    now = time.time()
    kind = warning[:20]
    if now - _proxy_logged_at.get(kind, 0) >= 600:
        _proxy_logged_at[kind] = now
        logger.warning("proxy setting: %s", warning)
        try:
            cache.set(PROXY_WARNING_KEY, {"warning": warning, "at": now}, timeout=PROXY_WARNING_SECONDS)
        except Exception:  # noqa: BLE001 — the log line above is the record then
            pass


def last_proxy_warning() -> dict | None:
    try:
        return cache.get(PROXY_WARNING_KEY)
    except Exception:  # noqa: BLE001
        return None


_PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*([a-z]+)\s*$")


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def parse_rate(text: str, setting: str) -> Rate:
    match = _RATE.match(text or "")
    if not match or match.group(2) not in _PERIODS or int(match.group(1)) < 1:
        raise ImproperlyConfigured(
            f"{setting}: {text!r} is not a rate like 600/min (periods: s, min, hour, day)"
        )
    return Rate(int(match.group(1)), _PERIODS[match.group(2)])


def _rate(scope: str) -> Rate:
    return parse_rate(settings.RATE_LIMITS[scope], f"RATE_LIMITS[{scope!r}]")


def _window(scope: str, ident: str) -> tuple[Rate, str, float]:
    rate = _rate(scope)
    now = time.time()
    return rate, f"cityops:rate:{scope}:{ident}:{int(now // rate.seconds)}", now


def _wait(rate: Rate, now: float) -> int:
    """Seconds until the current fixed window ends (at least 1): what Retry-After says."""
    return max(1, math.ceil((int(now // rate.seconds) + 1) * rate.seconds - now))


def hit(scope: str, ident: str) -> int | None:
    """Count one request for `ident` in `scope`: the seconds to wait when over the limit, else None.

    A fixed window whose key carries the window number, so it expires on its own; `add` then `incr`
    is atomic on Redis (and within one process on the local-memory cache).
    """
    rate, key, now = _window(scope, ident)
    try:
        if cache.add(key, 1, timeout=rate.seconds + 1):
            count = 1
        else:
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, timeout=rate.seconds + 1)
                count = 1
    except Exception:  # noqa: BLE001 — any cache client error
        # Fail open: with the cache down, /healthz must still say so and staff must still work.
        logger.warning("rate limit %s not counted: the cache is unavailable", scope, exc_info=True)
        return None
    return _wait(rate, now) if count > rate.count else None


def over_limit(scope: str, ident: str) -> int | None:
    """Like `hit` without counting: the seconds to wait when `ident` already used up its window."""
    rate, key, now = _window(scope, ident)
    try:
        count = cache.get(key) or 0
    except Exception:  # noqa: BLE001 — fail open, as in hit()
        logger.warning("rate limit %s not checked: the cache is unavailable", scope, exc_info=True)
        return None
    return _wait(rate, now) if count >= rate.count else None


def is_signed_in(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


# ---------------------------------------------------------------- rate limits: pages and plain views

# Where a sign-in is attempted; POSTs here are also checked against the failures per address.
LOGIN_VIEWS = frozenset({"login", "admin:login", "api-token"})


def _is_drf_view(view_func) -> bool:
    # Imported here: DRF imports this module (DEFAULT_THROTTLE_CLASSES) while defining APIView.
    from rest_framework.views import APIView

    cls = getattr(view_func, "cls", None)
    return isinstance(cls, type) and issubclass(cls, APIView)


def answers_too_many_requests(responder: Callable[[HttpRequest, int], HttpResponse]):
    """View decorator: answer this view's 429s with `responder(request, wait)` instead of JSON or text."""

    def decorate(view):
        view.too_many_requests = responder
        return view

    return decorate


def too_many_requests(request, wait: int, view_func=None) -> HttpResponse:
    """429 with Retry-After, in the shape the caller reads: the view's own, JSON, or text."""
    if responder := getattr(view_func, "too_many_requests", None):
        return responder(request, wait)
    message = _("请求过于频繁，请在 %(seconds)s 秒后再试") % {"seconds": wait}
    if request.path.startswith("/api/") or "html" not in request.META.get("HTTP_ACCEPT", ""):
        response = JsonResponse({"detail": message, "retry_after": wait}, status=429)
    else:
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(wait)
    return response


class PublicRateLimitMiddleware:
    """Anonymous requests to pages and plain views, per client address (see the module docstring).

    Placed after AuthenticationMiddleware: a signed-in session is never counted. DRF views are left
    to DRF's throttle, which runs after token authentication, so a token client is not counted either.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        for scope in settings.RATE_LIMITS:
            _rate(scope)  # a wrong rate in the environment stops start-up, not the first request
        user_login_failed.connect(count_login_failure, dispatch_uid="core.security.count_login_failure")

    def __call__(self, request):
        note_proxy_setting(request)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if is_signed_in(request):
            return None
        ip = _ident(request)
        match = request.resolver_match
        is_login = match is not None and match.view_name in LOGIN_VIEWS
        if request.method == "POST" and is_login:
            if wait := over_limit("login_failures", ip):
                return too_many_requests(request, wait, view_func)
        if _is_drf_view(view_func):
            return None
        # Sign-in has a bucket of its own: a busy public (Open311 readers behind one NAT, say) must
        # not keep staff from signing in, nor staff signing in use up the public's budget.
        if wait := hit("login" if is_login else "anon", ip):
            return too_many_requests(request, wait, view_func)
        return None


def count_login_failure(sender, credentials=None, request=None, **kwargs) -> None:
    """Every failed sign-in counts against its address, whichever username it tried."""
    if request is not None:
        hit("login_failures", _ident(request))


# ---------------------------------------------------------------- rate limits: the API (DRF)

# DRF views with a scope of their own: generating the OpenAPI document costs ~0.1–0.2 s of CPU.
# The token endpoint is a sign-in: the sign-in bucket, not the anonymous one.
VIEW_SCOPES = {"drf_spectacular.views.SpectacularAPIView": "schema", "core.api.TokenView": "login"}


class AnonymousRateThrottle(BaseThrottle):
    """DRF throttle: anonymous API requests per client address; staff and API-key clients pass.

    `request.auth` is set for token and API-key clients (a hotline system is an AnonymousUser with
    its ApiClient as auth), so only truly anonymous callers are counted.
    """

    def allow_request(self, request, view) -> bool:
        if is_signed_in(request) or request.auth is not None:
            return True
        cls = type(view)
        scope = VIEW_SCOPES.get(f"{cls.__module__}.{cls.__qualname__}", "anon")
        self._wait = hit(scope, _ident(request))
        return self._wait is None

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)


# ---------------------------------------------------------------- sign-in lock-out (django-axes)


def lockout_until(request, credentials: dict | None):
    """When the locked username + address may sign in again: its last counted failure + the cool-off."""
    from axes.helpers import get_client_username, get_cool_off
    from axes.models import AccessAttempt

    cool_off = get_cool_off(request) or timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    username = get_client_username(request, credentials)
    last = (
        AccessAttempt.objects.filter(username=username, ip_address=getattr(request, "axes_ip_address", None))
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    return (last or timezone.now()) + cool_off


def lockout_response(request, original_response=None, credentials: dict | None = None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: 429 with Retry-After; the Chinese page for the forms, JSON for the API."""
    until = lockout_until(request, credentials)
    wait = max(1, math.ceil((until - timezone.now()).total_seconds()))
    minutes = max(1, math.ceil(wait / 60))
    if request.path.startswith("/api/"):
        local = timezone.localtime(until)
        detail = _("登录失败次数过多，该账号在本地址已被暂时锁定，请于 %(time)s 后再试") % {
            "time": local.strftime("%H:%M")
        }
        response = JsonResponse(
            {"detail": detail, "retry_after": wait, "locked_until": local.isoformat()}, status=429
        )
    else:
        context = {
            "until": until,
            "minutes": minutes,
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "login_url": settings.LOGIN_URL,
        }
        response = render(request, "registration/locked_out.html", context, status=429)
    response["Retry-After"] = str(wait)
    return response
