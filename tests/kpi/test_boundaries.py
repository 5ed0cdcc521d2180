"""KPI edges: a grade exactly on its floor and a hundredth under, the dates a query may name (first and
last allowed, one day outside), the 派遣数 bands of a relative score, and a rate with nothing to count."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kpi import metrics
from kpi.dates import validate_kpi_date
from kpi.models import KpiSettings

DEFAULTS = KpiSettings()  # A ≥ 90, B ≥ 75, C ≥ 60, D ≥ 40 (docs/domain.md §7), unsaved: no database


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        (100.0, "A"),
        (90.0, "A"),
        (89.99, "B"),
        (75.0, "B"),
        (74.99, "C"),
        (60.0, "C"),
        (59.99, "D"),
        (40.0, "D"),
        (39.99, "E"),
        (0.0, "E"),
        (None, None),
    ],
)
def test_a_grade_starts_exactly_at_its_floor(score, grade):
    assert metrics.grade(score, DEFAULTS) == grade


@pytest.mark.parametrize(
    ("day", "valid"),
    [
        (dt.date(1999, 12, 31), False),
        (dt.date(2000, 1, 1), True),
        (dt.date(2099, 12, 31), True),
        (dt.date(2100, 1, 1), False),
    ],
)
def test_kpi_dates_from_2000_to_2099_inclusive(day, valid):
    if valid:
        validate_kpi_date(day)
    else:
        with pytest.raises(ValidationError) as err:
            validate_kpi_date(day)
        assert err.value.code == "date_range"


def test_rates_with_nothing_to_count_are_none_not_zero():
    assert metrics.ratio(0, 0) is None
    assert metrics.ratio(0, 1) == 0
    assert metrics.ratio(1, 1) == 1
    assert metrics.relative_score(0, 0) is None
    assert metrics.relative_score(5, 7) == 71.43  # 100 × 5 / 7 = 71.428…
    assert metrics.relative_score(7, 7) == 100.0


def test_a_part_without_data_drops_out_of_the_composite():
    # Department weights 10/30/30/30; without 按期处置率 the rest are rescaled to their 70.
    parts = {
        "dispatched_score": 50.0,
        "closure_rate": 1.0,
        "dispose_on_time_rate": None,
        "no_rework_rate": 0.5,
    }
    # (10 × 50 + 30 × 100 + 30 × 50) / 70 = 5000 / 70 = 71.428…
    assert metrics.composite("department", parts, DEFAULTS) == 71.43
    assert metrics.composite("department", dict.fromkeys(parts), DEFAULTS) is None
