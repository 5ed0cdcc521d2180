"""Prometheus metrics at `/metrics` (prometheus-client, the reference Python client).

Request latency is a histogram by route name, method and status, observed by `MetricsMiddleware`.
The rest is read at scrape time, with count queries on the partial indexes the sweep and the
overdue list already use, so a scrape costs a few index scans however many cases there are:

    cityops_celery_queue_length{queue}        messages waiting in the broker
    cityops_timed_steps_due                   steps whose light is due to change (next_check_at <= now)
    cityops_sla_sweep_lag_seconds             how long the oldest of those has been due (sweep stuck?)
    cityops_timed_steps_overdue               running steps with a red light
    cityops_cases_open{status}                open cases by status
    cityops_heartbeat_age_seconds{process}    worker and beat heartbeats (cityops/health.py)

Under gunicorn each worker process has its own counters: set PROMETHEUS_MULTIPROC_DIR (an empty
directory, wiped at start) and every scrape reports the sum over the processes.

Access: from METRICS_ALLOWED_NETWORKS (loopback and private ranges by default) unless the request
came through a proxy (X-Forwarded-For), or anywhere with `Authorization: Bearer $METRICS_TOKEN`.
"""

import hmac
import ipaddress
import logging
import os
import time
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Min
from django.http import HttpResponse, HttpResponseForbidden
from django.utils import timezone
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from cityops import health

logger = logging.getLogger(__name__)
disable_created_metrics()  # the *_created series only double what a scrape sends

REQUEST_LATENCY = Histogram(
    "cityops_http_request_duration_seconds",
    "Time to answer a request, by route name, method and status.",
    ["view", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2.5, 5, 10),
)
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


class MetricsMiddleware:
    """Outermost but one (after the request id): times everything the other middleware do."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        # Route names, never paths: a path label would make one series per case id.
        view = match.view_name if match else "<unresolved>"
        method = request.method if request.method in _METHODS else "other"
        REQUEST_LATENCY.labels(view, method, str(response.status_code)).observe(time.perf_counter() - started)
        return response


# ------------------------------------------------------------------------------- scrape-time gauges


def _broker_queue_length(queue: str) -> int | None:
    """Messages waiting in `queue`, or None when the broker cannot say (or does not answer)."""
    url = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://")):
        import redis

        # kombu keeps a queue's prioritised messages in sibling lists: "celery", "celery\x06\x163", …
        keys = [queue] + [f"{queue}\x06\x16{p}" for p in (3, 6, 9)]
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        try:
            pipe = client.pipeline(transaction=False)
            for key in keys:
                pipe.llen(key)
            return sum(pipe.execute())
        finally:
            client.close()
    if url.startswith("filesystem"):
        # kombu's file transport: one "<time>_<uuid>.<queue>.msg" file per waiting message.
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        suffix = f".{queue}.msg"
        with os.scandir(folder) as entries:
            return sum(1 for entry in entries if entry.name.endswith(suffix))
    return None


class CityOpsCollector:
    def collect(self):
        from cases.models import Case, Light, TimedStep
        from cases.workflow import OPEN

        queue = getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")
        broker_up = GaugeMetricFamily(
            "cityops_celery_broker_up", "1 when the broker answered the queue-length query."
        )
        length = GaugeMetricFamily(
            "cityops_celery_queue_length", "Messages waiting in the Celery queue.", labels=["queue"]
        )
        try:
            waiting = _broker_queue_length(queue)
        except Exception:
            logger.warning("metrics: the broker did not answer", exc_info=True)
            broker_up.add_metric([], 0)
        else:
            broker_up.add_metric([], 1)
            if waiting is not None:
                length.add_metric([queue], waiting)
        yield broker_up
        yield length

        now = timezone.now()
        due = TimedStep.objects.filter(next_check_at__lte=now).aggregate(
            n=Count("id"), oldest=Min("next_check_at")
        )
        yield GaugeMetricFamily(
            "cityops_timed_steps_due",
            "Timed steps whose light is due to change (next_check_at has passed).",
            value=due["n"],
        )
        yield GaugeMetricFamily(
            "cityops_sla_sweep_lag_seconds",
            "How long the longest-waiting due step has been due (0 when none is).",
            value=(now - due["oldest"]).total_seconds() if due["oldest"] else 0,
        )
        yield GaugeMetricFamily(
            "cityops_timed_steps_overdue",
            "Running timed steps with a red light (超期).",
            value=TimedStep.objects.filter(finished_at__isnull=True, light=Light.RED).count(),
        )
        by_status = dict(
            Case.objects.filter(status__in=list(OPEN)).values_list("status").annotate(n=Count("id"))
        )
        open_cases = GaugeMetricFamily("cityops_cases_open", "Open cases by status.", labels=["status"])
        for status in sorted(OPEN):  # every open status, zeros included, so no series vanishes
            open_cases.add_metric([status], by_status.get(status, 0))
        yield open_cases

        ages = GaugeMetricFamily(
            "cityops_heartbeat_age_seconds",
            "Seconds since the worker ran / beat sent the heartbeat task.",
            labels=["process"],
        )
        for process in health.PROCESSES:
            try:
                at = health.last_heartbeat(process)
            except Exception:
                logger.warning("metrics: could not read the %s heartbeat", process, exc_info=True)
                continue
            if at is not None:
                ages.add_metric([process], max(0.0, time.time() - at))
        yield ages


class _Scrape:
    """What one scrape reports: the process' (or all processes') counters and the gauges above."""

    def __init__(self, base):
        self.base = base

    def collect(self):
        yield from self.base.collect()
        yield from CityOpsCollector().collect()


# ------------------------------------------------------------------------------------------ access


@cache
def _networks(spec: tuple[str, ...]):
    return [ipaddress.ip_network(net, strict=False) for net in spec]


def allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
        return True
    if "X-Forwarded-For" in request.headers:
        # Came through a proxy: REMOTE_ADDR is the proxy's (private) address, not the client's.
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in net for net in _networks(tuple(settings.METRICS_ALLOWED_NETWORKS)))


@never_cache
def metrics(request):
    if not allowed(request):
        return HttpResponseForbidden("metrics: use a bearer token or scrape from an allowed network\n")
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        base = CollectorRegistry()
        MultiProcessCollector(base)
    else:
        base = REGISTRY
    return HttpResponse(generate_latest(_Scrape(base)), content_type=CONTENT_TYPE_LATEST)
