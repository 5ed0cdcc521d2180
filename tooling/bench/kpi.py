"""KPI rollup and dashboard figures at several history sizes (issue #7).

Each size N gets a database of its own (the bench database's name + `_kpi_N`), generated once with
`generate_cases` at the same daily volume (a large city: 1,000,000 cases a year ≈ 2,740 a day), so the
sizes differ only in the length of the history: 100,000 cases ≈ 37 days, 1,000,000 ≈ a year. A
database that already holds its cases is reused (generating a million takes a quarter of an hour
or more). Each size runs in a child process (`python -m tooling.bench.kpi N`) pointed at its
database, and prints:

- the rollup of the busiest of the last seven full days: the nightly run as production has it (the
  day's 5-minute runs have rolled everything up; it finds each case's fact counting all its events)
  and a cold run (the day's cases taken out of the rollup first, untimed: every fact and cell
  rewritten, what a night costs with no 5-minute runs before it), in seconds, median of 3;
- a single hand-written SQL aggregate over the same day's events (joined to their cases), and the
  ratio of each run to it (target ≤ 2);
- the full recompute rate in days per minute (`rollup.rebuild` on first use, else 7 days re-rolled);
- the dashboard API p95 (summary, trend, street/department/inspector rankings over the last 7 days).

Then the dashboard against the cases *in its window* (issue #18): two databases (`_kpi_week_N`) holding a
week of N and of 10 × N cases, the same district and mix; the same week's dashboard calls are timed in
each, and the p95 of the 10 × N week is set beside the N week's (target ≤ 1.3: the dashboard reads the
coarse rollups, whose rows a day are bounded by streets × departments × sources, not by cases). Each
figure is printed with its ceiling and ratio and kept in var/bench.json.

Sizes: BENCH_KPI_SIZES (comma-separated), default 100000,1000000 (--quick: 5000,20000); the week's N:
BENCH_KPI_WEEK (default 20000, a large city's week; --quick 2000).
"""

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

PER_DAY = 2740  # cases a day, a large city's year of 1,000,000 (docs/domain.md §8)
MARK = "KPI-BENCH-JSON "


def sizes(quick: bool) -> list[int]:
    raw = os.environ.get("BENCH_KPI_SIZES", "").strip()
    if raw:
        try:
            return [int(x.replace("_", "")) for x in raw.split(",") if x.strip()]
        except ValueError:
            raise SystemExit(f"BENCH_KPI_SIZES={raw!r}: comma-separated case counts, please") from None
    return [5_000, 20_000] if quick else [100_000, 1_000_000]


def week_size(quick: bool) -> int:
    raw = os.environ.get("BENCH_KPI_WEEK", "").strip().replace("_", "")
    if raw:
        if not raw.isdigit():
            raise SystemExit(f"BENCH_KPI_WEEK={raw!r}: a case count, please")
        return int(raw)
    return 2_000 if quick else 20_000


def _database_for(size: int, kind: str = "kpi") -> str:
    import dj_database_url
    from django.conf import settings

    from core.pg import ensure_database
    from tooling.bench.database import DEFAULT_PG

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(settings.VAR_DIR) / f'bench_{kind}_{size}.sqlite3'}"
    url = os.environ.get("DATABASE_URL") or DEFAULT_PG
    name = dj_database_url.parse(url)["NAME"]
    url = url.rsplit("/", 1)[0] + f"/{name}_{kind}_{size}"
    ensure_database(url)
    return url


