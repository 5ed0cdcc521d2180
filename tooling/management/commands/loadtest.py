"""`manage.py loadtest` (`make loadtest`): the mixed workload at ten times a large city's peak, on loopback.

Runs on a PostgreSQL database of its own (LOADTEST_DATABASE_URL, default `cityops_load` on the local
server), made afresh for every run as a copy of `<name>_template`, which keeps the demo district and
the generated history between runs (made once); files go to var/loadtest/. The parent only prepares
the databases and starts the child (this command again, with DATABASE_URL pointing there), so the
configured database is never touched. See tooling/loadtest/run.py.

Exit status 1 when an accepted write was lost, an invariant broke, a ticket never became a case, or a
request failed outside the fault windows; the latency target is reported, not enforced.
"""

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import dj_database_url
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tooling.loadtest.figures import RECOVERY
from tooling.loadtest.stack import WEB_WORKERS

CHILD = "CITYOPS_LOADTEST_CHILD"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/cityops_load"
P95_TARGET_MS = 300


class Command(BaseCommand):
    help = "负载测试：十倍于大城市高峰的混合负载（上报、热线接入、中心动作、看板），可注入故障"

    def add_arguments(self, parser):
        parser.add_argument("--minutes", type=float, default=10.0, help="负载时长（分钟，默认 10）")
        parser.add_argument("--scale", type=float, default=1.0, help="负载倍率（1 = 十倍高峰，默认 1）")
        parser.add_argument(
            "--faults", action="store_true", help="负载期间杀掉 worker、重启 Redis、断开数据库连接"
        )
        parser.add_argument(
            "--history", type=int, default=100_000, help="负载前的历史案件数（首次运行时生成，默认 100000）"
        )
        parser.add_argument(
            "--web-workers", type=int, default=WEB_WORKERS, help=f"gunicorn 进程数（默认 {WEB_WORKERS}）"
        )
        parser.add_argument("--worker-concurrency", type=int, default=2, help="Celery worker 并发（默认 2）")
        parser.add_argument("--drain-timeout", type=float, default=600.0, help="等待工单处理完的上限（秒）")
        parser.add_argument("--prepare-only", action="store_true", help=argparse.SUPPRESS)  # the template

    def handle(
        self,
        *,
        minutes,
        scale,
        faults,
        history,
        web_workers,
        worker_concurrency,
        drain_timeout,
        prepare_only,
        **o,
    ):
        if minutes <= 0 or scale <= 0 or history < 0 or web_workers < 1 or worker_concurrency < 1:
            raise CommandError("--minutes、--scale 须为正数，--history 不能为负，进程数至少为 1")
        if os.environ.get(CHILD) != "1":
            return self._start_child()
        from tooling.loadtest.run import Options, prepare, run

        if prepare_only:
            prepare(Options(history=history), say=lambda line: self.stdout.write(line))
            return

        opts = Options(
            minutes=minutes,
            scale=scale,
            faults=faults,
            history=history,
            web_workers=web_workers,
            worker_concurrency=worker_concurrency,
            drain_timeout=drain_timeout,
        )
        result = run(opts, say=lambda line: self.stdout.write(line))
        self.stdout.write("\n".join(table(result)))
        problems = verdict_problems(result)
        if problems:
            raise CommandError("负载测试未通过：" + "；".join(problems))

    def _start_child(self) -> None:
        """Every run starts from the same state: a template database holds the demo district and the
        generated history (made once), and the run's database is a fresh copy of it, so no run inherits
        an earlier one's backlog (the unworked hotline cases of a run would otherwise pile up, go red
        and load the next run's SLA sweeps)."""
        url = os.environ.get("LOADTEST_DATABASE_URL", "").strip() or DEFAULT_URL
        if not url.startswith("postgres"):
            raise CommandError("负载测试需要 PostgreSQL（LOADTEST_DATABASE_URL=postgres://…）")
        from core.pg import ensure_database, recreate_from_template

        name = dj_database_url.parse(url)["NAME"]
        template_url = url.rsplit("/", 1)[0] + f"/{name}_template"
        try:
            ensure_database(template_url)
        except Exception as exc:
            raise CommandError(f"无法连接负载测试数据库 {url.split('@')[-1]}：{exc}") from None
        work = Path(os.environ.get("LOADTEST_DIR") or Path(settings.VAR_DIR) / "loadtest")
        env = {
            **os.environ,
            CHILD: "1",
            "LOADTEST_DIR": str(work),
            "MEDIA_ROOT": str(work / "media"),
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "LOG_LEVEL": "WARNING",
        }
        manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "loadtest"]
        self.stdout.write(f"==> 模板数据库：{template_url.split('@')[-1]}（演示辖区与历史案件，缺则补齐）")
        if subprocess.call(
            [*manage, "--prepare-only", *_history(sys.argv)], env={**env, "DATABASE_URL": template_url}
        ):
            raise CommandError("负载测试模板数据库准备失败")
        recreate_from_template(url, template_url)
        for stale in ("media", "redis", "var", "prometheus"):  # the previous run's files
            shutil.rmtree(work / stale, ignore_errors=True)
        self.stdout.write(f"==> 负载测试数据库：{url.split('@')[-1]}（模板的新副本）；文件在 {work}")
        code = subprocess.call([*manage, *sys.argv[2:]], env={**env, "DATABASE_URL": url})
        if code:
            raise CommandError(f"负载测试失败（退出码 {code}）", returncode=code)


