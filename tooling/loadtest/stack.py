"""The production layout on loopback, for the load test: Redis, gunicorn, a Celery worker and one beat.

Each runs as a child process in a session of its own (so a kill reaches a worker's pool too), with
the production settings (DEBUG off, JSON logs) and its output in var/loadtest/<name>.log. Redis is a
private instance on its own port with the append-only file on, as in docker-compose.yml: restarting
it must not disturb anything else on the machine, and what it had queued survives the restart.

A supervisor thread restarts a process that exits when nobody meant it to, as compose's
`restart: unless-stopped` does in production (and systemd or supervisord elsewhere); each such restart
is recorded and reported. The faults the run injects are methods here: `kill_worker`,
`restart_redis`, `drop_db_connections`; while one of them keeps a process down on purpose, the
supervisor leaves it alone.
"""

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

# gunicorn's sync workers, as docker-compose.yml runs them (WEB_WORKERS). A sync worker waits on
# PostgreSQL (queries, and the commit's WAL flush) for much of each request, so it takes more than
# gunicorn's usual 2 × cores + 1 to keep two cores busy: under `make loadtest`, 4 workers left 45 % of
# the CPU idle while requests queued for a worker (p95 320 ms); 8 served the same load with p95 261 ms.
WEB_WORKERS = 8


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Stack:
    base_dir: Path
    work_dir: Path
    database_url: str
    web_workers: int = WEB_WORKERS
    worker_concurrency: int = 2
    redis_port: int = field(default_factory=free_port)
    web_port: int = field(default_factory=free_port)
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    logs: list = field(default_factory=list)
    # The supervisor's record: {"process", "exit_code", "at"} for every unplanned exit it restarted.
    restarts: list[dict] = field(default_factory=list)
    _down_on_purpose: set[str] = field(default_factory=set)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _supervisor: threading.Thread | None = None
    _started_at: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def redis_dir(self) -> Path:
        return self.work_dir / "redis"

    def env(self) -> dict[str, str]:
        bin_dir = str(Path(sys.executable).parent)
        return {
            **os.environ,
            "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "DATABASE_URL": self.database_url,
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/1",
            "MEDIA_ROOT": str(self.work_dir / "media"),
            "CITYOPS_VAR_DIR": str(self.work_dir / "var"),
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "STATIC_MANIFEST": "false",
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "INFO",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "PROMETHEUS_MULTIPROC_DIR": str(self.work_dir / "prometheus"),
            # The requeue beat is the safety net for tickets whose message a fault lost; a minute
            # instead of five lets the run's drain finish sooner (the mechanism is the same).
            "HOTLINE_REQUEUE_AFTER_MINUTES": "1",
            "PYTHONUNBUFFERED": "1",
        }

    # ------------------------------------------------------------------------------ processes

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = open(self.work_dir / f"{name}.log", "ab")
        self.logs.append(log)
        proc = subprocess.Popen(
            argv,
            cwd=self.base_dir,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs[name] = proc
        return proc

    def start(self) -> None:
        for sub in ("media", "var", "redis"):
            (self.work_dir / sub).mkdir(parents=True, exist_ok=True)
        prometheus = self.work_dir / "prometheus"
        shutil.rmtree(prometheus, ignore_errors=True)
        prometheus.mkdir(parents=True)
        self.start_redis()
        self.start_web()
        self.start_worker()
        self.start_beat()
        self.wait_healthy(("database", "cache"), timeout=90)
        self._started_at = time.monotonic()
        self._supervisor = threading.Thread(target=self._supervise, name="supervisor", daemon=True)
        self._supervisor.start()

    def start_web(self) -> None:
        self._spawn(
            "web",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "cityops.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.web_port}",
                "--workers",
                str(self.web_workers),
                "--timeout",
                "60",
                "--no-control-socket",
            ],
        )

    def start_beat(self) -> None:
        self._spawn(
            "beat",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "cityops",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(self.work_dir / "var" / "celerybeat-schedule"),
            ],
        )

    def _supervise(self) -> None:
        starters = {
            "redis": self.start_redis,
            "web": self.start_web,
            "worker": self.start_worker,
            "beat": self.start_beat,
        }
        while not self._stopping.wait(1.0):
            for name, start in starters.items():
                proc = self.procs.get(name)
                if proc is None or proc.poll() is None or name in self._down_on_purpose:
                    continue
                if self._stopping.is_set():
                    return
                self.restarts.append(
                    {
                        "process": name,
                        "exit_code": proc.returncode,
                        "at_s": round(time.monotonic() - self._started_at, 1),
                    }
                )
                start()

    def start_redis(self) -> None:
        redis_server = shutil.which("redis-server")
        if redis_server is None:
            raise RuntimeError(
                "redis-server 未安装：负载测试需要一个独立的 Redis 实例（Debian：apt install redis-server）"
            )
        self._spawn(
            "redis",
            [
                redis_server,
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--maxmemory-policy",
                "noeviction",
                "--dir",
                str(self.redis_dir),
            ],
        )
        self._wait(lambda: self._redis_ping(), 20, "Redis")

    def start_worker(self) -> None:
        self._spawn(
            "worker",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "cityops",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                str(self.worker_concurrency),
                "--hostname",
                f"loadtest-{self.web_port}@%h",
            ],
        )

    def _redis_ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.redis_port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def health(self, checks: tuple[str, ...] = ()) -> int:
        query = f"?check={','.join(checks)}" if checks else ""
        request = urllib.request.Request(f"{self.url}/healthz{query}", headers={"Host": "localhost"})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            return 0

    def wait_healthy(self, checks: tuple[str, ...] = (), timeout: float = 60) -> None:
        self._wait(lambda: self.health(checks) == 200, timeout, f"/healthz?check={','.join(checks)}")

    def _wait(self, ready, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready():
                return
            for name, proc in self.procs.items():
                if proc.poll() is not None and name != "worker":
                    raise RuntimeError(
                        f"{name} 进程已退出（{proc.returncode}），见 {self.work_dir / (name + '.log')}"
                    )
            time.sleep(0.5)
        raise RuntimeError(f"等待 {what} 超时（{timeout:.0f} s）")

    def stop(self) -> None:
        self._stopping.set()
        if self._supervisor is not None:
            self._supervisor.join(5)
        for name in ("beat", "worker", "web", "redis"):
            proc = self.procs.pop(name, None)
            if proc is not None and proc.poll() is None:
                _signal_group(proc, signal.SIGTERM)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    _signal_group(proc, signal.SIGKILL)
                    proc.wait(10)
        for log in self.logs:
            log.close()
        self.logs.clear()

    # ------------------------------------------------------------------------------ the faults

    def kill_worker(self, down_seconds: float) -> None:
        """SIGKILL to the worker and its pool: whatever it was doing is cut off mid-task. It stays
        down for `down_seconds` (an outage, not just a crash), then starts again."""
        self._down_on_purpose.add("worker")
        try:
            proc = self.procs["worker"]
            _signal_group(proc, signal.SIGKILL)
            proc.wait(10)
            time.sleep(down_seconds)
            self.start_worker()
        finally:
            self._down_on_purpose.discard("worker")

    def restart_redis(self, down_seconds: float) -> None:
        """Redis goes away (broker and cache) and comes back on the same port with its AOF."""
        self._down_on_purpose.add("redis")
        try:
            proc = self.procs["redis"]
            proc.terminate()  # SIGTERM: Redis fsyncs its append-only file and exits
            proc.wait(20)
            time.sleep(down_seconds)
            self.start_redis()
        finally:
            self._down_on_purpose.discard("redis")

    def drop_db_connections(self) -> int:
        """Terminate every server connection to the load database but this one (web, worker, beat)."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            return cursor.fetchone()[0]


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass
