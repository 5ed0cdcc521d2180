"""Campaigns in a deployment of several districts (docs/domain.md §13): a campaign belongs to the district
of the leader who sets it up; a district's staff see and act on their district's campaigns, tasks,
hazards and 挂号 items only, and cannot name the other district's street, grid, office, place or case
(a 400 naming the field). A supervisor with no district sees both."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.models import Campaign, Hazard
from campaigns.services import campaigns as campaign_svc
from campaigns.services import hazards as hazard_svc
from tests.cases.conftest import fast_passwords  # noqa: F401 (a fixture)
from tests.cases.two_districts import build_city, report

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")


def _hazard(d, **kw):
    lng, lat = d.inside
    data = {
        "kind": "manhole",
        "level": "large",
        "title": f"{d.district.name}井盖缺失",
        "lng": lng,
        "lat": lat,
        "department": d.office.pk,
        "person_name": "王工",
        "plan": "当日设置围挡，三日内更换",
        "deadline": str(timezone.localdate() + timedelta(days=3)),
    }
    return {**data, **kw}


@pytest.fixture
def city(db):
    city = build_city()
    today = timezone.localdate()
    for d in (city.a, city.b):
        d.campaign = campaign_svc.campaign_create(
            actor=d.supervisor,
            name=f"{d.district.name}环境整治",
            period_start=today,
            period_end=today + timedelta(days=30),
            departments=[d.office],
        )
        d.task = campaign_svc.task_add(
            campaign=d.campaign, actor=d.supervisor, content="清理", deadline=today, department=d.office
        )
        data = _hazard(d)
        data["department"] = d.office
        d.hazard = hazard_svc.hazard_register(actor=d.supervisor, **data)
    return city


def test_a_campaign_belongs_to_its_leaders_district(city):
    assert (city.a.campaign.district, city.b.campaign.district) == (city.a.district, city.b.district)


def test_the_api_lists_a_districts_rows_and_answers_404_for_the_others(api, city):
    a, b = city.a, city.b
    api.force_authenticate(a.supervisor)
    assert [c["id"] for c in api.get("/api/v1/campaigns/").json()["results"]] == [a.campaign.pk]
    assert api.get(f"/api/v1/campaigns/{b.campaign.pk}/").status_code == 404
    assert api.post(f"/api/v1/campaigns/{b.campaign.pk}/finish/").status_code == 404
    assert [t["id"] for t in api.get("/api/v1/campaign-tasks/").json()["results"]] == [a.task.pk]
    assert [h["id"] for h in api.get("/api/v1/hazards/").json()["results"]] == [a.hazard.pk]
    assert api.get(f"/api/v1/hazards/{b.hazard.pk}/").status_code == 404
    api.force_authenticate(city.everywhere)
    assert api.get("/api/v1/campaigns/").json()["count"] == 2
    assert api.get("/api/v1/hazards/").json()["count"] == 2


def test_writes_naming_the_other_districts_rows_are_400_naming_the_field(api, city):
    a, b = city.a, city.b
    api.force_authenticate(a.supervisor)
    today = timezone.localdate()
    base = {"name": "越界专项", "period_start": str(today), "period_end": str(today + timedelta(days=9))}
    for field, value in (
        ("scope_streets", [b.street.pk]),
        ("streets", [b.street.pk]),
        ("scope_grids", [b.grid.pk]),
        ("departments", [b.office.pk]),
    ):
        answer = api.post("/api/v1/campaigns/", {**base, field: value}, format="json")
        assert answer.status_code == 400 and field in answer.json(), (field, answer.json())
        assert "不属于您所在的区" in str(answer.json())
    assert not Campaign.objects.filter(name="越界专项").exists()
    # A task for the other district's office, a hazard at its place or for its office.
    answer = api.post(
        f"/api/v1/campaigns/{a.campaign.pk}/tasks/",
        {"content": "清理", "deadline": str(today), "department": b.office.pk},
        format="json",
    )
    assert answer.status_code == 400 and "department" in answer.json(), answer.json()
    lng, lat = b.inside
    answer = api.post("/api/v1/hazards/", _hazard(a, lng=lng, lat=lat), format="json")
    assert answer.status_code == 400 and "lng" in answer.json(), answer.json()
    answer = api.post("/api/v1/hazards/", _hazard(a, department=b.office.pk), format="json")
    assert answer.status_code == 400 and "department" in answer.json(), answer.json()
    assert Hazard.objects.count() == 2
    # Tagging the other district's case with their campaign.
    case_b = report(city, b)
    answer = api.post(f"/api/v1/campaigns/{a.campaign.pk}/tag/", {"case": case_b.pk}, format="json")
    assert answer.status_code == 400 and "case" in answer.json(), answer.json()
    # Their own: fine.
    assert api.post("/api/v1/hazards/", _hazard(a), format="json").status_code == 201


def test_a_case_of_the_other_district_is_not_tagged_automatically(city):
    case_b = report(city, city.b)
    assert not campaign_svc.in_scope(city.a.campaign, case_b)
    assert campaign_svc.in_scope(city.b.campaign, case_b)


def test_the_pages_show_a_district_its_own(client, city):
    a, b = city.a, city.b
    client.force_login(a.supervisor)
    page = client.get("/campaigns/").content.decode()
    assert a.campaign.name in page and b.campaign.name not in page
    assert client.get(f"/campaigns/{b.campaign.pk}/").status_code == 404
    assert client.get(f"/campaigns/{b.campaign.pk}/bulletin/").status_code == 404
    assert client.get(f"/campaigns/{a.campaign.pk}/").status_code == 200
    hazards = client.get("/hazards/").content.decode()
    assert a.hazard.number in hazards and b.hazard.number not in hazards
    client.force_login(city.everywhere)
    page = client.get("/campaigns/").content.decode()
    assert a.campaign.name in page and b.campaign.name in page
