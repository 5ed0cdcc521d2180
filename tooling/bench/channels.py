"""Channel figures: hotline tickets ingested end to end, and Open311 `GET requests` latency over a
large case table (cloned inside a transaction that is rolled back, like the sweep benchmark)."""

import statistics
import time
from datetime import date

from django.db import transaction
from django.test import Client
from rest_framework.test import APIClient

from cases.models import Case
from tooling.bench.sweep import _clone_cases, _Rollback, reclaim

HOTLINE_KEY = "demo-hotline-12345-key"  # made by load_demo (tooling/demo/gazetteer.py)


def hotline_rate(desk, count: int) -> dict:
    """POST /api/v1/hotline/tickets/ → stored, then (tasks run eagerly in the bench) turned into a case."""
    client = APIClient()
    prefix = f"B{date.today():%m%d}{time.monotonic_ns() % 10**8:08d}"
    before = Case.objects.filter(hotline_ticket_no__startswith=prefix).count()
    timings = []
    started = time.perf_counter()
    for n in range(count):
        lng, lat = desk.rng.choice(desk.points)
        body = {
            "ticket_no": f"{prefix}-{n:05d}",
            "channel": "12345",
            "received_at": "2026-11-21T09:15:00+08:00",
            "caller_name": "压测来电人",
            "caller_phone": "13900001111",
            "address": "河西区友谊路 3 号门口",
            "lng": lng,
            "lat": lat,
            "category_hint": desk.rng.choice(desk.categories).code,
            "description": f"压测热线工单 {n}",
        }
        t0 = time.perf_counter()
        response = client.post("/api/v1/hotline/tickets/", body, format="json", HTTP_X_API_KEY=HOTLINE_KEY)
        timings.append(time.perf_counter() - t0)
        assert response.status_code == 202, response.content
    seconds = time.perf_counter() - started
    made = Case.objects.filter(hotline_ticket_no__startswith=prefix).count() - before
    return {
        "tickets": count,
        "cases": made,
        "seconds": round(seconds, 2),
        "per_second": round(count / seconds, 1),
        "median_ms": round(statistics.median(timings) * 1000, 1),
    }


def open311_latency(total_cases: int, requests: int = 30) -> dict:
    """p50/p95 of `GET /open311/v2/requests.json` (default window, 1,000 rows) with `total_cases` cases."""
    template = Case.objects.filter(hotline_ticket_no="").order_by("-id").first()  # ticket numbers are unique
    client = Client()
    figures: dict = {"cases": total_cases}
    try:
        with transaction.atomic():
            missing = total_cases - Case.objects.count()
            if missing > 0:
                _clone_cases(template, missing)
            figures["cases"] = Case.objects.count()
            from django.db import connection

            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE cases_case")
            for fmt in ("json", "xml"):
                timings = []
                for _ in range(requests):
                    t0 = time.perf_counter()
                    response = client.get(f"/open311/v2/requests.{fmt}")
                    timings.append(time.perf_counter() - t0)
                    assert response.status_code == 200, response.content[:300]
                timings.sort()
                figures[fmt] = {
                    "p50_ms": round(statistics.median(timings) * 1000, 1),
                    "p95_ms": round(timings[int(len(timings) * 0.95) - 1] * 1000, 1),
                }
            raise _Rollback
    except _Rollback:
        pass
    reclaim()
    return figures
