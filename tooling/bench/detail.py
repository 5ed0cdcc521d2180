"""Case detail figures (issue #18): the detail API and the case page, each timed next to its own SQL
replayed (the same statements, same parameters, through the same connection, rows fetched): the
ceiling no Python-side improvement can pass. Target: API ≤ 2 × its SQL.

The case is the one with the longest history in the bench database (the generator's, or the API
reports'); timings are medians of interleaved rounds, so a shared machine's noise falls on both alike.
"""

import statistics
import time

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases.models import Case
from tooling.generator import generate_cases

TARGET_API = 2.0
ROUNDS = 40


def _busy_case() -> Case:
    if not Case.objects.exists():
        generate_cases(300, days=3, seed=11, note=lambda line: None)
    return Case.objects.annotate(n=Count("events")).order_by("-n", "-id").first()


def _captured(fetch) -> list[str]:
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        fetch()
    return [q["sql"] for q in queries.captured_queries]


def _replay(statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
            if cursor.description is not None:
                cursor.fetchall()


def _pair(fetch, rounds: int) -> dict:
    for _ in range(3):
        response = fetch()
        assert response.status_code == 200, response.status_code
    statements = [s for s in _captured(fetch) if not s.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    own, sql = [], []
    for _ in range(rounds):  # interleaved: each round times the request, then its SQL
        started = time.perf_counter()
        fetch()
        own.append(time.perf_counter() - started)
        started = time.perf_counter()
        _replay(statements)
        sql.append(time.perf_counter() - started)
    own_ms, sql_ms = statistics.median(own) * 1000, statistics.median(sql) * 1000
    return {
        "ms": round(own_ms, 2),
        "sql_ms": round(sql_ms, 2),
        "ratio": round(own_ms / sql_ms, 2),
        "queries": len(statements),
    }


def detail_figures(rounds: int = ROUNDS, say=print) -> dict:
    case = _busy_case()
    user = get_user_model().objects.get(username="shift_leader")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    page = Client()
    page.force_login(user)
    figures = {
        "case_events": case.events.count(),
        "target_api": TARGET_API,
        "api": _pair(lambda: api.get(f"/api/v1/cases/{case.pk}/"), rounds),
        "page": _pair(lambda: page.get(f"/cases/{case.pk}/"), rounds),
    }
    for name in ("api", "page"):
        f = figures[name]
        say(f"    {name}: {f['ms']} ms，其 SQL 重放 {f['sql_ms']} ms（{f['queries']} 条），比值 {f['ratio']}")
    return figures


def table(figures: dict) -> list[str]:
    api, page = figures["api"], figures["page"]
    return [
        "",
        f"案件详情（{figures['case_events']} 条事件；同一轮交替计时，中位数）",
        f"  详情 API  {api['ms']} ms / 其 SQL {api['sql_ms']} ms（{api['queries']} 条）= {api['ratio']}"
        f"（目标 ≤ {figures['target_api']}）",
        f"  案件页面  {page['ms']} ms / 其 SQL {page['sql_ms']} ms（{page['queries']} 条）= {page['ratio']}",
    ]
