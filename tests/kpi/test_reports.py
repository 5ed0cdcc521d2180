"""Reports (kpi/reports.py), their exports (kpi/exports.py) and /api/v1/kpi/reports/{cadence}/.

The KPI figures come from kpi.queries, which has its own tests; here they are replaced by fixed,
written-out figures (`fake_queries`), so what is checked is the report: its period, its sections,
and what ends up in the cells of the xlsx and the rows of the CSV. The hot-spot sections are real,
from cases placed by hand (tests/kpi/test_hotspots.py helpers). One test at the end runs the real
kpi.queries once it is implemented.
"""

import csv
import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from cases import services
from kpi import definitions, exports, queries, reports, rollup
from tests.kpi.conftest import on, photo
from tests.kpi.conftest import report as report_case
from tests.kpi.test_hotspots import build_world, weekly

WEEK = (date(2026, 3, 23), date(2026, 3, 29))  # Monday … Sunday
PREVIOUS_WEEK = (date(2026, 3, 16), date(2026, 3, 22))


@pytest.fixture
def w(db):
    return build_world()


# ---------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("cadence", "day", "start", "end", "label"),
    [
        ("daily", date(2026, 3, 31), date(2026, 3, 31), date(2026, 3, 31), "2026年3月31日（星期二）"),
        # A week crossing a month: Monday 30 March to Sunday 5 April.
        ("weekly", date(2026, 4, 1), date(2026, 3, 30), date(2026, 4, 5), "2026年第14周（3月30日—4月5日）"),
        ("weekly", date(2026, 3, 30), date(2026, 3, 30), date(2026, 4, 5), "2026年第14周（3月30日—4月5日）"),
        ("weekly", date(2026, 4, 5), date(2026, 3, 30), date(2026, 4, 5), "2026年第14周（3月30日—4月5日）"),
        # …and a year: ISO week 1 of 2026 starts on Monday 29 December 2025.
        ("weekly", date(2026, 1, 1), date(2025, 12, 29), date(2026, 1, 4), "2026年第1周（12月29日—1月4日）"),
        ("xun", date(2028, 2, 1), date(2028, 2, 1), date(2028, 2, 10), "2028年2月上旬"),
        ("xun", date(2028, 2, 10), date(2028, 2, 1), date(2028, 2, 10), "2028年2月上旬"),
        ("xun", date(2028, 2, 11), date(2028, 2, 11), date(2028, 2, 20), "2028年2月中旬"),
        ("xun", date(2028, 2, 20), date(2028, 2, 11), date(2028, 2, 20), "2028年2月中旬"),
        # 下旬 of February in a leap year: 21–29 (9 days); in 2026: 21–28; in a 31-day month: 21–31.
        ("xun", date(2028, 2, 21), date(2028, 2, 21), date(2028, 2, 29), "2028年2月下旬"),
        ("xun", date(2028, 2, 29), date(2028, 2, 21), date(2028, 2, 29), "2028年2月下旬"),
        ("xun", date(2026, 2, 28), date(2026, 2, 21), date(2026, 2, 28), "2026年2月下旬"),
        ("xun", date(2026, 3, 31), date(2026, 3, 21), date(2026, 3, 31), "2026年3月下旬"),
        ("monthly", date(2028, 2, 15), date(2028, 2, 1), date(2028, 2, 29), "2028年2月"),
        ("monthly", date(2026, 12, 31), date(2026, 12, 1), date(2026, 12, 31), "2026年12月"),
    ],
)
def test_report_period(cadence, day, start, end, label):
    assert reports.report_period(cadence, day) == (start, end)
    assert reports.period_label(cadence, start, end) == label


@pytest.mark.parametrize(
    ("cadence", "start", "previous"),
    [
        ("daily", date(2026, 3, 1), (date(2026, 2, 28), date(2026, 2, 28))),
        ("weekly", date(2026, 3, 30), (date(2026, 3, 23), date(2026, 3, 29))),
        ("xun", date(2028, 3, 1), (date(2028, 2, 21), date(2028, 2, 29))),
        ("xun", date(2028, 2, 21), (date(2028, 2, 11), date(2028, 2, 20))),
        ("monthly", date(2026, 1, 1), (date(2025, 12, 1), date(2025, 12, 31))),
    ],
)
def test_previous_period(cadence, start, previous):
    assert reports.previous_period(cadence, start) == previous


