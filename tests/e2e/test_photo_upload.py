"""A phone-sized photo is scaled down in the browser before it travels: the inspector's report page sends
a copy of at most 1600 px (the server would keep up to 2048 px of whatever it gets)."""

from PIL import Image
from playwright.sync_api import expect

from cases.models import Case
from tests.e2e.conftest import PHONE, pick_category, place_pin


def test_a_large_photo_is_shrunk_on_the_phone(e2e_world, as_user, shot, tmp_path):
    world = e2e_world
    big = tmp_path / "IMG_0001.jpg"
    # A 12-megapixel camera photo (noise, so it weighs what a real one does: several MB).
    Image.effect_noise((4000, 3000), 60).convert("RGB").save(big, format="JPEG", quality=92)
    assert big.stat().st_size > 2 * 1024 * 1024

    inspector = as_user(world.p.inspector, viewport=PHONE)
    inspector.goto("/inspector/report/")
    lng, lat = world.inside
    place_pin(inspector, lng, lat)
    expect(inspector.locator("[data-grid-status]")).to_contain_text(world.grid.code)
    pick_category(inspector)
    inspector.locator("input[type=file][data-photo-files]").first.set_input_files(big)
    expect(inspector.locator("[data-photo-previews] img")).to_have_count(1)
    inspector.get_by_label("问题描述").fill("路灯杆倾斜")
    shot(inspector, "report-with-large-photo")
    with inspector.expect_navigation():
        inspector.get_by_role("button", name="提交上报").click()

    photo = Case.objects.get().photos.get()
    assert (photo.width, photo.height) == (1600, 1200)
    assert photo.image.size < big.stat().st_size / 4
