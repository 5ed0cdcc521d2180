"""The hotline agent's pages: intake (caller, ticket, gazetteer position), recent tickets, the 回访 queue."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Case, CaseEvent, HotlineTicket, Source
from cases.workflow import Status
from grids.models import Place
from tests.cases.conftest import case_in, hotline_report, photo, report

pytestmark = pytest.mark.usefixtures("media_root", "fast_passwords")


def section(html: str, marker: str, end: str = "</fieldset>") -> str:
    start = html.index(marker)
    return html[start : html.index(end, start)]


def intake_data(world, **changes) -> dict:
    lng, lat = world.inside
    data = {
        "channel": "8890",
        "hotline_ticket_no": "8890-20261121-0001",
        "reporter_name": "王女士",
        "reporter_phone": "13900000000",
        "address": "友谊路32号",
        "lng": lng,
        "lat": lat,
        "category": world.event_cat.pk,
        "urgency": "normal",
        "description": "小区门口垃圾堆了三天",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def closed_hotline_case(world, **kw) -> Case:
    """A hotline ticket walked through 核实 … 结案 by the personas whose job each step is."""
    s, p = services, world.p
    case = hotline_report(world, **kw)
    case = s.case_send_verify(case=case, actor=p.operator)
    case = s.case_verify(case=case, actor=p.inspector, confirmed=True, photos=[photo()])
    case = s.case_file(case=case, actor=p.shift_leader)
    case = s.case_dispatch(case=case, actor=p.dispatcher, department=world.office)
    case = s.case_submit_feedback(case=case, actor=p.department, result="已清理", photos=[photo()])
    case = s.case_check(case=case, actor=p.inspector, passed=True, photos=[photo()])
    return s.case_close(case=case, actor=p.shift_leader)


# ---------------------------------------------------------------- intake


def test_intake_page_renders(world, as_role, django_assert_max_num_queries):
    client = as_role("hotline")
    with django_assert_max_num_queries(6):
        response = client.get(reverse("hotline-intake"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="hotline_ticket_no"' in html and 'name="reporter_phone"' in html
    assert 'data-geocode-url="/hotline/geocode/"' in html and "data-position" in html
    assert 'id="category-q"' in html


def test_intake_creates_a_hotline_case_with_the_caller(world, as_role):
    client = as_role("hotline")
    response = client.post(reverse("hotline-intake"), intake_data(world))
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('hotline-intake')}?case={case.pk}"
    assert case.source == Source.HOTLINE_8890 and case.hotline_channel == "8890"
    assert case.hotline_ticket_no == "8890-20261121-0001"
    assert (case.reporter_name, case.reporter_phone) == ("王女士", "13900000000")
    assert case.grid == world.grid and case.status == Status.REPORTED and case.reporter == world.p.hotline

    # The confirmation, a link to the case, and a fresh form on the same line (8890) for the next call.
    page = client.get(response["Location"]).content.decode()
    assert case.number in page and reverse("case-detail", args=[case.pk]) in page
    assert "8890-20261121-0001" not in section(page, "<form", "</form>")
    assert re.search(r'<input type="radio" name="channel" value="8890"[^>]*checked', page)


def test_duplicate_ticket_is_refused_next_to_the_ticket_number(world, as_role):
    first = hotline_report(world, ticket="T-0001")  # a 12345 ticket
    client = as_role("hotline")
    response = client.post(
        reverse("hotline-intake"), intake_data(world, channel="12345", hotline_ticket_no="T-0001")
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert Case.objects.count() == 1
    ticket_field = section(html, 'for="id_hotline_ticket_no"', 'for="id_reporter_name"')
    assert first.number in ticket_field and "field-error" in ticket_field
    assert 'value="王女士"' in html and "小区门口垃圾堆了三天" in html  # nothing typed is lost
    # The same number on the other line is another ticket.
    assert (
        client.post(reverse("hotline-intake"), intake_data(world, hotline_ticket_no="T-0001")).status_code
        == 302
    )


def test_ticket_already_in_the_api_inbox_is_refused(world, as_role):
    HotlineTicket.objects.create(
        channel="8890",
        ticket_no="API-1",
        received_at=timezone.now(),
        description="接口推送",
        state="needs_location",
    )
    response = as_role("hotline").post(
        reverse("hotline-intake"), intake_data(world, hotline_ticket_no="API-1")
    )
    assert "已由热线系统接口接收" in response.content.decode()
    assert Case.objects.count() == 0


def test_address_the_gazetteer_knows_places_the_case_without_a_pin(world, as_role):
    Place.objects.create(name="友谊路小学", kind=Place.Kind.POI, lng=world.inside[0], lat=world.inside[1])
    client = as_role("hotline")
    found = client.get(reverse("hotline-geocode"), {"address": "天津市河西区友谊路小学门口"}).json()
    assert (found["lng"], found["lat"], found["place"]) == (world.inside[0], world.inside[1], "友谊路小学")
    unknown = client.get(reverse("hotline-geocode"), {"address": "不知道哪里"})
    assert unknown.status_code == 200
    assert unknown.json() == {"found": False, "detail": "地址未能匹配地名库，请在地图上点选位置"}

    response = client.post(
        reverse("hotline-intake"), intake_data(world, lng="", lat="", address="友谊路小学门口")
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert case.grid == world.grid
    assert "友谊路小学" in case.events.get().note


def test_unknown_address_without_a_pin_asks_for_the_position(world, as_role):
    response = as_role("hotline").post(
        reverse("hotline-intake"), intake_data(world, lng="", lat="", address="不知道哪里")
    )
    assert "请在地图上点选位置" in section(response.content.decode(), 'id="position"')
    assert Case.objects.count() == 0


def test_intake_needs_a_name_or_phone_and_a_position_inside(world, as_role):
    response = as_role("hotline").post(
        reverse("hotline-intake"),
        intake_data(world, reporter_name="", reporter_phone="", lng=116.0, lat=38.5),
    )
    html = response.content.decode()
    assert "请填写来电人姓名或电话" in html
    assert "不在" in section(html, 'id="position"')
    assert Case.objects.count() == 0


def test_hotline_pages_are_for_hotline_agents(world, as_role):
    client = as_role("inspector")
    for name in ("hotline-intake", "hotline-tickets", "hotline-callbacks"):
        assert client.get(reverse(name)).status_code == 403
    assert client.post(reverse("hotline-intake"), intake_data(world)).status_code == 403
    assert Case.objects.count() == 0


# ---------------------------------------------------------------- recent tickets


def test_tickets_list_hotline_cases_with_filters(world, as_role, django_assert_max_num_queries):
    a = hotline_report(world, ticket="A-1")
    b = hotline_report(world, ticket="B-1", source=Source.HOTLINE_8890)
    inspector_case = report(world)
    HotlineTicket.objects.create(
        channel="12345",
        ticket_no="INBOX-9",
        received_at=timezone.now(),
        description="x",
        state="needs_location",
    )
    client = as_role("hotline")
    # 8: session, user, groups, the notifications badge, the page's count and rows, the API inbox and the
    # 12345 loop section (one query: cases/intake/loop.py awaiting_centre); the channel table is cached.
    with django_assert_max_num_queries(8):
        html = client.get(reverse("hotline-tickets")).content.decode()
    assert a.number in html and b.number in html and inspector_case.number not in html
    assert "INBOX-9" in html and "待定位" in html
    assert "13800000000" in html  # the agent sees the caller

    only_8890 = client.get(reverse("hotline-tickets"), {"source": "hotline_8890"}).content.decode()
    assert b.number in only_8890 and a.number not in only_8890
    services.case_send_verify(case=a, actor=world.p.operator)
    verifying = client.get(reverse("hotline-tickets"), {"status": "verifying"}).content.decode()
    assert a.number in verifying and b.number not in verifying

    for i in range(5):
        hotline_report(world, ticket=f"C-{i}")
    with django_assert_max_num_queries(8):
        assert client.get(reverse("hotline-tickets")).content.decode().count("data-case=") == 7


def test_tickets_found_by_ticket_number_with_untouched_selects(world, as_role):
    """Issue #25: 筛选 with 渠道 and 状态 left at 全部 (empty values) is no error, and the 工单号 finds its case."""
    a = hotline_report(world, ticket="ZX-20261207-0042")
    b = hotline_report(world, ticket="ZX-20261207-0077")
    client = as_role("hotline")
    html = client.get(reverse("hotline-tickets"), {"source": "", "status": "", "q": "0042"}).content.decode()
    assert "选择一个有效的选项" not in html and 'role="alert"' not in html
    assert a.number in html and b.number not in html


