"""`make bench`: speed figures that later work can compare against, printed and kept in var/bench.json.

The benchmark writes cases, so it runs on a database of its own (see database.py), in a child process
whose DATABASE_URL points there: the parent never opens the configured database at all. The child
migrates it and loads the demo district once, then measures. var/bench.json keeps one key per
figure group, merged into what is there, so other benchmarks can add their own groups.
"""

import json
import os
import random
import subprocess
import sys
from datetime import datetime
from pathlib import Path

CHILD = "CITYOPS_BENCH_CHILD"
SIZES = {
    "full": {
        "reports": 500,
        "generated": 20_000,
        "open_cases": (10_000, 1_000_000),
        "tickets": 500,
        "cases": 1_000_000,
    },
    "quick": {
        "reports": 30,
        "generated": 1_000,
        "open_cases": (2_000, 20_000),
        "tickets": 30,
        "cases": 20_000,
    },
}


def run_in_bench_database(manage_py: Path, var_dir: Path, argv: list[str]) -> int:
    """Re-run `manage.py bench` against the benchmark database; returns its exit code."""
    from tooling.bench.database import bench_database_url

    url = bench_database_url(var_dir)
    env = {
        **os.environ,
        CHILD: "1",
        "DATABASE_URL": url,
        "MEDIA_ROOT": str(var_dir / "bench" / "media"),  # report photos stay out of the demo's media
        "CELERY_TASK_ALWAYS_EAGER": "true",  # nothing queued for the demo's worker
        "LOG_LEVEL": "WARNING",  # eager tasks would log a line each and bury the figures
    }
    print(f"==> 基准测试数据库：{_redacted(url)}", flush=True)
    return subprocess.call([sys.executable, str(manage_py), "bench", *argv], env=env)


