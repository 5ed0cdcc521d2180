"""作业考核 in a deployment of several districts (docs/domain.md §13): each district has a contractor working
one of its roads. A district's supervisors see their district's contractors, inspections, 代为整改, months
and streets, by API and on the page; they cannot record 代为整改 in the other district's area nor assess
its contractor (a 400 naming the field). A supervisor with no district sees both."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from assessment.models import (
    AreaType,
    Checklist,
    Contract,
    Contractor,
    Inspection,
    MonthlyAssessment,
    Rectification,
    WorkArea,
    WorkKind,
)
from tests.cases.two_districts import build_city

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quick(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def city():
    city = build_city()
    checklist = Checklist.objects.create(name="道路清扫保洁检查标准", area_type=AreaType.ROAD)
    today = timezone.localdate()
    for d in (city.a, city.b):
        d.contractor = Contractor.objects.create(name=f"{d.district.name}环卫公司", kind=WorkKind.SANITATION)
        contract = Contract.objects.create(
            contractor=d.contractor,
            number=f"HW-{d.district.code}",
            starts_on=date(today.year, 1, 1),
            ends_on=date(today.year, 12, 31),
            monthly_fee=D("100000.00"),
        )
        lng, lat = d.inside
        d.area = WorkArea.objects.create(
            contract=contract,
            name=f"{d.district.name}主干道",
            street=d.street,
            area_type=AreaType.ROAD,
            road_class="1",
            lng=lng,
            lat=lat,
        )
        d.inspection = Inspection.objects.create(
            area=d.area, checklist=checklist, inspector=d.inspector, planned_on=today
        )
        d.rectification = Rectification.objects.create(
            contractor=d.contractor,
            area=d.area,
            done_on=today,
            description="代为清扫",
            cost=D("500"),
            recorded_by=d.supervisor,
        )
    city.month = f"{today:%Y-%m}"
    return city


def test_the_api_lists_a_districts_rows_and_answers_404_for_the_others(city):
    a, b = city.a, city.b
    boss = api(a.supervisor)
    assert [c["id"] for c in boss.get("/api/v1/assessment/contractors/").json()["results"]] == [
        a.contractor.pk
    ]
    assert boss.get(f"/api/v1/assessment/contractors/{b.contractor.pk}/").status_code == 404
    inspections = boss.get("/api/v1/assessment/inspections/").json()["results"]
    assert [i["id"] for i in inspections] == [a.inspection.pk]
    assert boss.get(f"/api/v1/assessment/inspections/{b.inspection.pk}/").status_code == 404
    rows = boss.get("/api/v1/assessment/rectifications/").json()["results"]
    assert [r["id"] for r in rows] == [a.rectification.pk]
    streets = boss.get("/api/v1/assessment/reports/streets/", {"month": city.month}).json()
    assert [s["street"] for s in streets] == [a.street.code]
    everyone = api(city.everywhere)
    assert everyone.get("/api/v1/assessment/contractors/").json()["count"] == 2
    assert everyone.get("/api/v1/assessment/inspections/").json()["count"] == 2


def test_a_district_cannot_record_or_assess_for_the_other(city):
    a, b = city.a, city.b
    boss = api(a.supervisor)
    today = timezone.localdate().isoformat()
    answer = boss.post(
        "/api/v1/assessment/rectifications/",
        {
            "contractor": b.contractor.pk,
            "area": b.area.pk,
            "done_on": today,
            "description": "越界",
            "cost": "1",
        },
        format="json",
    )
    assert answer.status_code == 400 and "area" in answer.json(), answer.json()
    assert "不属于您所在的区" in str(answer.json())
    answer = boss.post(
        "/api/v1/assessment/months/assess/", {"contractor": b.contractor.pk, "month": city.month}
    )
    assert answer.status_code == 400 and "contractor" in answer.json(), answer.json()
    assert not MonthlyAssessment.objects.exists()
    ok = boss.post("/api/v1/assessment/months/assess/", {"contractor": a.contractor.pk, "month": city.month})
    assert ok.status_code == 200, ok.json()
    assert boss.get("/api/v1/assessment/months/").json()["count"] == 1
    assert api(b.supervisor).get("/api/v1/assessment/months/").json()["count"] == 0


def test_the_page_shows_a_district_its_own(client, city):
    a, b = city.a, city.b
    client.force_login(a.supervisor)
    page = client.get("/assessment/", {"month": city.month}).content.decode()
    assert a.contractor.name in page and b.contractor.name not in page
    assert a.area.name in page and b.area.name not in page
    assert client.get(f"/assessment/inspections/{b.inspection.pk}/").status_code == 404
    answer = client.post(f"/assessment/contractors/{b.contractor.pk}/assess/?month={city.month}")
    assert answer.status_code == 404
    client.force_login(city.everywhere)
    page = client.get("/assessment/", {"month": city.month}).content.decode()
    assert a.contractor.name in page and b.contractor.name in page