def test_unknown_cadence_names_the_choices():
    with pytest.raises(reports.ReportError) as err:
        reports.report_period("yearly", date(2026, 3, 1))
    assert err.value.field == "cadence"
    assert "yearly" in err.value.message and "xun（旬反馈）" in err.value.message


# ---------------------------------------------------------------- kpi.queries, written out


class FakeQueries:
    """kpi.queries' documented shapes (rates in percent, 0–100) with fixed figures; records its calls."""

    def __init__(self):
        self.calls = []

    def summary(self, period_from, period_to, **filters):
        self.calls.append(("summary", period_from, period_to, filters))
        current = (period_from, period_to) == WEEK
        return {
            "period": {"from": period_from, "to": period_to},
            "filters": filters,
            "counts": {},
            "rates": {},
            "kpis": [
                {"key": "filed", "label": "立案数", "value": 120 if current else 100, "unit": "件",
                 "target": None, "met": None, "definition": "统计期内立案的案件数。",
                 "cases_url": "/api/v1/cases/?filed_after=2026-03-23"},
                {"key": "closure_rate", "label": "结案率", "value": 93.5 if current else 90.0, "unit": "%",
                 "target": 90.0, "met": True, "definition": "结案数 ÷ 应结案数", "cases_url": None},
                {"key": "satisfaction_rate", "label": "满意率", "value": None, "unit": "%",
                 "target": 90.0, "met": None, "definition": "回访满意", "cases_url": None},
            ],
            "hotline": {"kpis": [
                {"key": "hotline_resolution_rate", "label": "解决率", "value": 96.0 if current else 95.0,
                 "unit": "%", "target": 95.0, "met": True, "definition": "即投诉处理率。"},
            ]},
        }  # fmt: skip

    def rows(self, level, period_from, period_to, **filters):
        self.calls.append(("rows", level, period_from, period_to, filters))
        if level == "street":
            return [
                {"rank": 1, "id": 7, "code": "120103001", "name": "友谊路街道",
                 "counts": {"filed": 80, "closed": 75}, "rates": {"closure_rate": 93.75},
                 "parts": {"closure_rate": 93.75}, "score": 91.5, "grade": "A",
                 "cases": {"street": "120103001"}, "cases_url": "/api/v1/cases/?street=120103001"},
                {"rank": 2, "id": 8, "code": "120103002", "name": "越秀路街道",
                 "counts": {"filed": 40, "closed": 30}, "rates": {"closure_rate": 75.0},
                 "parts": {"closure_rate": 75.0}, "score": 70.0, "grade": "C",
                 "cases": {"street": "120103002"}, "cases_url": "/api/v1/cases/?street=120103002"},
            ]  # fmt: skip
        return [
            {"rank": 1, "id": 3, "code": "D0001", "name": "区园林中心", "counts": {"filed": 10},
             "rates": {"closure_rate": None}, "parts": {"dispatched_score": 100.0}, "score": None,
             "grade": None, "cases": {"department": "D0001"}, "cases_url": "/api/v1/cases/?department=D0001"},
        ]  # fmt: skip

    def breakdown(self, by, period_from, period_to, **filters):
        self.calls.append(("breakdown", by, period_from, period_to, filters))
        if by == "source":
            return [
                {"key": "inspector", "name": "监督员上报", "counts": {"filed": 90}, "rates": {}},
                {"key": "hotline_12345", "name": "12345 政务服务便民热线", "counts": {"filed": 30}, "rates": {}},
            ]  # fmt: skip
        return [
            {"key": "event:06", "name": "市容环境类", "counts": {"filed": 70}, "rates": {"closure_rate": 90.0}},
        ]  # fmt: skip

    def glossary(self):
        return definitions.glossary()

    def scope_filters(self, user, **filters):
        if user.department_id:
            if filters.get("department", user.department.code) != user.department.code:
                raise PermissionDenied("只能查看本部门")
            filters["department"] = user.department.code
        return filters


@pytest.fixture
def fake_queries(monkeypatch):
    fake = FakeQueries()
    for name in ("summary", "rows", "breakdown", "glossary", "scope_filters"):
        monkeypatch.setattr(queries, name, getattr(fake, name))
    return fake


