"""The city and the 12345 loop in a real browser (docs/domain.md §13).

- Two districts in one deployment: a city-wide 12345 ticket arriving through the API lands, by its
  position, in 乙区 and waits in 乙区's dispatcher queue — never in 甲区's.
- The full 接诉即办 loop against the hotline centre simulator (tooling/hotline/centre.py, the code the
  `hotline_centre` command runs), driven in-process: 签收, an approved 延期, a denied 退单, 办结, 不满意 →
  重办 reopening the case, and a merged duplicate answered 办结; the case page shows each message on its
  timeline and in its 12345 panel.
"""

import pytest
from playwright.sync_api import expect
from rest_framework.test import APIClient

from cases import services as s
from cases.intake import duplicates, hotline
from cases.models import ApiClient, Case, DuplicateSuspect, HotlineTicket
from cases.workflow import Status
from tests.cases.conftest import photo
from tests.cases.test_hotline_loop import KEY, dispatch, finish, pump, to_progress
from tests.cases.two_districts import build_city
from tooling.hotline.centre import HotlineCentre, Policy


@pytest.fixture
def city(fast_passwords, media_root, transactional_db, live_server):
    return build_city()


def test_a_city_wide_ticket_reaches_only_the_district_holding_the_point(city, as_user, shot):
    ApiClient.objects.create(name="市 12345", kind=ApiClient.Kind.HOTLINE, channel="12345", api_key=KEY)
    lng, lat = city.b.inside
    api = APIClient()
    answer = api.post(
        "/api/v1/hotline/tickets/",
        {
            "channel": "12345",
            "ticket_no": "CITY-0001",
            "received_at": "2026-03-02T09:15:00+08:00",
            "caller_phone": "13900001111",
            "address": "乙区街道某路 8 号",
            "lng": lng,
            "lat": lat,
            "category_hint": city.category.code,
            "description": "路边垃圾堆了三天没人清",
        },
        format="json",
        HTTP_X_API_KEY=KEY,
    )
    assert answer.status_code == 202, answer.content
    hotline.process_pending()
    case = HotlineTicket.objects.get(ticket_no="CITY-0001").case
    assert case.district == city.b.district and case.number.startswith("129902-")
    # 乙区's centre takes it to 待派遣 (受理 through 核实, 立案).
    b = city.b
    case = s.case_send_verify(case=case, actor=b.operator)
    case = s.case_verify(case=case, actor=b.inspector, confirmed=True, photos=[photo()])
    case = s.case_file(case=case, actor=b.shift_leader)
    assert case.status == Status.PENDING_DISPATCH

    theirs = as_user(b.dispatcher)
    theirs.goto("/queues/dispatch/")
    expect(theirs.get_by_role("link", name=case.number)).to_be_visible()
    shot(theirs, "district-b-dispatch-queue")
    ours = as_user(city.a.dispatcher)
    ours.goto("/queues/dispatch/")
    expect(ours.locator("main")).to_be_visible()
    expect(ours.get_by_role("link", name=case.number)).to_have_count(0)
    shot(ours, "district-a-dispatch-queue")
    # Nor can 甲区's dispatcher open it directly: to them it does not exist.
    response = ours.request.get(f"/cases/{case.pk}/")
    assert response.status == 404


@pytest.fixture
def centre(e2e_world, live_server):
    sim = HotlineCentre(live_server.url, KEY, policy=Policy(satisfaction=["unsatisfied", "satisfied"]))
    url = sim.start()
    ApiClient.objects.create(
        name="12345 中心", kind=ApiClient.Kind.HOTLINE, channel="12345", api_key=KEY, webhook_url=url
    )
    e2e_world.centre = sim
    yield sim
    sim.stop()


def test_the_full_loop_against_the_simulator_on_the_case_page(e2e_world, centre, as_user, shot):
    world, p = e2e_world, e2e_world.p
    case = dispatch(world, "E2E-0001")

    s.case_sign(case=case, actor=p.operator)  # 签收
    pump(world)
    case = to_progress(world, case)
    s.case_request_extension(
        case=case, actor=p.department, reason="需更换设施", hours=8, reason_code="construction"
    )
    pump(world)  # the centre approves the 延期 (its policy)
    s.case_request_hotline_return(
        case=case, actor=p.dispatcher, reason_code="out_of_scope", reason="疑似物业范围"
    )
    pump(world)  # … and denies the 退单
    dup = dispatch(world, "E2E-0002", description="门口垃圾没人管")
    duplicates.confirm(suspect=DuplicateSuspect.objects.get(case=dup, original=case), actor=p.operator)
    case = finish(world, case, "已清运并更换垃圾桶")  # 办结, answering the merged duplicate too
    pump(world)  # 回访 不满意 with a 重办 order: the case is reopened
    case = Case.objects.get(pk=case.pk)
    assert (case.status, case.satisfaction, case.reopen_count) == (Status.PENDING_DISPATCH, "unsatisfied", 1)
    assert [k for _t, k in centre.pushes("E2E-0002")] == ["merged", "closed"]

    dispatcher = as_user(p.dispatcher)
    dispatcher.goto(f"/cases/{case.pk}/")
    timeline = dispatcher.locator("ol.timeline")
    for action in (
        "sign",
        "approve_extension",
        "request_hotline_return",
        "deny_hotline_return",
        "close",
        "callback",
        "reopen",
    ):
        expect(timeline.locator(f'[data-event="{action}"]').first).to_be_visible()
    # The 12345 panel lists each message both ways.
    panel = dispatcher.locator(".hotline-loop-panel")
    for message in (
        "in-dispatch",
        "out-signed",
        "out-extension_request",
        "in-extension_decision",
        "out-return_request",
        "in-return_decision",
        "out-closed",
        "in-callback",  # 不满意, carrying the 重办 order
    ):
        expect(panel.locator(f'[data-message="{message}"]').first).to_be_visible()
    expect(panel.locator('[data-loop="stage"]')).not_to_be_empty()
    shot(dispatcher, "loop-case-page")

    # The merged duplicate's page: answered 办结 with the original's result.
    dispatcher.goto(f"/cases/{dup.pk}/")
    dup_panel = dispatcher.locator(".hotline-loop-panel")
    expect(dup_panel).to_contain_text(case.number)
    expect(dup_panel.locator('[data-message="out-merged"]')).to_be_visible()
    expect(dup_panel.locator('[data-message="out-closed"]')).to_be_visible()
    shot(dispatcher, "loop-merged-duplicate")
