"""The city level (docs/domain.md §13): the districts ranked on the figures of docs/domain.md §7, worked out
by hand below; a district's leaders held to their own district's figures.

    甲区 A: a1 a2 inspector reports, a3 a hotline ticket — all filed and closed today; a3's caller 不满意
    乙区 B: b1 b2 inspector reports, b3 a hotline ticket — all filed; b1 and b3 closed, b2 still 处置中;
            b3's caller 满意
"""

import pytest
from django.utils import timezone

from cases import services as s
from kpi import queries, rollup
from tests.cases.two_districts import build_city, closed, filed, hotline_report, report

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")


@pytest.fixture
def month(db):
    city = build_city()
    a, b = city.a, city.b
    for _ in range(2):
        closed(filed(report(city, a), a), a)
    a3 = closed(filed(hotline_report(city, a, "A3"), a), a)
    s.case_callback(case=a3, actor=a.hotline, satisfaction="unsatisfied")
    closed(filed(report(city, b), b), b)
    filed(report(city, b), b)
    b3 = closed(filed(hotline_report(city, b, "B3"), b), b)
    s.case_callback(case=b3, actor=b.hotline, satisfaction="satisfied")
    rollup.rebuild()
    city.today = timezone.localdate()
    return city


def by_code(rows):
    return {r["code"]: r for r in rows}


def test_the_districts_figures_by_hand(month):
    rows = by_code(queries.district_rows(month.today, month.today))
    a, b = rows["129901"], rows["129902"]
    # A: 3 reported, 3 filed, 3 closed (none voided or suspended: 应结案 3) → 结案率 3/3.
    assert (a["counts"]["reported"], a["counts"]["filed"], a["counts"]["closed"]) == (3, 3, 3)
    assert a["rates"]["closure_rate"] == 100.0 and a["rates"]["on_time_closure_rate"] == 100.0
    # One 回访, not satisfied: 满意率 0/1.
    assert a["rates"]["satisfaction_rate"] == 0.0
    # B: 3 filed, 2 closed → 2/3 = 66.67 %; both closed in time → 按期结案率 2/3 too; 满意率 1/1.
    assert (b["counts"]["reported"], b["counts"]["filed"], b["counts"]["closed"]) == (3, 3, 2)
    assert b["rates"]["closure_rate"] == 66.67 and b["rates"]["on_time_closure_rate"] == 66.67
    assert b["rates"]["satisfaction_rate"] == 100.0
    # The districts' figures are the sums of their streets' (one street each here).
    street_a = queries.rows("street", month.today, month.today, district="129901")
    assert [r["code"] for r in street_a] == [month.a.street.code]
    assert street_a[0]["counts"] == a["counts"] and street_a[0]["score"] == a["score"]


def test_the_ranking_orders_the_districts_by_what_is_asked(month):
    def order(by):
        return [r["code"] for r in queries.district_rows(month.today, month.today, by=by)]

    # Same 监督举报率 (1 hotline of 3 filed each) and 立案数 (3 each): A's 结案率 and 按期结案率 win.
    assert order("score") == ["129901", "129902"]
    assert order("closure_rate") == ["129901", "129902"]
    # B's caller was satisfied, A's was not.
    assert order("satisfaction_rate") == ["129902", "129901"]
    ranked = queries.district_rows(month.today, month.today)
    assert [r["rank"] for r in ranked] == [1, 2] and ranked[0]["score"] > ranked[1]["score"]
    # Each row links to exactly its district's filed cases.
    assert ranked[0]["cases"]["district"] == "129901"


