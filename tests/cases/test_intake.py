"""Intake (docs/domain.md §2–§3): 自行处置, public and hotline reports that must be verified first, hotline ticket
numbers, and 不予受理 of duplicates."""

import pytest

from cases import services as s
from cases.errors import ActionForbidden, ActionRefused, InvalidInput
from cases.models import Case, CaseEvent, CasePhoto, Source
from cases.workflow import SYSTEM, Status
from tests.cases.conftest import case_in, hotline_report, last_event, photo, report, snapshot

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")


def _counts():
    return Case.objects.count(), CaseEvent.objects.count(), CasePhoto.objects.count()


# ---------------------------------------------------------------- 自行处置


def test_self_resolved_inspector_report_goes_straight_to_closure(world):
    p = world.p
    case = report(world, self_resolved=True, photos=[photo()], after_photos=[photo()])
    assert case.status == Status.PENDING_CLOSURE
    assert case.self_resolved is True
    assert sorted(case.photos.values_list("stage", flat=True)) == ["feedback", "report"]
    event = case.events.get()
    assert (event.action, event.to_status, event.payload["self_resolved"]) == (
        "report",
        "pending_closure",
        True,
    )
    case = s.case_close(case=case, actor=p.shift_leader)
    assert case.status == Status.CLOSED


def test_self_resolved_without_an_after_photo_is_refused(world):
    counts = _counts()
    with pytest.raises(InvalidInput) as bad:
        report(world, self_resolved=True, photos=[photo()])
    assert bad.value.field == "after_photos"
    assert _counts() == counts


@pytest.mark.parametrize("role", ["operator", "hotline", "supervisor", "department"])
def test_only_inspectors_may_report_self_resolved(world, role):
    actor = getattr(world.p, role)
    counts = _counts()
    with pytest.raises(ActionForbidden) as forbidden:
        s.case_report(
            actor=actor,
            category=world.event_cat,
            lng=world.inside[0],
            lat=world.inside[1],
            description="已现场处理",
            reporter_phone="13800000000",
            hotline_ticket_no="T-SELF",
            source=Source.HOTLINE_12345 if role == "hotline" else None,
            self_resolved=True,
            after_photos=[photo()],
        )
    assert "监督员" in forbidden.value.message
    assert _counts() == counts


# ---------------------------------------------------------------- reporting basics


def test_a_position_outside_every_grid_is_refused_naming_lng(world):
    counts = _counts()
    with pytest.raises(InvalidInput) as bad:
        report(world, where=(116.0, 38.0))
    assert bad.value.field == "lng"
    assert "不在" in bad.value.message
    assert _counts() == counts


def test_the_report_is_located_in_its_grid(world):
    case = report(world, world.p.other_inspector, where=world.other_inside)
    assert (case.grid, case.community, case.street) == (world.other_grid, world.community, world.street)
    assert case.number.startswith(world.street.district.code + "-")


def test_case_numbers_are_unique_and_sequential_within_a_day(world):
    numbers = [report(world).number for _ in range(3)]
    assert len(set(numbers)) == 3
    assert [int(n.rsplit("-", 1)[1]) for n in numbers] == sorted(int(n.rsplit("-", 1)[1]) for n in numbers)


# ---------------------------------------------------------------- public and hotline: verify first


@pytest.mark.parametrize("source", ["public", "hotline_12345", "hotline_8890", "media"])
def test_untrusted_sources_cannot_be_accepted_directly(world, source):
    case = hotline_report(world, world.p.operator, source=source)
    assert case.source == source
    before = snapshot(case)
    with pytest.raises(ActionRefused) as refused:
        s.case_accept(case=case, actor=world.p.operator)
    assert "核实" in refused.value.message
    assert snapshot(case) == before


def test_a_public_report_goes_through_verification(world):
    p = world.p
    case = s.case_report(
        actor=SYSTEM,
        category=world.event_cat,
        lng=world.inside[0],
        lat=world.inside[1],
        description="井盖丢失",
    )
    assert (case.source, case.status, case.reporter) == ("public", Status.REPORTED, None)
    assert case.events.get().actor_role == "system"

    case = s.case_send_verify(case=case, actor=p.operator)
    assert case.status == Status.VERIFYING and case.verify_inspector == p.inspector
    case = s.case_verify(case=case, actor=p.inspector, confirmed=True, photos=[photo()], note="属实")
    assert case.status == Status.PENDING_FILING
    assert case.photos.filter(stage="verify").count() == 1
    case = s.case_file(case=case, actor=p.shift_leader)
    assert case.status == Status.PENDING_DISPATCH


def test_verification_needs_an_on_site_photo(world):
    case = case_in(world, Status.VERIFYING)
    before = snapshot(case)
    with pytest.raises(InvalidInput) as bad:
        s.case_verify(case=case, actor=world.p.inspector, confirmed=True, photos=[])
    assert bad.value.field == "photos"
    assert snapshot(case) == before


