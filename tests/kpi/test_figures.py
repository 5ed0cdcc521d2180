"""The figures of docs/domain.md §7 on the hand-built month of tests/kpi/scenario.py, written out by hand."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kpi import queries, rollup
from kpi.models import KpiSettings
from tests.kpi import scenario
from tests.kpi.scenario import APRIL, MARCH

MARCH_COUNTS = {
    "reported": 12,  # A–H, L, R (inspector), I, J (hotline)
    "r_rejected": 1,  # J, rejected at intake (L reached 待立案 and was refused there)
    "r_filed": 10,
    "filed": 10,  # A B C D E F G H I R
    "voided": 1,  # E
    "suspended": 1,  # D
    "due_closure": 8,  # 10 − 1 − 1
    "closed": 6,  # A B C G I R (F was reopened; H is open)
    "closed_on_time": 5,  # not C: fed back after its extended deadline
    "due_dispose": 8,  # A B C F G H I R (D suspended, E voided before dispatch)
    "disposed_on_time": 5,  # A B G I R (C late, F's second 处置 open, H open and late)
    "overdue_open": 1,  # H
    "overdue": 2,  # C, H
    "reworked": 1,  # B
    "extended": 1,  # C
    "r_callback": 1,  # I: 回访 reached the caller
    "r_satisfied": 1,  # I: 满意
}


def test_march_counts_and_rates(march):
    figures = queries.summary(*MARCH)
    assert figures["counts"] == MARCH_COUNTS
    assert figures["rates"] == {
        "filing_rate": 90.91,  # 10 / (12 − 1)
        "closure_rate": 75.0,  # 6 / 8
        "on_time_closure_rate": 62.5,  # 5 / 8
        "dispose_on_time_rate": 62.5,  # 5 / 8
        "rework_rate": 12.5,  # 1 / 8
        "extension_rate": 12.5,  # 1 / 8
        "overdue_open_rate": 12.5,  # 1 / 8
        "satisfaction_rate": 100.0,  # I: 满意
    }
    closure = next(k for k in figures["kpis"] if k["key"] == "closure_rate")
    assert (closure["target"], closure["met"], closure["label"]) == (90, False, "结案率")
    assert "结案数 ÷ 应结案数" in closure["formula"]


def test_a_case_filed_in_march_and_closed_in_april_counts_for_march(world):
    closed = {}

    def nightly(day):  # each evening, the day's rollup, then what March looks like
        rollup.rollup_day(day)
        closed[day] = queries.summary(*MARCH)["counts"]["closed"]

    scenario.build(world, after_day=nightly)
    assert closed[scenario.MAR31] == 5  # G filed on 3/31, still open
    assert closed[scenario.APR1] == 6  # April 1st's 结案 of G changed March's cohort
    april = queries.summary(*APRIL)["counts"]
    assert (april["reported"], april["filed"], april["due_closure"], april["closed"]) == (1, 1, 1, 0)  # K


def test_hotline(march):
    hot = queries.hotline(*MARCH)
    assert hot["counts"] == {
        "hotline_reported": 2,  # I, J
        "hotline_accepted_on_time": 1,  # I sent for 核实 at once; J rejected five hours later
        "hotline_due": 1,  # 2 − J (不予受理)
        "hotline_closed": 1,
        "hotline_callback": 1,
        "hotline_satisfied": 1,
        "hotline_returned": 0,  # J was 不予受理 by the operator, not a 退单 the centre approved
        "hotline_returned_counted": 0,
    }
    assert hot["rates"] == {
        "hotline_response_rate": 50.0,
        "hotline_resolution_rate": 100.0,
        "hotline_satisfaction_rate": 100.0,
        "hotline_return_rate": 0.0,
    }


def _one(level, period=MARCH):
    (row,) = queries.rows(level, *period)
    return row


def test_people_scores_and_grades(march):
    inspector = _one("inspector")
    assert inspector["counts"] == {"check": 7, "report": 10, "verify": 1}
    assert inspector["parts"] == {
        "valid_report_rate": 90.0,  # 9 of 10 filed (not L)
        "missed_score": 90.0,  # 1 − 1/10: I (a hotline ticket) was filed in the inspector's grid
        "missed_rate": 10.0,
        "verify_on_time_rate": 100.0,
        "check_on_time_rate": 100.0,  # A, B ×2, C, F, I, R
    }
    assert (inspector["score"], inspector["grade"]) == (94.0, "A")  # 36 + 18 + 20 + 20

    operator = _one("operator")
    assert operator["counts"] == {"accept": 10, "reject": 1, "send_verify": 1}
    # docs/domain.md §7: 受理数 12 (≤ 300) scores 0; I was 派发核实 on time (1 / 1); no 派发核查 action: drops out.
    assert operator["parts"] == {
        "accepted_score": 0.0,
        "verify_dispatch_on_time_rate": 100.0,
        "check_dispatch_on_time_rate": None,
    }
    assert (operator["score"], operator["grade"]) == (61.54, "C")  # (25 × 0 + 40 × 100) / 65

    leader = _one("shift_leader")
    assert leader["counts"] == {"close": 6, "file": 10}  # G's 结案 is April's
    assert leader["parts"] == {"file_on_time_rate": 100.0, "file_accuracy": 90.0, "close_on_time_rate": 100.0}
    assert (leader["score"], leader["grade"]) == (96.0, "A")  # 25 + 40 × 0.9 + 35

    dispatcher = _one("dispatcher")
    assert dispatcher["counts"] == {"dispatch": 11}  # A B C D F×2 G H I R×2
    # H dispatched late; R's first dispatch was returned (回退).
    assert dispatcher["parts"] == {
        "dispatch_count_score": 100.0,
        "dispatch_on_time_rate": 90.91,
        "dispatch_accuracy": 90.91,
    }
    assert (dispatcher["score"], dispatcher["grade"]) == (92.73, "A")

    assert _one("shift_leader", APRIL)["counts"] == {"close": 1, "file": 1}  # G closed, K filed


def test_department_and_area_scores(march, world):
    office = _one("department")
    assert office["code"] == world.office.code
    assert office["counts"]["filed"] == 9  # all but E (voided before dispatch) and L
    assert office["parts"] == {
        "dispatched_score": 100.0,  # the only department with cases (R was returned by the other one)
        "closure_rate": 75.0,  # 6 / 8
        "dispose_on_time_rate": 62.5,  # 5 / 8
        "no_rework_rate": 87.5,
    }
    assert (office["score"], office["grade"]) == (77.5, "B")  # 10 + 22.5 + 18.75 + 26.25
    street = _one("street")
    # 监督举报率 1/10 (I) = 10 % → 90; 立案数 10 → 100; 结案率 6/8; 按期结案率 5/8.
    assert (street["code"], street["score"], street["grade"]) == (
        world.street.code,
        76.5,
        "B",
    )  # 9+20+22.5+25


def test_weights_targets_and_bands_are_configurable(march):
    config = KpiSettings.load()
    config.w_department_count, config.w_department_closure = 40, 20
    config.w_department_dispose, config.w_department_rework = 20, 20
    config.grade_b = 86
    config.target_closure_rate = 70
    config.full_clean()
    config.save()
    office = _one("department")
    assert office["score"] == 85.0  # 40 + 15 + 12.5 + 17.5
    assert office["grade"] == "C"  # B now needs 86
    closure = next(k for k in queries.summary(*MARCH)["kpis"] if k["key"] == "closure_rate")
    assert (closure["target"], closure["met"]) == (70, True)


def test_settings_refuse_weights_not_summing_to_100_and_unordered_bands(db):
    config = KpiSettings.load()
    config.w_inspector_valid = 50
    config.grade_c = 80
    with pytest.raises(ValidationError) as err:
        config.full_clean()
    assert set(err.value.message_dict) == {"w_inspector_valid", "grade_a"}


def test_filters(march, world):
    office = queries.summary(*MARCH, department=world.office.code)["counts"]
    assert (office["filed"], office["closed"]) == (9, 6)
    hotline = queries.summary(*MARCH, source=["hotline_12345"])["counts"]
    assert (hotline["reported"], hotline["filed"]) == (2, 1)
    assert queries.summary(*MARCH, grid=world.other_grid.code)["counts"]["reported"] == 0
    assert queries.summary(*MARCH, street=world.street)["counts"] == MARCH_COUNTS
    assert queries.summary(*MARCH, major="06", category=world.event_cat.code)["counts"] == MARCH_COUNTS
    assert queries.summary(*MARCH, major="01")["counts"]["reported"] == 0


def test_trend_and_periods(march):
    assert [
        label for _s, _e, label in queries.periods(dt.date(2026, 2, 25), dt.date(2026, 3, 31), "xun")
    ] == [
        "2026-02 下旬",
        "2026-03 上旬",
        "2026-03 中旬",
        "2026-03 下旬",
    ]
    weeks = queries.periods(dt.date(2026, 3, 1), dt.date(2026, 3, 10), "week")
    assert [(s.day, e.day) for s, e, _ in weeks] == [(1, 1), (2, 8), (9, 10)]
    xun = queries.trend(*MARCH, "xun")
    assert [row["counts"]["filed"] for row in xun] == [9, 0, 1]  # G was filed on the 31st
    (month,) = queries.trend(*MARCH, "month")
    assert month["counts"] == MARCH_COUNTS


def test_breakdown_and_grid_counts(march, world):
    by_source = {row["key"]: row["counts"]["reported"] for row in queries.breakdown("source", *MARCH)}
    assert by_source == {"inspector": 10, "hotline_12345": 2}
    (major,) = queries.breakdown("major", *MARCH)
    assert (major["name"], major["counts"]["filed"]) == ("市容环境类", 10)
    (grid,) = queries.grid_counts(*MARCH, metric="filed")
    assert (grid["code"], grid["value"]) == (world.grid.code, 10)