def _history(argv: list[str]) -> list[str]:
    for i, arg in enumerate(argv):
        if arg == "--history" and i + 1 < len(argv):
            return ["--history", argv[i + 1]]
        if arg.startswith("--history="):
            return [arg]
    return []


def verdict_problems(result: dict) -> list[str]:
    problems = []
    if result["lost"]["count"]:
        problems.append(f"{result['lost']['count']} 个已被接受的写入丢失")
    if not result["invariants_ok"]:
        problems.append("check_invariants 未通过")
    if not result["drained"] or result.get("tickets_without_case"):
        problems.append(f"{result.get('tickets_without_case', '?')} 张已接收的热线工单未能转为案件")
    steady_errors = result["steady"]["(all)"]["errors"]
    if steady_errors:
        problems.append(f"故障窗口之外有 {steady_errors} 个请求出错")
    return problems


def table(result: dict) -> list[str]:
    all_ = result["steady"]["(all)"]
    lines = [
        "",
        f"负载测试 {result['run_id']}：{result['minutes']:g} 分钟，倍率 {result['scale']:g}"
        f"（目标 {result['rates']['web_requests']} 次请求/秒），案件 {result['cases_before']:,} → {result['cases_after']:,}",
        f"稳态（{result['steady_seconds']} s，不含预热与故障窗口）：{all_['per_second']} 次/秒，"
        f"P50 {all_['p50_ms']} ms，P95 {all_['p95_ms']} ms，P99 {all_['p99_ms']} ms，错误 {all_['errors']}"
        f"（目标：零错误，P95 < {P95_TARGET_MS} ms：{'达到' if all_['errors'] == 0 and all_['p95_ms'] < P95_TARGET_MS else '未达到'}）",
    ]
    # The target read per operation too: the overall figure can hide a slow kind of request.
    slow = [
        f"{name} {row['p95_ms']:g} ms"
        for name, row in result["steady"].items()
        if name != "(all)" and row["p95_ms"] >= P95_TARGET_MS
    ]
    lines += [
        f"P95 达不到 {P95_TARGET_MS} ms 的操作：{'、'.join(slow) if slow else '无'}",
        f"  {'操作':<28}{'请求':>8}{'次/秒':>9}{'P50':>9}{'P95':>9}{'P99':>9}{'最大':>9}{'错误':>6}",
    ]
    for name, row in result["steady"].items():
        if name == "(all)":
            continue
        lines.append(
            f"  {name:<30}{row['requests']:>8}{row['per_second']:>9}{row['p50_ms']:>9}{row['p95_ms']:>9}"
            f"{row['p99_ms']:>9}{row['max_ms']:>9}{row['errors']:>6}"
        )
    for fault in result["faults"]:
        lines.append(
            f"故障 {fault['name']}（第 {fault['start_s']}–{fault['end_s']} s，含其后 {RECOVERY:g} s）：{fault['requests']} 个请求，"
            f"P95 {fault['p95_ms']} ms，错误 {fault['errors']}"
        )
    for restart in result.get("restarts", []):
        lines.append(
            f"进程 {restart['process']} 意外退出（退出码 {restart['exit_code']}，第 {restart['at_s']} s），"
            "已由监管重启（生产中由 compose 的 restart 策略承担）"
        )
    for error in result["errors"]:
        lines.append(f"  错误 ×{error['count']} {error['operation']} {error['status']}：{error['error']}")
    accepted, lost = result["accepted"], result["lost"]
    lines += [
        f"被接受的写入：上报 {accepted['reports']:,}，热线工单 {accepted['tickets']:,}，动作 {accepted['actions']:,}；"
        f"丢失 {lost['count']}{'（' + ', '.join(map(str, lost['reports'] + lost['tickets'] + lost['actions'])) + '）' if lost['count'] else ''}",
        f"热线工单全部转为案件：{'是' if result['drained'] else '否'}；check_invariants：{'通过' if result['invariants_ok'] else '未通过'}",
    ]
    if not result["invariants_ok"]:
        lines.append(result["invariants_output"])
    return lines
