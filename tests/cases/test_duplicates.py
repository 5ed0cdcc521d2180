"""Suspected duplicates: found for every new case, listed per case, confirmed as 不予受理 or dismissed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.intake import duplicates
from cases.models import Case, DuplicateSuspect
from cases.workflow import Status
from dispatch.models import Category
from tests.cases.conftest import case_in, report
from tests.factories import CategoryFactory

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")

LAT = 39.0505
WEST, MIDDLE, EAST = (117.2001, LAT), (117.2005, LAT), (117.2008, LAT)  # W–M 34.6 m, W–E 60.5 m


def test_distances_of_the_fixture_points():
    assert 34 < duplicates.distance_m(*WEST, *MIDDLE) < 35
    assert 60 < duplicates.distance_m(*WEST, *EAST) < 61


def test_a_new_case_within_50_m_links_the_older_one(world, django_capture_on_commit_callbacks):
    original = report(world, where=WEST)
    with django_capture_on_commit_callbacks(execute=True):  # case_report searches after its commit
        new = report(world, where=MIDDLE)
    (suspect,) = DuplicateSuspect.objects.all()
    assert (suspect.case, suspect.original, suspect.state) == (new, original, "suspected")
    assert 34 < suspect.distance_m < 35
    assert duplicates.find_suspects(new) and DuplicateSuspect.objects.count() == 1  # twice adds nothing
    assert not DuplicateSuspect.objects.filter(case=original).exists()  # linked newer → older only


def test_nothing_beyond_the_radius_or_of_another_category(world):
    report(world, where=WEST)
    other = CategoryFactory(
        kind=Category.Kind.EVENT, major_code="06", major_name="市容环境类", name="道路不洁"
    )
    assert duplicates.find_suspects(report(world, where=EAST)) == []
    assert duplicates.find_suspects(report(world, where=MIDDLE, category=other)) == []


def test_same_major_category_when_configured(world, settings):
    report(world, where=WEST)
    other = CategoryFactory(
        kind=Category.Kind.EVENT, major_code="06", major_name="市容环境类", name="道路不洁"
    )
    settings.DUPLICATE_MATCH = "major"
    assert len(duplicates.find_suspects(report(world, where=MIDDLE, category=other))) == 1


def test_closed_counts_for_7_days_rejected_never(world):
    recent, old = case_in(world, Status.CLOSED), case_in(world, Status.CLOSED)
    rejected = case_in(world, Status.REJECTED)
    now = timezone.now()
    Case.objects.filter(pk=recent.pk).update(closed_at=now - timedelta(days=6))
    Case.objects.filter(pk=old.pk).update(closed_at=now - timedelta(days=8))
    found = {s.original_id for s in duplicates.find_suspects(report(world))}
    assert recent.pk in found and old.pk not in found and rejected.pk not in found


def test_the_radius_and_window_are_settings(world, settings):
    west = report(world, where=WEST)
    assert duplicates.find_suspects(report(world, where=EAST)) == []  # 60.5 m: beyond the default 50
    settings.DUPLICATE_RADIUS_M = 70
    assert west.pk in {s.original_id for s in duplicates.find_suspects(report(world, where=EAST))}

    # The window: a case closed 4 days ago is outside a 3-day window and inside a 5-day one.
    closed = case_in(world, Status.CLOSED)
    Case.objects.filter(pk=closed.pk).update(closed_at=timezone.now() - timedelta(days=4))
    settings.DUPLICATE_WINDOW_DAYS = 3
    assert closed.pk not in {s.original_id for s in duplicates.find_suspects(report(world))}
    settings.DUPLICATE_WINDOW_DAYS = 5
    assert closed.pk in {s.original_id for s in duplicates.find_suspects(report(world))}


def test_hot_spots_link_only_the_nearest_few(world, settings):
    settings.DUPLICATE_MAX_SUSPECTS = 3
    for _ in range(6):
        report(world, where=WEST)
    assert len(duplicates.find_suspects(report(world, where=WEST))) == 3


def test_operator_lists_and_confirms_a_duplicate(api, world):
    original = report(world, where=WEST)
    new = report(world, where=MIDDLE)
    duplicates.find_suspects(new)
    api.force_authenticate(world.p.operator)
    listing = api.get(f"/api/v1/cases/{new.pk}/suspects/").json()
    (row,) = listing["results"]
    assert row["original"]["number"] == original.number and row["state"] == "suspected"

    api.force_authenticate(world.p.department)  # not the department's case, nor its decision
    assert api.get(f"/api/v1/cases/{new.pk}/suspects/").status_code == 403

    api.force_authenticate(world.p.operator)
    response = api.post(f"/api/v1/cases/{new.pk}/suspects/{row['id']}/confirm/", {}, format="json")
    assert response.status_code == 200, response.content
    new.refresh_from_db()
    assert (new.status, new.reject_reason, new.duplicate_of) == (Status.REJECTED, "duplicate", original)
    suspect = DuplicateSuspect.objects.get()
    assert suspect.state == "confirmed" and suspect.decided_by == world.p.operator and suspect.decided_at
    again = api.post(f"/api/v1/cases/{new.pk}/suspects/{row['id']}/confirm/", {}, format="json")
    assert again.status_code == 409


def test_dismissing_keeps_the_case_going_and_others_may_not_decide(api, world):
    report(world, where=WEST)
    new = report(world, where=MIDDLE)
    (suspect,) = duplicates.find_suspects(new)
    suspect = DuplicateSuspect.objects.get()
    api.force_authenticate(world.p.hotline)
    assert api.post(f"/api/v1/cases/{new.pk}/suspects/{suspect.pk}/dismiss/").status_code == 403
    api.force_authenticate(world.p.shift_leader)
    assert api.post(f"/api/v1/cases/{new.pk}/suspects/{suspect.pk}/dismiss/").json()["state"] == "dismissed"
    assert Case.objects.get(pk=new.pk).status == Status.REPORTED


def test_a_failing_search_never_fails_the_report(world, monkeypatch):
    monkeypatch.setattr(duplicates, "find_suspects", lambda case: 1 / 0)
    case = report(world)
    assert Case.objects.get(pk=case.pk).number == case.number  # saved, with its number


def test_rejecting_as_a_duplicate_through_the_api_settles_the_suspect(api, world):
    """The rule lives in case_reject: the API's reject settles the pair as the page's does, so the pair
    is not left open for ever and a later 确认重复 is told it is already settled."""
    original = report(world, where=WEST)
    new = report(world, where=MIDDLE)
    (suspect,) = duplicates.find_suspects(new)
    api.force_authenticate(world.p.operator)

    response = api.post(
        f"/api/v1/cases/{new.pk}/actions/reject/",
        {"reason": "duplicate", "duplicate_of": original.pk},
        format="json",
    )

    assert response.status_code == 200, response.content
    suspect.refresh_from_db()
    assert suspect.state == DuplicateSuspect.State.CONFIRMED
    assert suspect.decided_by == world.p.operator and suspect.decided_at
    listed = api.get(f"/api/v1/cases/{new.pk}/suspects/").json()["results"]
    assert [row["state"] for row in listed] == ["confirmed"]
    again = api.post(f"/api/v1/cases/{new.pk}/suspects/{suspect.pk}/confirm/", {}, format="json")
    assert again.status_code == 409


def test_rejecting_for_another_reason_leaves_the_suspect_to_decide(api, world):
    report(world, where=WEST)
    new = report(world, where=MIDDLE)
    (suspect,) = duplicates.find_suspects(new)
    api.force_authenticate(world.p.operator)

    api.post(f"/api/v1/cases/{new.pk}/actions/reject/", {"reason": "invalid"}, format="json")

    suspect.refresh_from_db()
    assert suspect.state == DuplicateSuspect.State.SUSPECTED
