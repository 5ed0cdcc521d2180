"""The KPI pages: the dashboard (/kpi/), the reports (/kpi/reports/) and the glossary (/kpi/glossary/).

Figures come from the hand-built month of tests/kpi/scenario.py (expected figures written out in
tests/kpi/test_figures.py), played through the real services and rolled up. The pages are checked for
what a supervisor reads: the numbers, their targets, the links to the cases behind them (applied
through the same CaseFilterSet as the case list, they give exactly the counted cases), the filters,
the errors, who may look, and a query count that does not grow with the number of cases.
"""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from cases.filters import CaseFilterSet
from kpi import queries, rollup
from kpi.definitions import glossary
from tests.kpi import scenario
from tests.kpi.conftest import on
from tests.kpi.scenario import MAR2

MARCH_QUERY = {"date_from": "2026-03-01", "date_to": "2026-03-31"}
# Upper bound for the dashboard: a fixed set of aggregate queries (rollups) and bounded hot-spot reads.
# An exact week, 旬 or month adds one lookup per ranking (6): is it a closed 考核 period, whose ranking
# is its frozen table (issue #24.1)? The 监督举报率 count rides in the area sums' GROUP BY.
# The enforcement cards add five (issue #20: four fixed reads of outcomes and violations, and the credit rules).
# The apps' dashboard sections (kpi/web/dashboard_sections.py) add a fixed few: 回头看 and hazards (2), the
# patrols' coverage (1); the streets' cards (docs/domain.md §13): cases, 二级派遣, pending 提级, 格内解决率 (4).
DASHBOARD_QUERIES = 49 + 5 + 3 + 4
# The reports: the case figures (36), then each app's sections (kpi.reports.EXTRA_SECTIONS), a fixed number
# of aggregate reads each whatever the data: enforcement, campaigns, 作业考核 and patrols (9 in all), and the
# streets' 二级派遣 by unit (1).
REPORT_QUERIES = 36 + 9 + 1


@pytest.fixture
def march(world, fast_passwords, media_root):
    """The scenario's March and April 1st, rolled up."""
    cases = scenario.build(world)
    scenario.roll_days()
    return cases


def get(client, path, **params):
    return client.get(path, params)


def card(html: str, key: str) -> dict:
    """The headline card of `key`: its shown value, drill-down href and met/not-met word."""
    match = re.search(rf'<article class="kpi-card[^"]*" id="card-{key}">(.*?)</article>', html, re.S)
    assert match, f"no card {key}"
    body = match.group(1)
    value = re.search(r'<p class="kpi-value">(.*?)</p>', body, re.S).group(1)
    href = re.search(r'href="([^"]+)"', value)
    verdict = re.search(r'<span class="verdict (\w+)">', body)
    return {
        "text": re.sub(r"<[^>]+>", "", value).split()[0],
        "href": unescape(href.group(1)) if href else None,
        "verdict": verdict.group(1) if verdict else None,
        "body": body,
    }


def listed(user, href: str) -> set[str]:
    """The case numbers the case list shows for a drill-down link (same FilterSet, same scope)."""
    parts = urlsplit(href)
    assert parts.path == "/cases/"
    from cases.selectors import cases_visible_to

    filterset = CaseFilterSet(QueryDict(parts.query), queryset=cases_visible_to(user))
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("number", flat=True))


# ---------------------------------------------------------------------------------- the dashboard


