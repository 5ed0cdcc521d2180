"""Supervisor pages: the case map's data (points or cells, lights, bbox, filters, scope) and the overdue
list with 督办."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseEvent, Source, TimedStep
from cases.web import supervise
from tests.cases.conftest import case_in, hotline_report
from tests.web.conftest import client_for

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")

DATA = reverse("supervise-cases")
OVERDUE = reverse("supervise-overdue")


def set_light(case, light: str, *, late_by: timedelta | None = None):
    """Put the case's running step in `light` (red: `late_by` past its deadline)."""
    now = timezone.now()
    due = now - (late_by or timedelta(hours=1)) if light == "red" else now + timedelta(hours=4)
    TimedStep.objects.filter(case=case, finished_at__isnull=True).update(light=light, due_at=due)
    return case


def geojson(client, **params):
    response = client.get(DATA, params)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    return response.json()


# ---------------------------------------------------------------- scope


@pytest.mark.parametrize("role", ["supervisor", "shift_leader"])
def test_map_page_for_supervisors_and_shift_leaders(as_role, role):
    response = as_role(role).get(reverse("supervise-map"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="supervise-map"' in page
    assert f'data-data-url="{DATA}"' in page
    assert "图例" in page and "红灯：已超期" in page
    assert "cityops/supervise.js" in page and "vendor/markercluster/leaflet.markercluster.js" in page
    # Filters: street, 大类, light, source, each labelled.
    for name in ("street", "major", "light", "source"):
        assert f'for="id_{name}"' in page and f'name="{name}"' in page


@pytest.mark.parametrize("role", ["operator", "dispatcher", "department", "inspector", "hotline"])
def test_other_roles_are_refused(as_role, role, world):
    client = as_role(role)
    for url in (reverse("supervise-map"), DATA, OVERDUE):
        assert client.get(url).status_code == 403, url
    case = set_light(case_in(world, "in_progress"), "red")
    response = client.post(reverse("supervise-case", args=[case.pk]), {f"c{case.pk}-note": "快"})
    assert response.status_code == 403
    assert not CaseEvent.objects.filter(case=case, action="supervise").exists()


def test_anonymous_goes_to_login(client):
    for url in (reverse("supervise-map"), DATA, OVERDUE):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# ---------------------------------------------------------------- the map's data


def test_points_with_lights_most_urgent_first(as_role, world):
    green = set_light(case_in(world, "in_progress"), "green")
    red = set_light(case_in(world, "pending_dispatch"), "red")
    yellow = set_light(case_in(world, "pending_filing"), "yellow")
    case_in(world, "closed")  # closed, rejected and voided cases are not on the map
    case_in(world, "rejected")
    data = geojson(as_role("supervisor"))
    assert data["mode"] == "points" and data["total"] == 3
    props = [f["properties"] for f in data["features"]]
    assert [p["number"] for p in props] == [red.number, yellow.number, green.number]
    assert [p["light"] for p in props] == ["red", "yellow", "green"]
    assert props[0]["url"] == reverse("case-detail", args=[red.pk])
    assert props[0]["label"] == "暴露垃圾 · 待派遣"
    feature = data["features"][0]
    assert feature["type"] == "Feature"
    assert feature["geometry"] == {"type": "Point", "coordinates": [red.lng, red.lat]}


def test_bbox_keeps_only_cases_in_view(as_role, world):
    mine = case_in(world, "in_progress")
    other = case_in(world, "reported")
    other.__class__.objects.filter(pk=other.pk).update(lng=world.other_inside[0], lat=world.other_inside[1])
    client = as_role("supervisor")
    lng, lat = world.inside
    near = f"{lng - 0.001},{lat - 0.001},{lng + 0.001},{lat + 0.001}"
    assert [f["properties"]["number"] for f in geojson(client, bbox=near)["features"]] == [mine.number]
    assert geojson(client, bbox="117.0,38.0,117.1,38.1")["total"] == 0
    # A malformed bbox is ignored rather than failing: the whole district is returned.
    assert geojson(client, bbox="nonsense")["total"] == 2
    assert geojson(client, bbox="118,39,117,40")["total"] == 2


def test_filters_light_street_major_source(as_role, world):
    red = set_light(case_in(world, "in_progress"), "red")
    set_light(case_in(world, "pending_dispatch"), "green")
    hotline = hotline_report(world)
    client = as_role("supervisor")

    def numbers(**params):
        return {f["properties"]["number"] for f in geojson(client, **params)["features"]}

    assert numbers(light="red") == {red.number}
    assert numbers(source=Source.HOTLINE_12345) == {hotline.number}
    assert len(numbers(street=world.street.code)) == 3
    assert numbers(street="999999999") == set()
    assert len(numbers(major=f"event-{world.event_cat.major_code}")) == 3
    assert numbers(major="component-01") == set()


def test_cells_above_the_cap_with_count_and_worst_light(as_role, world, monkeypatch):
    monkeypatch.setattr(supervise, "POINT_CAP", 2)
    set_light(case_in(world, "in_progress"), "green")
    set_light(case_in(world, "pending_filing"), "red")
    set_light(case_in(world, "pending_dispatch"), "yellow")
    far = case_in(world, "reported")
    far.__class__.objects.filter(pk=far.pk).update(lng=world.other_inside[0], lat=world.other_inside[1])
    set_light(far, "green")
    data = geojson(as_role("supervisor"), bbox="117.19,39.04,117.23,39.07")
    assert data["mode"] == "cells" and data["total"] == 4 and data["cap"] == 2
    cells = sorted((f["properties"] for f in data["features"]), key=lambda p: -p["count"])
    # The three cases at world.inside share a cell, and its colour is the worst light among them.
    assert cells == [{"count": 3, "light": "red"}, {"count": 1, "light": "green"}]
    assert sum(p["count"] for p in cells) == data["total"]


def test_cells_without_a_bbox_cover_the_cases(as_role, world, monkeypatch):
    monkeypatch.setattr(supervise, "POINT_CAP", 1)
    case_in(world, "in_progress")
    case_in(world, "reported")
    data = geojson(as_role("shift_leader"))
    assert data["mode"] == "cells" and sum(f["properties"]["count"] for f in data["features"]) == 2


def test_map_data_queries_do_not_grow_with_cases(as_role, world, django_assert_max_num_queries, monkeypatch):
    client = as_role("supervisor")
    for _ in range(3):
        set_light(case_in(world, "in_progress"), "red")
    # session, user, roles; the extent/count; the points; the filter form's streets and categories.
    with django_assert_max_num_queries(7):
        small = geojson(client)
    for _ in range(7):
        set_light(case_in(world, "pending_dispatch"), "yellow")
    with django_assert_max_num_queries(7):
        large = geojson(client)
    assert len(small["features"]) == 3 and len(large["features"]) == 10
    monkeypatch.setattr(supervise, "POINT_CAP", 5)
    with django_assert_max_num_queries(7):
        assert geojson(client)["mode"] == "cells"


# ---------------------------------------------------------------- the overdue list


def overdue_world(world):
    """Three red cases (late by 1 h, 3 days, 1 day), one yellow, one red but closed since."""
    a = set_light(case_in(world, "in_progress"), "red", late_by=timedelta(hours=1))
    b = set_light(case_in(world, "pending_dispatch"), "red", late_by=timedelta(days=3))
    c = set_light(case_in(world, "in_progress"), "red", late_by=timedelta(days=1))
    set_light(case_in(world, "in_progress"), "yellow")
    case_in(world, "closed")
    return a, b, c


def test_overdue_most_overdue_first(as_role, world, django_assert_max_num_queries):
    a, b, c = overdue_world(world)
    client = as_role("supervisor")
    with django_assert_max_num_queries(12):
        response = client.get(OVERDUE)
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r.case.number for r in rows] == [b.number, c.number, a.number]
    page = response.content.decode()
    assert page.index(b.number) < page.index(c.number) < page.index(a.number)
    assert world.office.name in page and "处置" in page and "派遣" in page
    assert reverse("case-detail", args=[b.pk]) in page
    assert '<td class="overdue-for">3\xa0日</td>' in page  # how long overdue
    assert page.count('class="supervise-form"') == 3


def test_overdue_queries_do_not_grow_with_rows(as_role, world, django_assert_max_num_queries):
    client = as_role("supervisor")
    overdue_world(world)
    with django_assert_max_num_queries(12) as few:
        client.get(OVERDUE)
    for _ in range(5):
        set_light(case_in(world, "in_progress"), "red")
    with django_assert_max_num_queries(12) as many:
        response = client.get(OVERDUE)
    assert len(response.context["rows"]) == 8
    assert len(many.captured_queries) == len(few.captured_queries)


def test_overdue_filters(as_role, world):
    a, b, c = overdue_world(world)
    client = as_role("supervisor")

    def numbers(**params):
        return [r.case.number for r in client.get(OVERDUE, params).context["rows"]]

    assert numbers(step="dispatch") == [b.number]
    assert numbers(step="dispose") == [c.number, a.number]
    assert numbers(department=world.office.code) == [c.number, a.number]
    assert numbers(department=world.other_dept.code) == []
    assert numbers(street=world.street.code) == [b.number, c.number, a.number]
    page = client.get(OVERDUE, {"department": world.other_dept.code}).content.decode()
    assert "没有符合筛选条件的超期案件" in page


def test_overdue_is_paginated(as_role, world, monkeypatch):
    monkeypatch.setattr(supervise, "PAGE_SIZE", 2)
    a, b, c = overdue_world(world)
    client = as_role("supervisor")
    first = client.get(OVERDUE)
    assert [r.case.number for r in first.context["rows"]] == [b.number, c.number]
    assert "第 1 / 2 页" in first.content.decode()
    assert [r.case.number for r in client.get(OVERDUE, {"page": 2}).context["rows"]] == [a.number]


def test_empty_state(as_role, world):
    page = as_role("supervisor").get(OVERDUE).content.decode()
    assert "目前没有超期案件" in page


def test_supervise_creates_the_event(as_role, world):
    a, b, c = overdue_world(world)
    client = as_role("supervisor")
    url = reverse("supervise-case", args=[b.pk])
    response = client.post(url, {f"c{b.pk}-note": "请今天内派遣", "next": OVERDUE + "?step=dispatch"})
    assert response.status_code == 302 and response["Location"] == OVERDUE + "?step=dispatch"
    event = CaseEvent.objects.get(case=b, action="supervise")
    assert event.note == "请今天内派遣" and event.actor == world.p.supervisor
    b.refresh_from_db()
    assert b.supervise_count == 1
    page = client.get(response["Location"]).content.decode()
    assert "已督办" in page


def test_supervise_with_htmx_swaps_the_row(as_role, world):
    a, _, _ = overdue_world(world)
    client = as_role("supervisor")
    response = client.post(
        reverse("supervise-case", args=[a.pk]), {f"c{a.pk}-note": "抓紧"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    row = response.content.decode()
    assert row.strip().startswith(f'<tr id="overdue-{a.pk}"')
    assert "已督办，累计 1 次" in row
    assert CaseEvent.objects.filter(case=a, action="supervise", note="抓紧").count() == 1


def test_supervise_needs_a_note_and_says_so_on_the_row(as_role, world):
    a, b, c = overdue_world(world)
    client = as_role("supervisor")
    response = client.post(reverse("supervise-case", args=[c.pk]), {f"c{c.pk}-note": "  ", "next": OVERDUE})
    assert response.status_code == 400
    rows = {r.case.pk: r for r in response.context["rows"]}
    assert rows[c.pk].error and not rows[a.pk].error
    page = response.content.decode()
    assert f'id="err-{c.pk}"' in page and "请填写督办意见" in page
    assert not CaseEvent.objects.filter(case=c, action="supervise").exists()
    htmx = client.post(
        reverse("supervise-case", args=[c.pk]), {f"c{c.pk}-note": ""}, headers={"HX-Request": "true"}
    )
    assert "请填写督办意见" in htmx.content.decode() and 'aria-invalid="true"' in htmx.content.decode()


def test_shift_leader_sees_the_list_but_cannot_supervise(world):
    a, _, _ = overdue_world(world)
    client = client_for(world.p.shift_leader)
    page = client.get(OVERDUE).content.decode()
    assert a.number in page and 'class="supervise-form"' not in page
    # The service refuses; the refusal is shown on the row and nothing is written.
    response = client.post(
        reverse("supervise-case", args=[a.pk]), {f"c{a.pk}-note": "快"}, headers={"HX-Request": "true"}
    )
    assert "督办" in response.content.decode() and 'role="alert"' in response.content.decode()
    assert not CaseEvent.objects.filter(case=a, action="supervise").exists()


def test_supervise_a_closed_case_is_not_found(as_role, world):
    closed = case_in(world, "closed")
    response = as_role("supervisor").post(
        reverse("supervise-case", args=[closed.pk]), {f"c{closed.pk}-note": "x"}
    )
    assert response.status_code == 404


# ---------------------------------------------------------------- sorting (issue #5 point 9)


def test_overdue_sorts_both_ways_and_keeps_the_filters(as_role, world, django_assert_max_num_queries):
    a, b, c = overdue_world(world)
    client = as_role("supervisor")

    def numbers(**params):
        response = client.get(OVERDUE, params)
        return [r.case.number for r in response.context["rows"]], response.content.decode()

    with django_assert_max_num_queries(12):
        least_late, html = numbers(sort="-deadline")
    assert least_late == [a.number, c.number, b.number]
    assert (
        '<th scope="col" aria-sort="descending"><a href="/supervise/overdue/?sort=deadline">截止时间</a></th>'
        in html
    )
    assert numbers(sort="number")[0] == sorted([a.number, b.number, c.number])
    assert numbers(sort="-number")[0] == sorted([a.number, b.number, c.number], reverse=True)
    assert numbers(sort="step")[0] == [b.number, c.number, a.number]  # 派遣 (dispatch) before 处置
    by_step, html = numbers(step="dispose", sort="-deadline")
    assert by_step == [a.number, c.number]
    assert 'href="/supervise/overdue/?step=dispose&amp;sort=deadline"' in html
    assert 'name="sort" value="-deadline"' in html
    # The default header says its order.
    assert 'aria-sort="ascending"><a href="/supervise/overdue/?sort=-deadline">' in numbers()[1]


def test_overdue_q_filter_and_unknown_sort(as_role, world):
    a, b, c = overdue_world(world)
    client = as_role("supervisor")
    for bad in ("case__reporter", "-", "due_at"):
        response = client.get(OVERDUE, {"sort": bad})
        assert response.status_code == 200
        assert [r.case.number for r in response.context["rows"]] == [b.number, c.number, a.number]
    assert [r.case.number for r in client.get(OVERDUE, {"q": c.number}).context["rows"]] == [c.number]
    page = client.get(OVERDUE, {"sort": "number"}).content.decode()
    assert "目前没有超期案件" not in page and "清除筛选" not in page
