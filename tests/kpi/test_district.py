"""The figures of docs/domain.md §7 for the district month of tests/kpi/district.py, worked out by hand
(each number with its arithmetic), never by calling the code under test: rankings of several rows in
order, every 回访 answer, cases around local midnight and across the month boundary.
"""

import datetime as dt

import pytest

from kpi import queries, rollup
from tests.kpi import district
from tests.kpi.conftest import on
from tests.kpi.district import APR1, APRIL, MAR30, MAR31, MARCH


@pytest.fixture
def month(db):
    w = district.build_world()
    cases = district.play(w)
    rollup.rebuild()
    return w, cases


MARCH_COUNTS = {
    # Report day in March (local): N1–N4, S1–S6 on 3/2, E1 (Sunday 3/1 00:30), E2 (3/31 23:30).
    "reported": 12,
    "r_rejected": 0,
    "r_filed": 12,  # all twelve are filed by now (E2 on 4/1)
    # Filing day in March: N1–N4, S1–S6, E1; not E2 (filed 4/1 07:50 local).
    "filed": 11,
    "voided": 0,
    "suspended": 0,
    "due_closure": 11,  # 11 − 0 − 0
    "closed": 10,  # all but S2
    "closed_on_time": 10,  # every 处置 of the ten within its limit (N3's 返工 too)
    "due_dispose": 11,  # every filed case was dispatched
    "disposed_on_time": 10,  # S2's 处置 is unfinished (and late)
    "overdue_open": 1,  # S2
    "overdue": 1,  # S2
    "reworked": 1,  # N3
    "extended": 0,
    "r_callback": 3,  # N4 满意, S3 不满意, S4 基本满意 (S5 未联系上 is not a reached callback)
    "r_satisfied": 2,  # N4, S4
}


def test_march_counts_and_rates(month):
    figures = queries.summary(*MARCH)
    assert figures["counts"] == MARCH_COUNTS
    assert figures["rates"] == {
        "filing_rate": 100.0,  # 12 / (12 − 0)
        "closure_rate": 90.91,  # 10 / 11 = 0.90909…
        "on_time_closure_rate": 90.91,  # 10 / 11
        "dispose_on_time_rate": 90.91,  # 10 / 11
        "rework_rate": 9.09,  # 1 / 11 = 0.090909…
        "extension_rate": 0.0,  # 0 / 11
        "overdue_open_rate": 9.09,  # 1 / 11
        "satisfaction_rate": 66.67,  # (1 满意 + 1 基本满意) / 3 reached = 0.6666…
    }
    satisfaction = next(k for k in figures["kpis"] if k["key"] == "satisfaction_rate")
    assert (satisfaction["target"], satisfaction["met"]) == (90, False)  # 66.67 < 90


def test_every_callback_answer_counts_where_it_belongs(month):
    hot = queries.hotline(*MARCH)
    assert hot["counts"] == {
        "hotline_reported": 4,  # N4, S3, S4, S5
        "hotline_accepted_on_time": 4,  # each sent for 核实 five minutes after the call
        "hotline_due": 4,  # 4 − 0 rejected − 0 voided
        "hotline_closed": 4,
        "hotline_callback": 3,  # 满意, 不满意, 基本满意; 未联系上 is not a callback that reached anyone
        "hotline_satisfied": 2,  # 满意 + 基本满意
        "hotline_returned": 0,  # no 退单
        "hotline_returned_counted": 0,
    }
    assert hot["rates"] == {
        "hotline_response_rate": 100.0,  # 4 / 4
        "hotline_resolution_rate": 100.0,  # 4 / 4
        "hotline_satisfaction_rate": 66.67,  # 2 / 3
        "hotline_return_rate": 0.0,  # 0 / 4
    }
    # The drill-down of 满意数 lists exactly the two satisfied callers' cases.
    assert queries.cases_params("r_satisfied", *MARCH)["satisfaction"] == ["satisfied", "basically_satisfied"]


