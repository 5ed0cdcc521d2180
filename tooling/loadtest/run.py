"""One load-test run, inside the child process whose DATABASE_URL is the load database.

1. prepare: migrate, the demo district, a history of generated cases (once; the database is kept for
   the next run), KPI rollups over it, API tokens for the personas, points in each inspector's grids;
2. start the stack (tooling/loadtest/stack.py) and run Locust headless with the workload of
   tooling/loadtest/locustfile.py at the rates of tooling/loadtest/profile.py;
3. with `faults`, while the load runs: kill the Celery worker (SIGKILL, restarted after a pause),
   restart Redis, and terminate every database connection;
4. drain: wait until every received hotline ticket is a case;
5. verify: every write the platform accepted is there (each report's case, each ticket's case, each
   action's event), and `check_invariants` passes;
6. print throughput, p50/p95/p99 and errors per operation, steady state and fault windows apart.
"""

import io
import json
import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count
from PIL import Image, ImageDraw, ImageFilter

from cases import apikeys
from cases.models import ApiClient, Case, CaseEvent, HotlineTicket
from core.roles import Role
from dispatch.models import Category
from kpi import rollup
from tooling.bench.measure import COMMON, points_in
from tooling.demo.gazetteer import DEMO_CLIENTS
from tooling.loadtest import figures
from tooling.loadtest.profile import DESK_SHARE, Rates
from tooling.loadtest.stack import WEB_WORKERS, Stack

PER_DAY = 2740  # generated history at a large city's daily volume (docs/domain.md §8: 1,000,000 a year)
FAULT_PAUSE = {"worker_killed": 20.0, "redis_restarted": 5.0}


@dataclass
class Options:
    minutes: float = 10.0
    scale: float = 1.0
    faults: bool = False
    history: int = 100_000
    web_workers: int = WEB_WORKERS
    worker_concurrency: int = 2
    drain_timeout: float = 600.0
    seed: int = 1


# ---------------------------------------------------------------------------------- preparation


def prepare(opts: Options, say) -> None:
    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_demo", verbosity=0)
    have = Case.objects.count()
    if have < opts.history * 0.95:
        from tooling.generator import generate_cases

        days = max(1, round(opts.history / PER_DAY))
        say(f"==> 生成 {opts.history - have:,} 件历史案件（{days} 天，只在首次运行时）")
        generate_cases(opts.history - have, days=days, seed=opts.seed, note=lambda line: None)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        say("==> 综合评价汇总（看板有数据可读）")
        rollup.rebuild()


def photo(path: Path, seed: int) -> int:
    """A street photo as the report page sends it (downscaled on the phone to 1600 px): a JPEG with
    the texture of a real scene, so decoding and re-encoding it costs what a real one does."""
    rng = random.Random(seed)
    image = Image.new("RGB", (1600, 1200), (128, 128, 120))
    draw = ImageDraw.Draw(image)
    for _ in range(600):
        x, y = rng.randrange(1600), rng.randrange(1200)
        w, h = rng.randrange(20, 300), rng.randrange(20, 200)
        colour = tuple(rng.randrange(40, 220) for _ in range(3))
        draw.rectangle((x, y, x + w, y + h), fill=colour)
    # Sensor noise and texture: about 300 KB at the page's JPEG quality (0.85), like a real street scene.
    noise = Image.effect_noise((1600, 1200), 30).convert("RGB")
    image = Image.blend(image.filter(ImageFilter.GaussianBlur(2)), noise, 0.12)
    image.save(path, format="JPEG", quality=85)
    return path.stat().st_size


def config(opts: Options, work: Path, run_id: str, rates: Rates) -> dict:
    """What the Locust process needs: tokens, keys, points, categories, rates, its output files."""
    from rest_framework.authtoken.models import Token

    users = get_user_model().objects
    inspectors = list(users.filter(groups__name=Role.INSPECTOR, is_active=True).order_by("username"))
    rng = random.Random(opts.seed)
    points, grid_inspector = {}, {}
    for inspector in inspectors:
        grids = list(inspector.grids.all())
        if grids:
            # Ten positions in every grid of theirs: reports spread as in a real district (a few fixed
            # spots would turn every report into a suspected duplicate of the last one).
            points[inspector.username] = points_in(grids, rng, per_grid=10)
    for grid_code, username in _first_inspector_by_grid():
        grid_inspector[grid_code] = username
    staff = ["operator", "shift_leader", "dispatcher", "department", "supervisor", *points]
    tokens = {
        u.username: Token.objects.get_or_create(user=u)[0].key for u in users.filter(username__in=staff)
    }
    missing = sorted(set(staff) - set(tokens))
    if missing:
        raise CommandError(f"演示用户缺失：{', '.join(missing)}")
    department = users.get(username="department").department_id
    categories = list(
        Category.objects.filter(kind=Category.Kind.EVENT, code__in=COMMON, is_active=True).values_list(
            "pk", flat=True
        )
    )
    # Keys are stored as digests: the demo's own keys, for the channels that still hold them.
    held = set(
        ApiClient.objects.filter(kind=ApiClient.Kind.HOTLINE, is_active=True).values_list(
            "key_hash", flat=True
        )
    )
    keys = {channel: key for channel, _name, key in DEMO_CLIENTS if apikeys.digest(key) in held}
    photo_path = work / "photo.jpg"
    photo(photo_path, opts.seed)
    return {
        "run_id": run_id,
        "seed": opts.seed,
        "rates": {**rates.as_dict(), "desks": {d: rates.desk_rate(d) for d in DESK_SHARE}},
        "users": rates.users(),
        "tokens": tokens,
        "api_keys": keys,
        "points": points,
        "grid_inspector": grid_inspector,
        "department_id": department,
        "categories": categories,
        "hints": [*COMMON, "城市管理-市容环境-暴露垃圾", "城市管理-街面秩序-占道经营"],
        "photo": str(photo_path),
        "request_log": str(work / f"requests-{run_id}.tsv"),
        "ledger": str(work / f"accepted-{run_id}.jsonl"),
    }


