"""The inspector's report form suggests categories for the description being typed (issue #23.3)."""

from playwright.sync_api import expect

from cases.models import SuggestionFeedback
from tests.e2e.conftest import login, place_pin


def test_typing_a_description_shows_three_suggestions_and_a_click_picks_one(e2e_world, suggester, page, shot):
    world = e2e_world
    login(page, world.p.inspector)
    page.goto("/inspector/report/")
    box = page.locator("[data-category-suggest]")
    expect(box).to_contain_text("填写问题描述后")
    place_pin(page, *world.inside)
    page.get_by_label("问题描述").fill("学校门口有人摆摊卖菜，占了人行道")
    picks = box.locator(".suggest-pick")
    expect(picks).to_have_count(3)
    expect(picks.first).to_contain_text("占道经营")
    expect(picks.first).to_contain_text("%")
    expect(box.locator("[data-suggest-status]")).to_contain_text("推荐类别")
    shot(page, "suggestions")
    picks.first.click()
    expect(page.locator("[data-category-chosen]")).to_contain_text("占道经营")
    expect(page.locator('#category-options input[name="category"]:checked')).to_have_value(
        str(suggester.stalls.pk)
    )
    shot(page, "picked")
    page.get_by_role("button", name="提交上报").click()
    expect(page.locator("h1")).to_contain_text("待受理")  # the new case's page
    row = SuggestionFeedback.objects.get()
    assert (row.where, row.actor, row.chosen, row.rank) == ("report", world.p.inspector, suggester.stalls, 1)