def _redacted(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        return f"{scheme}://{credentials.split(':')[0]}@{host}"
    return url


SECTIONS = (
    "api_report",
    "queries_per_action",
    "generator",
    "sla_sweep",
    "hotline_intake",
    "open311_get_requests",
    "kpi",
    "queue_pages",
    "suggest",
    "live_wall",
    "patrols",
    "case_detail",
    "intake",
)


def run_measurements(quick: bool, say=print, only: frozenset[str] = frozenset()) -> dict:
    """Run the measurements (all, or the `only` sections) in this (child) process; returns the figures."""
    from tooling.bench import measure as m

    size = SIZES["quick" if quick else "full"]
    wanted = only or frozenset(SECTIONS)
    say("==> 迁移并载入演示辖区（已载入则跳过）")
    m.prepare()
    desk = m.Desk(random.Random(7))
    figures: dict = {
        "machine": {
            "timestamp": datetime.now().astimezone().isoformat(timespec="seconds"),
            "database": m.database_label(),
            "cpu_count": os.cpu_count(),
            "quick": quick,
        }
    }
    if "api_report" in wanted:
        say(f"==> API 上报 {size['reports']} 件（监督员，令牌认证，JSON）")
        figures["api_report"] = m.api_reports(desk, size["reports"])
    if "queries_per_action" in wanted:
        say("==> 每个请求的 SQL 查询数（上报 + 受理→结案）")
        figures["queries_per_action"] = m.queries_per_action(desk)
    if "generator" in wanted:
        say(f"==> 生成器 {size['generated']} 件")
        figures["generator"] = m.generator_rate(size["generated"])
    if "sla_sweep" in wanted:
        from tooling.bench.sweep import sweep_scaling

        sizes = size["open_cases"]
        say(f"==> SLA 扫描：1,000 个到期环节，分别在 {' / '.join(f'{n:,}' for n in sizes)} 件在办案件中")
        figures["sla_sweep"] = sweep_scaling(desk, sizes)
    if "hotline_intake" in wanted or "open311_get_requests" in wanted:
        from tooling.bench.channels import hotline_rate, open311_latency

        if "hotline_intake" in wanted:
            say(f"==> 热线工单接入 {size['tickets']} 件（端到端：接收 → 案件）")
            figures["hotline_intake"] = hotline_rate(desk, size["tickets"])
        if "open311_get_requests" in wanted:
            say(f"==> Open311 GET requests 延迟（库中 {size['cases']:,} 件案件）")
            figures["open311_get_requests"] = open311_latency(size["cases"])
    if "kpi" in wanted:
        from tooling.bench.kpi import kpi_figures

        figures["kpi"] = kpi_figures(quick, say)  # each size in a database of its own, reused when there
    if "queue_pages" in wanted:
        from tooling.bench.pages import bench_queue_pages

        open_cases = 10_000 if quick else 100_000
        say(f"==> 工作队列页面（在办 {open_cases:,} 件）与上报页传输量")
        figures["queue_pages"] = bench_queue_pages(open_cases, say=say)
    if "suggest" in wanted:
        from tooling.bench.suggest import suggest_figures

        figures["suggest"] = suggest_figures(quick, say)
    if "live_wall" in wanted:
        from tooling.bench.live import live_figures

        figures["live_wall"] = live_figures(desk, quick, say)
    if "patrols" in wanted:
        from tooling.bench.patrols import patrol_figures

        figures["patrols"] = patrol_figures(quick, say)
    if "case_detail" in wanted:
        from tooling.bench.detail import detail_figures

        say("==> 案件详情 API / 页面与其自身 SQL 重放")
        figures["case_detail"] = detail_figures(say=say)
    if "intake" in wanted:
        from tooling.bench.intake import intake_figures

        figures["intake"] = intake_figures(quick, say)
    return figures


def save(figures: dict, path: Path) -> None:
    """Merge `figures` into the JSON file by top-level key: other groups already there are kept."""
    existing = {}
    if path.exists():
        try:
            existing = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            existing = {}  # a broken file is replaced rather than blocking the benchmark
    existing.update(figures)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(existing, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def table(figures: dict) -> str:
    machine = figures["machine"]
    lines = [
        f"基准测试  {machine['timestamp']}  {machine['database']}  CPU ×{machine['cpu_count']}"
        + ("  (--quick)" if machine["quick"] else "")
    ]
    if all(section in figures for section in SECTIONS[:6]):
        lines += _core_table(figures)
    if "kpi" in figures:
        from tooling.bench.kpi import table as kpi_table

        lines += kpi_table(figures["kpi"])
    if "queue_pages" in figures:
        from tooling.bench.pages import table as pages_table

        lines += ["", pages_table(figures["queue_pages"])]
    if "suggest" in figures:
        from tooling.bench.suggest import table as suggest_table

        lines += suggest_table(figures["suggest"])
    if "live_wall" in figures:
        from tooling.bench.live import table as live_table

        lines += live_table(figures["live_wall"])
    if "patrols" in figures:
        from tooling.bench.patrols import table as patrols_table

        lines += patrols_table(figures["patrols"])
    if "case_detail" in figures:
        from tooling.bench.detail import table as detail_table

        lines += detail_table(figures["case_detail"])
    if "intake" in figures:
        from tooling.bench.intake import table as intake_table

        lines += intake_table(figures["intake"])
    return "\n".join(lines)


def _core_table(figures: dict) -> list[str]:
    reports, queries, generator = (
        figures["api_report"],
        figures["queries_per_action"],
        figures["generator"],
    )
    lines = [
        "",
        "API 上报（POST /api/v1/cases/，进程内）",
        f"  {reports['count']} 件 / {reports['seconds']} s = {reports['per_second']} 件/s"
        f"   中位 {reports['median_ms']} ms   P95 {reports['p95_ms']} ms",
        "",
        "每个请求的 SQL 查询数",
        "  动作" + " " * 16 + "查询数",  # CJK characters print two columns wide
    ]
    lines += [f"  {action:<20}{count:>6}" for action, count in queries.items()]
    lines += [
        "",
        "案件生成器（generate_cases）",
        f"  {generator['cases']} 件（{generator['events']} 条事件）/ {generator['seconds']} s"
        f" = {generator['cases_per_second']} 件/s（{generator['method']}）",
        f"  折合 100 万件约 {generator['minutes_per_million']} 分钟",
        "",
        f"SLA 扫描（{figures['sla_sweep']['due']} 个到期环节）",
    ]
    for size, run in figures["sla_sweep"]["runs"].items():
        lines.append(
            f"  在办 {int(size):>9,} 件：{run['sweep_s']} s，{run['queries']} 条 SQL，翻灯 {run['flipped']}"
            f"（红 {run['red']}，通知 {run['notices']}）"
            + (
                f"；手写集合 SQL {run['set_based_sql_s']} s，比值 {run['ratio_to_sql']}（目标 ≤ 3）"
                if "ratio_to_sql" in run
                else ""
            )
        )
    lines.append(
        f"  大/小 耗时比 {figures['sla_sweep']['time_ratio']}（目标 ≤ 1.5），查询数比 {figures['sla_sweep']['query_ratio']}"
    )
    hotline, open311 = figures["hotline_intake"], figures["open311_get_requests"]
    lines += [
        "",
        "热线工单接入（POST /api/v1/hotline/tickets/ → 案件，端到端）",
        f"  {hotline['tickets']} 件 → {hotline['cases']} 件案件 / {hotline['seconds']} s"
        f" = {hotline['per_second']} 件/s   中位 {hotline['median_ms']} ms",
        "",
        f"Open311 GET requests（库中 {open311['cases']:,} 件案件，默认 90 天、最多 1000 行）",
        f"  JSON P50 {open311['json']['p50_ms']} ms  P95 {open311['json']['p95_ms']} ms   "
        f"XML P50 {open311['xml']['p50_ms']} ms  P95 {open311['xml']['p95_ms']} ms",
    ]
    return lines
