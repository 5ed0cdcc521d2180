"""Page figures (issue #5): server time of each work-queue page with 100,000 open cases, and what the
inspector's report page weighs on a phone.

Data: the case generator writes a realistic base (a few days of reports, so every open state has
cases with real histories and steps), then open cases of each state are cloned from those, with their
open timed step, up to `open_cases` open cases (shares below), spread over the generated cases'
departments, grids and categories, with deadlines spread from two days late to eight days ahead. The
clones live in a transaction that is rolled back, like the SLA sweep's. Pages are fetched in-process
with Django's test Client, signed in as the role whose page it is: routing, session, middleware,
queries and templates, without a web server or the network.
"""

import gzip
import re
import statistics
import time

from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Case, TimedStep
from cases.workflow import Status
from tooling.bench.sweep import _columns, _Rollback, reclaim
from tooling.generator import generate_cases

# How 100,000 open cases spread over the open states (most of a district's open work is 处置中).
SHARES = {
    Status.REPORTED: 0.07,
    Status.VERIFYING: 0.04,
    Status.PENDING_FILING: 0.06,
    Status.PENDING_DISPATCH: 0.06,
    Status.IN_PROGRESS: 0.60,
    Status.SUSPENDED: 0.03,
    Status.PENDING_CHECK: 0.08,
    Status.PENDING_CLOSURE: 0.06,
}
TEMPLATES_PER_STATE = 12  # distinct cases cloned per state: several departments, grids and categories
# (label, url, persona): the persona is the demo user whose page it is.
PAGES = (
    ("待受理 accept", "/queues/accept/", "operator"),
    ("待核实 verify", "/queues/verify/", "operator"),
    ("待立案 file", "/queues/file/", "shift_leader"),
    ("待派遣 dispatch", "/queues/dispatch/", "dispatcher"),
    ("处置中 in_progress（派遣员，按时限）", "/queues/in_progress/", "dispatcher"),
    ("处置中 in_progress（部门，按时限）", "/queues/in_progress/", "department"),
    ("待核查 check", "/queues/check/", "operator"),
    ("待结案 close", "/queues/close/", "shift_leader"),
    ("案件查询 /cases/", "/cases/", "shift_leader"),
    ("审批台账 /ledger/", "/ledger/", "dispatcher"),
)
TARGET_MS = 300


def _templates(department_id) -> dict[str, list[int]]:
    """Up to TEMPLATES_PER_STATE open cases per state from distinct departments and grids; 处置中 and
    挂账 include the demo department's own cases, so its scoped queue has work in it."""
    chosen: dict[str, list[int]] = {}
    for status in SHARES:
        open_ones = Case.objects.filter(status=status, steps__finished_at__isnull=True)
        rows = list(
            open_ones.order_by("department_id", "grid_id", "-id")
            .distinct("department_id", "grid_id")
            .values_list("id", flat=True)[:TEMPLATES_PER_STATE]
        )
        if department_id and status in (Status.IN_PROGRESS, Status.SUSPENDED):
            own = open_ones.filter(department_id=department_id).exclude(pk__in=rows)
            rows += list(own.order_by("-id").values_list("id", flat=True)[:2])
        chosen[status] = rows
    return chosen