def test_dashboard_shows_the_months_figures_against_targets(march, as_role, world):
    response = get(as_role("supervisor"), "/kpi/", **MARCH_QUERY)
    assert response.status_code == 200
    html = response.content.decode()
    assert "统计期 2026-03-01 至 2026-03-31" in html
    # Counts (tests/kpi/test_figures.py MARCH_COUNTS) and rates (percent, one decimal).
    assert card(html, "reported")["text"] == "12"
    assert card(html, "filed")["text"] == "10"
    assert card(html, "closed")["text"] == "6"
    assert card(html, "overdue_open")["text"] == "1"
    closure = card(html, "closure_rate")
    assert closure["text"] == "75.0%"
    assert "目标 ≥ 90.0%" in closure["body"]
    assert closure["verdict"] == "missed" and "未达标" in closure["body"] and "✘" in closure["body"]
    satisfaction = card(html, "satisfaction_rate")
    assert (
        satisfaction["text"] == "100.0%"
        and satisfaction["verdict"] == "met"
        and "达标" in satisfaction["body"]
    )
    assert card(html, "filing_rate")["text"] == "90.9%"
    # Every card explains itself and points to the glossary.
    assert "结案率 = 结案数 ÷ 应结案数 × 100%" in closure["body"]
    assert 'href="/kpi/glossary/#kpi-closure_rate"' in closure["body"]
    # Rankings, breakdowns, the map's data and the hot spots are on the page.
    assert world.street.name in html and world.office.name in html
    assert "市容环境类" in html and "监督员上报" in html
    assert 'id="kpi-data"' in html and 'data-chart="trend"' in html and "data-kpi-map" in html
    assert "问题反复发生的地点" in html and "星期 × 时段分布" in html
    assert "<script>" not in html  # CSP: data only as application/json

    # People: each role's parts, score and grade (tests/kpi/test_figures.py: insp 94.0 A, op 61.54 C).
    people = html[html.index('id="people"') : html.index('id="breakdowns"')]
    for person, score, grade in ((world.p.inspector, "94.0", "A"), (world.p.operator, "61.5", "C")):
        name = person.get_full_name() or person.username
        row = rf'<th scope="row">{name}</th>\s*<td data-sort-value="[\d.]+">{score}</td>\s*<td><span class="grade grade-{grade}">'
        assert re.search(row, people), (name, score, grade)
    assert "有效上报率" in people and "准确派遣率" in people

    # Drill-down: each number links to the case list, whose filters give exactly the counted cases.
    supervisor, c = world.p.supervisor, march
    expected = {
        "filed": "ABCDEFGHIR",
        "closed": "ABCGIR",
        "overdue_open": "H",
    }
    for key, names in expected.items():
        href = card(html, key)["href"]
        assert listed(supervisor, href) == {c[n].number for n in names}, key
    filed = parse_qs(urlsplit(card(html, "filed")["href"]).query)
    assert filed["filed_after"] == ["2026-03-01"] and filed["filed_before"] == ["2026-03-31"]
    reported = parse_qs(urlsplit(card(html, "reported")["href"]).query)
    assert reported["created_after"] == ["2026-03-01"]  # 上报数 counts by the report day
    # A rate links to its numerator, and shows numerator / denominator with their own lists.
    closure = card(html, "closure_rate")
    assert listed(supervisor, closure["href"]) == {c[n].number for n in "ABCGIR"}
    due = re.search(r'应结案数 <a href="([^"]+)">8</a>', closure["body"])
    assert due and len(listed(supervisor, unescape(due.group(1)))) == 8
    # Ranking rows and breakdown rows link to their own cases.
    street_link = re.search(rf'<a href="([^"]+)">{world.street.name}</a>', html).group(1)
    assert parse_qs(urlsplit(unescape(street_link)).query)["street"] == [world.street.code]
    assert len(listed(supervisor, unescape(street_link))) == 10

    # Hot spots: eleven problems of one category at one spot in the week of March 2nd, none in the
    # eight weeks before: a hot cell (linked to its cases), a repeated place, the weekly pattern.
    week = get(as_role("supervisor"), "/kpi/", date_from="2026-03-02", date_to="2026-03-08").content.decode()
    section = week[week.index('id="hotspots"') :]
    assert "近 7 天（03-02–03-08）" in section
    assert world.grid.code in section
    assert re.search(r'href="/cases/\?[^"]*grid=' + world.grid.code, unescape(section))
    assert march["A"].number in section  # a member of the repeated place, linked to its case
    assert "事项 06 市容环境类" in section  # the weekday × hour table of its 大类


