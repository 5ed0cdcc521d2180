"""Run the web server, a Celery worker and Celery beat together; Ctrl-C stops all three.

The web server is uvicorn (ASGI), not runserver: the command centre's wall keeps a Server-Sent Events
connection open per screen (live/views.py), which an ASGI server holds as a coroutine. Static files are
served by WhiteNoise as in production (collected by `make demo`; with DEBUG it also finds them live)."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from core.roles import Role


def _interrupt(signum, frame):
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "启动演示环境：Web 服务、Celery worker 与 Celery beat（Ctrl-C 全部停止）"

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *, port, host, **options):
        python = sys.executable
        # SQLite allows one writer at a time: a single-process worker keeps the demo free of lock errors.
        pool = (
            ["--pool=solo"]
            if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
            else ["--concurrency=2"]
        )
        commands = {
            "web": [
                python,
                "-m",
                "uvicorn",
                "cityops.asgi:application",
                "--host",
                host,
                "--port",
                str(port),
                "--no-access-log",
                "--lifespan",
                "off",
            ],
            "worker": [python, "-m", "celery", "-A", "cityops", "worker", "--loglevel=INFO", *pool],
            "beat": [python, "-m", "celery", "-A", "cityops", "beat", "--loglevel=INFO"],
        }
        # SIGTERM (e.g. from a process manager) stops all three just like Ctrl-C.
        signal.signal(signal.SIGTERM, _interrupt)
        processes = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}
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
            while True:
                for name, proc in processes.items():
                    if proc.poll() is not None:
                        self.stderr.write(f"{name} exited with code {proc.returncode}; stopping the others.")
                        return self._stop(processes)
                time.sleep(1)
        except KeyboardInterrupt:
            self.stdout.write("\n正在停止…")
        self._stop(processes)

    def _stop(self, processes):
        for proc in processes.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        deadline = time.time() + 10
        for proc in processes.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                proc.kill()