def kpi_figures(quick: bool, say=print) -> dict:
    """Run each size in its own child process and database; returns {size: figures} plus ratios."""
    from django.conf import settings

    def child(kind: str, size: int) -> dict:
        env = {
            **os.environ,
            "DATABASE_URL": _database_for(size, kind),
            "LOG_LEVEL": "WARNING",
            "CELERY_TASK_ALWAYS_EAGER": "true",
        }
        proc = subprocess.run(
            [sys.executable, "-m", "tooling.bench.kpi", kind, str(size)],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
        )
        lines = [line for line in proc.stdout.splitlines() if line.startswith(MARK)]
        if proc.returncode or not lines:
            raise RuntimeError(
                f"KPI bench {kind} {size} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
            )
        for line in proc.stdout.splitlines():
            if not line.startswith(MARK):
                say(f"    {line}")
        return json.loads(lines[-1][len(MARK) :])

    out: dict = {"sizes": {}}
    for size in sizes(quick):
        say(f"==> 综合评价汇总：{size:,} 件案件（约 {max(1, round(size / PER_DAY))} 天的历史）")
        out["sizes"][str(size)] = child("kpi", size)
    n = week_size(quick)
    week = {}
    for size in (n, 10 * n):
        say(f"==> 综合评价看板：统计窗口（一周）内 {size:,} 件案件")
        week[str(size)] = child("kpi_week", size)
    small, big = week[str(n)], week[str(10 * n)]
    out["window"] = {
        "weeks": week,
        "cases_ratio": round(big["cases_in_window"] / small["cases_in_window"], 1),
        "dashboard_p95_ms": big["dashboard_p95_ms"],
        "ceiling_ms": round(1.3 * small["dashboard_p95_ms"], 1),  # the small week's p95 × 1.3
        "dashboard_p95_ratio": round(big["dashboard_p95_ms"] / small["dashboard_p95_ms"], 2),
        "target": 1.3,
    }
    runs = list(out["sizes"].values())
    if len(runs) >= 2:
        small, big = runs[0], runs[-1]
        out["growth"] = {
            "history_ratio": round(big["cases"] / small["cases"], 1),
            "one_day_rollup_ratio": round(big["one_day_rollup_s"] / small["one_day_rollup_s"], 2),
            "dashboard_p95_ratio": round(big["dashboard_p95_ms"] / small["dashboard_p95_ms"], 2),
        }
    return out


def table(figures: dict) -> list[str]:
    lines = ["", "综合评价汇总（kpi/rollup.py）与看板 API"]
    for size, f in figures["sizes"].items():
        lines += [
            f"  {int(size):>9,} 件（{f['days_of_history']} 天历史，{f['events']:,} 条事件）",
            f"    同日单条 SQL 聚合 {f['one_sql_aggregate_s']} s（{f['day']}，近 7 天最忙的一天："
            f"{f['day_events']:,} 条事件、{f['day_cases']:,} 件案件）",
            f"    夜间汇总（日间 5 分钟增量已跑过）{f['nightly_after_incremental_s']} s，"
            f"比值 {f.get('nightly_ratio_to_sql')}（目标 ≤ 2）",
            f"    冷汇总一整天（当天案件全部事先移出，事实与单元格全部重写，含 ANALYZE）{f['one_day_rollup_s']} s，"
            f"上限 {round(3 * f['one_sql_aggregate_s'], 3)} s（SQL 聚合 × 3），比值 {f['ratio_to_sql']}（目标 ≤ 3）",
            f"    全量重算 {f['recompute_days_per_minute']} 天/分钟（{f['recompute_note']}）",
            f"    看板 API P95 {f['dashboard_p95_ms']} ms  "
            + "  ".join(f"{k} {v}" for k, v in f["dashboard_p95_by_endpoint_ms"].items()),
        ]
    if "window" in figures:
        w = figures["window"]
        lines.append("  看板 API 与统计窗口内案件数（同一周、同一辖区，案件 ×10）")
        for f in w["weeks"].values():
            lines.append(
                f"    窗口内 {f['cases_in_window']:,} 件：看板 P95 {f['dashboard_p95_ms']} ms；"
                "粗汇总 "
                + "、".join(f"{k} {v}" for k, v in f["coarse_rows_per_day"].items())
                + f" 行/天，细单元格 {f['fine_rows_per_day']} 行/天  "
                + "  ".join(f"{k} {v}" for k, v in f["dashboard_p95_by_endpoint_ms"].items())
            )
        lines.append(
            f"    案件 ×{w['cases_ratio']}：看板 P95 {w['dashboard_p95_ms']} ms，上限 {w['ceiling_ms']} ms"
            f"（小窗口 P95 × 1.3），比值 {w['dashboard_p95_ratio']}（目标 ≤ {w['target']}）"
        )
    if "growth" in figures:
        g = figures["growth"]
        lines.append(
            f"  历史增长 ×{g['history_ratio']}：一日汇总耗时 ×{g['one_day_rollup_ratio']}，"
            f"看板 P95 ×{g['dashboard_p95_ratio']}（不随历史增长应接近 1）"
        )
    return lines