def test_a_report_found_untrue_on_site_is_rejected(world):
    case = case_in(world, Status.VERIFYING)
    case = s.case_verify(case=case, actor=world.p.inspector, confirmed=False, photos=[photo()])
    assert (case.status, case.reject_reason) == (Status.REJECTED, "not_a_problem")


def test_a_hotline_report_requires_a_ticket_number(world):
    counts = _counts()
    with pytest.raises(InvalidInput) as bad:
        s.case_report(
            actor=world.p.hotline,
            category=world.event_cat,
            lng=world.inside[0],
            lat=world.inside[1],
            description="来电反映",
            reporter_phone="13800000000",
            hotline_ticket_no="  ",
        )
    assert bad.value.field == "hotline_ticket_no"
    assert _counts() == counts


def test_a_hotline_report_requires_the_caller(world):
    with pytest.raises(InvalidInput) as bad:
        hotline_report(world, reporter_name="", reporter_phone="")
    assert bad.value.field == "reporter_phone"


def test_the_same_hotline_ticket_twice_is_refused_naming_the_first_case(world):
    first = hotline_report(world, ticket="12345-20260301-0001")
    counts = _counts()
    with pytest.raises(ActionRefused) as refused:
        hotline_report(world, ticket="12345-20260301-0001", description="同一工单再次推送")
    assert first.number in refused.value.message
    assert refused.value.field == "hotline_ticket_no"
    assert _counts() == counts


def test_the_same_ticket_number_on_another_hotline_is_another_case(world):
    a = hotline_report(world, ticket="0001", source=Source.HOTLINE_12345)
    b = hotline_report(world, ticket="0001", source=Source.HOTLINE_8890)
    assert (a.hotline_channel, b.hotline_channel) == ("12345", "8890")


def test_a_hotline_agent_cannot_report_as_an_inspector(world):
    with pytest.raises(ActionForbidden):
        hotline_report(world, source=Source.INSPECTOR)


# ---------------------------------------------------------------- duplicates


def test_rejecting_a_duplicate_links_the_original(world):
    original = report(world)
    dup = report(world, description="同一处暴露垃圾")
    dup = s.case_reject(case=dup, actor=world.p.operator, reason="duplicate", duplicate_of=original.pk)
    assert (dup.status, dup.reject_reason, dup.duplicate_of) == (Status.REJECTED, "duplicate", original)
    assert last_event(dup).payload["duplicate_of"] == original.number
    assert list(original.duplicates.all()) == [dup]


def test_a_duplicate_of_a_duplicate_links_the_root_original(world):
    p = world.p
    root = report(world)
    first = s.case_reject(case=report(world), actor=p.operator, reason="duplicate", duplicate_of=root)
    second = s.case_reject(case=report(world), actor=p.operator, reason="duplicate", duplicate_of=first.pk)
    assert second.duplicate_of == root
    assert last_event(second).payload["duplicate_of"] == root.number


@pytest.mark.parametrize("duplicate_of", [None, "", 999999999, "abc"])
def test_a_duplicate_needs_an_existing_original(world, duplicate_of):
    case = report(world)
    before = snapshot(case)
    with pytest.raises(InvalidInput) as bad:
        s.case_reject(case=case, actor=world.p.operator, reason="duplicate", duplicate_of=duplicate_of)
    assert bad.value.field == "duplicate_of"
    assert snapshot(case) == before


def test_a_case_cannot_be_a_duplicate_of_itself(world):
    case = report(world)
    before = snapshot(case)
    with pytest.raises(InvalidInput) as bad:
        s.case_reject(case=case, actor=world.p.operator, reason="duplicate", duplicate_of=case.pk)
    assert bad.value.field == "duplicate_of"
    assert snapshot(case) == before


def test_a_case_cannot_become_a_duplicate_of_itself_through_its_own_duplicate(world):
    # B was rejected as a duplicate of A; rejecting A as a duplicate of B would link A to A.
    p = world.p
    a = report(world)
    s.case_reject(case=report(world), actor=p.operator, reason="duplicate", duplicate_of=a)
    b = a.duplicates.get()
    before = snapshot(a)
    with pytest.raises(InvalidInput):
        s.case_reject(case=a, actor=p.operator, reason="duplicate", duplicate_of=b.pk)
    assert snapshot(a) == before


def test_an_unknown_reject_reason_is_refused(world):
    case = report(world)
    with pytest.raises(InvalidInput) as bad:
        s.case_reject(case=case, actor=world.p.operator, reason="because")
    assert bad.value.field == "reason"


def test_other_reject_reasons_do_not_link_anything(world):
    case = s.case_reject(case=report(world), actor=world.p.operator, reason="out_of_scope", duplicate_of=None)
    assert (case.status, case.reject_reason, case.duplicate_of) == (Status.REJECTED, "out_of_scope", None)