def _first_inspector_by_grid():
    """(grid code, username) of the inspector 派发核实 picks for each grid (the first by username)."""
    from grids.models import Grid

    through = Grid.inspectors.through
    rows = through.objects.select_related("grid", "user").order_by("grid__code", "user__username")
    seen = set()
    for row in rows:
        if row.grid.code not in seen:
            seen.add(row.grid.code)
            yield row.grid.code, row.user.username


# ---------------------------------------------------------------------------------- the run


def run(opts: Options, say=print) -> dict:
    base = Path(settings.BASE_DIR)
    work = Path(os.environ["LOADTEST_DIR"])
    work.mkdir(parents=True, exist_ok=True)
    prepare(opts, say)
    rates = Rates.ten_times_peak(opts.scale)
    run_id = time.strftime("%Y%m%d%H%M%S")
    cfg = config(opts, work, run_id, rates)
    config_path = work / f"config-{run_id}.json"
    config_path.write_text(json.dumps(cfg, ensure_ascii=False), encoding="utf-8")
    cases_before = Case.objects.count()
    stack = Stack(
        base_dir=base,
        work_dir=work,
        database_url=os.environ["DATABASE_URL"],
        web_workers=opts.web_workers,
        worker_concurrency=opts.worker_concurrency,
    )
    duration = opts.minutes * 60
    users = sum(cfg["users"].values())
    say(
        f"==> 负载：{rates.web_requests:.1f} 次请求/秒（上报 {rates.reports}/s，热线工单 {rates.tickets}/s，"
        f"中心动作 {rates.actions}/s 各带一次队列查看，看板 {rates.dashboard}/s），{users} 个模拟用户，"
        f"{opts.minutes:g} 分钟{'，注入故障' if opts.faults else ''}"
    )
    faults: list[figures.Fault] = []
    locust = None
    try:
        stack.start()
        say(
            f"==> 服务已启动：gunicorn {opts.web_workers} 个进程、Celery worker（并发 {opts.worker_concurrency}）、"
            f"beat、Redis :{stack.redis_port}，{stack.url}"
        )
        with open(work / f"locust-{run_id}.log", "wb") as locust_log:
            locust = subprocess.Popen(
                _locust_argv(base, stack.url, users, duration),
                cwd=base,
                env={**os.environ, "LOADTEST_CONFIG": str(config_path)},
                preexec_fn=_client_priority,
                stdout=locust_log,
                stderr=subprocess.STDOUT,
            )
            started = time.time()  # the request log's clock: faults and requests on one time line
            injector = None
            if opts.faults:
                injector = threading.Thread(
                    target=_inject, args=(stack, started, duration, faults, say), daemon=True
                )
                injector.start()
            locust.wait()
            if injector is not None:
                injector.join()
        if locust.returncode not in (0, 1):  # 1: some requests failed, which the figures report
            raise CommandError(f"Locust 退出码 {locust.returncode}，见 {work / f'locust-{run_id}.log'}")
        # This thread's connection may be one the fault terminated (the injector has its own).
        connection.close()
        say("==> 负载结束；等待热线工单全部转为案件")
        drained = _drain(opts.drain_timeout, say)
    finally:
        if locust is not None and locust.poll() is None:  # interrupted: never leave the load running
            locust.terminate()
            locust.wait(30)
        stack.stop()
    connection.close()  # the connection this process held may have been one the fault terminated

    requests = figures.read_log(Path(cfg["request_log"]), origin=started)
    analysis = figures.analyse(requests, duration, faults)
    say("==> 核对：被接受的写入一件不少，不变量检查")
    lost = verify_ledger(Path(cfg["ledger"]))
    invariants_ok, invariants_out = _check_invariants()
    result = {
        "run_id": run_id,
        "minutes": opts.minutes,
        "scale": opts.scale,
        "rates": cfg["rates"],
        "users": cfg["users"],
        "web_workers": opts.web_workers,
        "worker_concurrency": opts.worker_concurrency,
        "cases_before": cases_before,
        "cases_after": Case.objects.count(),
        "drained": drained,
        "restarts": stack.restarts,
        **analysis,
        "accepted": lost["accepted"],
        "lost": lost["lost"],
        "tickets_without_case": lost["tickets_without_case"],
        "invariants_ok": invariants_ok,
        "invariants_output": invariants_out[-3000:],
    }
    text = json.dumps(result, ensure_ascii=False, indent=2)
    for name in (f"result-{run_id}.json", "result.json"):  # this run's, and the latest
        (work / name).write_text(text, "utf-8")
    return result


