"""The reference formulas of docs/domain.md §7 (issue #24.2): every composite against a hand computation.

The fixture is a handful of counts per object, written out here; the expected numbers are worked by
hand in the comments from docs/domain.md §7's weights and bands, not computed by the code under test.
"""

import pytest

from kpi import metrics
from kpi.models import KpiSettings
from kpi.queries.rankings import people_parts

DEFAULTS = KpiSettings()  # unsaved: the defaults, no database


def area(filed, public, closed, on_time, voided=0, suspended=0):
    return {
        "filed": filed,
        "closed": closed,
        "closed_on_time": on_time,
        "due_closure": filed - voided - suspended,
    }, public


@pytest.mark.parametrize(
    ("counts", "parts", "score", "grade"),
    [
        # 40 filed (≤ 50 → 100); 2 public (5 % → ≤ 5 → 100); 38 due, 38 closed, 38 on time.
        # 10×100 + 20×100 + 30×100 + 40×100 = 100.
        (area(40, 2, 38, 38, voided=2), (100.0, 100.0, 1.0, 1.0), 100.0, "A"),
        # 120 filed (101–200 → 80); 18 public = 15 % (10–20 → 75); due 100 (−10 void −10 suspended),
        # closed 90, on time 70: 10×75 + 20×80 + 30×90 + 40×70 = 750 + 1600 + 2700 + 2800 = 7850 → 78.5 B.
        (area(120, 18, 90, 70, voided=10, suspended=10), (75.0, 80.0, 0.9, 0.7), 78.5, "B"),
        # 1001 filed (> 1000 → 0); 400 public ≈ 40 % (> 30 → 0); due 1001, closed 1001, on time 500:
        # 0 + 0 + 30×100 + 40×(500/1001) → 3000 + 1998.0 = 4998.0 → 49.98 D.
        (area(1001, 400, 1001, 500), (0.0, 0.0, 1.0, 500 / 1001), 49.98, "D"),
    ],
)
def test_area_composite(counts, parts, score, grade):
    counts, public = counts
    got = metrics.area_parts(counts, public, DEFAULTS)
    assert got == pytest.approx(
        dict(
            zip(
                ("public_report_score", "filed_score", "closure_rate", "on_time_closure_rate"),
                parts,
                strict=True,
            )
        )
    )
    assert metrics.composite("area", got, DEFAULTS) == score
    assert metrics.grade(score, DEFAULTS) == grade


def test_area_without_filed_cases_has_no_public_report_rate():
    parts = metrics.area_parts({"filed": 0, "closed": 0, "closed_on_time": 0, "due_closure": 0}, 0, DEFAULTS)
    # 立案数 0 ≤ 50 still scores 100 (nothing to fix is the best an area can do); the rates have no data.
    assert parts == {
        "public_report_score": None,
        "filed_score": 100.0,
        "closure_rate": None,
        "on_time_closure_rate": None,
    }
    assert metrics.composite("area", parts, DEFAULTS) == 100.0


@pytest.mark.parametrize(
    ("filed", "score"),
    [(0, 100.0), (50, 100.0), (51, 90.0), (100, 90.0), (101, 80.0), (500, 70.0), (1000, 60.0), (1001, 0.0)],
)
def test_department_dispatch_score_falls_as_cases_rise(filed, score):
    assert metrics.band_score("dispatched_score", filed, DEFAULTS) == score


def test_department_composite():
    # 立案(派遣)数 300 (201–500 → 70); due 280 (20 voided); closed 252 = 90 %; 应处置 250, on time 200 = 80 %;
    # 返工 28 / 280 = 10 % → (1 − 返工率) 90 %. 10×70 + 30×90 + 30×80 + 30×90 = 700 + 2700 + 2400 + 2700 = 85 B.
    counts = {
        "filed": 300,
        "due_closure": 280,
        "closed": 252,
        "due_dispose": 250,
        "disposed_on_time": 200,
        "reworked": 28,
    }
    parts = metrics.department_parts(counts, DEFAULTS)
    assert parts == pytest.approx(
        {"dispatched_score": 70.0, "closure_rate": 0.9, "dispose_on_time_rate": 0.8, "no_rework_rate": 0.9}
    )
    assert metrics.composite("department", parts, DEFAULTS) == 85.0
    assert metrics.grade(85.0, DEFAULTS) == "B"


@pytest.mark.parametrize(
    ("handled", "score"),
    [
        (2001, 100.0),
        (2000, 90.0),
        (1201, 90.0),
        (1200, 75.0),
        (501, 75.0),
        (500, 60.0),
        (301, 60.0),
        (300, 0.0),
    ],
)
def test_operator_accepted_bands(handled, score):
    assert metrics.band_score("accepted_score", handled, DEFAULTS) == score