def with_hot_spot(w):
    """2 cases a week for 8 weeks in w.grid × 暴露垃圾, then 15 in the report week (23–29 March)."""
    weekly(w, per_week=2, recent=15, as_of=WEEK[1])


# ---------------------------------------------------------------- the report


def test_weekly_report_sections(w, fake_queries):
    with_hot_spot(w)
    report = reports.build_report("weekly", date(2026, 3, 25), user=w.supervisor)

    assert (report.period_from, report.period_to) == WEEK
    assert (report.previous_from, report.previous_to) == PREVIOUS_WEEK
    assert report.title == "周统计 2026年第13周（3月23日—3月29日）"
    assert report.complete
    assert [s.key for s in report.sections] == [
        "headline", "streets", "departments", "majors", "sources", "hot_cells", "repeated_places",
    ]  # fmt: skip
    assert ("summary", *PREVIOUS_WEEK, {}) in fake_queries.calls
    assert ("rows", "department", *WEEK, {}) in fake_queries.calls

    headline = report.section("headline").rows
    # Rates come as percentages and become fractions, so Excel can format and sum them.
    assert [(r["label"], r["value"], r["target"], r["met"], r["previous"]) for r in headline] == [
        ("立案数", 120, None, "—", 100),
        ("结案率", 0.935, 0.9, "达标", 0.9),
        ("满意率", None, 0.9, "—", None),
        ("解决率", 0.96, 0.95, "达标", 0.95),  # the hotline's figures follow the area's
    ]
    assert headline[0]["change"] == 20 and headline[1]["change"] == pytest.approx(0.035)
    assert headline[0]["cases_url"] == "/api/v1/cases/?filed_after=2026-03-23"

    streets = report.section("streets")
    assert [c.label for c in streets.columns] == [
        "排名",
        "编码",
        "名称",
        "立案数",
        "结案数",
        "结案率",
        "综合得分",
        "等级",
    ]
    assert [c.type for c in streets.columns][3:6] == ["int", "int", "percent"]
    assert streets.rows[1] == {
        "rank": 2, "code": "120103002", "name": "越秀路街道", "filed": 40, "closed": 30,
        "closure_rate": 0.75, "score": 70.0, "grade": "C",
    }  # fmt: skip
    departments = report.section("departments")
    assert [c.label for c in departments.columns] == [
        "排名",
        "编码",
        "名称",
        "立案数",
        "结案率",
        "派遣数得分",
        "综合得分",
        "等级",
    ]
    assert departments.rows[0]["dispatched_score"] == 100.0  # a score, not a rate: left as it is
    sources = report.section("sources")
    # People read a channel by its name: its internal code is no column of theirs (issue #25).
    assert [c.label for c in sources.columns] == ["排名", "名称", "立案数"]
    assert sources.rows[1] == {
        "rank": 2,
        "name": "12345 政务服务便民热线",
        "filed": 30,
    }
    majors = report.section("majors")
    assert [c.label for c in majors.columns] == ["排名", "部件/事项", "大类编码", "名称", "立案数", "结案率"]
    assert majors.rows[0] == {
        "rank": 1, "kind": "事项", "major": "06", "name": "市容环境类", "filed": 70, "closure_rate": 0.9,
    }  # fmt: skip

    (hot,) = report.section("hot_cells").rows
    assert (hot["grid_code"], hot["category_name"], hot["recent"], hot["baseline_mean"], hot["ratio"]) == (
        w.grid.code, "暴露垃圾", 15, 2.0, 7.5,
    )  # fmt: skip
    assert "2026-03-23 至 2026-03-29" in report.section("hot_cells").note


def test_filters_reach_every_query_and_the_hot_spots(w, fake_queries):
    with_hot_spot(w)
    report = reports.build_report("weekly", date(2026, 3, 25), user=w.supervisor, street=w.other_street.code)
    assert report.filters == {"street": w.other_street.code}
    assert all(call[-1] == {"street": w.other_street.code} for call in fake_queries.calls)
    assert report.section("hot_cells").rows == []  # the hot cell is in the other street


def test_a_department_user_gets_their_department_only(w, fake_queries):
    with_hot_spot(w)  # the street office's cases
    report = reports.build_report("weekly", date(2026, 3, 25), user=w.parks_user)
    assert report.filters == {"department": w.parks.code}
    assert report.section("hot_cells").rows == []
    with pytest.raises(PermissionDenied):
        reports.build_report("weekly", date(2026, 3, 25), user=w.parks_user, department=w.office.code)