def test_the_month_boundary_and_local_midnight(month):
    w, c = month
    april = queries.summary(*APRIL)["counts"]
    # Reported in April: E3 (00:40 local, still 3/31 in UTC) and E4 (06:00 local). Filed in April:
    # E2 (reported in March) and E3. Dispatched: E3 only.
    assert (april["reported"], april["filed"], april["due_closure"], april["due_dispose"]) == (2, 2, 2, 1)
    assert april["closed"] == 0
    by_day = {row["start"]: row["counts"] for row in queries.trend(MAR30, APR1, "day")}
    assert [by_day[d]["reported"] for d in (MAR30, MAR31, APR1)] == [0, 1, 2]  # E2 | E3, E4
    assert [by_day[d]["filed"] for d in (MAR30, MAR31, APR1)] == [0, 0, 2]  # E2 07:50, E3 08:40
    # Sunday 3/1 00:30 (E1) is March's, not February's.
    assert queries.summary(district.MAR1, district.MAR1)["counts"]["reported"] == 1


def test_streets_ranked_best_first(month):
    w, _ = month
    rows = queries.rows("street", *MARCH)
    assert [(r["rank"], r["code"]) for r in rows] == [(1, w.streets["N"].code), (2, w.streets["S"].code)]
    north, south = rows
    # 北街道: N1–N4, E1 filed and closed on time; N3 reworked.
    assert (north["counts"]["filed"], north["counts"]["closed"], north["counts"]["reworked"]) == (5, 5, 1)
    # docs/domain.md §7 reference: 监督举报率得分×10 % + 立案数得分×20 % + 结案率×30 % + 按期结案率×40 %.
    # 监督举报率 1/5 = 20 % (N4, a hotline ticket) → band "≤ 20 %" = 75; 立案数 5 ≤ 50 → 100.
    assert north["parts"] == {
        "public_report_score": 75.0,
        "filed_score": 100.0,
        "closure_rate": 100.0,
        "on_time_closure_rate": 100.0,
    }
    assert (north["score"], north["grade"]) == (97.5, "A")  # 7.5 + 20 + 30 + 40
    # 南街道: S1–S6 filed, S2 still open.
    assert (south["counts"]["filed"], south["counts"]["closed"]) == (6, 5)
    # 监督举报率 3/6 = 50 % (S3–S5 hotline tickets) → past every band = 0.
    assert south["parts"] == {
        "public_report_score": 0.0,
        "filed_score": 100.0,
        "closure_rate": 83.33,
        "on_time_closure_rate": 83.33,
    }
    assert (south["score"], south["grade"]) == (78.33, "B")  # 0 + 20 + 70 × 5/6 = 78.333…


def test_departments_ranked_best_first(month):
    w, _ = month
    rows = queries.rows("department", *MARCH)
    assert [r["code"] for r in rows] == [w.garden.code, w.offices["N"].code, w.offices["S"].code]
    assert [r["rank"] for r in rows] == [1, 2, 3]
    garden, north, south = rows
    # 立案(派遣)数: GARDEN N4, S4 (2); ON N1, N2, N3, E1 (4); OS S1, S2, S3, S5, S6 (5): all ≤ 50 → 100
    # (docs/domain.md §7: a department's 派遣数 score falls as its cases rise).
    assert garden["parts"] == {
        "dispatched_score": 100.0,
        "closure_rate": 100.0,
        "dispose_on_time_rate": 100.0,
        "no_rework_rate": 100.0,
    }
    assert (garden["score"], garden["grade"]) == (100.0, "A")  # 10 + 30 + 30 + 30
    assert north["parts"] == {
        "dispatched_score": 100.0,
        "closure_rate": 100.0,
        "dispose_on_time_rate": 100.0,
        "no_rework_rate": 75.0,  # 1 − 1/4 (N3)
    }
    assert (north["score"], north["grade"]) == (92.5, "A")  # 10 + 30 + 30 + 22.5
    assert south["parts"] == {
        "dispatched_score": 100.0,
        "closure_rate": 80.0,  # 4 / 5 (S2 open)
        "dispose_on_time_rate": 80.0,  # 4 / 5
        "no_rework_rate": 100.0,
    }
    assert (south["score"], south["grade"]) == (88.0, "B")  # 10 + 24 + 24 + 30
    # S6 was returned by GARDEN and counts for OS, which closed it.
    assert south["counts"]["filed"] == 5 and garden["counts"]["filed"] == 2


