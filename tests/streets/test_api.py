"""/api/v1/streets/… (docs/domain.md §13): a street 二级派遣 to a community and back, a 提级 taken by the
district, the scope of each role, and refusals that name the problem."""

import pytest
from rest_framework.test import APIClient

from cases.models import CaseEvent
from cases.workflow import Status
from streets.models import Escalation, SubDispatch
from tests.cases.conftest import case_in, photo

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_sub_dispatch_to_a_community_and_back(world, streets):
    case = case_in(world, Status.IN_PROGRESS)
    street = _client(world.p.street_dispatcher)

    created = street.post(
        "/api/v1/streets/sub-dispatches/",
        {"case": case.pk, "unit": streets.community.pk, "hours": "2", "note": "请清理"},
        format="json",
    )
    assert created.status_code == 201, created.content
    sub = created.json()
    assert sub["state"] == "dispatched" and sub["unit_name"] == "友谊社区居委会"

    unit = _client(streets.community_user)
    listed = unit.get("/api/v1/streets/sub-dispatches/", {"state": "dispatched"}).json()
    assert [r["id"] for r in listed["results"]] == [sub["id"]]
    reported = unit.post(
        f"/api/v1/streets/sub-dispatches/{sub['id']}/report/",
        {"note": "已清理", "photos": [photo()]},
        format="multipart",
    )
    assert reported.status_code == 200, reported.content
    assert reported.json()["state"] == "reported"

    accepted = street.post(f"/api/v1/streets/sub-dispatches/{sub['id']}/accept/", {}, format="json")
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    timeline = _client(world.p.street_leader).get(f"/api/v1/cases/{case.pk}/").json()
    labels = [e["action_label"] for e in timeline["events"]]
    assert labels[-3:] == ["二级派遣", "单位反馈", "街道验收通过"]


def test_a_deadline_past_the_streets_is_a_400_naming_hours(world, streets):
    case = case_in(world, Status.IN_PROGRESS)
    answer = _client(world.p.street_dispatcher).post(
        "/api/v1/streets/sub-dispatches/",
        {"case": case.pk, "unit": streets.community.pk, "hours": "150"},
        format="json",
    )
    assert answer.status_code == 400
    assert answer.json()["field"] == "hours" and "晚于街道的期限" in answer.json()["detail"]
    assert not SubDispatch.objects.exists()


def test_a_unit_sees_only_its_own_tasks_and_a_street_only_its_own(world, streets):
    case = case_in(world, Status.IN_PROGRESS)
    _client(world.p.street_dispatcher).post(
        "/api/v1/streets/sub-dispatches/",
        {"case": case.pk, "unit": streets.community.pk, "hours": "1"},
        format="json",
    )
    sub = SubDispatch.objects.get()
    assert _client(streets.contractor_user).get("/api/v1/streets/sub-dispatches/").json()["count"] == 0
    assert _client(streets.other_dispatcher).get("/api/v1/streets/sub-dispatches/").json()["count"] == 0
    assert (
        _client(streets.contractor_user).get(f"/api/v1/streets/sub-dispatches/{sub.pk}/").status_code == 404
    )
    refused = _client(streets.contractor_user).post(
        f"/api/v1/streets/sub-dispatches/{sub.pk}/report/", {}, format="json"
    )
    assert refused.status_code == 404
    units = _client(streets.other_dispatcher).get("/api/v1/streets/units/").json()
    assert [u["name"] for u in units["results"]] == ["别街社区"]
    assert _client(world.p.inspector).get("/api/v1/streets/units/").status_code == 403


def test_another_streets_dispatcher_cannot_see_or_dispatch_the_case(world, streets):
    case = case_in(world, Status.IN_PROGRESS)
    other = _client(streets.other_dispatcher)
    assert other.get(f"/api/v1/cases/{case.pk}/").status_code == 404
    assert case.number not in [c["number"] for c in other.get("/api/v1/cases/").json()["results"]]
    mine = _client(world.p.street_dispatcher)
    assert mine.get(f"/api/v1/cases/{case.pk}/").status_code == 200
    answer = other.post(
        "/api/v1/streets/sub-dispatches/",
        {"case": case.pk, "unit": streets.elsewhere.pk, "hours": "1"},
        format="json",
    )
    assert answer.status_code == 403
    assert not SubDispatch.objects.exists()


