"""Several districts in one deployment (docs/domain.md §13): district staff see and act on their own
district's cases only, the city supervisor reads every district, and city-wide channels (12345,
Open311) reach the district whose grids hold the point — a point on the shared edge exactly one."""

import pytest

from cases import selectors, services
from cases.errors import ActionForbidden
from cases.intake import hotline
from cases.models import ApiClient, Case, HotlineTicket
from cases.workflow import Status
from tests.cases.test_open311_support import post, post_fields, private_cache
from tests.cases.two_districts import EDGE, MIDDLE, build_city, report

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")


@pytest.fixture
def city(db):
    return build_city()


@pytest.fixture
def two(city):
    """One open case in each district, 待派遣 after 受理 and 立案 by that district's centre."""
    a, b = city.a, city.b
    city.case_a = services.case_file(
        case=services.case_accept(case=report(city, a), actor=a.operator), actor=a.shift_leader
    )
    city.case_b = services.case_file(
        case=services.case_accept(case=report(city, b), actor=b.operator), actor=b.shift_leader
    )
    return city


def test_a_case_carries_the_district_of_its_grid(two):
    assert (two.case_a.district, two.case_b.district) == (two.a.district, two.b.district)
    # A case written without the services (a fixture, a script) still gets its street's district.
    copy = Case.objects.get(pk=two.case_b.pk)
    copy.pk, copy.number, copy.district = None, "COPY-1", None
    copy.save()
    assert Case.objects.get(number="COPY-1").district_id == two.b.district.pk


def test_district_staff_see_only_their_district_the_city_and_the_undistricted_see_both(two):
    a_only, both = {two.case_a.pk}, {two.case_a.pk, two.case_b.pk}
    for user in (two.a.operator, two.a.shift_leader, two.a.dispatcher, two.a.supervisor, two.a.hotline):
        assert set(selectors.cases_visible_to(user).values_list("pk", flat=True)) == a_only, user
        assert selectors.case_with_scope(user, two.case_b.pk).in_scope is False
        assert selectors.case_with_scope(user, two.case_a.pk).in_scope is True
    for user in (two.city, two.everywhere):
        assert set(selectors.cases_visible_to(user).values_list("pk", flat=True)) == both
        assert selectors.case_with_scope(user, two.case_b.pk).in_scope is True
    # A grid inspector's scope is their grids, whichever district: unchanged.
    assert set(selectors.cases_visible_to(two.b.inspector).values_list("pk", flat=True)) == {two.case_b.pk}


def test_the_api_lists_their_district_and_answers_404_for_the_other(api, two):
    api.force_authenticate(two.a.dispatcher)
    listed = api.get("/api/v1/cases/").json()["results"]
    assert [c["number"] for c in listed] == [two.case_a.number]
    assert api.get(f"/api/v1/cases/{two.case_b.pk}/").status_code == 404
    assert api.get(f"/api/v1/cases/{two.case_a.pk}/").status_code == 200
    # The queue filter and the district filter agree with the scope.
    assert api.get("/api/v1/cases/", {"district": two.b.district.code}).json()["results"] == []


def test_district_staff_cannot_act_on_the_other_districts_case(api, two):
    api.force_authenticate(two.a.dispatcher)
    url = f"/api/v1/cases/{two.case_b.pk}/actions/dispatch/"
    response = api.post(url, {"department": two.b.office.pk}, format="json")
    assert response.status_code == 403, response.content
    assert Case.objects.get(pk=two.case_b.pk).status == Status.PENDING_DISPATCH
    # Refused by the service itself, not only hidden by the API.
    with pytest.raises(ActionForbidden, match="不属于您所在的区"):
        services.case_dispatch(case=two.case_b, actor=two.a.dispatcher, department=two.b.office)
    assert Case.objects.get(pk=two.case_b.pk).events.filter(action="dispatch").count() == 0
    # Their own district's case: allowed, and the buttons say so.
    from cases import rules

    assert "dispatch" in rules.allowed_actions(two.case_a, two.a.dispatcher)
    assert rules.allowed_actions(Case.objects.get(pk=two.case_b.pk), two.a.dispatcher) == []
    case = services.case_dispatch(case=two.case_a, actor=two.a.dispatcher, department=two.a.office)
    assert case.status == Status.IN_PROGRESS


