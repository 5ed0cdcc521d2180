"""Sign in, see the work queues, switch the language and back, sign out — on a desktop and a phone."""

import re

from playwright.sync_api import expect

from tests.cases.conftest import case_in
from tests.e2e.conftest import DESKTOP, PHONE, login, logout


def test_login_home_language_logout(e2e_world, page, shot):
    world = e2e_world
    case_in(world, "reported")
    case_in(world, "reported")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/"))
    shot(page, "login")
    # A wrong password is refused on the form itself.
    page.get_by_label("用户名").fill(world.p.operator.username)
    page.get_by_label("密码").fill("wrong")
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".form-error")).to_be_visible()
    shot(page, "login-refused")

    login(page, world.p.operator)
    expect(page.get_by_role("heading", level=1)).to_contain_text("工作台")
    accept = page.locator('[data-queue="accept"]')
    expect(accept).to_contain_text("待受理")
    expect(accept.locator(".card-count")).to_have_text("2")
    expect(page.locator('[data-queue="verify"]')).to_be_visible()
    # Static assets from the npm packages load (the page watch fails the test otherwise).
    assert page.evaluate("typeof window.htmx") == "object"
    shot(page, "home-desktop")
    page.set_viewport_size(PHONE)
    page.reload()
    expect(page.locator("#menu > summary")).to_be_visible()  # the menu folds away on a phone
    expect(page.locator("#menu nav")).to_be_hidden()
    shot(page, "home-phone")
    page.set_viewport_size(DESKTOP)
    page.reload()

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="中文")).to_be_visible()
    expect(page.locator('[data-queue="accept"] .card-count')).to_have_text("2")
    shot(page, "home-english")
    page.get_by_role("button", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", level=1)).to_contain_text("工作台")

    logout(page)
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/"))
    shot(page, "signed-out")
