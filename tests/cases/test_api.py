"""/api/v1/cases/: list with filters and paging, detail with timeline and allowed actions, reporting
(JSON and multipart), and the action endpoints with their status codes (STYLE: 409 state, 403 role or
scope, 400 input naming the field)."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from cases import services as s
from cases.errors import ActionForbidden, ActionRefused
from cases.models import Case, CaseEvent, CasePhoto
from cases.services import SERVICES
from cases.workflow import Action, Status, actions_from, transitions_for
from tests.cases.conftest import (
    ALL_ROLES,
    action_kwargs,
    case_in,
    hotline_report,
    persona,
    photo,
    report,
)
from tests.factories import CommunityFactory, GridFactory, StreetFactory, UserFactory

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")

CASES = "/api/v1/cases/"


def detail_url(case) -> str:
    return f"{CASES}{case.pk}/"


def action_url(case, action: str) -> str:
    return f"{CASES}{case.pk}/actions/{action}/"


def as_user(api, user):
    api.force_authenticate(user)
    return api


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["number"] for row in response.json()["results"]]


# ---------------------------------------------------------------- list


def test_list_filters_by_status_and_source(api, world):
    reported = report(world)
    filed = case_in(world, Status.PENDING_DISPATCH)
    ticket = hotline_report(world)
    api = as_user(api, world.p.operator)

    assert set(numbers(api.get(CASES, {"status": "reported"}))) == {reported.number, ticket.number}
    assert set(numbers(api.get(CASES + "?status=reported&status=pending_dispatch"))) == {
        reported.number,
        filed.number,
        ticket.number,
    }
    assert numbers(api.get(CASES, {"source": "hotline_12345"})) == [ticket.number]
    assert api.get(CASES, {"status": "nonsense"}).status_code == 400


def test_several_statuses_filter_as_one_in_list(api, world, django_assert_max_num_queries):
    """One `IN (…)`, which PostgreSQL reads from the status index; an OR of equalities it could only
    filter while walking the whole table in date order."""
    filing = case_in(world, Status.PENDING_FILING)
    closure = case_in(world, Status.PENDING_CLOSURE)
    report(world)
    api = as_user(api, world.p.shift_leader)
    with django_assert_max_num_queries(4) as captured:
        found = numbers(api.get(CASES + "?status=pending_filing&status=pending_closure&ordering=created_at"))
    assert found == [filing.number, closure.number]
    listing = next(q["sql"] for q in captured.captured_queries if "ORDER BY" in q["sql"])
    assert "IN (" in listing and " OR " not in listing


def test_list_filters_by_street_department_and_search(api, world):
    far_street = StreetFactory(district=world.street.district)
    GridFactory(community=CommunityFactory(street=far_street), west=117.25, south=39.05)
    far = report(world, where=(117.2505, 39.0505), description="人行道井盖破损")
    at_office = case_in(world, Status.IN_PROGRESS)
    at_other = case_in(world, Status.PENDING_DISPATCH)
    s.case_dispatch(case=at_other, actor=world.p.dispatcher, department=world.other_dept)
    addressed = report(world, address="友谊路 12 号门前")
    api = as_user(api, world.p.supervisor)

    assert numbers(api.get(CASES, {"street": far_street.code})) == [far.number]
    assert far.number not in numbers(api.get(CASES, {"street": world.street.code}))
    assert numbers(api.get(CASES, {"department": world.office.code})) == [at_office.number]
    assert numbers(api.get(CASES, {"department": world.other_dept.code})) == [at_other.number]
    assert numbers(api.get(CASES, {"q": "井盖"})) == [far.number]
    assert numbers(api.get(CASES, {"q": "友谊路"})) == [addressed.number]
    assert numbers(api.get(CASES, {"q": far.number})) == [far.number]


def test_list_filters_by_creation_date(api, world):
    old = report(world, at=timezone.now() - dt.timedelta(days=10))
    new = report(world)
    api = as_user(api, world.p.operator)
    since = (timezone.localdate() - dt.timedelta(days=2)).isoformat()
    assert numbers(api.get(CASES, {"created_after": since})) == [new.number]
    assert numbers(api.get(CASES, {"created_before": since})) == [old.number]


def test_list_is_newest_first_and_can_be_ordered(api, world):
    cases = [report(world, at=timezone.now() - dt.timedelta(hours=h)) for h in (3, 1, 2)]
    api = as_user(api, world.p.operator)
    by_time = [c.number for c in sorted(cases, key=lambda c: c.created_at, reverse=True)]
    assert numbers(api.get(CASES)) == by_time
    assert numbers(api.get(CASES, {"ordering": "created_at"})) == by_time[::-1]
    assert numbers(api.get(CASES, {"ordering": "number"})) == sorted(c.number for c in cases)
    assert numbers(api.get(CASES, {"ordering": "-number"})) == sorted((c.number for c in cases), reverse=True)


def test_list_is_paginated(api, world):
    for _ in range(53):
        report(world)
    api = as_user(api, world.p.operator)
    first = api.get(CASES).json()
    assert first["count"] == 53 and len(first["results"]) == 50 and first["next"]
    second = api.get(first["next"]).json()
    assert len(second["results"]) == 3 and second["next"] is None
    seen = [r["number"] for r in first["results"] + second["results"]]
    assert len(set(seen)) == 53
    assert api.get(CASES, {"page": 3}).status_code == 404


def test_department_staff_list_only_their_departments_cases(api, world):
    mine = case_in(world, Status.IN_PROGRESS)
    report(world)
    theirs = case_in(world, Status.PENDING_DISPATCH)
    s.case_dispatch(case=theirs, actor=world.p.dispatcher, department=world.other_dept)
    assert numbers(as_user(api, world.p.department).get(CASES)) == [mine.number]
    assert numbers(as_user(api, world.p.other_department).get(CASES)) == [theirs.number]
    # Another department's case is not there at all, not even by id.
    assert api.get(detail_url(mine)).status_code == 404


def test_inspectors_list_their_grids_and_their_own_reports(api, world):
    p = world.p
    in_my_grid = report(world, p.other_inspector)  # reported by someone else, in insp's grid
    mine_elsewhere = report(world, p.inspector, where=world.other_inside)
    report(world, p.other_inspector, where=world.other_inside)
    assert set(numbers(as_user(api, p.inspector).get(CASES))) == {in_my_grid.number, mine_elsewhere.number}


def test_the_list_needs_a_signed_in_user(api, world):
    assert api.get(CASES).status_code == 401


# ---------------------------------------------------------------- detail


def test_detail_shows_the_timeline_photos_and_ledger(api, world):
    case = case_in(world, Status.PENDING_CHECK, pending="void")
    body = as_user(api, world.p.shift_leader).get(detail_url(case)).json()

    assert body["number"] == case.number and body["status"] == "pending_check"
    assert body["status_label"] == "待核查"
    assert [e["action"] for e in body["events"]] == [
        "report",
        "accept",
        "file",
        "dispatch",
        "submit_feedback",
        "request_void",
    ]
    dispatch = body["events"][3]
    assert (
        dispatch["action_label"],
        dispatch["from_status"],
        dispatch["to_status"],
        dispatch["actor_role"],
    ) == (
        "派遣",
        "pending_dispatch",
        "in_progress",
        "dispatcher",
    )
    assert dispatch["actor"] == (world.p.dispatcher.get_full_name() or world.p.dispatcher.username)
    assert [(ph["stage"], ph["width"], ph["height"]) for ph in body["photos"]] == [("feedback", 64, 48)]
    assert body["photos"][0]["image"] and body["photos"][0]["thumbnail"]
    assert [(r["kind"], r["state"], r["requested_by"], r["decided_by"]) for r in body["requests"]] == [
        ("void", "pending", "op", None)
    ]
    assert body["department"]["code"] == world.office.code
    assert body["allowed_actions"] == ["approve_void", "deny_void"]


def _accepts(world, case, action: str, user) -> bool:
    """Does the service accept `action` from `user` now? Tried in a savepoint that is always rolled back."""

    class Undo(Exception):
        pass

    outcome = next(t.outcome for t in transitions_for(action) if case.status in t.sources)
    try:
        with transaction.atomic():
            SERVICES[Action(action)](case=case.pk, actor=user, **action_kwargs(world, action, outcome))
            raise Undo
    except Undo:
        return True
    except (ActionRefused, ActionForbidden):
        return False


SITUATIONS = [(status, None) for status in Status] + [
    (Status.IN_PROGRESS, "return"),
    (Status.IN_PROGRESS, "extension"),
    (Status.IN_PROGRESS, "suspension"),
    (Status.PENDING_DISPATCH, "void"),
]


@pytest.mark.parametrize(
    ("status", "pending"), SITUATIONS, ids=[f"{s}+{p}" if p else s for s, p in SITUATIONS]
)
def test_allowed_actions_are_exactly_what_the_services_accept(api, world, status, pending):
    case = case_in(world, status, pending=pending)
    for role in ALL_ROLES:
        user = persona(world, role)
        response = as_user(api, user).get(detail_url(case))
        accepted = [a for a in actions_from(status) if a != Action.REPORT and _accepts(world, case, a, user)]
        if response.status_code == 404:  # not visible to this user: then nothing may be accepted either
            assert accepted == [], (role, accepted)
            continue
        assert response.json()["allowed_actions"] == accepted, role


def test_allowed_actions_do_not_offer_accept_on_a_hotline_case(api, world):
    case = hotline_report(world)
    body = as_user(api, world.p.operator).get(detail_url(case)).json()
    assert _accepts(world, case, "accept", world.p.operator) is False
    assert "accept" not in body["allowed_actions"]


def test_allowed_actions_do_not_offer_approving_ones_own_request(api, world):
    both = UserFactory(username="lead_op", roles=["shift_leader", "operator"])
    case = case_in(world, Status.PENDING_FILING)
    s.case_request_void(case=case, actor=both, reason="重复录入")
    body = as_user(api, both).get(detail_url(case)).json()
    assert _accepts(world, case, "approve_void", both) is False
    assert "approve_void" not in body["allowed_actions"]
    assert "deny_void" not in body["allowed_actions"]


def test_the_callers_phone_is_shown_to_the_centre_but_not_to_the_department(api, world):
    p = world.p
    case = hotline_report(world, reporter_name="李女士", reporter_phone="13912345678")
    s.case_send_verify(case=case, actor=p.operator)
    s.case_verify(case=case, actor=p.inspector, confirmed=True, photos=[photo()])
    s.case_file(case=case, actor=p.shift_leader)
    s.case_dispatch(case=case, actor=p.dispatcher, department=world.office)

    seen = as_user(api, p.operator).get(detail_url(case)).json()
    # `earlier_calls`: the caller's calls before this case (repeat callers); this is the first.
    assert seen["caller"] == {"name": "李女士", "phone": "13912345678", "earlier_calls": 0}

    response = as_user(api, p.department).get(detail_url(case))
    assert response.status_code == 200
    assert response.json()["caller"] is None
    assert "13912345678" not in response.content.decode()
    assert "李女士" not in response.content.decode()
    listed = as_user(api, p.department).get(CASES)
    assert "13912345678" not in listed.content.decode()


# ---------------------------------------------------------------- reporting


def _report_body(world, **extra) -> dict:
    return {
        "category": world.event_cat.pk,
        "lng": world.inside[0],
        "lat": world.inside[1],
        "description": "路边有暴露垃圾",
        "address": "友谊路 12 号",
        **extra,
    }


def test_report_as_json(api, world):
    response = as_user(api, world.p.inspector).post(
        CASES, _report_body(world, status="closed"), format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["source"], body["grid"]) == ("reported", "inspector", world.grid.code)
    assert body["events"][0]["action"] == "report"
    assert Case.objects.get(number=body["number"]).status == "reported"  # `status` in the body is ignored


def test_a_report_saved_but_not_readable_back_says_saved_not_failed(api, world, monkeypatch):
    """The database goes away between the report's commit and the answer's reads (the answer is made
    from the rows the report wrote, but still asks the working calendar): 503 (come back later) that
    says the report is in, so the phone does not send it a second time."""
    from django.db import OperationalError

    from cases import serializers

    monkeypatch.setattr(
        serializers, "get_calendar", _raises(OperationalError("server closed the connection"))
    )
    response = as_user(api, world.p.inspector).post(CASES, _report_body(world), format="json")
    assert response.status_code == 503 and response["Retry-After"]
    body = response.json()
    assert body["saved"] is True and body["status"] == "reported"
    assert Case.objects.get(pk=body["id"]).number == body["number"]


def test_an_action_saved_but_not_readable_back_says_saved(api, world, monkeypatch):
    from django.db import InterfaceError

    from cases import selectors

    case = report(world)
    monkeypatch.setattr(selectors, "case_detail", _raises(InterfaceError("connection already closed")))
    response = as_user(api, world.p.operator).post(action_url(case, "accept"), {}, format="json")
    assert response.status_code == 503
    assert response.json()["saved"] is True and response.json()["status"] == "pending_filing"
    case.refresh_from_db()
    assert case.status == "pending_filing" and case.events.filter(action="accept").count() == 1
    # The client that retries anyway is told the accept already happened, and nothing doubles.
    monkeypatch.undo()
    again = as_user(api, world.p.operator).post(action_url(case, "accept"), {}, format="json")
    assert again.status_code == 409
    assert case.events.filter(action="accept").count() == 1


def test_a_report_sent_again_with_its_idempotency_key_is_saved_once(api, world):
    """The phone's answer was lost on a bad connection and it sends the same report again, with the same
    Idempotency-Key: the first case comes back (200, marked a replay) and nothing is written twice."""
    client = as_user(api, world.p.inspector)
    body = _report_body(world, photos=[photo("a.jpg")])
    first = client.post(CASES, body, format="multipart", headers={"Idempotency-Key": "r-2026-0001"})
    assert first.status_code == 201, first.content
    body = _report_body(world, photos=[photo("a.jpg")])
    again = client.post(CASES, body, format="multipart", headers={"Idempotency-Key": "r-2026-0001"})
    assert again.status_code == 200, again.content
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"] and again.json()["number"] == first.json()["number"]
    case = Case.objects.get()
    assert case.events.count() == 1 and case.photos.count() == 1
    # Another report (another key, or none) is another case; another reporter's key is theirs alone.
    assert client.post(CASES, _report_body(world), format="json").status_code == 201
    other = as_user(api, world.p.other_inspector)
    response = other.post(
        CASES, _report_body(world), format="json", headers={"Idempotency-Key": "r-2026-0001"}
    )
    assert response.status_code == 201, response.content
    assert Case.objects.count() == 3


def test_a_malformed_idempotency_key_is_400_naming_the_header(api, world):
    response = as_user(api, world.p.inspector).post(
        CASES, _report_body(world), format="json", headers={"Idempotency-Key": "no spaces; please" + "x" * 60}
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in str(response.json())
    assert not Case.objects.exists()


def test_a_resubmission_racing_the_first_loses_on_the_constraint_and_gets_the_first_case(world, monkeypatch):
    """Two deliveries of one report at once: both pass the look-up before either commits; the unique
    constraint stops the second, which is answered with the first case."""
    first = s.case_report(
        actor=world.p.inspector, category=world.event_cat.pk, lng=world.inside[0], lat=world.inside[1],
        description="井盖破损", submission_key="same-key",
    )  # fmt: skip
    from cases.errors import AlreadySubmitted
    from cases.services import report as reporting  # the private look-up lives in the report module

    calls = []
    real = reporting._refuse_resubmission

    def once_blind(actor, key):
        calls.append(key)
        if len(calls) > 1:  # the first look-up sees nothing (as before the other commits); then the real one
            return real(actor, key)

    monkeypatch.setattr(reporting, "_refuse_resubmission", once_blind)
    with pytest.raises(AlreadySubmitted) as replay:
        s.case_report(
            actor=world.p.inspector, category=world.event_cat.pk, lng=world.inside[0], lat=world.inside[1],
            description="井盖破损", submission_key="same-key",
        )  # fmt: skip
    assert replay.value.case == first and calls == ["same-key", "same-key"]
    assert Case.objects.count() == 1


def _raises(error):
    def fail(*args, **kwargs):
        raise error

    return fail


def test_report_as_multipart_with_photos(api, world):
    body = _report_body(world, photos=[photo("a.jpg"), photo("b.png", fmt="PNG")])
    response = as_user(api, world.p.inspector).post(CASES, body, format="multipart")
    assert response.status_code == 201, response.content
    photos = response.json()["photos"]
    assert [p["stage"] for p in photos] == ["report", "report"]
    assert CasePhoto.objects.filter(case__number=response.json()["number"]).count() == 2


def test_self_resolved_report_as_multipart(api, world):
    body = _report_body(world, self_resolved="true", photos=[photo()], after_photos=[photo()])
    response = as_user(api, world.p.inspector).post(CASES, body, format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "pending_closure"
    assert sorted(p["stage"] for p in response.json()["photos"]) == ["feedback", "report"]


def test_a_hotline_report_over_the_api(api, world):
    body = _report_body(world, hotline_ticket_no="12345-0001", reporter_phone="13800000000")
    response = as_user(api, world.p.hotline).post(CASES, body, format="json")
    assert response.status_code == 201
    assert response.json()["source"] == "hotline_12345"
    again = api.post(CASES, body, format="json")
    assert again.status_code == 409
    assert response.json()["number"] in again.json()["detail"]


def test_a_position_outside_the_grids_is_400_naming_lng(api, world):
    response = as_user(api, world.p.inspector).post(
        CASES, _report_body(world, lng=116.0, lat=38.0), format="json"
    )
    assert response.status_code == 400
    assert "lng" in response.json()
    assert not Case.objects.exists()


def test_a_non_image_photo_is_400_naming_photos_and_saves_nothing(api, world, media_root):
    fake = SimpleUploadedFile("scene.jpg", b"%PDF-1.4 not really a picture", content_type="image/jpeg")
    body = _report_body(world, photos=[photo(), fake])
    response = as_user(api, world.p.inspector).post(CASES, body, format="multipart")
    assert response.status_code == 400
    assert "photos" in response.json()
    assert "scene.jpg" in response.json()["detail"]
    assert not Case.objects.exists() and not CasePhoto.objects.exists() and not CaseEvent.objects.exists()
    assert not media_root.exists() or not any(f.is_file() for f in media_root.rglob("*"))


def test_report_with_missing_fields_is_400_naming_them(api, world):
    response = as_user(api, world.p.inspector).post(CASES, {"lng": 117.2}, format="json")
    assert response.status_code == 400
    assert {"category", "lat", "description"} <= set(response.json())


def test_a_role_that_may_not_report_gets_403(api, world):
    response = as_user(api, world.p.dispatcher).post(CASES, _report_body(world), format="json")
    assert response.status_code == 403
    assert not Case.objects.exists()


# ---------------------------------------------------------------- actions


def test_an_action_returns_the_updated_case(api, world):
    case = report(world)
    response = as_user(api, world.p.operator).post(
        action_url(case, "accept"), {"note": "受理", "status": "closed"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "pending_filing"
    assert body["events"][-1]["action"] == "accept" and body["events"][-1]["note"] == "受理"
    assert body["allowed_actions"] == ["request_void"]


def test_an_action_with_prefer_return_minimal_answers_with_the_short_case(
    api, world, django_assert_max_num_queries
):
    """RFC 7240: a desk that reloads its queue next asks for the short answer and is spared the case
    detail's read-back (its history, steps, photos, ledger)."""
    case = report(world)
    api = as_user(api, world.p.operator)
    with django_assert_max_num_queries(20) as captured:
        response = api.post(action_url(case, "accept"), {}, format="json", HTTP_PREFER="return=minimal")
    assert response.status_code == 200, response.content
    assert response["Preference-Applied"] == "return=minimal"
    body = response.json()
    assert set(body) == {"id", "number", "status", "status_label", "updated_at"}
    assert (body["id"], body["number"], body["status"]) == (case.pk, case.number, "pending_filing")
    assert body["status_label"] == "待立案"
    assert not any("cases_casephoto" in q["sql"] for q in captured.captured_queries)  # no read-back
    assert Case.objects.get(pk=case.pk).status == "pending_filing"