def _clone_open(template_id: int, n: int, now) -> None:
    """`n` copies of an open case and its open timed step, reported over the past weeks, deadlines spread."""
    case_table = connection.ops.quote_name(Case._meta.db_table)
    step_table = connection.ops.quote_name(TimedStep._meta.db_table)
    cols = _columns(Case)
    special = {
        "number": "t.number || '-P' || g.x",
        "hotline_ticket_no": "CASE WHEN t.hotline_ticket_no = '' THEN '' ELSE t.hotline_ticket_no || '-P' || g.x END",
        "created_at": "t.created_at - make_interval(secs => g.x * 37)",
    }
    select = ", ".join(special.get(c, f"t.{c}") for c in cols)
    step_cols = _columns(TimedStep)
    # Deadlines from two days late to eight days ahead; the light follows (yellow within 4 hours).
    due = "(%(now)s::timestamptz + make_interval(mins => ((c.id * 7919) %% 14400)::int - 2880))"
    values = {
        "case_id": "c.id",
        "started_at": "c.created_at",
        "due_at": due,
        "warn_at": f"{due} - interval '4 hours'",
        "next_check_at": f"CASE WHEN {due} < %(now)s THEN NULL ELSE {due} - interval '4 hours' END",
        "light": f"CASE WHEN {due} < %(now)s THEN 'red' WHEN {due} < %(now)s::timestamptz + interval '4 hours' "
        "THEN 'yellow' ELSE 'green' END",
    }
    step_select = ", ".join(values.get(c, f"s.{c}") for c in step_cols)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {case_table} ({', '.join(cols)}) SELECT {select} "
            f"FROM {case_table} t, generate_series(1, %(n)s) g(x) WHERE t.id = %(t)s",
            {"n": n, "t": template_id},
        )
        cursor.execute(
            f"INSERT INTO {step_table} ({', '.join(step_cols)}) SELECT {step_select} "
            f"FROM {case_table} c, {step_table} s "
            f"WHERE s.case_id = %(t)s AND s.finished_at IS NULL "
            f"AND c.number LIKE (SELECT number FROM {case_table} WHERE id = %(t)s) || '-P%%'",
            {"t": template_id, "now": now},
        )


def _fill(open_cases: int, department_id) -> dict:
    now = timezone.now()
    templates = _templates(department_id)
    made = {}
    for status, share in SHARES.items():
        ids = templates.get(status) or []
        want = int(open_cases * share) - Case.objects.filter(status=status).count()
        if not ids or want <= 0:
            made[status] = 0
            continue
        per, extra = divmod(want, len(ids))
        for i, template in enumerate(ids):
            _clone_open(template, per + (1 if i < extra else 0), now)
        made[status] = want
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case; ANALYZE cases_timedstep; ANALYZE cases_caserequest")
    return made


def _time(client: Client, url: str, requests: int) -> dict:
    for _ in range(2):  # warm: templates compiled, connections and caches ready
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    timings = []
    connection.queries_log.clear()  # a full log (maxlen) would make the capture look empty
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
    timings.sort()
    rows = response.content.count(b'<th scope="row"')
    return {
        "p50_ms": round(statistics.median(timings) * 1000, 1),
        "p95_ms": round(timings[max(int(len(timings) * 0.95) - 1, 0)] * 1000, 1),
        "queries": len(queries),
        "rows": rows,
    }


def _explain(client: Client, url: str) -> dict:
    """The plan of the page's row query: does it walk timedstep_open_due and avoid sorting the queue?"""
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    sql = next(
        q["sql"] for q in queries.captured_queries if "cases_timedstep" in q["sql"] and "LIMIT" in q["sql"]
    )
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return {
        "uses_index": "timedstep_open_due" in plan,
        # A plain Sort node would sort the whole queue; an Incremental Sort only breaks due_at ties.
        "full_sort": bool(re.search(r"^\s*(->\s*)?Sort\s+\(", plan, re.M)),
        "execution_ms": float(re.search(r"Execution Time: ([\d.]+)", plan).group(1)),
        "plan": plan,
    }


def report_page_weight(client: Client) -> dict:
    """GET /inspector/report/ and the static files its HTML references, each gzip-compressed (level 6,
    what a web server's gzip typically does); files a stylesheet pulls in later (url()) are not counted."""
    response = client.get("/inspector/report/")
    assert response.status_code == 200, response.status_code
    html = response.content
    refs = re.findall(rb'(?:href|src)="/static/([^"?#]+)', html)
    files = {"/inspector/report/ (HTML)": (len(html), len(gzip.compress(html, 6)))}
    for ref in dict.fromkeys(r.decode() for r in refs):
        found = finders.find(ref)
        if not found:
            files[ref] = (0, 0)
            continue
        with open(found, "rb") as fh:
            data = fh.read()
        files[ref] = (len(data), len(gzip.compress(data, 6)))
    return {
        "files": {
            name: {"raw_kb": round(raw / 1024, 1), "gzip_kb": round(gz / 1024, 1)}
            for name, (raw, gz) in files.items()
        },
        "total_raw_kb": round(sum(raw for raw, _ in files.values()) / 1024, 1),
        "total_gzip_kb": round(sum(gz for _, gz in files.values()) / 1024, 1),
    }