# ---------------------------------------------------------------- exports


def test_xlsx_has_a_sheet_per_section_with_chinese_headers_and_percent_formats(w, fake_queries):
    with_hot_spot(w)
    report = reports.build_report("weekly", date(2026, 3, 25), user=w.supervisor)
    book = load_workbook(io.BytesIO(exports.to_xlsx(report)))

    assert book.sheetnames == [
        "概要",
        "主要指标",
        "街道排名",
        "部门排名",
        "大类分布",
        "来源分布",
        "热点网格",
        "重复发生地点",
    ]
    cover = book["概要"]
    assert cover["A1"].value == "周统计 2026年第13周（3月23日—3月29日）"
    assert (cover["A4"].value, cover["B4"].value) == ("统计周期", "2026年第13周（3月23日—3月29日）")

    head = book["主要指标"]
    assert [c.value for c in head[1]] == ["指标", "本期", "目标", "是否达标", "上期", "环比变化", "口径说明"]
    assert [c.value for c in head[2]][:5] == ["立案数", 120, None, "—", 100]
    assert head["B2"].number_format == "#,##0"
    assert (head["A3"].value, head["B3"].value, head["C3"].value, head["D3"].value) == (
        "结案率",
        0.935,
        0.9,
        "达标",
    )
    assert head["B3"].number_format == "0.0%" and head["C3"].number_format == "0.0%"
    assert head.freeze_panes == "A2"

    streets = book["街道排名"]
    assert [c.value for c in streets[1]] == [
        "排名",
        "编码",
        "名称",
        "立案数",
        "结案数",
        "结案率",
        "综合得分",
        "等级",
    ]
    assert [c.value for c in streets[2]] == [1, "120103001", "友谊路街道", 80, 75, 0.9375, 91.5, "A"]
    assert streets["F2"].number_format == "0.0%"

    hot = book["热点网格"]
    assert [c.value for c in hot[1]][:6] == [
        "街道",
        "网格编码",
        "网格名称",
        "类别编码",
        "类别名称",
        "近期案件数",
    ]
    assert [c.value for c in hot[2]][:6] == [
        "友谊路街道",
        w.grid.code,
        w.grid.name,
        w.garbage.code,
        "暴露垃圾",
        15,
    ]


def test_csv_has_a_bom_and_the_headline_rows(w, fake_queries):
    report = reports.build_report("weekly", date(2026, 3, 25), user=w.supervisor)
    body = exports.to_csv(report)
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows == [
        ["指标", "本期", "目标", "是否达标", "上期", "环比变化", "口径说明"],
        ["立案数", "120", "", "—", "100", "20", "统计期内立案的案件数。"],
        ["结案率", "93.5%", "90.0%", "达标", "90.0%", "3.5%", "结案数 ÷ 应结案数"],
        ["满意率", "", "90.0%", "—", "", "", "回访满意"],
        ["解决率", "96.0%", "95.0%", "达标", "95.0%", "1.0%", "即投诉处理率。"],
    ]
    streets = list(csv.reader(io.StringIO(exports.to_csv(report, "streets").decode("utf-8-sig"))))
    assert streets[1] == ["1", "120103001", "友谊路街道", "80", "75", "93.8%", "91.5", "A"]


# ---------------------------------------------------------------- API

URL = "/api/v1/kpi/reports/"


def test_report_api_json(api, w, fake_queries):
    api.force_authenticate(w.supervisor)
    body = api.get(f"{URL}weekly/", {"date": "2026-03-25"}).json()
    assert (body["title"], body["period"]) == (
        "周统计 2026年第13周（3月23日—3月29日）",
        {"from": "2026-03-23", "to": "2026-03-29", "label": "2026年第13周（3月23日—3月29日）"},
    )
    headline = body["sections"][0]
    assert headline["columns"][1] == {"key": "value", "label": "本期", "type": "figure"}
    assert headline["rows"][1]["value"] == 0.935


