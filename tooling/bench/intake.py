"""Intake under concurrency (issue #18): `POST /api/v1/cases/` on a real gunicorn (sync workers), driven
by 1 and by 8 concurrent keep-alive clients, next to its ceiling on the same server and clients: a bare
authenticated DRF view inserting one case-sized row (tooling/bench/bench_urls.py, only in the bench's
URLconf). Full answer and `Prefer: return=minimal`. While each run lasts, pg_stat_activity is sampled
every 100 ms: the share of active backends waiting on a lock (target < 10 %).

Runs are interleaved (bare, full, minimal at 1 client, then at 8), each for a fixed time, so a shared
machine's load falls on a figure and its ceiling alike; the ratios are what to compare.
"""

import http.client
import json
import os
import subprocess
import sys
import threading
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, connections
from rest_framework.authtoken.models import Token

from cases.models import Case
from tooling.bench.live import _free_port, _wait_for
from tooling.bench.measure import Desk

WORKERS = 8
CLIENTS = (1, 8)
TARGETS = {"intake_full": 0.5, "intake_minimal": 0.7, "scaling_8_vs_1": 3.0, "lock_wait_share": 0.10}


def _prepare_bare_table() -> None:
    template = Case.objects.order_by("id").values_list("pk", flat=True).first()
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_bare_case, bench_bare_case_template")
        cursor.execute("CREATE TABLE bench_bare_case (LIKE cases_case INCLUDING DEFAULTS INCLUDING IDENTITY)")
        cursor.execute("ALTER TABLE bench_bare_case ADD PRIMARY KEY (id)")
        cursor.execute(
            "CREATE TABLE bench_bare_case_template AS SELECT * FROM cases_case WHERE id = %s", [template]
        )


class _Sampler(threading.Thread):
    """pg_stat_activity every 100 ms: active backends of the bench database, and those waiting on a lock."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.active = self.waiting = 0
        self.events: dict[str, int] = {}

    def run(self):
        conn = connections.create_connection("default")
        try:
            with conn.cursor() as cursor:
                while not self.stop.is_set():
                    cursor.execute(
                        "SELECT wait_event_type, wait_event FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'"
                    )
                    for kind, event in cursor.fetchall():
                        self.active += 1
                        if kind == "Lock":
                            self.waiting += 1
                            self.events[event] = self.events.get(event, 0) + 1
                    self.stop.wait(0.1)
        finally:
            conn.close()


def _drive(port: int, path: str, headers: dict, bodies, clients: int, seconds: float) -> dict:
    stop_at = time.perf_counter() + seconds
    counts, errors, latencies = [0] * clients, [0] * clients, [[] for _ in range(clients)]

    def client(i: int):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        n = 0
        while time.perf_counter() < stop_at:
            body = json.dumps(bodies(i * 1_000_000 + n))
            n += 1
            t0 = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors[i] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            latencies[i].append(time.perf_counter() - t0)
            if response.status == 201:
                counts[i] += 1
            else:
                errors[i] += 1
        conn.close()

    sampler = _Sampler()
    sampler.start()
    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    sampler.stop.set()
    sampler.join()
    flat = sorted(x for part in latencies for x in part)
    return {
        "req_per_s": round(sum(counts) / elapsed, 1),
        "ok": sum(counts),
        "errors": sum(errors),
        "p50_ms": round(flat[len(flat) // 2] * 1000, 1) if flat else None,
        "lock_wait_share": round(sampler.waiting / sampler.active, 3) if sampler.active else 0.0,
        "active_samples": sampler.active,
        "lock_events": sampler.events,
    }


def intake_figures(quick: bool, say=print) -> dict:
    seconds = 6.0 if quick else 15.0
    desk = Desk(__import__("random").Random(18))
    _prepare_bare_table()
    inspector = get_user_model().objects.get(username="inspector")
    token = Token.objects.get_or_create(user=inspector)[0].key
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tooling.bench.bench_settings",
        "DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "cityops.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--worker-class",
            "sync",
            "--no-control-socket",
            "--log-level",
            "warning",
            "--graceful-timeout",
            "5",
        ],
        env=env,
    )
    base = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    variants = {
        "bare": ("/bench/bare-insert/", base),
        "full": ("/api/v1/cases/", base),
        "minimal": ("/api/v1/cases/", {**base, "Prefer": "return=minimal"}),
    }
    say(
        f"==> 上报接入：gunicorn {WORKERS} 个同步 worker，{' / '.join(map(str, CLIENTS))} 个并发客户端，每项 {seconds:.0f} s"
    )
    runs: dict = {}
    try:
        _wait_for(port)
        for path, headers in variants.values():  # warm every worker's imports and connection
            _drive(port, path, headers, desk.report_body, WORKERS, 1.5)
        for clients in CLIENTS:
            for name, (path, headers) in variants.items():
                run = _drive(port, path, headers, desk.report_body, clients, seconds)
                runs[f"{name}@{clients}"] = run
                say(
                    f"    {name:<8} {clients} 客户端 {run['req_per_s']:>7} 次/s  中位 {run['p50_ms']} ms  "
                    f"错误 {run['errors']}  等锁 {run['lock_wait_share']:.1%}"
                )
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a loaded machine: its figures are taken, do not lose them
            server.kill()
            server.wait(timeout=30)
    figures = {"workers": WORKERS, "seconds": seconds, "targets": TARGETS, "runs": runs, "ratios": {}}
    for clients in CLIENTS:
        bare = runs[f"bare@{clients}"]["req_per_s"] or 1e-9
        figures["ratios"][f"full/bare@{clients}"] = round(runs[f"full@{clients}"]["req_per_s"] / bare, 2)
        figures["ratios"][f"minimal/bare@{clients}"] = round(
            runs[f"minimal@{clients}"]["req_per_s"] / bare, 2
        )
    for name in variants:
        one = runs[f"{name}@1"]["req_per_s"] or 1e-9
        figures["ratios"][f"{name} 8/1"] = round(runs[f"{name}@8"]["req_per_s"] / one, 2)
    return figures


def table(figures: dict) -> list[str]:
    runs, ratios, t = figures["runs"], figures["ratios"], figures["targets"]
    lines = [
        "",
        f"上报接入（gunicorn {figures['workers']} 同步 worker，每项 {figures['seconds']:.0f} s，交替运行）",
    ]
    for key, run in runs.items():
        lines.append(
            f"  {key:<12} {run['req_per_s']:>7} 次/s  中位 {run['p50_ms']} ms  错误 {run['errors']}"
            f"  等锁占比 {run['lock_wait_share']:.1%}（{run['active_samples']} 个活动样本"
            + "".join(f"，{event} {n}" for event, n in sorted(run["lock_events"].items()))
            + "）"
        )
    lines += [
        f"  完整应答 / 裸插入：1 客户端 {ratios['full/bare@1']}，8 客户端 {ratios['full/bare@8']}（目标 ≥ {t['intake_full']}）",
        f"  return=minimal / 裸插入：1 客户端 {ratios['minimal/bare@1']}，8 客户端 {ratios['minimal/bare@8']}（目标 ≥ {t['intake_minimal']}）",
        f"  8 客户端 / 1 客户端吞吐：裸插入 {ratios['bare 8/1']}，完整 {ratios['full 8/1']}，minimal {ratios['minimal 8/1']}"
        f"（目标 ≥ {t['scaling_8_vs_1']}，需有空闲核）",
    ]
    return lines
