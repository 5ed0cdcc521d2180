"""The coarse rollups (issue #18): StreetDay, CategoryDay and GridDay always sum to what the fine cells
(AreaDay) sum to, however the run got there (incremental, forced, from scratch, a window forgotten),
and the dashboard's figures read them, never the fine cells, with the same answers the fine cells give.
"""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grids.models import Street
from kpi import queries, rollup
from kpi.models import COARSE, ROLLUP_SUMS, AreaDay, CategoryDay, StreetDay
from kpi.queries import cells
from tests.kpi import district, scenario
from tests.kpi.district import MARCH


def fine_sums(model) -> dict:
    """AreaDay summed to `model`'s keys (a district from the street's district), cells counting nothing left out."""
    district_of = dict(Street.objects.values_list("pk", "district_id"))
    out: dict = {}
    for row in AreaDay.objects.values():
        row["district_id"] = district_of.get(row["street_id"], 0)
        key = (row["day"], *(row[k] for k in model.KEYS))
        acc = out.setdefault(
            key, {"carried": tuple(row[c] for c in model.CARRIED), **dict.fromkeys(ROLLUP_SUMS, 0)}
        )
        for name in ROLLUP_SUMS:
            acc[name] += row[name]
    return {k: v for k, v in out.items() if v["reported"] or v["filed"]}


def coarse_rows(model) -> dict:
    return {
        (row["day"], *(row[k] for k in model.KEYS)): {
            "carried": tuple(row[c] for c in model.CARRIED),
            **{name: row[name] for name in ROLLUP_SUMS},
        }
        for row in model.objects.values()
    }


def assert_agree():
    for model in COARSE:
        expected = fine_sums(model)
        assert expected, f"{model.__name__}: the scenario should fill it"
        assert coarse_rows(model) == expected, model.__name__


def nightly(day):
    rollup.rollup_incremental()
    rollup.rollup_nightly(day)


@pytest.fixture
def month(db):
    """The district month (two streets, three departments, hotline tickets), rolled up as production
    does: an incremental run and the nightly run after every day with events."""
    w = district.build_world()
    cases = district.play(w, nightly=nightly)
    return w, cases


def test_the_coarse_tables_agree_with_the_fine_cells_after_incremental_runs(month):
    assert_agree()
    before = {m.__name__: coarse_rows(m) for m in COARSE}
    rollup.rebuild()  # from scratch: the same cells
    assert {m.__name__: coarse_rows(m) for m in COARSE} == before
    assert_agree()


def test_the_march_scenario_agrees_and_a_forced_run_repairs_a_coarse_table(march):
    assert_agree()
    expected = coarse_rows(StreetDay)
    StreetDay.objects.filter(day=scenario.MAR3).update(filed=99)  # damage
    CategoryDay.objects.filter(day=scenario.MAR2).delete()
    call_command("kpi_rollup", "--from", "2026-03-01", "--to", "2026-04-01", verbosity=0)
    assert coarse_rows(StreetDay) == expected
    assert_agree()


def test_a_forgotten_window_leaves_the_coarse_tables_as_the_fine_cells(march):
    rollup.forget_window(*rollup.day_bounds(scenario.MAR3))
    assert_agree()
    rollup.rollup_day(scenario.MAR3)
    assert_agree()


DASHBOARD = {
    "summary": lambda f: queries.summary(*MARCH, **f),
    "hotline": lambda f: queries.hotline(*MARCH, **f),
    "trend": lambda f: queries.trend(*MARCH, "week", **f),
    "streets": lambda f: queries.rows("street", *MARCH, **f),
    "departments": lambda f: queries.rows("department", *MARCH, **f),
    "inspectors": lambda f: queries.rows("inspector", *MARCH),
    "districts": lambda f: queries.district_rows(*MARCH, **f),
    "majors": lambda f: queries.breakdown("major", *MARCH, **f),
    "categories": lambda f: queries.breakdown("category", *MARCH, **f),
    "sources": lambda f: queries.breakdown("source", *MARCH, **f),
    "grids": lambda f: queries.grid_counts(*MARCH, **f),
    "communities": lambda f: queries.rows("community", *MARCH, **f),
}


def scopes(w) -> list[dict]:
    """Unfiltered, a district's user (scope.py adds the district), a department's user, a street."""
    return [
        {},
        {"district": w.streets["N"].district.code},
        {"department": w.garden.code},
        {"district": w.streets["N"].district.code, "department": w.offices["S"].code},
        {"street": w.streets["S"].code, "source": ["hotline_12345"]},
    ]


def read_tables(fn, *args, **kwargs) -> set[str]:
    with CaptureQueriesContext(connection) as ctx:
        fn(*args, **kwargs)
    return {
        t
        for t in ("kpi_areaday", "kpi_streetday", "kpi_categoryday", "kpi_gridday")
        if any(t in q["sql"] for q in ctx.captured_queries)
    }


def test_the_dashboard_reads_the_coarse_tables_and_answers_as_the_fine_cells(month, monkeypatch):
    w, _ = month
    district_code = w.streets["N"].district.code
    # What each dashboard figure reads, unfiltered and for a district's user.
    for f in ({}, {"district": district_code}):
        assert read_tables(queries.summary, *MARCH, **f) == {"kpi_streetday"}
        assert read_tables(queries.trend, *MARCH, "day", **f) == {"kpi_streetday"}
        assert read_tables(queries.rows, "street", *MARCH, **f) == {"kpi_streetday"}
        assert read_tables(queries.rows, "department", *MARCH, **f) == {"kpi_streetday"}
        assert read_tables(queries.rows, "inspector", *MARCH) == {"kpi_gridday"}
        assert read_tables(queries.breakdown, "major", *MARCH, **f) == {"kpi_categoryday"}
        assert read_tables(queries.breakdown, "category", *MARCH, **f) == {"kpi_categoryday"}
        assert read_tables(queries.grid_counts, *MARCH, **f) == {"kpi_gridday"}
    # The fine cells stay for the grid drill-down that crosses grids with departments or categories.
    assert read_tables(queries.grid_counts, *MARCH, department=w.garden.code) == {"kpi_areaday"}

    coarse = {(name, n): fn(f) for name, fn in DASHBOARD.items() for n, f in enumerate(scopes(w))}
    monkeypatch.setattr(cells, "TABLES", [])  # every query on the fine cells, as before issue #18
    fine = {(name, n): fn(f) for name, fn in DASHBOARD.items() for n, f in enumerate(scopes(w))}
    assert coarse == fine
    assert coarse[("summary", 0)]["counts"]["filed"] > 0


def test_the_rollup_analyses_the_tables_the_pages_read(march):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        rollup.forget_window(*rollup.day_bounds(scenario.MAR3))
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT relname, analyze_count FROM pg_stat_user_tables WHERE relname = ANY(%s)",
            [list(rollup.READ_TABLES)],
        )
        before = dict(cursor.fetchall())
        rollup.rollup_day(scenario.MAR3)
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT relname, analyze_count FROM pg_stat_user_tables WHERE relname = ANY(%s)",
            [list(rollup.READ_TABLES)],
        )
        after = dict(cursor.fetchall())
    assert set(after) == set(rollup.READ_TABLES)
    assert all(after[t] > before.get(t, 0) for t in rollup.READ_TABLES)