def test_report_api_csv_and_xlsx(api, w, fake_queries):
    api.force_authenticate(w.supervisor)
    response = api.get(f"{URL}xun/", {"date": "2026-03-25", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert "%E6%97%AC%E5%8F%8D%E9%A6%88_2026-03-21_2026-03-31.csv" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf\xe6\x8c\x87\xe6\xa0\x87")  # BOM, then 指标

    response = api.get(f"{URL}monthly/", {"date": "2026-03-25", "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    assert load_workbook(io.BytesIO(response.content))["概要"]["B5"].value.date() == date(2026, 3, 1)


@pytest.mark.parametrize(
    ("path", "params", "field", "words"),
    [
        ("yearly/", {"date": "2026-03-25"}, "cadence", "yearly"),
        ("weekly/", {"date": "2026-13-01"}, "date", "YYYY-MM-DD"),
        ("weekly/", {"date": "2999-01-01"}, "date", "不能晚于今天"),
        ("weekly/", {"format": "pdf"}, "format", "json、csv、xlsx"),
        ("weekly/", {"format": "csv", "section": "weather"}, "section", "weather"),
        ("weekly/", {"source": "pigeon"}, "source", "pigeon"),
    ],
)
def test_bad_requests_are_400_naming_the_problem(api, w, fake_queries, path, params, field, words):
    api.force_authenticate(w.supervisor)
    response = api.get(f"{URL}{path}", params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert field in body, body
    assert words in " ".join(body[field])


def test_department_asking_for_another_department_is_403(api, w, fake_queries):
    api.force_authenticate(w.parks_user)
    assert api.get(f"{URL}daily/", {"date": "2026-03-25", "department": w.office.code}).status_code == 403
    assert api.get(f"{URL}daily/", {"date": "2026-03-25"}).status_code == 200


# ---------------------------------------------------------------- with the real kpi.queries


def test_report_from_the_real_queries(world):
    """Two cases filed on one day, one closed: the real rollup and kpi.queries, end to end to xlsx."""
    p, day = world.p, date(2026, 3, 2)
    with on(day, 9):
        cases = [report_case(world), report_case(world, where=world.other_inside)]
        for case in cases:
            case = services.case_accept(case=case, actor=p.operator)
            case = services.case_file(case=case, actor=p.shift_leader)
            services.case_dispatch(case=case, actor=p.dispatcher, department=world.office)
    with on(day, 10):
        services.case_submit_feedback(case=cases[0], actor=p.department, result="已清理", photos=[photo()])
        services.case_check(case=cases[0], actor=p.inspector, passed=True, photos=[photo()])
        services.case_close(case=cases[0], actor=p.shift_leader)
    rollup.rollup_day(day)

    report = reports.build_report("daily", day, user=p.supervisor)

    headline = {r["key"]: r for r in report.section("headline").rows}
    assert (headline["filed"]["value"], headline["closed"]["value"]) == (2, 1)
    assert headline["closure_rate"]["value"] == 0.5
    (street,) = report.section("streets").rows
    assert (street["code"], street["filed"], street["closure_rate"]) == (world.street.code, 2, 0.5)
    sheet = load_workbook(io.BytesIO(exports.to_xlsx(report)))["主要指标"]
    (row,) = [r for r in sheet.iter_rows(min_row=2) if r[0].value == "结案率"]
    assert (row[1].value, row[1].number_format) == (0.5, "0.0%")


def test_a_section_from_another_app_shows_in_the_report_and_its_downloads(w, fake_queries, monkeypatch):
    """kpi.reports.EXTRA_SECTIONS: how campaigns, patrols and enforcement add their figures to the reports."""
    seen = []

    def patrols(start, end, filters, user):
        seen.append((start, end, user))
        columns = [reports.Column("grid", "网格"), reports.Column("coverage", "面积覆盖率", "percent")]
        return reports.Section("patrols", "巡查覆盖", columns, [{"grid": "A01", "coverage": 0.8}])

    monkeypatch.setattr(reports, "EXTRA_SECTIONS", [patrols, lambda *args: None])
    report = reports.build_report("weekly", date(2026, 3, 25), user=w.supervisor)

    assert seen == [(*WEEK, w.supervisor)]
    assert report.sections[-1].key == "patrols"  # after the case figures; the None section is left out
    assert load_workbook(io.BytesIO(exports.to_xlsx(report))).sheetnames[-1] == "巡查覆盖"
    assert reports.report_to_json(report)["sections"][-1]["key"] == "patrols"