def test_the_api_ranks_for_the_city_and_holds_a_district_to_its_row(api, month):
    url = "/api/v1/kpi/districts/"
    day = {"date_from": month.today.isoformat(), "date_to": month.today.isoformat()}
    api.force_authenticate(month.city)
    rows = api.get(url, {**day, "by": "satisfaction_rate"}).json()
    assert [(r["rank"], r["code"]) for r in rows] == [(1, "129902"), (2, "129901")]
    cases = api.get(rows[0]["cases_url"]).json()["results"]
    assert len(cases) == 3 and {c["number"][:6] for c in cases} == {"129902"}
    assert api.get(url, {**day, "by": "nonsense"}).status_code == 400
    api.force_authenticate(month.a.supervisor)
    assert [r["code"] for r in api.get(url, day).json()] == ["129901"]
    for user in (month.a.operator, month.a.department, month.a.inspector):
        api.force_authenticate(user)
        assert api.get(url, day).status_code == 403, user


def test_a_districts_leaders_read_their_districts_figures_only(api, month):
    day = {"date_from": month.today.isoformat(), "date_to": month.today.isoformat()}
    api.force_authenticate(month.b.supervisor)
    summary = api.get("/api/v1/kpi/summary/", day).json()
    assert summary["counts"]["filed"] == 3 and summary["counts"]["closed"] == 2  # B's, not 6 and 5
    assert api.get("/api/v1/kpi/summary/", {**day, "district": "129901"}).status_code == 403
    streets = api.get("/api/v1/kpi/rankings/", {**day, "level": "street"}).json()
    assert [r["code"] for r in streets] == [month.b.street.code]
    # The whole deployment's supervisor and the city supervisor read both.
    for user in (month.everywhere, month.city):
        api.force_authenticate(user)
        assert api.get("/api/v1/kpi/summary/", day).json()["counts"]["filed"] == 6
        assert api.get("/api/v1/kpi/summary/", {**day, "district": "129901"}).json()["counts"]["filed"] == 3


def test_the_city_page_ranks_the_districts(client, month):
    client.force_login(month.city)
    query = {"date_from": month.today.isoformat(), "date_to": month.today.isoformat()}
    page = client.get("/kpi/city/", {**query, "by": "satisfaction_rate"})
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index('data-district="129902"') < html.index('data-district="129901"')
    assert "66.7%" in html and "100.0%" in html
    html = client.get("/kpi/city/", query).content.decode()
    assert html.index('data-district="129901"') < html.index('data-district="129902"')
    assert "各区排名" in client.get("/").content.decode()  # in the city supervisor's menu
    # The dashboard: a district's supervisor picks among their own streets only.
    client.force_login(month.a.supervisor)
    dashboard = client.get("/kpi/", query).content.decode()
    assert f'<option value="{month.a.street.code}"' in dashboard
    assert f'<option value="{month.b.street.code}"' not in dashboard
    client.force_login(month.a.department)
    assert client.get("/kpi/city/", query).status_code == 403


def test_a_district_without_cases_has_no_score_and_comes_last(api, client, month):
    """丙区 has streets but no case in the period: not 100 / A from its 立案数 of 0, but 无数据, last."""
    from tests.factories import DistrictFactory, StreetFactory

    idle = DistrictFactory(code="129900", name="丙区")  # the lowest code: first if it were ranked by code
    StreetFactory(district=idle, code="129900001")
    rows = queries.district_rows(month.today, month.today)
    assert [r["code"] for r in rows] == ["129901", "129902", "129900"]
    last = rows[-1]
    assert (last["rank"], last["score"], last["grade"], last["has_data"]) == (3, None, None, False)
    assert rows[0]["has_data"] and rows[0]["score"] is not None
    assert queries.district_rows(month.today, month.today, by="closure_rate")[-1]["code"] == "129900"
    day = {"date_from": month.today.isoformat(), "date_to": month.today.isoformat()}
    api.force_authenticate(month.city)
    body = api.get("/api/v1/kpi/districts/", day).json()
    assert (body[-1]["code"], body[-1]["score"], body[-1]["has_data"]) == ("129900", None, False)
    client.force_login(month.city)
    html = client.get("/kpi/city/", day).content.decode()
    row = html[html.index('data-district="129900"') :]
    assert "无数据" in row[: row.index("</tr>")]
    assert html.index('data-district="129902"') < html.index('data-district="129900"')