def test_filters_scope_and_query_counts(march, as_role, world, django_assert_max_num_queries):
    """Filters change the figures; a department is held to its own; queries stay flat as cases grow."""
    client = as_role("supervisor")
    hotline = get(client, "/kpi/", **MARCH_QUERY, source="hotline_12345").content.decode()
    assert (card(hotline, "reported")["text"], card(hotline, "filed")["text"]) == ("2", "1")
    assert "source=hotline_12345" in card(hotline, "filed")["href"]
    office = get(client, "/kpi/", **MARCH_QUERY, department=world.office.code).content.decode()
    assert (card(office, "filed")["text"], card(office, "closed")["text"]) == ("9", "6")
    other_grid_street = get(
        client, "/kpi/", **MARCH_QUERY, major=f"component:{world.component_cat.major_code}"
    )
    assert card(other_grid_street.content.decode(), "reported")["text"] == "0"
    category = get(client, "/kpi/", **MARCH_QUERY, category=f"event:{world.event_cat.code}").content.decode()
    assert card(category, "reported")["text"] == "12"
    april = get(client, "/kpi/", date_from="2026-04-01", date_to="2026-04-30").content.decode()
    assert (card(april, "reported")["text"], card(april, "filed")["text"]) == ("1", "1")  # K
    # The trend follows the granularity switch.
    weekly = get(client, "/kpi/", **MARCH_QUERY, granularity="week").content.decode()
    assert "2026-W10" in weekly and 'aria-current="true">按周' in weekly

    # A department user sees their own department only.
    html = get(as_role("department"), "/kpi/", **MARCH_QUERY).content.decode()
    assert card(html, "filed")["text"] == "9"  # world.office's cases, not E (voided undispatched)
    assert "department=" + world.office.code in card(html, "filed")["href"]
    assert world.other_dept.name not in html  # not offered as a choice, not ranked
    assert 'id="people"' not in html  # people's scores are for the district roles
    other = get(as_role("other_department"), "/kpi/", **MARCH_QUERY).content.decode()
    # R was first dispatched to the other department, but the street office is its 主办部门 now.
    assert card(other, "filed")["text"] == "0"
    # Asking for another department is a form error, not someone else's figures.
    asked = get(as_role("other_department"), "/kpi/", **MARCH_QUERY, department=world.office.code)
    assert asked.status_code == 200
    assert 'class="field-error"' in asked.content.decode() and "kpi-cards" not in asked.content.decode()

    # The query count is bounded and does not grow with the number of cases.
    client.get("/kpi/", MARCH_QUERY)  # settings row, sessions: first-request costs
    with CaptureQueriesContext(connection) as before:
        assert client.get("/kpi/", MARCH_QUERY).status_code == 200
    assert len(before) <= DASHBOARD_QUERIES
    # Twenty more cases in March, in both grids, through the services, rolled up.
    with on(MAR2, 11):
        for n in range(10):
            scenario.report(world, description=f"新增 {n}")
            scenario.report(world, description=f"别处 {n}", where=world.other_inside)
    rollup.rollup_day(MAR2)
    with CaptureQueriesContext(connection) as after:
        html = client.get("/kpi/", MARCH_QUERY).content.decode()
    assert card(html, "reported")["text"] == "32"
    assert len(after) == len(before), [q["sql"][:120] for q in after.captured_queries]
    with django_assert_max_num_queries(DASHBOARD_QUERIES):
        client.get("/kpi/", {**MARCH_QUERY, "street": world.street.code, "granularity": "xun"})


BAD_FILTERS = [
    ({"date_from": "2026-13-45", "date_to": "2026-03-31"}, "有效的日期"),
    ({"date_from": "2026-03-31", "date_to": "2026-03-01"}, "起始日期不能晚于截止日期"),
    ({"date_from": "2024-01-01", "date_to": "2026-03-31"}, "时间跨度不能超过 366 天"),
    ({**MARCH_QUERY, "source": "pigeon"}, "选择一个有效的选项"),
    ({**MARCH_QUERY, "category": "event:99999"}, "选择一个有效的选项"),
]


def test_bad_filters_are_an_inline_error_not_a_500(world, as_role, fast_passwords):
    client = as_role("supervisor")
    for params, message in BAD_FILTERS:
        response = get(client, "/kpi/", **params)
        assert response.status_code == 200, params
        html = response.content.decode()
        assert 'class="field-error"' in html and message in html, params
        assert "kpi-cards" not in html  # no figures for a period that does not exist
        assert f'value="{params["date_from"]}"' in html  # the user's input is kept


def test_default_period_is_this_month(world, as_role, fast_passwords):
    html = get(as_role("supervisor"), "/kpi/").content.decode()
    assert "统计期" in html and card(html, "reported")["text"] == "0"
    assert html.count('aria-current="true"') >= 2  # 本月 and 按日


def test_who_may_look(world, as_role, client, fast_passwords):
    for path in ("/kpi/", "/kpi/reports/", "/kpi/glossary/"):
        for role in ("supervisor", "shift_leader", "admin", "department"):
            assert as_role(role).get(path).status_code == 200, (role, path)
        for role in ("inspector", "operator", "dispatcher", "hotline"):
            assert as_role(role).get(path).status_code == 403, (role, path)
        response = client.get(path)
        assert response.status_code == 302 and "/login/" in response["Location"]


# ---------------------------------------------------------------------------------- reports


