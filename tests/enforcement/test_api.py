"""/api/v1/enforcement/ (issue #20.5): filters, contacts kept private, refusals naming what is wrong."""

from datetime import timedelta

import pytest
from django.utils import timezone

from enforcement import services
from enforcement.models import Outcome
from tests.enforcement.conftest import dispatched

pytestmark = pytest.mark.django_db


def test_contacts_only_for_enforcement_staff(enf, api):
    api.force_authenticate(enf.officer)
    (row,) = api.get("/api/v1/enforcement/parties/", {"q": "烧烤"}).json()["results"]
    assert row["contact_phone"] == "13900000001"

    api.force_authenticate(enf.world.p.supervisor)
    (row,) = api.get("/api/v1/enforcement/parties/", {"q": "烧烤"}).json()["results"]
    assert "contact_phone" not in row and "contact_name" not in row
    assert row["credit_score"] == 100


@pytest.mark.parametrize("who", ["inspector", "department", "hotline"])
def test_roles_without_enforcement_work_see_no_parties(enf, api, who):
    api.force_authenticate(getattr(enf.world.p, who))
    assert api.get("/api/v1/enforcement/parties/").status_code == 403
    assert api.get("/api/v1/enforcement/outcomes/").status_code == 403


def test_a_case_from_report_to_penalty_through_the_api(enf, api):
    case = dispatched(enf)
    api.force_authenticate(enf.officer)
    assert (
        api.post(f"/api/v1/enforcement/cases/{case.pk}/party/confirm/", {}, format="json").status_code == 200
    )
    deadline = (timezone.localdate() + timedelta(days=2)).isoformat()
    order = api.post(
        "/api/v1/enforcement/outcomes/",
        {"case": case.pk, "kind": "rectification", "deadline": deadline, "number": "河西综执〔2026〕1号"},
        format="json",
    )
    assert order.status_code == 201, order.json()
    check = api.post(
        f"/api/v1/enforcement/outcomes/{order.json()['id']}/check/", {"rectified": False}, format="json"
    )
    assert check.json()["check_result"] == "not_rectified"

    duplicate = api.post(
        "/api/v1/enforcement/outcomes/",
        {
            "case": case.pk,
            "kind": "penalty",
            "legal_basis": "条例",
            "fine": "200",
            "number": "河西综执〔2026〕1号",
        },
        format="json",
    )
    assert (duplicate.status_code, duplicate.json()["field"]) == (400, "number")
    negative = api.post(
        "/api/v1/enforcement/outcomes/",
        {"case": case.pk, "kind": "penalty", "legal_basis": "条例", "fine": "-5"},
        format="json",
    )
    assert (negative.status_code, negative.json()["field"]) == (400, "fine")
    assert negative.json()["detail"] == "罚款金额不能为负数"
    penalty = api.post(
        "/api/v1/enforcement/outcomes/",
        {"case": case.pk, "kind": "penalty", "legal_basis": "条例第十条", "fine": "300"},
        format="json",
    )
    assert penalty.status_code == 201
    assert Outcome.objects.filter(case=case).count() == 2

    listed = api.get("/api/v1/enforcement/outcomes/", {"kind": "penalty", "street": enf.world.street.code})
    assert [o["fine"] for o in listed.json()["results"]] == ["300.00"]
    assert api.get("/api/v1/enforcement/outcomes/", {"unpaid": "true"}).json()["count"] == 1

    (total,) = api.get("/api/v1/enforcement/figures/").json()
    assert (total["orders"], total["penalties"], total["fines"], total["checks"]) == (1, 1, "300.00", 1)


def test_a_waiver_for_a_repeat_offender_is_409_and_saves_nothing(enf, api):
    first, second = dispatched(enf), dispatched(enf)
    for case in (first, second):
        services.case_party_confirm(case=case, actor=enf.officer)
    api.force_authenticate(enf.officer)
    refused = api.post("/api/v1/enforcement/outcomes/", {"case": second.pk, "kind": "waiver"}, format="json")
    assert refused.status_code == 409
    assert "不适用首违免罚" in refused.json()["detail"]
    assert not Outcome.objects.exists()


def test_someone_elses_department_gets_403(enf, api):
    case = dispatched(enf)
    api.force_authenticate(enf.world.p.department)
    answer = api.post(
        "/api/v1/enforcement/outcomes/",
        {"case": case.pk, "kind": "persuasion", "note": "劝导"},
        format="json",
    )
    assert answer.status_code == 403


def test_repeat_offenders_per_street(enf, api):
    for _ in range(2):
        services.case_party_confirm(case=dispatched(enf), actor=enf.officer)
    api.force_authenticate(enf.world.p.shift_leader)
    names = [
        p["name"]
        for p in api.get(
            "/api/v1/enforcement/parties/repeat-offenders/", {"street": enf.world.street.code}
        ).json()
    ]
    assert names == ["老王烧烤店"]
