"""A shift leader's long menu (twenty pages) folds into sections: one row on a laptop, each section a
dropdown; on a phone, the folded menu lists every page under its section's heading."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, login


def test_a_long_menu_folds_into_sections_that_open_on_click(e2e_world, page, shot):
    login(page, e2e_world.p.shift_leader)
    nav = page.get_by_role("navigation", name="主菜单")
    campaigns = nav.get_by_role("button", name="专项")
    # One row: the sections sit beside 工作台, their pages hidden until asked for.
    assert nav.bounding_box()["height"] < 60
    expect(nav.get_by_role("link", name="专项行动")).to_be_hidden()
    campaigns.click()
    expect(campaigns).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="隐患台账")).to_be_visible()
    shot(page, "menu-section-open")
    # Another section closes the first; Escape closes all.
    nav.get_by_role("button", name="评价").click()
    expect(campaigns).to_have_attribute("aria-expanded", "false")
    expect(nav.get_by_role("link", name="统计报表")).to_be_visible()
    page.keyboard.press("Escape")
    expect(nav.get_by_role("link", name="统计报表")).to_be_hidden()
    # A page of a section is reached through it, and the section shows where the user is.
    campaigns.click()
    nav.get_by_role("link", name="专项行动").click()
    expect(page).to_have_url(re.compile(r"/campaigns/"))
    expect(page.locator(".nav-group.is-current .nav-group-toggle")).to_have_text("专项")

    page.set_viewport_size(PHONE)
    page.reload()
    expect(nav).to_be_hidden()
    page.locator("#menu > summary").click()
    expect(nav.get_by_role("link", name="隐患台账")).to_be_visible()  # every page listed, no second tap
    expect(nav.get_by_role("link", name="统计报表")).to_be_visible()
    shot(page, "menu-phone-open")
    page.set_viewport_size(DESKTOP)


def test_a_short_menu_stays_one_row_of_links(e2e_world, page):
    login(page, e2e_world.p.inspector)
    nav = page.get_by_role("navigation", name="主菜单")
    expect(nav.get_by_role("link", name="上报问题")).to_be_visible()
    expect(nav.locator(".nav-group")).to_have_count(0)