def test_report_pages(march, as_role, world, django_assert_max_num_queries):
    client = as_role("supervisor")
    client.get("/kpi/reports/", {"cadence": "monthly", "date": "2026-03-15"})
    with django_assert_max_num_queries(REPORT_QUERIES):
        response = client.get("/kpi/reports/", {"cadence": "monthly", "date": "2026-03-15"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "月总结 2026年3月" in html
    assert "统计期 2026-03-01 至 2026-03-31" in html
    for title in ("主要指标", "街道排名", "部门排名", "大类分布", "来源分布", "热点网格", "重复发生地点"):
        assert title in html
    assert "75.0%" in html and "未达标" in html  # 结案率 against its target
    assert 'href="/api/v1/kpi/reports/monthly/?date=2026-03-15&amp;format=xlsx"' in html
    assert 'href="/api/v1/kpi/reports/monthly/?date=2026-03-15&amp;format=csv"' in html
    assert "section=streets" in html
    assert "cadence=monthly&amp;date=2026-02-01" in html  # 上一期
    # The headline numbers drill down too.
    hrefs = [
        unescape(h) for h in re.findall(r'<a href="(/cases/\?[^"]+)" title="查看此数背后的案件">6</a>', html)
    ]
    assert hrefs and len(listed(world.p.supervisor, hrefs[0])) == 6

    # Every cadence renders, for a shift leader too; the download links answer with real files.
    client = as_role("shift_leader")
    for cadence, title in (
        ("daily", "日巡查"),
        ("weekly", "周统计"),
        ("xun", "旬反馈"),
        ("monthly", "月总结"),
    ):
        html = client.get("/kpi/reports/", {"cadence": cadence, "date": "2026-03-03"}).content.decode()
        assert f"<h2>{title}" in html, cadence
    xlsx = client.get("/api/v1/kpi/reports/weekly/", {"date": "2026-03-04", "format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    csv = client.get("/api/v1/kpi/reports/weekly/", {"date": "2026-03-04", "format": "csv"})
    assert csv.status_code == 200 and "结案率" in csv.content.decode("utf-8-sig")


def test_report_defaults_to_the_last_period_with_something_to_say(world, as_role, fast_passwords):
    """Issue #25: no all-zero Monday 日报 of Sunday; the other cadences open on the last complete period."""
    from datetime import timedelta

    from django.utils import timezone

    from kpi.web.pages import default_report_day
    from tests.cases.conftest import report

    today = timezone.localdate()
    case = report(world)
    earlier = timezone.now() - timedelta(days=3)
    type(case).objects.filter(pk=case.pk).update(created_at=earlier)
    assert default_report_day("daily", today) == timezone.localdate(earlier)
    week_start = today - timedelta(days=today.weekday())
    assert default_report_day("weekly", today) == week_start - timedelta(days=1)
    assert default_report_day("monthly", today) == today.replace(day=1) - timedelta(days=1)
    html = as_role("supervisor").get("/kpi/reports/").content.decode()
    assert f'value="{timezone.localdate(earlier).isoformat()}"' in html


def test_source_table_names_sources_not_codes(march, as_role):
    html = (
        as_role("supervisor")
        .get("/kpi/reports/", {"cadence": "monthly", "date": "2026-03-15"})
        .content.decode()
    )
    sources = html.split('id="h-sources"')[1].split("</table>")[0]
    assert "监督员上报" in sources and ">inspector<" not in sources


def test_report_bad_input_is_inline(world, as_role, fast_passwords):
    client = as_role("supervisor")
    for params, message in (
        ({"cadence": "daily", "date": "not-a-date"}, "有效的日期"),
        ({"cadence": "daily", "date": "2999-01-01"}, "不能晚于今天"),
        ({"cadence": "yearly", "date": "2026-03-01"}, "选择一个有效的选项"),
    ):
        response = client.get("/kpi/reports/", params)
        assert response.status_code == 200, params
        html = response.content.decode()
        assert 'class="field-error"' in html and message in html and "report-section" not in html, params


# ---------------------------------------------------------------------------------- glossary


def test_glossary_lists_every_kpi(world, as_role, fast_passwords, django_assert_max_num_queries):
    client = as_role("admin")
    with django_assert_max_num_queries(8):
        html = client.get("/kpi/glossary/").content.decode()
    for entry in glossary():
        assert f'id="kpi-{entry["key"]}"' in html
        assert entry["label"] in html and unescape(entry["formula"]) in unescape(html)
    assert len(queries.glossary()) == html.count('class="glossary-entry"')