def bench_queue_pages(
    open_cases: int = 100_000, requests: int = 20, base_cases: int = 3000, say=print
) -> dict:
    """Median and p95 server time of each queue page over `open_cases` open cases; the report page's weight."""
    users = {
        u.username: u
        for u in get_user_model().objects.filter(username__in={p for _, _, p in PAGES} | {"inspector"})
    }
    clients = {}
    for name, user in users.items():
        clients[name] = Client()
        clients[name].force_login(user)
    if Case.objects.filter(status__in=list(SHARES)).values("status").distinct().count() < len(SHARES) - 1:
        say(f"    生成器写入 {base_cases} 件近 4 天的案件（各在办状态的模板）")
        generate_cases(base_cases, days=4, seed=5, note=lambda line: None)
    figures: dict = {"target_ms": TARGET_MS, "requests": requests}
    weight = report_page_weight(clients["inspector"])
    reclaim()  # an earlier run's rolled-back clones
    try:
        with transaction.atomic():
            started = time.perf_counter()
            _fill(open_cases, users["department"].department_id)
            if connection.vendor == "postgresql":  # a real table has statistics about its rows
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE cases_case, cases_timedstep")
            figures["setup_s"] = round(time.perf_counter() - started, 1)
            figures["open_cases"] = Case.objects.filter(status__in=list(SHARES)).count()
            figures["by_status"] = {s: Case.objects.filter(status=s).count() for s in SHARES}
            say(f"    在办案件 {figures['open_cases']:,} 件（准备 {figures['setup_s']} s）")
            pages = {}
            for label, url, persona in PAGES:
                pages[label] = _time(clients[persona], url, requests)
                say(f"    {label:<40} P50 {pages[label]['p50_ms']:>7} ms  P95 {pages[label]['p95_ms']:>7} ms")
            figures["pages"] = pages
            explain = _explain(clients["dispatcher"], "/queues/in_progress/")
            figures["in_progress_plan"] = {k: v for k, v in explain.items() if k != "plan"}
            figures["in_progress_plan_text"] = explain["plan"].splitlines()
            raise _Rollback
    except _Rollback:
        pass
    reclaim()
    figures["report_page_weight"] = weight
    return figures


def table(figures: dict) -> str:
    lines = [
        f"工作队列页面（在办 {figures['open_cases']:,} 件，服务端耗时，每页 {figures['requests']} 次，目标 < {figures['target_ms']} ms）"
    ]
    for label, page in figures["pages"].items():
        flag = "" if page["p95_ms"] < figures["target_ms"] else "  ← 超目标"
        lines.append(
            f"  {label:<36} P50 {page['p50_ms']:>7} ms  P95 {page['p95_ms']:>7} ms  {page['queries']:>2} 条 SQL  {page['rows']} 行{flag}"
        )
    plan = figures["in_progress_plan"]
    lines.append(
        f"  处置中按时限 EXPLAIN：{'走' if plan['uses_index'] else '未走'}索引 timedstep_open_due，"
        f"{'有' if plan['full_sort'] else '无'}全量排序，执行 {plan['execution_ms']} ms"
    )
    weight = figures["report_page_weight"]
    lines += [
        "",
        f"监督员上报页传输量（gzip）：合计 {weight['total_gzip_kb']} KB（未压缩 {weight['total_raw_kb']} KB）",
    ]
    for name, size in weight["files"].items():
        lines.append(f"  {name:<44} {size['gzip_kb']:>7} KB  （{size['raw_kb']} KB）")
    return "\n".join(lines)
