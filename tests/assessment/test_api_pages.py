"""The assessment's API (filters, permissions, actions) and pages (issue #24.4)."""

from datetime import date, datetime
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import time_machine
from rest_framework.test import APIClient

from assessment import services as s
from assessment.models import Inspection, MonthlyAssessment, StreetTarget
from cases.models import Case
from tests.assessment.conftest import photo

SH = ZoneInfo("Asia/Shanghai")


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def job(yard, day=date(2026, 11, 3), inspector=None):
    return Inspection.objects.create(
        area=yard.road, checklist=yard.checklist, inspector=inspector or yard.inspector, planned_on=day
    )


def test_an_inspector_records_through_the_api_and_registers_a_case(yard):
    mine, theirs = job(yard), job(yard, inspector=yard.other_inspector)
    client = api(yard.inspector)
    listed = client.get("/api/v1/assessment/inspections/", {"month": "2026-11"}).json()
    assert [row["id"] for row in listed["results"]] == [mine.pk]  # only their own
    assert client.get(f"/api/v1/assessment/inspections/{theirs.pk}/").status_code == 404
    body = {
        "findings": [{"item": yard.items.litter.pk, "count": 2, "lng": 117.2006, "lat": 39.0506}],
        "dust": [{"weight_g": "7.5", "sampled_m2": "1"}],
    }
    done = client.post(f"/api/v1/assessment/inspections/{mine.pk}/record/", body, format="json")
    assert done.status_code == 200, done.json()
    assert done.json()["score"] == "94.00"  # 100 − 2×2 − 2 (7.5 g/m² over the first class's 5)
    again = client.post(f"/api/v1/assessment/inspections/{mine.pk}/record/", body, format="json")
    assert again.status_code == 409
    finding = done.json()["findings"][0]["id"]
    registered = client.post(f"/api/v1/assessment/findings/{finding}/register/", {}, format="json")
    assert registered.status_code == 201 and Case.objects.get().number == registered.json()["number"]
    assert client.get("/api/v1/assessment/contractors/").status_code == 403  # not an inspector's business
    assert (
        client.post(
            "/api/v1/assessment/months/assess/", {"contractor": yard.contractor.pk, "month": "2026-11"}
        ).status_code
        == 403
    )


def test_a_supervisor_draws_assesses_and_filters(yard):
    client = api(yard.supervisor)
    drawn = client.post(
        "/api/v1/assessment/inspections/draw/",
        {"month": "2026-12", "inspectors": ["checker"], "per_contractor": 2, "seed": 1},
        format="json",
    )
    assert drawn.status_code == 201 and len(drawn.json()) == 2
    s.inspection_record(inspection=job(yard), actor=yard.inspector, at=datetime(2026, 11, 3, 10, tzinfo=SH))
    assessed = client.post(
        "/api/v1/assessment/months/assess/", {"contractor": yard.contractor.pk, "month": "2026-11"}
    )
    assert assessed.status_code == 200 and assessed.json()["grade"] == "优秀"
    assert client.get("/api/v1/assessment/months/", {"street": yard.street.code}).json()["count"] == 1
    assert client.get("/api/v1/assessment/months/", {"street": yard.other_street.code}).json()["count"] == 0
    assert (
        client.get("/api/v1/assessment/inspections/", {"state": "assigned", "month": "2026-12"}).json()[
            "count"
        ]
        == 2
    )
    streets = client.get("/api/v1/assessment/reports/streets/", {"month": "2026-11"}).json()
    assert streets == [
        {
            "street": yard.street.code,
            "street_name": "西于庄街",
            "inspections": 1,
            "score": "100.00",
            "findings": 0,
            "registered": 0,
            "rectification_cost": "0.00",
        }
    ]
    made = client.post(
        "/api/v1/assessment/rectifications/",
        {
            "contractor": yard.contractor.pk,
            "area": yard.road.pk,
            "done_on": "2026-11-20",
            "description": "代为清运",
            "cost": "500",
        },
    )
    assert made.status_code == 201 and made.json()["recorded_by"] == "boss"


@time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=SH), tick=True)
def test_the_pages_carry_out_an_inspection_and_show_the_month(yard, client):
    inspection = job(yard)
    client.force_login(yard.inspector)
    page = client.get(f"/assessment/inspections/{inspection.pk}/")
    assert page.status_code == 200 and "路面废弃物" in page.content.decode()
    # Each item's photo: the report page's 拍照 / 从相册或文件选择 buttons (issue #25), one photo per item.
    html = page.content.decode()
    litter = f"photo_{yard.items.litter.pk}"
    assert html.count(f'name="{litter}"') == 2 and "data-photo-single" in html and "从相册或文件选择" in html
    assert 'id="report-strings"' in html and "cityops/report.js" in html
    posted = client.post(
        f"/assessment/inspections/{inspection.pk}/",
        {
            f"count_{yard.items.litter.pk}": "1",
            f"photo_{yard.items.litter.pk}": photo(),
            "dust_g_0": "3",
            "dust_m2_0": "1",
        },
    )
    assert posted.status_code == 302
    inspection.refresh_from_db()
    assert inspection.score == D("98.00") and inspection.findings.get().photo
    assert "挂号为案件" in client.get(f"/assessment/inspections/{inspection.pk}/").content.decode()
    client.post(f"/assessment/findings/{inspection.findings.get().pk}/register/")
    assert Case.objects.get().photos.count() == 1
    assert client.get("/assessment/").status_code == 403  # the overview is for supervisors
    client.force_login(yard.supervisor)
    overview = client.get("/assessment/", {"month": "2026-11"}).content.decode()
    assert "津城环卫服务有限公司" in overview and "西于庄街" in overview and "98.00" in overview
    client.post(f"/assessment/contractors/{yard.contractor.pk}/assess/", {"month": "2026-11"})
    assert MonthlyAssessment.objects.get().grade == "优秀"


def test_monthly_report_sections_for_contractors_and_street_targets(yard):
    from kpi.reports import build_report

    StreetTarget.objects.create(street=yard.street, indicator="closure_rate", target_percent=D("95"))
    report = build_report("monthly", date(2026, 11, 15))
    keys = [section.key for section in report.sections]
    assert "contractors" in keys and "street_targets" in keys
    targets = next(section for section in report.sections if section.key == "street_targets")
    assert targets.rows[0]["street"] == "西于庄街" and targets.rows[0]["target"] == D("95")
    weekly = build_report("weekly", date(2026, 11, 15))
    assert "contractors" not in [section.key for section in weekly.sections]


def test_assigned_inspections_are_the_inspector_tasks_and_a_registered_case_shows_its_origin(yard):
    from cases.web.extensions import extra_tasks, panels_for

    mine = job(yard)
    tasks = [t for t in extra_tasks(yard.inspector) if t.kind == "随机抽查"]
    assert [t.url for t in tasks] == [f"/assessment/inspections/{mine.pk}/"]
    assert not [t for t in extra_tasks(yard.other_inspector) if t.kind == "随机抽查"]
    recorded = s.inspection_record(
        inspection=mine,
        actor=yard.inspector,
        findings=[s.FindingInput(yard.items.litter, 1, lng=117.2006, lat=39.0506)],
    )
    case = s.finding_register(finding=recorded.findings[0], actor=yard.inspector)
    panel = next(p for p in panels_for(case, yard.supervisor) if p["key"] == "assessment")
    assert panel["context"]["contractor"] == yard.contractor