def test_escalation_is_seen_and_taken_by_the_district(world, streets):
    case = case_in(world, Status.IN_PROGRESS)
    raised = _client(world.p.street_leader).post(
        "/api/v1/streets/escalations/", {"case": case.pk, "reason": "违建，需区执法局"}, format="json"
    )
    assert raised.status_code == 201, raised.content
    pk = raised.json()["id"]
    queue = _client(world.p.dispatcher).get("/api/v1/streets/escalations/", {"state": "pending"}).json()
    assert [r["case_number"] for r in queue["results"]] == [case.number]
    assert _client(streets.other_dispatcher).get("/api/v1/streets/escalations/").json()["count"] == 0

    again = _client(world.p.street_dispatcher).post(
        "/api/v1/streets/escalations/", {"case": case.pk, "reason": "再提"}, format="json"
    )
    assert again.status_code == 409
    assert (
        _client(world.p.street_dispatcher).post(f"/api/v1/streets/escalations/{pk}/take/").status_code == 403
    )
    taken = _client(world.p.shift_leader).post(f"/api/v1/streets/escalations/{pk}/take/", {"note": "收回"})
    assert taken.status_code == 200 and taken.json()["state"] == "taken"
    assert Escalation.objects.get().taken_by == world.p.shift_leader
    assert CaseEvent.objects.filter(case=case, action="escalation_taken").count() == 1
    case.refresh_from_db()
    assert case.status == Status.PENDING_DISPATCH


def test_an_escalation_returned_by_the_district_or_withdrawn_by_the_street(world, streets):
    case = case_in(world, Status.IN_PROGRESS)
    street = _client(world.p.street_dispatcher)
    pk = street.post(
        "/api/v1/streets/escalations/", {"case": case.pk, "reason": "需协调"}, format="json"
    ).json()["id"]
    district = _client(world.p.dispatcher)
    blank = district.post(f"/api/v1/streets/escalations/{pk}/return/", {"note": ""}, format="json")
    assert blank.status_code == 400 and blank.json()["field"] == "note"
    assert street.post(f"/api/v1/streets/escalations/{pk}/return/", {"note": "x"}).status_code == 403
    returned = district.post(f"/api/v1/streets/escalations/{pk}/return/", {"note": "街道职责"}, format="json")
    assert returned.status_code == 200 and returned.json()["state"] == "returned"
    assert returned.json()["note"] == "街道职责"

    pk = street.post(
        "/api/v1/streets/escalations/", {"case": case.pk, "reason": "再提"}, format="json"
    ).json()["id"]
    assert district.post(f"/api/v1/streets/escalations/{pk}/withdraw/").status_code == 403
    assert (
        _client(streets.other_dispatcher).post(f"/api/v1/streets/escalations/{pk}/withdraw/").status_code
        == 404
    )
    withdrawn = street.post(f"/api/v1/streets/escalations/{pk}/withdraw/", {"note": "已解决"}, format="json")
    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "withdrawn"
    assert street.post(f"/api/v1/streets/escalations/{pk}/withdraw/").status_code == 409
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    assert list(
        CaseEvent.objects.filter(case=case, action__startswith="escalat")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["escalate", "escalation_returned", "escalate", "escalation_withdrawn"]


def test_a_missing_reason_is_a_400(world, streets):
    case = case_in(world, Status.IN_PROGRESS)
    answer = _client(world.p.street_leader).post(
        "/api/v1/streets/escalations/", {"case": case.pk, "reason": "   "}, format="json"
    )
    assert answer.status_code == 400 and "reason" in answer.json()


def test_assist_through_the_api(world):
    case = case_in(world, Status.IN_PROGRESS)
    case.co_departments.add(world.other_dept)
    client = _client(world.p.other_department)
    answer = client.post("/api/v1/streets/assist/", {"case": case.pk, "note": "已配合"}, format="json")
    assert answer.status_code == 201
    assert CaseEvent.objects.get(pk=answer.json()["event"]).action == "assist"
    refused = _client(world.p.department).post(
        "/api/v1/streets/assist/", {"case": case.pk, "note": "不是协办"}, format="json"
    )
    assert refused.status_code == 403


def test_filters(world, streets):
    case = case_in(world, Status.IN_PROGRESS)
    client = _client(world.p.street_dispatcher)
    client.post(
        "/api/v1/streets/sub-dispatches/",
        {"case": case.pk, "unit": streets.community.pk, "hours": "1"},
        format="json",
    )
    assert client.get("/api/v1/streets/sub-dispatches/", {"unit": streets.contractor.pk}).json()["count"] == 0
    assert client.get("/api/v1/streets/sub-dispatches/", {"unit": streets.community.pk}).json()["count"] == 1
    assert client.get("/api/v1/streets/sub-dispatches/", {"overdue": "true"}).json()["count"] == 0
    assert client.get("/api/v1/streets/units/", {"kind": "contractor"}).json()["count"] == 1