def test_the_case_page_and_search_page_keep_to_the_district(client, two):
    client.force_login(two.a.shift_leader)
    assert client.get(f"/cases/{two.case_b.pk}/").status_code == 404
    page = client.get(f"/cases/{two.case_a.pk}/")
    assert page.status_code == 200 and two.case_a.number in page.content.decode()
    search = client.get("/cases/").content.decode()
    assert two.case_a.number in search and two.case_b.number not in search
    client.force_login(two.a.dispatcher)
    queue = client.get("/queues/dispatch/").content.decode()
    assert two.case_a.number in queue and two.case_b.number not in queue


def test_the_city_supervisor_reads_both_districts_and_acts_on_none(api, client, two):
    api.force_authenticate(two.city)
    listed = {c["number"] for c in api.get("/api/v1/cases/").json()["results"]}
    assert listed == {two.case_a.number, two.case_b.number}
    detail = api.get(f"/api/v1/cases/{two.case_b.pk}/")
    assert detail.status_code == 200 and detail.json()["allowed_actions"] == []
    response = api.post(
        f"/api/v1/cases/{two.case_b.pk}/actions/dispatch/", {"department": two.b.office.pk}, format="json"
    )
    assert response.status_code == 403
    assert Case.objects.get(pk=two.case_b.pk).status == Status.PENDING_DISPATCH
    client.force_login(two.city)
    page = client.get(f"/cases/{two.case_b.pk}/")
    assert page.status_code == 200 and two.case_b.number in page.content.decode()


def test_district_staff_report_only_in_their_district(city):
    with pytest.raises(ActionForbidden, match="不在您所在的区"):
        services.case_report(
            actor=city.a.hotline,
            category=city.category,
            lng=city.b.inside[0],
            lat=city.b.inside[1],
            description="市民来电",
            source="hotline_12345",
            hotline_ticket_no="X1",
            reporter_phone="13800000000",
        )
    assert not Case.objects.exists()


# ---------------------------------------------------------------- city-wide channels


def _ticket(city, no: str, lng, lat) -> HotlineTicket:
    data = {
        "channel": "12345",
        "ticket_no": no,
        "received_at": "2026-03-02T09:15:00+08:00",
        "caller_phone": "13900001111",
        "address": "",
        "lng": lng,
        "lat": lat,
        "category_hint": city.category.code,
        "description": "垃圾堆了三天没人清",
    }
    ticket, _created = hotline.receive(data=data, raw={})
    hotline.process_ticket(ticket.pk)
    return HotlineTicket.objects.select_related("case").get(pk=ticket.pk)


