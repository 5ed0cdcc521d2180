"""The KPI dashboard in a real browser: charts and the choropleth drawn with no console error, a number
drilled down to the case list behind it, the same on a phone; the report page with its downloads."""

import re

from django.utils import timezone
from playwright.sync_api import expect

from kpi import rollup
from tests.cases.conftest import case_in
from tests.e2e.conftest import PHONE


def charts_drawn(page) -> list[str]:
    """The data-chart canvases that Chart.js has drawn."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll("canvas[data-chart]"))
            .filter((canvas) => window.Chart && Chart.getChart(canvas))
            .map((canvas) => canvas.dataset.source)"""
    )


def grid_fills(page) -> dict:
    """What the choropleth holds: grids drawn and their fill colours by grid code."""
    return page.evaluate(
        """() => new Promise((resolve) => {
            const element = document.getElementById("kpi-map");
            const read = () => {
                const api = CityMap.get(element);
                if (!api || !api.grids || !element.dataset.kpiDrawn) return false;
                const fills = {};
                api.grids.eachLayer((layer) => { fills[layer.feature.properties.code] = layer.options.fillColor; });
                return fills;
            };
            const poll = () => { const fills = read(); if (fills && Object.keys(fills).length) resolve(fills); else setTimeout(poll, 100); };
            poll();
        })"""
    )


def test_dashboard_charts_map_and_drill_down(e2e_world, as_user, shot):
    world = e2e_world
    closed = [case_in(world, "closed") for _ in range(2)]
    open_ = case_in(world, "in_progress")
    case_in(world, "reported")
    rollup.rollup_day(timezone.localdate())

    page = as_user(world.p.supervisor)
    page.goto("/kpi/")
    expect(page.get_by_role("heading", level=1)).to_have_text("综合评价")
    closed_card = page.locator("#card-closed")
    expect(closed_card.locator(".kpi-value")).to_contain_text("2")
    expect(page.locator("#card-closure_rate .verdict")).to_be_visible()  # met / not met in words
    # Every chart is drawn; the grids are coloured by their counts (the world's grid has the cases).
    expect(page.locator("canvas[data-chart]")).to_have_count(4)
    page.wait_for_function(
        "() => document.querySelectorAll('canvas[data-chart]').length === 4 && window.Chart"
    )
    assert sorted(charts_drawn(page)) == ["categories", "majors", "sources", "trend"]
    fills = grid_fills(page)
    assert fills[world.grid.code] not in ("#ffffff", None)
    assert fills[world.other_grid.code] == "#ffffff"
    expect(page.locator(".kpi-legend")).to_contain_text("立案数")
    # Clicking a grid opens its cases (the map draws on a canvas: ask Leaflet to click the layer).
    page.evaluate(
        """(code) => CityMap.get(document.getElementById("kpi-map")).grids.eachLayer((layer) => {
            if (layer.feature.properties.code === code) layer.fire("click");
        })""",
        world.grid.code,
    )
    expect(page).to_have_url(re.compile(rf"/cases/\?.*grid={world.grid.code}"))
    expect(page.locator(".result-count")).to_contain_text("共 3 件")  # filed today: 2 closed, 1 open
    page.go_back()
    # A definition is one click away.
    closed_card.locator("summary").click()
    expect(closed_card.locator(".kpi-def")).to_contain_text("已结案的案件数")
    shot(page, "dashboard-desktop")

    # The trend switches granularity without losing the period.
    page.get_by_role("link", name="按周").click()
    expect(page).to_have_url(re.compile(r"granularity=week"))
    expect(page.locator('.switch a[aria-current="true"]')).to_have_text("按周")

    # The number drills down to the case list behind it: exactly the closed cases.
    closed_card.locator(".kpi-value a").click()
    expect(page).to_have_url(re.compile(r"/cases/\?.*status=closed"))
    expect(page.locator(".result-count")).to_contain_text("共 2 件")
    for case in closed:
        expect(page.get_by_text(case.number)).to_be_visible()
    expect(page.get_by_text(open_.number)).to_have_count(0)
    shot(page, "drill-down-closed")

    # On a phone: no horizontal scrolling, charts and map drawn all the same.
    phone = as_user(world.p.supervisor, viewport=PHONE)
    phone.goto("/kpi/")
    phone.wait_for_function(
        "() => window.Chart && document.querySelectorAll('canvas[data-chart]').length === 4"
    )
    assert len(charts_drawn(phone)) == 4
    assert grid_fills(phone)[world.grid.code] != "#ffffff"
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    shot(phone, "dashboard-phone")


def test_report_page_and_glossary(e2e_world, as_user, shot):
    world = e2e_world
    case_in(world, "closed")
    rollup.rollup_day(timezone.localdate())
    page = as_user(world.p.shift_leader)
    page.goto("/kpi/reports/")
    page.get_by_label("报表类型").select_option("monthly")
    page.get_by_label("日期", exact=False).first.fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="查看").click()
    expect(page.get_by_role("heading", level=2)).to_contain_text("月总结")
    expect(page.locator("#h-headline")).to_have_text("主要指标")
    xlsx = page.get_by_role("link", name="下载 Excel（xlsx）")
    expect(xlsx).to_have_attribute("href", re.compile(r"/api/v1/kpi/reports/monthly/\?date=.*format=xlsx"))
    with page.expect_download() as download:
        xlsx.click()
    assert download.value.suggested_filename.endswith(".xlsx")
    shot(page, "report-monthly")
    page.goto("/kpi/glossary/#kpi-closure_rate")
    expect(page.locator("#kpi-closure_rate")).to_contain_text("结案数 ÷ 应结案数")
    shot(page, "glossary")
