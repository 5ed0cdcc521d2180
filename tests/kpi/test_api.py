"""/api/v1/kpi/…: drill-down to exactly the counted cases, permissions, filters and the glossary."""

from urllib.parse import urlencode

import pytest

from kpi.definitions import AREA_COUNTS, HOTLINE_COUNTS, KPIS
from tests.kpi.scenario import MARCH

PERIOD = {"date_from": MARCH[0].isoformat(), "date_to": MARCH[1].isoformat()}


def get(api, user, path, **params):
    api.force_authenticate(user)
    return api.get(f"/api/v1/kpi/{path}/?{urlencode({**PERIOD, **params}, doseq=True)}")


def test_every_count_drills_down_to_exactly_its_cases(api, march, world):
    body = get(api, world.p.supervisor, "summary").json()
    figures = body["kpis"] + body["hotline"]["kpis"]
    counted = {f["key"] for f in figures if f["cases_url"]}
    assert counted == set(AREA_COUNTS) | set(HOTLINE_COUNTS) - {"hotline_due"}
    for figure in figures:
        if figure["cases_url"]:
            listed = api.get(figure["cases_url"]).json()
            assert listed["count"] == figure["value"], figure["key"]


def test_rankings_and_breakdowns_drill_down_too(api, march, world):
    (street,) = get(api, world.p.supervisor, "rankings", level="street").json()
    assert api.get(street["cases_url"]).json()["count"] == street["counts"]["filed"] == 10
    for row in get(api, world.p.supervisor, "breakdown", by="source").json():
        assert api.get(row["cases_url"]).json()["count"] == row["counts"]["filed"]
    (grid,) = get(api, world.p.supervisor, "grids", metric="closed").json()
    assert api.get(grid["cases_url"]).json()["count"] == grid["value"] == 6


def test_a_department_user_sees_only_their_department(api, march, world):
    dept = world.p.department
    body = get(api, dept, "summary").json()
    assert body["filters"] == {"department": world.office.code}
    assert body["counts"]["filed"] == 9
    for figure in body["kpis"]:
        if figure["cases_url"]:
            assert api.get(figure["cases_url"]).json()["count"] == figure["value"], figure["key"]
    assert get(api, dept, "summary", department=world.other_dept.code).status_code == 403
    assert get(api, dept, "rankings", level="dispatcher").status_code == 403
    (own,) = get(api, dept, "rankings", level="department").json()
    assert own["code"] == world.office.code


@pytest.mark.parametrize("role", ["supervisor", "shift_leader", "dispatcher", "operator"])
def test_district_wide_roles_see_everything(api, march, world, role):
    response = get(api, getattr(world.p, role), "rankings", level="inspector")
    assert response.status_code == 200
    assert response.json()[0]["grade"] == "A"


def test_others_are_refused(api, march, world):
    assert get(api, world.p.inspector, "summary").status_code == 403
    api.force_authenticate(None)
    assert api.get("/api/v1/kpi/summary/").status_code in (401, 403)


def test_filters_and_bad_input(api, march, world):
    boss = world.p.supervisor
    body = get(api, boss, "summary", source=["hotline_12345", "hotline_8890"]).json()
    assert (body["counts"]["reported"], body["filters"]["source"]) == (2, ["hotline_12345", "hotline_8890"])
    assert get(api, boss, "summary", street=world.street.code).json()["counts"]["filed"] == 10
    rows = get(api, boss, "trend", granularity="xun").json()
    assert [r["label"] for r in rows] == ["2026-03 上旬", "2026-03 中旬", "2026-03 下旬"]
    bad = get(api, boss, "trend", granularity="year")
    assert bad.status_code == 400 and "granularity" in bad.json()
    backwards = get(api, boss, "summary", date_from="2026-04-01")
    assert backwards.status_code == 400 and "date_from" in backwards.json()
    assert get(api, boss, "hotline").json()["rates"]["hotline_response_rate"] == 50.0


def test_glossary_defines_every_kpi(api, world):
    api.force_authenticate(world.p.inspector)
    body = api.get("/api/v1/kpi/glossary/").json()
    assert {row["key"] for row in body} == set(KPIS)
    assert all(row["definition"] and row["formula"] for row in body)


def test_the_kind_filter_splits_部件_from_事项(api, march, world):
    """部件 and 事项 share 大类 codes; `kind` tells them apart, and each part drills down exactly."""
    total = get(api, world.p.supervisor, "summary").json()["counts"]
    parts = {
        kind: get(api, world.p.supervisor, "summary", kind=kind).json() for kind in ("component", "event")
    }
    assert parts[world.event_cat.kind]["counts"]["filed"] > 0
    for key in ("reported", "filed", "closed"):
        assert sum(p["counts"][key] for p in parts.values()) == total[key], key
    for body in parts.values():
        for figure in body["kpis"]:
            if figure["cases_url"]:
                assert api.get(figure["cases_url"]).json()["count"] == figure["value"], figure["key"]
    assert get(api, world.p.supervisor, "summary", kind="building").status_code == 400
    for row in get(api, world.p.supervisor, "breakdown", by="major").json():
        kind = row["key"].split(":")[0]
        assert f"kind={kind}" in row["cases_url"]
        assert api.get(row["cases_url"]).json()["count"] == row["counts"]["filed"]
