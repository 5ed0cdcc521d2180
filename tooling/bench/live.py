"""The live wall under load (issue #23 point 1): 50 walls and 500 staff pages connected at once to the
`live` ASGI process, while the API (gunicorn, as in docker-compose.yml) is timed with and without them,
and reports posted through the API are timed until every wall has shown them.

Real processes on loopback: gunicorn (2 workers) for the API and uvicorn (1 worker) for the stream, on
the benchmark database; the connections are raw asyncio sockets in a thread of this process.
"""

import asyncio
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.authtoken.models import Token

WALLS = 50
STAFF = 500
API_REQUESTS = 200
REPORTS = 20


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port: int, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"port {port} did not open")


def _percentiles(values: list[float]) -> dict:
    values = sorted(values)
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50_ms": round(statistics.median(values) * 1000, 1),
        "p95_ms": round(values[max(0, int(len(values) * 0.95) - 1)] * 1000, 1),
        "max_ms": round(values[-1] * 1000, 1),
    }


def _api_latency(port: int, token: str, count: int) -> dict:
    timings = []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _ in range(count):
        t0 = time.perf_counter()
        conn.request("GET", "/api/v1/cases/?page_size=20", headers={"Authorization": f"Token {token}"})
        response = conn.getresponse()
        response.read()
        timings.append(time.perf_counter() - t0)
        assert response.status == 200, response.status
    conn.close()
    return _percentiles(timings)


class Crowd:
    """WALLS + STAFF SSE connections held in an event loop of their own; walls note when each case came."""

    def __init__(self, port: int, cookie: str, walls: int, staff: int):
        self.port, self.cookie, self.walls, self.staff = port, cookie, walls, staff
        self.loop = asyncio.new_event_loop()
        self.seen: dict[str, list[float]] = {}
        self.open = 0
        self.failed = 0
        self.stop = asyncio.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._main())

    async def _main(self):
        tasks = [asyncio.create_task(self._client("wall", n)) for n in range(self.walls)]
        tasks += [asyncio.create_task(self._client("staff", n)) for n in range(self.staff)]
        await self.stop.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _client(self, scope: str, n: int):
        await asyncio.sleep(n * 0.002)  # a ramp, not a SYN flood
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        except OSError:
            self.failed += 1
            return
        writer.write(
            (
                f"GET /live/stream?scope={scope} HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n"
                f"Cookie: sessionid={self.cookie}\r\n\r\n"
            ).encode()
        )
        await writer.drain()
        status = await reader.readline()
        if b" 200 " not in status:
            self.failed += 1
            return
        self.open += 1
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                if scope == "wall" and line.startswith(b"data: "):
                    arrived = time.perf_counter()
                    event = json.loads(line[6:])
                    if event.get("new"):
                        self.seen.setdefault(event["number"], []).append(arrived)
        finally:
            self.open -= 1
            writer.close()

    def start(self):
        self.thread.start()

    def close(self):
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(timeout=30)


def _rss_mb(pid: int) -> float | None:
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        return None
    for line in status.read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


def live_figures(desk, quick: bool, say=print) -> dict:
    walls, staff = (10, 100) if quick else (WALLS, STAFF)
    web_port, live_port = _free_port(), _free_port()
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
    }
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)  # tasks the API queues wait in the broker, as in production
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "cityops.wsgi:application",
            "--bind",
            f"127.0.0.1:{web_port}",
            "--workers",
            "2",
            "--no-control-socket",
            "--log-level",
            "warning",
        ],
        env=env,
    )
    live = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "cityops.asgi:application",
            "--port",
            str(live_port),
            "--lifespan",
            "off",
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env=env,
    )
    crowd = None
    try:
        _wait_for(web_port)
        _wait_for(live_port)
        reader = get_user_model().objects.get(username="shift_leader")
        token = Token.objects.get_or_create(user=reader)[0].key
        client = Client()
        client.force_login(reader)
        cookie = client.cookies["sessionid"].value
        _api_latency(web_port, token, 20)  # warm up
        say(f"==> 实时大屏：API 延迟（无连接），{API_REQUESTS} 次 GET /api/v1/cases/")
        without = _api_latency(web_port, token, API_REQUESTS)
        say(f"==> 打开 {walls} 块大屏 + {staff} 个工作人员页面的 SSE 连接")
        crowd = Crowd(live_port, cookie, walls, staff)
        crowd.start()
        deadline = time.time() + 60
        while crowd.open + crowd.failed < walls + staff and time.time() < deadline:
            time.sleep(0.2)
        connected = crowd.open
        say(f"==> 连接 {connected}，失败 {crowd.failed}；API 延迟（有连接）与 {REPORTS} 件上报的推送延迟")
        with_crowd = _api_latency(web_port, token, API_REQUESTS)
        inspector = desk.users["inspector"]
        itoken = Token.objects.get_or_create(user=inspector)[0].key
        conn = http.client.HTTPConnection("127.0.0.1", web_port, timeout=30)
        sent = {}
        for n in range(REPORTS):
            body = json.dumps(desk.report_body(n)).encode()
            t0 = time.perf_counter()
            conn.request(
                "POST",
                "/api/v1/cases/",
                body=body,
                headers={"Authorization": f"Token {itoken}", "Content-Type": "application/json"},
            )
            response = conn.getresponse()
            payload = json.loads(response.read())
            assert response.status == 201, payload
            sent[payload["number"]] = t0
            time.sleep(0.25)
        time.sleep(3)
        delays = [t - sent[number] for number, times in crowd.seen.items() if number in sent for t in times]
        deliveries = sum(len(crowd.seen.get(number, [])) for number in sent)
        return {
            "walls": walls,
            "staff": staff,
            "connected": connected,
            "failed": crowd.failed,
            "api_without": without,
            "api_with": with_crowd,
            "reports": REPORTS,
            "deliveries": deliveries,
            "deliveries_expected": REPORTS * walls,
            "push": _percentiles(delays),
            "live_rss_mb": _rss_mb(live.pid),
            "redis": bool(settings.REDIS_URL),
        }
    finally:
        if crowd is not None:
            crowd.close()
        for process in (web, live):
            process.terminate()
        for process in (web, live):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def table(f: dict) -> list[str]:
    a, b, p = f["api_without"], f["api_with"], f["push"]
    return [
        "",
        f"实时大屏（{f['walls']} 块大屏 + {f['staff']} 个工作人员页面，uvicorn 1 进程；API 为 gunicorn 2 进程；"
        f"唤醒：{'Redis' if f['redis'] else '轮询数据表'}）",
        f"  已连接 {f['connected']}，失败 {f['failed']}，live 进程内存 {f['live_rss_mb']} MB",
        f"  API GET /api/v1/cases/  无连接 P50 {a['p50_ms']} ms  P95 {a['p95_ms']} ms"
        f"   有连接 P50 {b['p50_ms']} ms  P95 {b['p95_ms']} ms",
        f"  上报→大屏显示（从发出 POST 算）P50 {p.get('p50_ms')} ms  P95 {p.get('p95_ms')} ms"
        f"  最大 {p.get('max_ms')} ms；送达 {f['deliveries']}/{f['deliveries_expected']}",
    ]