# ---------------------------------------------------------------- 回访


def test_callback_queue_holds_closed_hotline_cases_only(world, as_role, django_assert_max_num_queries):
    closed = closed_hotline_case(world)
    still_open = hotline_report(world)
    inspector_closed = case_in(world, Status.CLOSED)
    client = as_role("hotline")
    with django_assert_max_num_queries(8):
        html = client.get(reverse("hotline-callbacks")).content.decode()
    assert closed.number in html
    assert still_open.number not in html and inspector_closed.number not in html

    for _ in range(3):
        closed_hotline_case(world)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("hotline-callbacks")).content.decode().count("data-callback=") == 4


def test_callback_saves_satisfaction_and_leaves_the_queue(world, as_role):
    case = closed_hotline_case(world)
    client = as_role("hotline")
    prefix = f"cb{case.pk}"
    response = client.post(
        reverse("hotline-callback", args=[case.pk]),
        {f"{prefix}-satisfaction": "satisfied", f"{prefix}-note": "市民表示满意"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<form" not in html and case.number in html  # the row becomes a one-line confirmation
    case.refresh_from_db()
    assert case.satisfaction == "satisfied"
    event = case.events.get(action="callback")
    assert event.note == "市民表示满意" and event.actor == world.p.hotline
    assert case.number not in client.get(reverse("hotline-callbacks")).content.decode()


def test_unreachable_caller_stays_in_the_queue(world, as_role):
    case = closed_hotline_case(world)
    client = as_role("hotline")
    response = client.post(
        reverse("hotline-callback", args=[case.pk]),
        {f"cb{case.pk}-satisfaction": "unreachable"},
        HTTP_HX_REQUEST="true",
    )
    assert "已回访 1 次" in response.content.decode() and "<form" in response.content.decode()
    case.refresh_from_db()
    assert case.satisfaction == ""
    assert "已回访 1 次" in client.get(reverse("hotline-callbacks")).content.decode()


def test_callback_without_satisfaction_is_refused_inline(world, as_role):
    case = closed_hotline_case(world)
    client = as_role("hotline")
    prefix = f"cb{case.pk}"
    response = client.post(
        reverse("hotline-callback", args=[case.pk]), {f"{prefix}-note": "说了一半"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "请选择满意度" in html and 'value="说了一半"' in html
    assert not CaseEvent.objects.filter(case=case, action="callback").exists()

    # Without htmx: the whole queue again, the error next to that case's form.
    page = client.post(reverse("hotline-callback", args=[case.pk]), {f"{prefix}-note": "x"})
    assert page.status_code == 400 and "请选择满意度" in page.content.decode()


def test_callback_without_htmx_redirects_with_a_message(world, as_role):
    case = closed_hotline_case(world)
    client = as_role("hotline")
    response = client.post(
        reverse("hotline-callback", args=[case.pk]), {f"cb{case.pk}-satisfaction": "basically_satisfied"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("hotline-callbacks")
    page = client.get(response["Location"]).content.decode()
    assert "基本满意" in page and 'data-callback="' not in page


def test_second_callback_on_the_same_case_is_refused(world, as_role):
    case = closed_hotline_case(world)
    client = as_role("hotline")
    url = reverse("hotline-callback", args=[case.pk])
    client.post(url, {f"cb{case.pk}-satisfaction": "satisfied"}, HTTP_HX_REQUEST="true")
    again = client.post(url, {f"cb{case.pk}-satisfaction": "unsatisfied"}, HTTP_HX_REQUEST="true")
    assert "已回访" in again.content.decode()
    assert CaseEvent.objects.filter(case=case, action="callback").count() == 1


# ---------------------------------------------------------------- sorting (issue #5 point 9)


def test_tickets_sort_by_ticket_and_number_keeping_the_filters(world, as_role, django_assert_max_num_queries):
    b = hotline_report(world, ticket="B-2")
    a = hotline_report(world, ticket="A-1")
    c = hotline_report(world, ticket="C-3")
    client = as_role("hotline")

    def numbers(**params):
        html = client.get(reverse("hotline-tickets"), params).content.decode()
        return re.findall(r'data-case="([^"]+)"', html), html

    assert numbers()[0] == [c.number, a.number, b.number]  # newest first by default
    # 8 (as on the plain list): session, user, groups, the notifications badge, the page's count and rows, the API inbox and the
    # 12345 loop section (one query: cases/intake/loop.py awaiting_centre); the channel table is cached.
    with django_assert_max_num_queries(8):
        by_ticket, html = numbers(sort="ticket")
    assert by_ticket == [a.number, b.number, c.number]
    assert (
        '<th scope="col" aria-sort="ascending"><a href="/hotline/tickets/?sort=-ticket">工单号</a></th>'
        in html
    )
    assert (
        '<th scope="col" aria-sort="none"><a href="/hotline/tickets/?sort=number">案件编号</a></th>' in html
    )
    assert numbers(sort="-ticket")[0] == [c.number, b.number, a.number]
    assert numbers(sort="number")[0] == [b.number, a.number, c.number]
    filtered, html = numbers(source="hotline_12345", sort="-number")
    assert filtered == [c.number, a.number, b.number]
    assert 'href="/hotline/tickets/?source=hotline_12345&amp;sort=number"' in html
    assert 'name="sort" value="-number"' in html


def test_tickets_unknown_sort_falls_back_to_newest_first(world, as_role):
    a = hotline_report(world, ticket="A-1")
    b = hotline_report(world, ticket="B-1")
    for bad in ("reporter_phone", "-", "?", "-created_at-"):
        response = as_role("hotline").get(reverse("hotline-tickets"), {"sort": bad})
        assert response.status_code == 200
        assert re.findall(r'data-case="([^"]+)"', response.content.decode()) == [b.number, a.number]


def test_callbacks_sort_filter_and_ignore_unknown_sorts(world, as_role, django_assert_max_num_queries):
    first = closed_hotline_case(world, ticket="CB-1")
    second = closed_hotline_case(world, ticket="CB-2", source=Source.HOTLINE_8890)
    client = as_role("hotline")

    def numbers(**params):
        html = client.get(reverse("hotline-callbacks"), params).content.decode()
        return re.findall(r'data-callback="([^"]+)"', html), html

    assert numbers()[0] == [first.number, second.number]  # first closed, first called
    with django_assert_max_num_queries(8):
        latest, html = numbers(sort="-closed_at")
    assert latest == [second.number, first.number]
    assert 'href="/hotline/callbacks/?sort=closed_at" aria-current="true">结案时间' in html
    assert numbers(sort="-number")[0] == [second.number, first.number]
    assert numbers(sort="satisfaction")[0] == [first.number, second.number]  # unknown: the default
    assert numbers(source="hotline_8890")[0] == [second.number]
    assert numbers(q=first.number)[0] == [first.number]
    none, html = numbers(q="没有这件")
    assert none == [] and "没有符合筛选条件的待回访案件" in html
