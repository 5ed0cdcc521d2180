"""The load test's arithmetic (tooling/loadtest/profile.py, figures.py): the rates it claims, and how the
request log becomes the steady-state and fault-window figures."""

import pytest

from tooling.loadtest import figures
from tooling.loadtest.profile import Rates


def test_ten_times_the_peak_day_over_twelve_busy_hours():
    rates = Rates.ten_times_peak()
    # docs/domain.md §8: 10,000 new cases and 60,000 hotline tickets on a large city's peak day; ×10, in 12 h.
    assert rates.reports == pytest.approx(100_000 / 43_200, abs=0.001)  # 2.315 a second
    assert rates.tickets == pytest.approx(600_000 / 43_200, abs=0.001)  # 13.889
    assert rates.actions == pytest.approx(6 * 100_000 / 43_200, abs=0.001)  # six per case
    assert rates.web_requests == pytest.approx(2.315 + 13.889 + 2 * 13.889 + 1.0, abs=0.01)
    assert sum(
        rates.desk_rate(d) for d in ("operator", "inspector", "shift_leader", "dispatcher", "department")
    ) == (pytest.approx(rates.actions))


def test_scale_multiplies_every_stream_and_users_keep_each_below_its_per_user_rate():
    half, full = Rates.ten_times_peak(0.5), Rates.ten_times_peak(1.0)
    assert half.tickets == pytest.approx(full.tickets / 2, abs=0.001)
    users = full.users()
    assert full.reports / users["reports"] <= 0.2
    assert full.tickets / users["tickets"] <= 1.0
    assert full.desk_rate("shift_leader") / users["shift_leader"] <= 0.5


def _log(*rows):
    return [figures.Request(at, name, ms, status, error) for at, name, ms, status, error in rows]


def test_percentiles_are_nearest_rank():
    values = sorted(float(v) for v in range(1, 101))
    assert figures.percentile(values, 50) == 50
    assert figures.percentile(values, 95) == 95
    assert figures.percentile(values, 99) == 99
    assert figures.percentile([7.0], 99) == 7.0
    assert figures.percentile([], 95) == 0.0


def test_warm_up_and_fault_windows_are_kept_apart_from_the_steady_state():
    fault = figures.Fault("worker_killed", start=100.0, end=120.0)
    log = _log(
        (5.0, "report", 900.0, 201, ""),  # warm-up: counted nowhere
        (50.0, "report", 40.0, 201, ""),
        (60.0, "report", 60.0, 201, ""),
        (110.0, "report", 700.0, 503, "503: 数据库暂时不可用"),  # during the fault
        (140.0, "hotline_ticket", 20.0, 202, ""),  # within 30 s of its end: still the fault's
        (200.0, "hotline_ticket", 10.0, 202, ""),
    )
    result = figures.analyse(log, duration=300.0, faults=[fault])
    steady = result["steady"]
    assert steady["(all)"]["requests"] == 3 and steady["(all)"]["errors"] == 0
    assert steady["report"]["p95_ms"] == 60.0
    # 300 s less 10 s of warm-up less the fault (20 s) and its 30 s of recovery.
    assert result["steady_seconds"] == 240.0
    assert steady["(all)"]["per_second"] == pytest.approx(3 / 240, abs=0.01)
    (window,) = result["faults"]
    assert window["requests"] == 2 and window["errors"] == 1
    assert result["errors"] == [
        {"operation": "report", "status": 503, "error": "503: 数据库暂时不可用", "count": 1}
    ]


def test_the_request_log_is_read_on_the_runs_clock(tmp_path):
    # Locust writes when each answer came (a Unix time); the run measures from when the load began.
    path = tmp_path / "requests.tsv"
    path.write_text(
        "1765000001.500\treport\t42.0\t201\t\n"
        "1765000002.000\taction:check\t300.5\t409\t409: 当前状态不能核查\n",
        "utf-8",
    )
    rows = figures.read_log(path, origin=1765000000.0)
    assert rows[0] == figures.Request(1.5, "report", 42.0, 201, "")
    assert rows[1].status == 409 and rows[1].error.startswith("409")


def test_the_summary_names_each_operation_whose_p95_misses_the_target():
    from tooling.management.commands.loadtest import table

    def row(p95):
        return {
            "requests": 10,
            "per_second": 1.0,
            "p50_ms": 50,
            "p95_ms": p95,
            "p99_ms": p95,
            "max_ms": p95,
            "errors": 0,
        }

    result = {
        "run_id": "t",
        "minutes": 1,
        "scale": 1,
        "rates": {"web_requests": 45.0},
        "cases_before": 1,
        "cases_after": 2,
        "steady_seconds": 60,
        "faults": [],
        "restarts": [],
        "errors": [],
        "drained": True,
        "invariants_ok": True,
        "accepted": {"reports": 1, "tickets": 1, "actions": 1},
        "lost": {"count": 0, "reports": [], "tickets": [], "actions": []},
        "steady": {"(all)": row(250), "report": row(548.1), "hotline_ticket": row(148.5)},
    }
    lines = table(result)
    assert "P95 < 300 ms：达到" in lines[2]
    assert lines[3] == "P95 达不到 300 ms 的操作：report 548.1 ms"
    result["steady"]["report"] = row(299.9)
    assert table(result)[3] == "P95 达不到 300 ms 的操作：无"