@pytest.mark.parametrize("prefer", ["", "return=representation", "respond-async, wait=5"])
def test_without_return_minimal_an_action_answers_with_the_full_case(api, world, prefer):
    case = report(world)
    extra = {"HTTP_PREFER": prefer} if prefer else {}
    response = as_user(api, world.p.operator).post(action_url(case, "accept"), {}, format="json", **extra)
    assert response.status_code == 200, response.content
    assert "Preference-Applied" not in response
    assert response.json()["events"][-1]["action"] == "accept"


def test_a_report_with_prefer_return_minimal_gets_its_number_and_status(api, world):
    response = as_user(api, world.p.inspector).post(
        CASES, _report_body(world), format="json", HTTP_PREFER='handling=lenient; x=1, return = "minimal"'
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Preference-Applied"] == "return=minimal"
    assert Case.objects.get(pk=body["id"]).number == body["number"] and body["status"] == "reported"


def test_dispatch_over_the_api_with_co_departments(api, world):
    case = case_in(world, Status.PENDING_DISPATCH)
    response = as_user(api, world.p.dispatcher).post(
        action_url(case, "dispatch"),
        {"department": world.office.pk, "co_departments": [world.other_dept.pk]},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "in_progress" and body["department"]["id"] == world.office.pk
    assert [d["id"] for d in body["co_departments"]] == [world.other_dept.pk]


def test_verify_over_the_api_with_a_photo(api, world):
    case = case_in(world, Status.VERIFYING)
    response = as_user(api, world.p.inspector).post(
        action_url(case, "verify"), {"confirmed": "true", "photos": [photo()]}, format="multipart"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "pending_filing"
    assert [p["stage"] for p in response.json()["photos"]] == ["verify"]


def test_an_action_in_the_wrong_state_is_409_with_a_readable_reason(api, world):
    case = case_in(world, Status.CLOSED)
    response = as_user(api, world.p.dispatcher).post(action_url(case, "dispatch"), {}, format="json")
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert case.number in detail and "已结案" in detail and "派遣" in detail
    assert Case.objects.get(pk=case.pk).status == "closed"


def test_an_action_by_the_wrong_role_is_403(api, world):
    case = report(world)
    response = as_user(api, world.p.inspector).post(action_url(case, "accept"), {}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"]
    assert Case.objects.get(pk=case.pk).status == "reported"


def test_department_staff_on_another_departments_case_get_403(api, world):
    case = case_in(world, Status.IN_PROGRESS)
    before = CaseEvent.objects.filter(case=case).count()
    response = as_user(api, world.p.other_department).post(
        action_url(case, "request_return"), {"reason": "不属于本单位"}, format="json"
    )
    assert response.status_code == 403
    assert CaseEvent.objects.filter(case=case).count() == before


@pytest.mark.parametrize(
    ("action", "status", "role", "body", "field"),
    [
        ("dispatch", Status.PENDING_DISPATCH, "dispatcher", {"department": 999999}, "department"),
        ("dispatch", Status.PENDING_DISPATCH, "dispatcher", {"department": "abc"}, "department"),
        ("request_extension", Status.IN_PROGRESS, "department", {"reason": "需要时间"}, "hours"),
        ("request_extension", Status.IN_PROGRESS, "department", {"reason": "需要时间", "hours": 0}, "hours"),
        ("reject", Status.REPORTED, "operator", {"reason": "because"}, "reason"),
        ("reject", Status.REPORTED, "operator", {"reason": "duplicate"}, "duplicate_of"),
        ("check", Status.PENDING_CHECK, "inspector", {"passed": True}, "photos"),
        ("check", Status.PENDING_CHECK, "inspector", {}, "passed"),
        ("callback", Status.CLOSED, "hotline", {"satisfaction": "great"}, "satisfaction"),
        ("refuse_filing", Status.PENDING_FILING, "shift_leader", {}, "reason"),
        ("supervise", Status.IN_PROGRESS, "supervisor", {"note": ""}, "note"),
    ],
)
def test_bad_action_input_is_400_naming_the_field(api, world, action, status, role, body, field):
    case = case_in(world, status)
    before = CaseEvent.objects.filter(case=case).count()
    response = as_user(api, persona(world, role)).post(action_url(case, action), body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert CaseEvent.objects.filter(case=case).count() == before
    assert Case.objects.get(pk=case.pk).status == status


def test_an_unknown_action_is_404(api, world):
    case = report(world)
    response = as_user(api, world.p.operator).post(action_url(case, "teleport"), {}, format="json")
    assert response.status_code == 404
    assert api.post(action_url(case, "report"), {}, format="json").status_code == 404


def test_an_action_on_a_missing_case_is_404(api, world):
    response = as_user(api, world.p.operator).post(f"{CASES}999999/actions/accept/", {}, format="json")
    assert response.status_code == 404


@pytest.mark.parametrize("method", ["patch", "put", "delete"])
def test_the_case_itself_cannot_be_edited(api, world, method):
    case = report(world)
    response = getattr(as_user(api, world.p.supervisor), method)(
        detail_url(case), {"status": "closed"}, format="json"
    )
    assert response.status_code == 405
    assert Case.objects.get(pk=case.pk).status == "reported"
