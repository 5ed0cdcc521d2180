"""The measurements: reports per second through the API, SQL queries per request, generator speed.

Everything runs in-process through DRF's APIClient with token auth, so the figures include routing,
authentication, serializers, the service and its transaction, but not a web server or the network.
"""

import io
import random
import statistics
import time

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from dispatch.models import Category
from grids.locator import get_locator
from tooling.generator import generate_cases

CASES = "/api/v1/cases/"
PERSONAS = ("inspector", "operator", "shift_leader", "dispatcher", "department")
COMMON = ("06010", "06012", "09006", "07001", "09005", "06036")  # the everyday 事项 (暴露垃圾 …)


def prepare() -> None:
    """Migrate and load the demo district (both idempotent: a second run only checks)."""
    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_demo", verbosity=0)


def database_label() -> str:
    if connection.vendor == "postgresql":
        version = connection.pg_version
        return f"PostgreSQL {version // 10000}.{version % 10000}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


class Desk:
    """The demo personas signed in with tokens, and what the inspector can report on."""

    def __init__(self, rng: random.Random):
        users = {u.username: u for u in get_user_model().objects.filter(username__in=PERSONAS)}
        missing = [name for name in PERSONAS if name not in users]
        if missing:
            raise LookupError(f"演示用户缺失：{', '.join(missing)}（load_demo 应已创建）")
        self.users = users
        self.clients = {}
        for name, user in users.items():
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
            self.clients[name] = client
        self.rng = rng
        self.categories = list(
            Category.objects.filter(kind=Category.Kind.EVENT, code__in=COMMON, is_active=True)
        )
        self.categories = self.categories or list(
            Category.objects.filter(kind=Category.Kind.EVENT, is_active=True)[:10]
        )
        self.points = points_in(users["inspector"].grids.all(), rng)

    def report_body(self, n: int) -> dict:
        lng, lat = self.rng.choice(self.points)
        return {
            "category": self.rng.choice(self.categories).pk,
            "lng": lng,
            "lat": lat,
            "description": f"压测上报 {n}：路边有暴露垃圾",
            "address": "压测地址",
        }


def points_in(grids, rng: random.Random, per_grid: int = 4) -> list[tuple[float, float]]:
    candidates, owners = [], []
    for grid in grids:
        for _ in range(per_grid * 3):
            candidates.append(
                (rng.uniform(grid.min_lng, grid.max_lng), rng.uniform(grid.min_lat, grid.max_lat))
            )
            owners.append(grid.pk)
    refs = get_locator().find_many(candidates)
    points = [
        p
        for p, owner, ref in zip(candidates, owners, refs, strict=True)
        if ref is not None and ref.id == owner
    ]
    if not points:
        raise LookupError("演示监督员没有可上报的网格")
    return points


def api_reports(desk: Desk, count: int) -> dict:
    """POST /cases/ `count` times as the inspector, one after another: throughput and latency."""
    client = desk.clients["inspector"]
    latencies = []
    started = time.perf_counter()
    for n in range(count):
        begin = time.perf_counter()
        response = client.post(CASES, desk.report_body(n), format="json")
        latencies.append(time.perf_counter() - begin)
        if response.status_code != 201:
            raise RuntimeError(f"上报失败 {response.status_code}: {response.content[:300]!r}")
    seconds = time.perf_counter() - started
    latencies.sort()
    return {
        "count": count,
        "seconds": round(seconds, 2),
        "per_second": round(count / seconds, 1),
        "median_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 1),
    }


def _photo() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (150, 120, 90)).save(buffer, format="JPEG")
    return SimpleUploadedFile("scene.jpg", buffer.getvalue(), content_type="image/jpeg")


def queries_per_action(desk: Desk) -> dict[str, int]:
    """SQL queries of one report and of each request of a full loop, accept → close."""
    clients = desk.clients
    department = desk.users["department"].department_id
    counts = {}
    with CaptureQueriesContext(connection) as queries:
        response = clients["inspector"].post(CASES, desk.report_body(0), format="json")
    assert response.status_code == 201, response.content
    counts["report"] = len(queries)
    case = response.json()["id"]
    loop = (
        ("accept", "operator", {}, "json"),
        ("file", "shift_leader", {}, "json"),
        ("dispatch", "dispatcher", {"department": department}, "json"),
        ("submit_feedback", "department", {"result": "已清理", "photos": [_photo()]}, "multipart"),
        ("check", "inspector", {"passed": "true", "photos": [_photo()]}, "multipart"),
        ("close", "shift_leader", {}, "json"),
    )
    for action, who, body, fmt in loop:
        with CaptureQueriesContext(connection) as queries:
            response = clients[who].post(f"{CASES}{case}/actions/{action}/", body, format=fmt)
        assert response.status_code == 200, (action, response.content)
        counts[action] = len(queries)
    return counts


def generator_rate(count: int, seed: int = 1) -> dict:
    result = generate_cases(count, days=365, seed=seed, note=lambda line: None)
    return {
        "cases": result.cases,
        "events": result.events,
        "seconds": round(result.seconds, 2),
        "cases_per_second": round(result.rate, 1),
        "method": result.method,
        "minutes_per_million": round(1_000_000 / result.rate / 60, 1) if result.rate else None,
    }