def test_dispatchers_and_operators_ranked_best_first(month):
    w, _ = month
    dispatchers = queries.rows("dispatcher", *MARCH)
    assert [(r["rank"], r["code"]) for r in dispatchers] == [(1, "d2"), (2, "d1")]
    d2, d1 = dispatchers
    # d2: N4, S1–S5 at 09:20 and S6's re-dispatch at 14:30 = 7, all on time, none returned.
    assert d2["counts"] == {"dispatch": 7}
    assert d2["parts"] == {
        "dispatch_count_score": 100.0,
        "dispatch_on_time_rate": 100.0,
        "dispatch_accuracy": 100.0,
    }
    assert (d2["score"], d2["grade"]) == (100.0, "A")
    # d1: E1, N1–N3, S6 (to GARDEN, returned) = 5; on time; 4 of 5 accurate.
    assert d1["counts"] == {"dispatch": 5}
    assert d1["parts"] == {
        "dispatch_count_score": 71.43,  # 100 × 5 / 7 = 71.428…
        "dispatch_on_time_rate": 100.0,
        "dispatch_accuracy": 80.0,  # (5 − 1) / 5
    }
    assert (d1["score"], d1["grade"]) == (86.29, "B")  # (20 × 71.43 + 40 × 100 + 40 × 80) / 100 = 86.286

    operators = queries.rows("operator", *MARCH)
    assert [(r["rank"], r["code"]) for r in operators] == [(1, "op1"), (2, "op2")]
    op1, op2 = operators
    # op1: 受理 E1 (Mon 08:35), N1–N3; 派发核实 N4: all within the hour.
    assert op1["counts"] == {"accept": 4, "send_verify": 1}
    # docs/domain.md §7 reference: 受理数得分×25 % + 核实按时派发率×40 % + 核查按时派发率×35 %; 核查派发 has no
    # action here, so it drops out and the rest is rescaled: (25 × 0 + 40 × 100) / 65 = 61.538…
    # 受理数 5 (≤ 300) scores 0.
    parts = {
        "accepted_score": 0.0,
        "verify_dispatch_on_time_rate": 100.0,
        "check_dispatch_on_time_rate": None,
    }
    assert (op1["parts"], op1["score"], op1["grade"]) == (parts, 61.54, "C")
    # op2: 受理 S1, S2, S6 (S6 late, but a 受理 is not a 派发核实); 派发核实 S3–S5 on time: the same score,
    # so the tie is broken by code.
    assert op2["counts"] == {"accept": 3, "send_verify": 3}
    assert (op2["parts"], op2["score"], op2["grade"]) == (parts, 61.54, "C")


def test_the_nightly_run_counts_the_early_morning(db):
    """Only the nightly run at 00:30 (yesterday, whole): a ticket logged at 06:00 local, before 08:00
    (when a UTC day would begin), is in that day's run."""
    w = district.build_world()
    district.play(w, nightly=lambda day: rollup.rollup_nightly())
    april = queries.summary(APR1, APR1)["counts"]
    assert april["reported"] == 2  # E3 (00:40), E4 (06:00, untouched since)
    assert queries.hotline(APR1, APR1)["counts"]["hotline_reported"] == 1  # E4
    march = queries.summary(*MARCH)["counts"]
    assert (march["reported"], march["filed"], march["closed"]) == (12, 11, 10)
    assert queries.summary(MAR31, MAR31)["counts"]["reported"] == 1  # E2 at 23:30


@pytest.mark.parametrize(
    ("now", "yesterday"),
    [
        ((APR1, 0, 10), "2026-03-31"),  # ten past midnight local (UTC: still 3/31 16:10)
        ((APR1, 7, 50), "2026-03-31"),  # early morning local (UTC: 3/31 23:50)
        ((MAR31, 23, 50), "2026-03-30"),  # late evening local (UTC: 3/31 15:50)
    ],
)
def test_the_daily_report_is_of_yesterday_in_local_time(api, month, now, yesterday):
    w, _ = month
    api.force_authenticate(w.lead)
    with on(*now):
        body = api.get("/api/v1/kpi/reports/daily/").json()
        assert (body["period"]["from"], body["period"]["to"]) == (yesterday, yesterday)
        # "Today" is the local day too: asking for it is allowed, tomorrow is not.
        today = (dt.date.fromisoformat(yesterday) + dt.timedelta(days=1)).isoformat()
        assert api.get("/api/v1/kpi/reports/daily/", {"date": today}).status_code == 200
        tomorrow = (dt.date.fromisoformat(today) + dt.timedelta(days=1)).isoformat()
        assert api.get("/api/v1/kpi/reports/daily/", {"date": tomorrow}).status_code == 400