def test_a_city_wide_hotline_ticket_goes_to_the_district_holding_the_point(
    city, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        in_b = _ticket(city, "C1", *city.b.inside)
        in_a = _ticket(city, "C2", *city.a.inside)
    assert in_b.state == "done" and in_b.case.district == city.b.district and in_b.case.grid == city.b.grid
    assert in_a.state == "done" and in_a.case.district == city.a.district
    # The case number carries its district's code; B's staff see it, A's do not.
    assert in_b.case.number.startswith("129902-")
    assert selectors.cases_visible_to(city.b.operator).filter(pk=in_b.case.pk).exists()
    assert not selectors.cases_visible_to(city.a.operator).filter(pk=in_b.case.pk).exists()


def test_a_point_on_the_shared_edge_goes_to_exactly_one_district_the_lower_code(
    city, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        on_edge = _ticket(city, "E1", EDGE, MIDDLE)
        corner = _ticket(city, "E2", EDGE, 39.100)  # a vertex of both grids
    for ticket in (on_edge, corner):
        assert ticket.state == "done"
        assert ticket.case.district == city.a.district  # 129901 < 129902 (docs/domain.md §13)
    assert Case.objects.count() == 2  # one case each, never two
    a_cases = set(selectors.cases_visible_to(city.a.operator).values_list("pk", flat=True))
    b_cases = set(selectors.cases_visible_to(city.b.operator).values_list("pk", flat=True))
    assert a_cases == {on_edge.case.pk, corner.case.pk} and b_cases == set()


def test_a_point_in_no_district_waits_for_a_location_instead_of_failing(
    city, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        nowhere = _ticket(city, "N1", 117.5, 39.5)
    assert nowhere.state == "needs_location" and nowhere.case is None
    assert "不在任何一个区的单元网格内" in nowhere.last_error
    # An operator of district B places it in B; A's operator may not place it in B.
    with pytest.raises(ActionForbidden, match="不属于您所在的区"):
        hotline.locate_ticket(
            ticket=nowhere, actor=city.a.operator, lng=city.b.inside[0], lat=city.b.inside[1]
        )
    placed = hotline.locate_ticket(
        ticket=nowhere, actor=city.b.operator, lng=city.b.inside[0], lat=city.b.inside[1]
    )
    assert placed.state == "done" and placed.case.district == city.b.district


def test_the_ticket_queue_shows_a_district_its_own_and_the_unplaced(
    api, city, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        in_a = _ticket(city, "Q1", *city.a.inside)
        in_b = _ticket(city, "Q2", *city.b.inside)
        nowhere = _ticket(city, "Q3", 117.5, 39.5)
    api.force_authenticate(city.a.operator)
    listed = {t["ticket_no"] for t in api.get("/api/v1/hotline/tickets/").json()["results"]}
    assert listed == {in_a.ticket_no, nowhere.ticket_no}
    api.force_authenticate(city.everywhere)
    listed = {t["ticket_no"] for t in api.get("/api/v1/hotline/tickets/").json()["results"]}
    assert listed == {in_a.ticket_no, in_b.ticket_no, nowhere.ticket_no}


@pytest.mark.parametrize(
    "where, district, status", [("b", "129902", 200), ("edge", "129901", 200), ("none", None, 400)]
)
def test_open311_reports_reach_the_district_of_the_point(client, city, settings, where, district, status):
    private_cache(settings)
    city.app = ApiClient.objects.create(name="随手拍", kind=ApiClient.Kind.OPEN311, api_key="key-city")
    city.event_cat = city.category
    city.inside = {"b": city.b.inside, "edge": (EDGE, MIDDLE), "none": (117.5, 39.5)}[where]
    data = post(client, "json", post_fields(city), expect=status)
    if district is None:
        assert "不在任何一个区的单元网格内" in data[0]["description"] and not Case.objects.exists()
    else:
        assert Case.objects.get().district.code == district


def test_the_admin_sets_a_users_district_and_a_district_admin_reads_its_cases(client, two):
    from tests.factories import UserFactory

    admin = UserFactory(username="adm_a", roles=["admin"], district=two.a.district, is_staff=True)
    client.force_login(admin)
    page = client.get(f"/admin/core/user/{two.a.operator.pk}/change/").content.decode()
    assert 'name="district"' in page and "甲区" in page
    listed = client.get("/admin/cases/case/").content.decode()
    assert two.case_a.number in listed and two.case_b.number not in listed
    client.force_login(UserFactory(username="adm_all", roles=["admin"], is_staff=True))
    listed = client.get("/admin/cases/case/").content.decode()
    assert two.case_a.number in listed and two.case_b.number in listed


def test_a_districts_hotline_agent_calls_back_their_districts_callers(client, city):
    from tests.cases.two_districts import closed, filed, hotline_report

    numbers = [
        closed(filed(hotline_report(city, d, f"CB{n}"), d), d).number for n, d in enumerate((city.a, city.b))
    ]
    client.force_login(city.a.hotline)
    page = client.get("/hotline/callbacks/").content.decode()
    assert numbers[0] in page and numbers[1] not in page
    case_b = Case.objects.get(number=numbers[1])
    client.post(f"/hotline/callbacks/{case_b.pk}/", {f"cb{case_b.pk}-satisfaction": "satisfied"})
    assert not case_b.events.filter(action="callback").exists()
