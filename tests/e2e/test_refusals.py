"""A report outside the district is refused on the page, next to the position, and nothing is saved."""

import re

from playwright.sync_api import expect

from cases.models import Case
from tests.e2e.conftest import PHONE, pick_category, place_pin


def test_out_of_district_report_is_refused(e2e_world, as_user, shot, jpeg, watch):
    # Locating a position outside every grid answers 404 on purpose: that is the refusal.
    watch.allow(r"/grids/locate/.* answered 404")
    world = e2e_world
    inspector = as_user(world.p.inspector, viewport=PHONE)
    inspector.goto("/inspector/report/")
    place_pin(inspector, 117.9, 38.9)  # far outside every grid (the sea off Tianjin)
    # The page asks where the pin is and says no at once; the submit button is held back.
    status = inspector.locator("[data-grid-status]")
    expect(status).to_have_class(re.compile("is-outside"))
    submit = inspector.get_by_role("button", name="提交上报")
    expect(submit).to_be_disabled()
    pick_category(inspector)
    inspector.locator("input[type=file][data-photo-files]").first.set_input_files(jpeg("before"))
    inspector.get_by_label("问题描述").fill("江边有垃圾")
    shot(inspector, "refused-on-the-page")

    # The server refuses too (a page opened before the grids changed, or no JavaScript): inline error.
    with inspector.expect_navigation():
        inspector.locator("form[data-report-form]").evaluate("form => form.submit()")
    # The server's error sits by the position; report.js then locates the kept pin again and shows
    # its own refusal in the same place, so either one is the refusal the user reads.
    refusal = inspector.locator("#position .field-error, #position [data-grid-status].is-outside")
    expect(refusal.first).to_be_visible()
    expect(refusal.first).to_contain_text("网格")
    expect(inspector.locator(".form-error").first).to_be_visible()
    # The user's input is kept for the next try.
    expect(inspector.get_by_label("问题描述")).to_have_value("江边有垃圾")
    assert float(inspector.get_by_label("经度").input_value()) == 117.9
    shot(inspector, "refused-by-the-server")
    assert not Case.objects.exists()