# ---------------------------------------------------------------------------------- the child


def _median_time(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _p95_ms(timings: list[float]) -> float:
    timings = sorted(timings)
    return round(timings[int(len(timings) * 0.95) - 1] * 1000, 1)


# The dashboard's calls (kpi/web/figures.py shows the same figures on the page).
ENDPOINTS = {
    "summary": "/api/v1/kpi/summary/?{period}",
    "trend": "/api/v1/kpi/trend/?{period}&granularity=day",
    "rank_street": "/api/v1/kpi/rankings/?{period}&level=street",
    "rank_department": "/api/v1/kpi/rankings/?{period}&level=department",
    "rank_inspector": "/api/v1/kpi/rankings/?{period}&level=inspector",
    "by_major": "/api/v1/kpi/breakdown/?{period}&by=major",
    "by_source": "/api/v1/kpi/breakdown/?{period}&by=source",
    "hotline": "/api/v1/kpi/hotline/?{period}",
}


def _dashboard(last_day, repeat: int = 21) -> dict:
    """The dashboard API's p95 over the week ending `last_day` (the supervisor, as a browser would ask)."""
    import datetime as dt

    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient

    user = get_user_model().objects.get(username="supervisor")
    client = APIClient()
    client.force_authenticate(user)
    # A week: the same length in every size (the smallest history is a week long).
    period = f"date_from={last_day - dt.timedelta(days=6)}&date_to={last_day}"
    everything, by_endpoint = [], {}
    for name, url in ENDPOINTS.items():
        timings = []
        for n in range(repeat):
            t0 = time.perf_counter()
            response = client.get(url.format(period=period))
            if n:  # the first call warms caches and connections
                timings.append(time.perf_counter() - t0)
            assert response.status_code == 200, response.content[:300]
        by_endpoint[name] = _p95_ms(timings)
        everything += timings
    return {"dashboard_p95_ms": _p95_ms(everything), "dashboard_p95_by_endpoint_ms": by_endpoint}


def _week_child(size: int) -> dict:
    """A week of `size` cases: rolled up (from scratch when new), then the dashboard over that week."""
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection

    from cases.models import Case
    from kpi import rollup
    from kpi.models import COARSE, AreaDay, CaseFact
    from tooling.generator import generate_cases

    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_demo", verbosity=0)
    have = Case.objects.count()
    if have < size * 0.95:
        print(f"生成 {size - have:,} 件案件（7 天）…", flush=True)
        generate_cases(size - have, days=7, seed=size, note=lambda line: None)
    cases = Case.objects.count()
    if CaseFact.objects.count() < cases * 0.99:
        t0 = time.perf_counter()
        rollup.rebuild()
        print(f"从头汇总 {time.perf_counter() - t0:.0f} s", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    last = rollup.event_days()[1]
    first = last - dt.timedelta(days=6)
    days = {"day__gte": first, "day__lte": last}
    return {
        "cases": cases,
        "cases_in_window": Case.objects.filter(
            created_at__date__gte=first, created_at__date__lte=last
        ).count(),
        "fine_rows_per_day": round(AreaDay.objects.filter(**days).count() / 7),
        "coarse_rows_per_day": {m.__name__: round(m.objects.filter(**days).count() / 7) for m in COARSE},
        **_dashboard(last),
    }


def _child(size: int) -> dict:
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from cases.models import Case, CaseEvent
    from kpi import rollup
    from kpi.models import CaseFact
    from tooling.generator import generate_cases

    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_demo", verbosity=0)
    have = Case.objects.count()
    days = max(1, round(size / PER_DAY))
    if have < size * 0.95:
        print(f"生成 {size - have:,} 件案件（{days} 天）…", flush=True)
        generate_cases(size - have, days=days, seed=size, note=lambda line: None)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    cases = Case.objects.count()
    events = CaseEvent.objects.count()
    span = rollup.event_days()

    if CaseFact.objects.count() < cases * 0.99:
        t0 = time.perf_counter()
        n_days = rollup.rebuild()
        seconds = time.perf_counter() - t0
        note = f"从头重算 {n_days} 天，{seconds:.0f} s"
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    else:
        recent = [span[1] - dt.timedelta(days=n) for n in range(1, 8)]
        t0 = time.perf_counter()
        for day in recent:
            rollup.rollup_day(day, force=True)
        seconds, n_days = time.perf_counter() - t0, len(recent)
        note = f"已有汇总，重算最近 {n_days} 天，{seconds:.1f} s"
    rate = round(n_days / seconds * 60, 1) if seconds else None

    # The busiest of the last seven full days (the generator ends at "now"; today is partial): a
    # Monday carries five times a Sunday's events, and the night after it is the one that matters.
    last_full = span[1] - dt.timedelta(days=1)
    week = {}
    for back in range(7):
        candidate = last_full - dt.timedelta(days=back)
        begin, finish = rollup.day_bounds(candidate)
        week[candidate] = CaseEvent.objects.filter(at__gte=begin, at__lt=finish).count()
    day = max(week, key=week.get)
    start, end = rollup.day_bounds(day)
    day_events = week[day]

    def worst_night():
        # Untimed: the day's cases are taken out of the rollup, so the timed run finds every one of
        # them new and writes all their facts and cells (a night without the 5-minute runs before it).
        rollup.forget_window(start, end)
        t0 = time.perf_counter()
        result = rollup.rollup_day(day)
        return time.perf_counter() - t0, result

    runs = [worst_night() for _ in range(3)]
    one_day, result = statistics.median(r[0] for r in runs), runs[-1][1]
    # The ordinary night: the 5-minute runs have already rolled the day up; it finds nothing changed.
    nightly = _median_time(lambda: rollup.rollup_day(day))
    sql = (
        "SELECT c.grid_id, COALESCE(c.department_id, 0), c.category_id, c.source, e.action, COUNT(*) "
        "FROM cases_caseevent e JOIN cases_case c ON c.id = e.case_id "
        "WHERE e.at >= %s AND e.at < %s GROUP BY 1, 2, 3, 4, 5"
    )

    def aggregate(nested_loops: bool):
        with transaction.atomic(), connection.cursor() as cursor:
            if nested_loops and connection.vendor == "postgresql":
                cursor.execute("SET LOCAL enable_hashjoin = off")
                cursor.execute("SET LOCAL enable_mergejoin = off")
            cursor.execute(sql, [start, end])
            cursor.fetchall()

    # The planner's own plan hashes the whole case table once the history is long; the same query
    # through the case index does not. The faster of the two is the yardstick.
    baseline = min(_median_time(lambda: aggregate(False), 5), _median_time(lambda: aggregate(True), 5))

    dashboard = _dashboard(span[1])
    return {
        "cases": cases,
        "events": events,
        "days_of_history": (span[1] - span[0]).days + 1,
        "day": day.isoformat(),
        "day_events": day_events,
        "day_cases": result.cases,
        "one_day_rollup_s": round(one_day, 3),
        "nightly_after_incremental_s": round(nightly, 3),
        "one_sql_aggregate_s": round(baseline, 3),
        "ratio_to_sql": round(one_day / baseline, 2) if baseline else None,
        "nightly_ratio_to_sql": round(nightly / baseline, 2) if baseline else None,
        "recompute_days_per_minute": rate,
        "recompute_note": note,
        **dashboard,
        "measured_at": timezone.now().isoformat(timespec="seconds"),
    }


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityops.settings")
    import django

    django.setup()
    kind, size = sys.argv[1], int(sys.argv[2])
    print(MARK + json.dumps((_week_child if kind == "kpi_week" else _child)(size)), flush=True)
