"""The supervisor's pages in a real browser: the case map (outline, coloured markers, legend, the switch
to cells when there are too many cases) and the overdue list's 督办."""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Case, CaseEvent, TimedStep
from tests.cases.conftest import case_in
from tests.e2e.conftest import PHONE


def make_red(case, late_by=timedelta(hours=2)):
    TimedStep.objects.filter(case=case, finished_at__isnull=True).update(
        light="red", due_at=timezone.now() - late_by
    )
    return case


def map_state(page) -> dict:
    return page.evaluate(
        """() => {
            const api = CityMap.get(document.getElementById("supervise-map"));
            return {outline: api.outline.getLayers().length, cases: api.cases ? api.cases.getLayers().length : 0};
        }"""
    )


def test_case_map(e2e_world, as_user, shot, settings):
    world = e2e_world
    red = make_red(case_in(world, "in_progress"))
    case_in(world, "pending_dispatch")
    case_in(world, "reported")
    page = as_user(world.p.supervisor)
    page.goto("/supervise/map/")
    status = page.locator("#map-mode")
    expect(status).to_have_attribute("data-mode", "points")
    expect(status).to_contain_text("3 件")
    # The map draws on a canvas (preferCanvas): ask Leaflet what it holds. The district and street
    # outlines are there, and the three cases (at one spot: one cluster, red as its worst light).
    assert map_state(page) == {"outline": 2, "cases": 3}
    expect(page.locator("#supervise-map .case-bubble.light-red")).to_have_text("3")
    expect(page.get_by_role("heading", name="图例")).to_be_visible()
    shot(page, "map-desktop")

    # Filter by light: only the red case remains; its popup links to the case page.
    page.get_by_label("亮灯").select_option("red")
    expect(status).to_contain_text("1 件")
    assert "light=red" in page.url
    assert map_state(page) == {"outline": 2, "cases": 1}
    shot(page, "map-red-only")
    # Zoomed in, the lone red case is a marker whose popup links to the case page.
    page.evaluate(
        """([lat, lng]) => new Promise((resolve) => {
            const element = document.getElementById("supervise-map");
            element.addEventListener("supervise:loaded", () => resolve(), { once: true });
            CityMap.get(element).map.setView([lat, lng], 18, { animate: false });
        })""",
        [red.lat, red.lng],
    )
    box = page.locator("#supervise-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    popup = page.locator(".leaflet-popup-content a")
    expect(popup).to_have_text(f"{red.number} 暴露垃圾 · 处置中")
    shot(page, "map-popup")

    page.set_viewport_size(PHONE)
    page.reload()
    expect(status).to_contain_text("1 件")
    shot(page, "map-phone")


def test_case_map_switches_to_cells(e2e_world, as_user, shot, monkeypatch):
    from cases.web import supervise

    monkeypatch.setattr(supervise, "POINT_CAP", 2)  # the live server runs in this process
    world = e2e_world
    make_red(case_in(world, "in_progress"))
    case_in(world, "pending_dispatch")
    other = case_in(world, "reported")
    Case.objects.filter(pk=other.pk).update(lng=world.other_inside[0], lat=world.other_inside[1])
    page = as_user(world.p.shift_leader)
    page.goto("/supervise/map/")
    status = page.locator("#map-mode")
    expect(status).to_have_attribute("data-mode", "cells")
    expect(status).to_contain_text("按区域汇总")
    cells = page.locator(".case-cell")
    expect(cells.first).to_be_visible()
    counts = sorted(int(t) for t in cells.all_inner_texts())
    assert sum(counts) == 3
    expect(page.locator(".case-cell.light-red")).to_have_count(1)
    shot(page, "map-cells")


def test_overdue_list_supervise(e2e_world, as_user, shot):
    world = e2e_world
    late = make_red(case_in(world, "in_progress"), timedelta(days=2))
    later = make_red(case_in(world, "pending_dispatch"), timedelta(hours=3))
    page = as_user(world.p.supervisor)
    page.goto("/")
    # Through the menu, as a supervisor goes: its 指挥 section holds 超期督办.
    page.get_by_role("navigation", name="主菜单").get_by_role("button", name="指挥").click()
    page.get_by_role("link", name="超期督办").first.click()
    rows = page.locator("table.overdue-list tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(late.number)
    expect(rows.nth(1)).to_contain_text(later.number)
    shot(page, "overdue")

    row = page.locator(f"#overdue-{late.pk}")
    note = row.get_by_label(f"{late.number} 的督办意见")
    note.fill("")
    row.get_by_role("button", name="督办").click()
    # The browser's own check stops an empty note before it is sent.
    assert note.evaluate("el => el.validity.valueMissing")
    note.fill("请今天下班前处置完毕")
    row.get_by_role("button", name="督办").click()
    expect(row.locator(".done")).to_contain_text("累计 1 次")
    expect(row.locator(".supervise-count")).to_have_text("1")
    event = CaseEvent.objects.get(case=late, action="supervise")
    assert event.note == "请今天下班前处置完毕" and event.actor_id == world.p.supervisor.pk
    shot(page, "overdue-supervised")

    page.set_viewport_size(PHONE)
    page.reload()
    shot(page, "overdue-phone")
    row.get_by_role("link", name=late.number).click()
    expect(page).to_have_url(re.compile(rf"/cases/{late.pk}/$"))
    expect(page.get_by_text("请今天下班前处置完毕").first).to_be_visible()
    shot(page, "case-page")