def _locust_argv(base: Path, host: str, users: int, seconds: float) -> list[str]:
    return [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(base / "tooling" / "loadtest" / "locustfile.py"),
        "--headless",
        "--host",
        host,
        "--users",
        str(users),
        "--spawn-rate",
        str(max(1, users / 5)),  # everyone at work within five seconds (inside the warm-up)
        "--run-time",
        f"{int(seconds)}s",
        "--stop-timeout",
        "30",
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]


def _client_priority() -> None:
    """Real clients run on other machines: the load generator goes first for the CPU here, so that a
    saturated server delays the answers, not the generator's clock reading them. (Needs privilege;
    without it the run goes on at normal priority.)"""
    try:
        os.nice(-10)
    except OSError:
        pass


def _inject(stack: Stack, started: float, duration: float, faults: list, say) -> None:
    """Three faults at 30 %, 50 % and 70 % of the run (times in seconds since the load began)."""
    plan = (
        (0.3, "worker_killed", lambda: stack.kill_worker(FAULT_PAUSE["worker_killed"])),
        (0.5, "redis_restarted", lambda: stack.restart_redis(FAULT_PAUSE["redis_restarted"])),
        (0.7, "db_connections_dropped", lambda: _drop(stack, say)),
    )
    for share, name, act in plan:
        time.sleep(max(0.0, started + share * duration - time.time()))
        begin = time.time() - started
        say(f"  !! 故障 {name}（第 {begin:.0f} 秒）")
        try:
            act()
        except Exception as exc:  # a fault that failed to happen is reported, never hidden
            say(f"  !! 故障 {name} 注入失败：{exc}")
            name += "_FAILED"
        faults.append(figures.Fault(name, begin, time.time() - started))


def _drop(stack: Stack, say) -> None:
    from django.db import connections

    dropped = stack.drop_db_connections()
    connections.close_all()  # this thread's own connection: done with it
    say(f"     已终止 {dropped} 个数据库连接")


def _drain(timeout: float, say) -> bool:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        waiting = HotlineTicket.objects.filter(state=HotlineTicket.State.RECEIVED).count()
        if waiting == 0:
            return True
        if waiting != last:
            say(f"     {waiting} 张工单待处理")
            last = waiting
        time.sleep(5)
    return False


# ---------------------------------------------------------------------------------- verification


def verify_ledger(path: Path) -> dict:
    """Every accepted write is in the database: reports → cases, tickets → cases, actions → events."""
    reports, tickets, actions = set(), set(), Counter()
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row["kind"] == "report":
                reports.add(row["case"])
            elif row["kind"] == "ticket":
                tickets.add((row["channel"], row["ticket_no"]))
            else:
                actions[(row["case"], row["action"])] += 1
    lost_reports = reports - set(Case.objects.filter(pk__in=reports).values_list("pk", flat=True))
    stored, done = set(), set()
    for numbers in _chunks(sorted(no for _, no in tickets)):
        for channel, number, state, case in HotlineTicket.objects.filter(ticket_no__in=numbers).values_list(
            "channel", "ticket_no", "state", "case_id"
        ):
            stored.add((channel, number))
            if state == HotlineTicket.State.DONE and case is not None:
                done.add((channel, number))
    lost_tickets = tickets - stored  # never stored: a 202 that lied
    not_converted = (tickets & stored) - done  # stored, but no case (yet)
    recorded = Counter()
    kinds = {a for _, a in actions}
    for case_ids in _chunks(sorted({case for case, _ in actions})):
        rows = (
            CaseEvent.objects.filter(case_id__in=case_ids, action__in=kinds)
            .values_list("case_id", "action")
            .annotate(n=Count("id"))
        )
        for case, action, n in rows:
            recorded[(case, action)] = n
    lost_actions = {key: n - recorded[key] for key, n in actions.items() if recorded[key] < n}
    return {
        "accepted": {"reports": len(reports), "tickets": len(tickets), "actions": sum(actions.values())},
        "tickets_without_case": len(not_converted),
        "lost": {
            "reports": sorted(lost_reports)[:50],
            "tickets": sorted(lost_tickets)[:50],
            "actions": [f"{case}:{action}" for (case, action) in sorted(lost_actions)][:50],
            "count": len(lost_reports) + len(lost_tickets) + sum(lost_actions.values()),
        },
    }


def _chunks(items: list, size: int = 5000):
    """Slices of at most `size`: an IN list of tens of thousands is slow to plan and may hit limits."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _check_invariants() -> tuple[bool, str]:
    out = io.StringIO()
    try:
        call_command("check_invariants", "--no-progress", stdout=out, stderr=out)
    except CommandError as exc:
        return False, out.getvalue() + str(exc)
    except SystemExit as exc:
        return exc.code in (0, None), out.getvalue()
    return True, out.getvalue()
