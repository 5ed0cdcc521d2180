"""部件 on the map (docs/domain.md §12): picked near the pin on the report form, the case links it, the
dispatch follows its owner (先属主), and the part's status follows the case (破损 → 维修中 → 完好)."""

import pytest
from django.urls import reverse

from cases import services
from cases.models import Case
from dispatch.models import Component, ComponentStatusChange
from tests.cases.conftest import photo
from tests.factories import ComponentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manhole(world):
    # In world.grid (117.200–117.201 × 39.050–39.051), 4 m east of world.inside.
    return ComponentFactory(grid=world.grid, category=world.component_cat, lng=117.20055, lat=39.0505)


def test_parts_near_the_pin_nearest_first_with_their_owner(client, world, manhole):
    far = ComponentFactory(grid=world.grid, category=world.component_cat, lng=117.2009, lat=39.0509)
    ComponentFactory(grid=world.other_grid, category=world.component_cat, lng=117.2105, lat=39.0505)  # 870 m
    client.force_login(world.p.inspector)
    body = client.get(reverse("components-near"), {"lng": 117.2005, "lat": 39.0505}).json()
    codes = [f["properties"]["code"] for f in body["features"]]
    assert codes == [manhole.code, far.code]
    first = body["features"][0]["properties"]
    assert first["owner"] == manhole.owner.name and first["distance_m"] == pytest.approx(4.3, abs=0.2)
    assert client.get(reverse("components-near"), {"lng": "x"}).status_code == 400


def test_the_api_filters_parts_near_a_point(client, world, manhole):
    client.force_login(world.p.shift_leader)
    near = client.get("/api/v1/components/", {"near": "117.2005,39.0505", "radius": 20}).json()
    assert [c["code"] for c in near["results"]] == [manhole.code]
    assert client.get("/api/v1/components/", {"near": "117.2005"}).status_code == 400


def test_a_part_picked_on_the_report_form_links_the_case_and_routes_to_its_owner(client, world, manhole):
    client.force_login(world.p.inspector)
    answer = client.post(
        reverse("inspector-report"),
        {
            "lng": "117.2005",
            "lat": "39.0505",
            "component": manhole.code,  # no category chosen: the part's type is taken
            "description": "井盖破损",
            "urgency": "normal",
            "photos": [photo()],
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    case = Case.objects.get()
    assert case.component == manhole and case.category == world.component_cat
    p = world.p
    case = services.case_accept(case=case, actor=p.operator)
    case = services.case_file(case=case, actor=p.shift_leader)
    case = services.case_dispatch(case=case, actor=p.dispatcher)
    assert case.department == manhole.owner


def test_an_unknown_part_is_refused_next_to_the_map(client, world):
    client.force_login(world.p.inspector)
    answer = client.post(
        reverse("inspector-report"),
        {
            "lng": "117.2005",
            "lat": "39.0505",
            "component": "12010301001000999",
            "category": world.event_cat.pk,
            "description": "x",
            "urgency": "normal",
            "photos": [photo()],
        },
    )
    assert answer.status_code == 200 and "所选部件不存在" in answer.content.decode()
    assert not Case.objects.exists()


def test_the_part_status_follows_its_case_with_history(world, manhole, media_root):
    p = world.p
    case = services.case_report(
        actor=p.inspector,
        category=world.component_cat,
        component=manhole,
        lng=117.2005,
        lat=39.0505,
        description="井盖破损",
        photos=[photo()],
    )
    case = services.case_accept(case=case, actor=p.operator)
    case = services.case_file(case=case, actor=p.shift_leader)
    assert Component.objects.get().status == Component.Status.DAMAGED
    case = services.case_dispatch(case=case, actor=p.dispatcher)
    assert Component.objects.get().status == Component.Status.REPAIRING
    owner_staff = p.department
    owner_staff.department = manhole.owner
    owner_staff.save()
    case = services.case_submit_feedback(case=case, actor=owner_staff, result="已更换井盖", photos=[photo()])
    case = services.case_check(case=case, actor=p.inspector, passed=True, photos=[photo()])
    services.case_close(case=case, actor=p.shift_leader)
    assert Component.objects.get().status == Component.Status.INTACT
    history = list(ComponentStatusChange.objects.values_list("from_status", "to_status", "case_number"))
    assert history == [
        ("intact", "damaged", case.number),
        ("damaged", "repairing", case.number),
        ("repairing", "intact", case.number),
    ]


def test_a_part_marked_lost_by_hand_stays_lost(world, manhole):
    manhole.status = Component.Status.LOST
    manhole.save()
    p = world.p
    case = services.case_report(
        actor=p.inspector,
        category=world.component_cat,
        component=manhole,
        lng=117.2005,
        lat=39.0505,
        description="井盖丢失",
        photos=[photo()],
    )
    services.case_file(case=services.case_accept(case=case, actor=p.operator), actor=p.shift_leader)
    assert Component.objects.get().status == Component.Status.LOST
    assert not ComponentStatusChange.objects.exists()
