"""Run the web server, a Celery worker and Celery beat together; Ctrl-C stops all three.

The web server is uvicorn (ASGI), not runserver: the command centre's wall keeps a Server-Sent Events
connection open per screen (live/views.py), which an ASGI server holds as a coroutine. Static files are
served by WhiteNoise as in production (collected by `make demo`; with DEBUG it also finds them live).

The worker and beat are restarted when they die (a demo machine's worker killed by the OOM killer,
say), at most MAX_RESTARTS times a few seconds apart; the web server's exit ends the demo.
"""

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.management.base import BaseCommand

from core.roles import Role

MAX_RESTARTS = 5
RESTART_DELAY_S = 2
RESTARTABLE = ("worker", "beat", "hotline_centre")


def _interrupt(signum, frame):
    raise KeyboardInterrupt


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str]
    proc: subprocess.Popen | None = None
    restarts: int = 0
    started: list[float] = field(default_factory=list)

    def start(self) -> None:
        self.proc = subprocess.Popen(self.argv, env=self.env)
        self.started.append(time.monotonic())


def children(*, python: str, host: str, port: int, sqlite: bool) -> list[Child]:
    """The three processes and their environments."""
    # SQLite allows one writer at a time: a single-process worker keeps the demo free of lock errors.
    pool = ["--pool=solo"] if sqlite else ["--concurrency=2"]
    env = dict(os.environ)
    # Django runs a sync view under ASGI on a worker thread: a connection kept per thread is never
    # reused, and they piled up on PostgreSQL until it refused more (issue 17.3).
    web_env = {**env, "DB_CONN_MAX_AGE": "0"}
    uvicorn = [python, "-m", "uvicorn", "cityops.asgi:application", "--host", host, "--port", str(port)]
    return [
        Child("web", [*uvicorn, "--no-access-log", "--lifespan", "off"], web_env),
        Child("worker", [python, "-m", "celery", "-A", "cityops", "worker", "--loglevel=INFO", *pool], env),
        Child("beat", [python, "-m", "celery", "-A", "cityops", "beat", "--loglevel=INFO"], env),
    ]


def supervise_once(procs: list[Child], say) -> bool:
    """One look at the children: restart a dead worker or beat; False when the demo must stop."""
    for child in procs:
        if child.proc is None or child.proc.poll() is None:
            continue
        code = child.proc.returncode
        if child.name not in RESTARTABLE:
            say(f"{child.name} exited with code {code}; stopping the others.")
            return False
        if child.restarts >= MAX_RESTARTS:
            say(f"{child.name} exited with code {code} after {child.restarts} restarts; stopping the others.")
            return False
        child.restarts += 1
        say(f"{child.name} exited with code {code}; restarting it ({child.restarts}/{MAX_RESTARTS}).")
        time.sleep(RESTART_DELAY_S)
        child.start()
    return True


class Command(BaseCommand):
    help = "启动演示环境：Web 服务、Celery worker 与 Celery beat（Ctrl-C 全部停止）"

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--hotline-centre",
            action="store_true",
            help="同时运行 12345 热线中心模拟器（manage.py hotline_centre：派单、审批、回访）",
        )

    def handle(self, *, port, host, hotline_centre=False, **options):
        sqlite = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
        procs = children(python=sys.executable, host=host, port=port, sqlite=sqlite)
        if hotline_centre:  # the 12345 loop against a simulated centre (docs/hotline-12345.md)
            argv = [sys.executable, "manage.py", "hotline_centre", "--url", f"http://{host}:{port}"]
            procs.append(Child("hotline_centre", argv, dict(os.environ)))
        # SIGTERM (e.g. from a process manager) stops all three just like Ctrl-C.
        signal.signal(signal.SIGTERM, _interrupt)
        for child in procs:
            child.start()
        time.sleep(2)
        self.stdout.write(self.style.SUCCESS(f"\nCityOps 已启动: http://{host}:{port}/"))
        self.stdout.write(
            f"  API 文档: http://{host}:{port}/api/docs/   管理后台: http://{host}:{port}/admin/"
        )
        self.stdout.write(
            f"  演示账号（密码 {settings.DEMO_PASSWORD}）: " + ", ".join(role.value for role in Role)
        )
        self.stdout.write("  按 Ctrl-C 停止全部进程。\n")
        try:
            while supervise_once(procs, self.stderr.write):
                time.sleep(1)
        except KeyboardInterrupt:
            self.stdout.write("\n正在停止…")
        self._stop(procs)

    def _stop(self, procs: list[Child]):
        for child in procs:
            if child.proc is not None and child.proc.poll() is None:
                child.proc.send_signal(signal.SIGINT)
        deadline = time.time() + 10
        for child in procs:
            if child.proc is None:
                continue
            try:
                child.proc.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                child.proc.kill()