def test_operator_composite():
    # 受理 1000 + 派发核实 250 + 不予受理 50 = 1300 (1201–2000 → 90); 派发核实 on time 225 / 250 = 90 %.
    # 核查按时派发率: no action of ours → drops out; (25×90 + 40×90) / 65 = 5850 / 65 = 90.
    kinds = {
        "accept": {"n": 1000, "on_time": 990, "ok": 1000},
        "send_verify": {"n": 250, "on_time": 225, "ok": 250},
        "reject": {"n": 50, "on_time": 50, "ok": 50},
    }
    parts = people_parts("operator", kinds, {}, DEFAULTS)
    assert parts == {
        "accepted_score": 90.0,
        "verify_dispatch_on_time_rate": 0.9,
        "check_dispatch_on_time_rate": None,
    }
    assert metrics.composite("operator", parts, DEFAULTS) == 90.0
    # Were 核查派发 measured at 60 %: 25×90 + 40×90 + 35×60 = 2250 + 3600 + 2100 = 79.5.
    assert metrics.composite("operator", {**parts, "check_dispatch_on_time_rate": 0.6}, DEFAULTS) == 79.5


def test_inspector_shift_leader_and_dispatcher_composites():
    # Inspector: 有效上报 45/50 = 90 %; 漏报率 20 % → score 80; 核实 8/10; 核查 10/10.
    # 40×90 + 20×80 + 20×80 + 20×100 = 3600 + 1600 + 1600 + 2000 = 88 B.
    inspector = people_parts(
        "inspector",
        {
            "report": {"n": 50, "on_time": 0, "ok": 45},
            "verify": {"n": 10, "on_time": 8, "ok": 10},
            "check": {"n": 10, "on_time": 10, "ok": 10},
        },
        {"missed_rate": 0.2},
        DEFAULTS,
    )
    assert metrics.composite("inspector", inspector, DEFAULTS) == 88.0
    # Shift leader: 立案 100, 95 on time, 10 voided → 准确 90 %; 结案 80, 60 on time = 75 %.
    # 25×95 + 40×90 + 35×75 = 2375 + 3600 + 2625 = 86 B.
    leader = people_parts(
        "shift_leader",
        {"file": {"n": 100, "on_time": 95, "ok": 90}, "close": {"n": 80, "on_time": 60, "ok": 80}},
        {},
        DEFAULTS,
    )
    assert metrics.composite("shift_leader", leader, DEFAULTS) == 86.0
    # Dispatcher: 派遣 150 of the busiest's 200 → 75; 135 on time = 90 %; 15 回退 → 准确 90 %.
    # 20×75 + 40×90 + 40×90 = 1500 + 3600 + 3600 = 87 B.
    dispatcher = people_parts(
        "dispatcher", {"dispatch": {"n": 150, "on_time": 135, "ok": 135}}, {"best": 200}, DEFAULTS
    )
    assert metrics.composite("dispatcher", dispatcher, DEFAULTS) == 87.0


def test_grades():
    assert [metrics.grade(s, DEFAULTS) for s in (90, 89.99, 75, 74.99, 60, 59.99, 40, 39.99)] == list(
        "ABBCCDDE"
    )


def test_bands_are_configuration_and_checked(db):
    config = KpiSettings.load()
    config.bands = {
        **config.bands,
        "accepted": {"direction": "higher", "bands": [[10, 100], [0, 50]], "otherwise": 0},
    }
    config.full_clean()
    config.save()
    assert metrics.band_score("accepted_score", 11) == 100.0
    assert metrics.band_score("accepted_score", 3) == 50.0
    config.bands = {**config.bands, "accepted": {"direction": "higher", "bands": [[0, 50], [10, 100]]}}
    with pytest.raises(Exception) as err:
        config.full_clean()
    assert "bands" in err.value.message_dict


def test_glossary_shows_the_formula_and_bands_in_force(client, db):
    from tests.factories import UserFactory

    config = KpiSettings.load()
    config.w_area_public, config.w_area_filed = 20, 10
    config.save()
    client.force_login(UserFactory(roles=["supervisor"]))
    page = client.get("/kpi/glossary/").content.decode()
    assert "监督举报率得分×20%" in page and "立案数得分×10%" in page and "结案率×30%" in page
    assert "受理数 &gt; 2000" in page  # the operator's 受理数 bands
    assert "部门立案（派遣）数 ≤ 50" in page and "1000 &lt; 部门立案（派遣）数" not in page
