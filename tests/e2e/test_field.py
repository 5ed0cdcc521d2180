"""The inspector in the field, on a phone-sized Chromium (issue #21, docs/domain.md §12): road names on the
map, a part picked near the pin and routed to its owner, a patrol's track and its grid's coverage on the
supervisor's map, a photo's distance flag, and a report made offline arriving once after reconnect."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import ExifTags, Image
from playwright.sync_api import expect

from cases import services
from cases.models import Case
from grids.models import Road
from patrols.models import Patrol
from patrols.services import compute_coverage
from tests.e2e.conftest import PHONE, pick_category, place_pin
from tests.factories import ComponentFactory


def road(world):
    line = Road(name="测试大道", kind=Road.Kind.MAJOR)
    line.set_geometry({"type": "LineString", "coordinates": [[117.1995, 39.0505], [117.2115, 39.0505]]})
    line.save()
    return line


def test_the_report_map_names_the_street_and_offers_the_layers(e2e_world, as_user, shot):
    road(e2e_world)
    inspector = as_user(e2e_world.p.inspector, viewport=PHONE)
    inspector.goto("/inspector/report/")
    place_pin(inspector, *e2e_world.inside)  # zooms to street level (16)
    label = inspector.locator(".leaflet-tooltip.map-label", has_text="测试大道")
    expect(label).to_be_attached()
    # At street zoom the names show (map.js); set it here so the check does not hang on the pin's pan.
    inspector.evaluate(
        "() => { const m = CityMap.get(document.querySelector('[data-map]')).map;"
        " m.setView(m.getCenter(), 16, { animate: false }); }"
    )
    expect(label).to_be_visible(timeout=15_000)
    expect(inspector.locator(".leaflet-control-layers")).to_be_attached()
    shot(inspector, "road-name-at-street-zoom")


def test_a_part_picked_near_the_pin_is_linked_and_routed_to_its_owner(e2e_world, as_user, shot, jpeg):
    w = e2e_world
    part = ComponentFactory(
        grid=w.grid, category=w.component_cat, lng=117.20055, lat=39.0505, name="污水井盖"
    )
    inspector = as_user(w.p.inspector, viewport=PHONE)
    inspector.goto("/inspector/report/")
    place_pin(inspector, *w.inside)
    choice = inspector.locator(f"#part-{part.code}")
    expect(choice).to_be_attached()
    inspector.wait_for_load_state("networkidle")  # the pin was placed twice (lng, lat): the last list
    choice.evaluate("el => el.click()")  # (a pointer click lands on the sticky submit bar on this viewport)
    expect(choice).to_be_checked()
    expect(inspector.locator("[data-category-chosen]")).to_contain_text(part.code)
    inspector.locator("input[type=file][data-photo-files]").first.set_input_files(jpeg())
    expect(inspector.locator("[data-photo-previews] img")).to_have_count(1)
    inspector.get_by_label("问题描述").fill("井盖破损")
    shot(inspector, "part-picked")
    with inspector.expect_navigation():
        inspector.get_by_role("button", name="提交上报").click()
    case = Case.objects.get()
    assert case.component == part and case.category == w.component_cat
    case = services.case_file(
        case=services.case_accept(case=case, actor=w.p.operator), actor=w.p.shift_leader
    )
    assert services.case_dispatch(case=case, actor=w.p.dispatcher).department == part.owner


def test_a_patrol_track_and_its_grid_coverage(e2e_world, as_user, open_page, shot):
    w = e2e_world
    inspector = as_user(w.p.inspector, viewport=PHONE)
    inspector.context.grant_permissions(["geolocation"])
    inspector.context.set_geolocation({"longitude": 117.2000, "latitude": 39.0505, "accuracy": 5})
    inspector.goto("/patrol/")
    inspector.evaluate("window.cityPatrol.sampleMs = 0")  # a point per fix (the page samples every 10 s)
    inspector.get_by_role("button", name="开始巡查").click()
    expect(inspector.get_by_role("button", name="结束巡查")).to_be_visible()
    # A brisk walk east along the middle of the grid: 6.9 m a second (faster would be a GPS jump).
    for i in range(1, 9):
        inspector.wait_for_timeout(1000)
        inspector.context.set_geolocation(
            {"longitude": 117.2001 + i * 0.00008, "latitude": 39.0505, "accuracy": 5}
        )
    expect(inspector.locator("[data-patrol-queue]")).to_contain_text("待上传")
    shot(inspector, "on-patrol")
    inspector.get_by_role("button", name="结束巡查").click()
    expect(inspector.locator("[data-patrol-status]")).to_contain_text("巡查已结束")
    patrol = Patrol.objects.get()
    assert patrol.status == "ended" and patrol.point_count >= 5
    compute_coverage(timezone.localdate())

    boss = as_user(w.p.supervisor, viewport=PHONE)
    boss.goto("/patrols/map/")
    expect(boss.locator("#patrol-supervisor-map")).to_have_attribute("data-tracks", "1")
    expect(boss.locator(f'[data-coverage-table] tr[data-grid="{w.grid.code}"]')).to_contain_text("%")
    shot(boss, "track-and-coverage")


def _far_photo():
    exif = Image.Exif()
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef], gps[ExifTags.GPS.GPSLatitude] = "N", (39.0, 3.0, 1.8)
    gps[ExifTags.GPS.GPSLongitudeRef], gps[ExifTags.GPS.GPSLongitude] = "E", (117.0, 14.0, 0.0)  # 2.3 km east
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 120, 90)).save(out, "JPEG", exif=exif.tobytes())
    return SimpleUploadedFile("far.jpg", out.getvalue(), content_type="image/jpeg")


def test_the_case_page_flags_a_photo_taken_far_away(e2e_world, as_user, shot):
    w = e2e_world
    case = services.case_report(
        actor=w.p.inspector,
        category=w.event_cat,
        lng=w.inside[0],
        lat=w.inside[1],
        description="暴露垃圾",
        photos=[_far_photo()],
    )
    operator = as_user(w.p.operator, viewport=PHONE)
    operator.goto(f"/cases/{case.pk}/")
    flag = operator.locator("[data-photo-evidence][data-flagged]")
    expect(flag).to_contain_text("拍摄位置远离案件位置")
    expect(flag).to_contain_text("距案件位置")
    shot(operator, "photo-distance-flag")


def test_a_report_made_offline_arrives_once_after_reconnect(e2e_world, as_user, watch, shot, jpeg):
    w = e2e_world
    watch.allow(r"ERR_INTERNET_DISCONNECTED|net::ERR_")  # the page's own requests while offline
    inspector = as_user(w.p.inspector, viewport=PHONE)
    inspector.goto("/inspector/report/")
    inspector.evaluate("navigator.serviceWorker.ready.then(() => true)")
    inspector.reload()  # now the worker answers, and keeps the page for offline use
    assert inspector.evaluate("!!navigator.serviceWorker.controller")
    place_pin(inspector, *w.inside)
    expect(inspector.locator("[data-grid-status]")).to_contain_text(w.grid.code)
    pick_category(inspector)
    inspector.locator("input[type=file][data-photo-files]").first.set_input_files(jpeg())
    expect(inspector.locator("[data-photo-previews] img")).to_have_count(1)
    inspector.get_by_label("问题描述").fill("离线时看到的暴露垃圾")

    inspector.context.set_offline(True)
    inspector.get_by_role("button", name="提交上报").click()
    expect(inspector.locator("[data-outbox-note]")).to_contain_text("已保存在手机上")
    expect(inspector.locator('[data-outbox-item="waiting"]')).to_have_count(1)
    assert Case.objects.count() == 0
    inspector.reload()  # the page comes from the worker's cache; the report still waits
    expect(inspector.locator('[data-outbox-item="waiting"]')).to_have_count(1)
    shot(inspector, "waiting-offline")

    inspector.context.set_offline(False)
    expect(inspector.locator('[data-outbox-item="sent"]')).to_have_count(1, timeout=20_000)
    expect(inspector.locator('[data-outbox-item="waiting"]')).to_have_count(0)
    inspector.evaluate("window.CityOutbox.send()")  # a second send finds nothing to send
    inspector.reload()
    case = Case.objects.get()
    assert case.description == "离线时看到的暴露垃圾" and case.photos.count() == 1
    shot(inspector, "sent-once")


def test_the_browser_shifts_gcj02_tiles_with_the_servers_formula(e2e_world, as_user):
    """coords.js (which shifts GCJ-02 tiles) gives the same answers as grids/coords.py, tested against
    the published reference points (tests/grids/test_coords.py)."""
    from grids.coords import wgs84_to_gcj02
    from tests.grids.test_coords import REFERENCE

    inspector = as_user(e2e_world.p.inspector, viewport=PHONE)
    inspector.goto("/inspector/report/")
    for param in REFERENCE:
        wgs_lat, wgs_lng, gcj_lat, gcj_lng = param.values
        lng, lat = inspector.evaluate(f"CityCoords.wgs84ToGcj02({wgs_lng}, {wgs_lat})")
        assert (lng, lat) == pytest.approx((gcj_lng, gcj_lat), abs=1e-9)
        assert (lng, lat) == pytest.approx(wgs84_to_gcj02(wgs_lng, wgs_lat), abs=1e-12)
    assert inspector.evaluate("typeof CityCoords.GcjTileLayer") == "function"
