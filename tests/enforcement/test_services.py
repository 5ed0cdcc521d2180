"""Responsible parties and enforcement outcomes (issue #20, docs/domain.md §11), through the services."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cases import services as case_services
from cases.errors import ActionForbidden, ActionRefused, InvalidInput
from enforcement import credit, services
from enforcement.models import Agency, CaseParty, CreditPolicy, EnforcementEvent, Outcome, Party
from tests.enforcement.conftest import dispatched
from tests.factories import CategoryFactory, UserFactory

pytestmark = pytest.mark.django_db


def at(*args):
    return timezone.make_aware(datetime(*args))


# ---------------------------------------------------------------- the party on a case


def test_a_case_at_a_frontage_suggests_its_party_and_staff_confirm_it(enf):
    case = dispatched(enf)

    link = CaseParty.objects.get(case=case)
    assert (link.party, link.state) == (enf.shop, CaseParty.State.SUGGESTED)
    assert 5 < link.distance_m < 20  # the frontage is ≈ 11 m north of the case
    assert enf.shop.credit_score == 100  # a suggestion is not a violation

    services.case_party_confirm(case=case, actor=enf.officer)

    enf.shop.refresh_from_db()
    assert enf.shop.credit_score == 90
    assert EnforcementEvent.objects.filter(action="party_confirm", case=case, party=enf.shop).exists()


def test_a_case_far_from_every_frontage_suggests_nobody(enf):
    case = dispatched(enf, where=(117.2005, 39.0502))  # ≈ 44 m from the shop's frontage; near is 30 m
    assert not CaseParty.objects.filter(case=case).exists()


def test_staff_may_name_another_party_and_dismiss_a_wrong_one(enf):
    case = dispatched(enf)
    services.case_party_confirm(case=case, actor=enf.world.p.shift_leader, party=enf.far.pk)
    assert CaseParty.objects.get(case=case).party == enf.far
    services.case_party_dismiss(case=case, actor=enf.officer, note="不是门前责任区")
    enf.far.refresh_from_db()
    assert CaseParty.objects.get(case=case).state == CaseParty.State.DISMISSED
    assert enf.far.credit_score == 100


def test_someone_outside_enforcement_cannot_confirm(enf):
    case = dispatched(enf)
    with pytest.raises(ActionForbidden):
        services.case_party_confirm(case=case, actor=enf.world.p.department)
    assert CaseParty.objects.get(case=case).state == CaseParty.State.SUGGESTED


# ---------------------------------------------------------------- outcomes


def test_rectification_order_gets_the_units_next_number_and_a_check_on_its_deadline(enf):
    case = dispatched(enf)
    services.case_party_confirm(case=case, actor=enf.officer)
    deadline = timezone.localdate() + timedelta(days=3)

    order = services.outcome_rectify(case=case, actor=enf.officer, deadline=deadline)

    assert order.number == f"河西综执〔{timezone.localdate().year}〕1号"
    assert (order.party, order.deadline, order.checked_at) == (enf.shop, deadline, None)
    assert list(services.due_checks(on=deadline - timedelta(days=1))) == []
    assert list(services.due_checks(on=deadline)) == [order]

    services.outcome_check(outcome=order, actor=enf.world.p.inspector, rectified=True)
    order.refresh_from_db()
    assert order.check_result == Outcome.CheckResult.RECTIFIED
    assert list(services.due_checks(on=deadline)) == []
    with pytest.raises(ActionRefused, match="已复查"):
        services.outcome_check(outcome=order, actor=enf.officer, rectified=False)


def test_a_duplicate_document_number_is_refused_and_nothing_is_saved(enf):
    first, second = dispatched(enf), dispatched(enf)
    for case in (first, second):
        services.case_party_confirm(case=case, actor=enf.officer)
    deadline = timezone.localdate() + timedelta(days=3)
    services.outcome_rectify(case=first, actor=enf.officer, deadline=deadline, number="河西综执〔2026〕7号")
    events = EnforcementEvent.objects.count()

    with pytest.raises(InvalidInput) as refused:
        services.outcome_penalize(
            case=second,
            actor=enf.officer,
            number="河西综执〔2026〕7号",
            legal_basis="《市容条例》第十条",
            fine=200,
        )

    assert refused.value.field == "number"
    assert "已使用" in refused.value.message
    assert not Outcome.objects.filter(case=second).exists()
    assert EnforcementEvent.objects.count() == events


@pytest.mark.parametrize("fine", ["-1", "-0.01", "abc", "1.001"])
def test_a_bad_fine_is_refused_naming_the_field(enf, fine):
    case = dispatched(enf)
    services.case_party_confirm(case=case, actor=enf.officer)
    with pytest.raises(InvalidInput) as refused:
        services.outcome_penalize(case=case, actor=enf.officer, legal_basis="《市容条例》", fine=fine)
    assert refused.value.field == "fine"
    assert not Outcome.objects.filter(case=case).exists()


def test_a_penalty_records_basis_fine_and_payment(enf):
    case = dispatched(enf)
    services.case_party_confirm(case=case, actor=enf.officer)
    decision = services.outcome_penalize(
        case=case, actor=enf.officer, legal_basis="《天津市市容和环境卫生管理条例》第六十条", fine="500"
    )
    assert (decision.fine, decision.paid) == (Decimal("500.00"), False)
    services.outcome_mark_paid(outcome=decision, actor=enf.officer)
    decision.refresh_from_db()
    assert decision.paid and decision.paid_at
    with pytest.raises(ActionRefused):  # one decision (处罚 or 免罚) per case
        services.outcome_waive(case=case, actor=enf.officer)


def test_only_the_units_staff_record_outcomes_on_its_cases(enf):
    case = dispatched(enf)
    other_case = report(enf)
    for actor in (enf.world.p.department, enf.world.p.supervisor, enf.world.p.shift_leader):
        with pytest.raises(ActionForbidden):
            services.outcome_persuade(case=case, actor=actor, note="劝导")
    with pytest.raises(ActionForbidden, match="不属于"):
        services.outcome_persuade(case=other_case, actor=enf.officer, note="劝导")


def report(enf):
    from tests.cases.conftest import report as case_report

    return case_report(enf.world)


def test_a_closed_case_takes_no_new_outcome(enf):
    case = dispatched(enf)
    case.status = "closed"
    case.save(update_fields=["status"])
    with pytest.raises(ActionRefused, match="已结案"):
        services.outcome_persuade(case=case, actor=enf.officer, note="劝导")


def test_transfer_records_receipt_then_the_agencys_outcome(enf):
    case = dispatched(enf)
    police = Agency.objects.get(code="GA")
    transfer = services.outcome_transfer(case=case, actor=enf.officer, agency=police.pk, note="涉嫌阻碍执法")
    with pytest.raises(ActionRefused, match="回执"):
        services.transfer_feedback(outcome=transfer, actor=enf.officer, feedback="已立案")
    services.transfer_receipt(outcome=transfer, actor=enf.officer, receipt_no="GA-2026-001")
    services.transfer_feedback(outcome=transfer, actor=enf.officer, feedback="已行政拘留")
    transfer.refresh_from_db()
    assert (transfer.agency, transfer.receipt_no, transfer.feedback) == (police, "GA-2026-001", "已行政拘留")
    actions = list(EnforcementEvent.objects.filter(outcome=transfer).values_list("action", flat=True))
    assert actions == ["transfer", "transfer_receipt", "transfer_feedback"]


# ---------------------------------------------------------------- 首违免罚 and its window


def _violation(enf, when, category=None):
    from tests.cases.conftest import report as case_report

    case = case_report(enf.world, at=when, **({"category": category} if category else {}))
    case_services.case_accept(case=case, actor=enf.world.p.operator)
    case_services.case_file(case=case, actor=enf.world.p.shift_leader)
    case_services.case_dispatch(case=case, actor=enf.world.p.dispatcher, department=enf.dept)
    services.case_party_confirm(case=case, actor=enf.officer)
    case.refresh_from_db()
    return case


@pytest.mark.parametrize(
    ("earlier", "eligible"),
    [
        (timedelta(days=365), False),  # exactly the window before: still inside it
        (timedelta(days=365, seconds=1), True),  # a second older: outside the window
        (timedelta(days=1), False),
    ],
)
def test_waiver_window_boundaries(enf, earlier, eligible):
    now = timezone.now().replace(microsecond=0)
    _violation(enf, now - earlier)
    case = _violation(enf, now)

    assert services.waiver_eligibility(case)[0] is eligible
    if eligible:
        waived = services.outcome_waive(case=case, actor=enf.officer, note="首次轻微违法，当场改正")
        assert waived.kind == Outcome.Kind.WAIVER
    else:
        with pytest.raises(ActionRefused, match="不适用首违免罚"):
            services.outcome_waive(case=case, actor=enf.officer)
        assert not Outcome.objects.filter(case=case).exists()


def test_waiver_window_is_configurable(enf):
    CreditPolicy.objects.update(waiver_window_days=30)
    now = timezone.now()
    _violation(enf, now - timedelta(days=31))
    assert services.waiver_eligibility(_violation(enf, now))[0] is True


def test_an_earlier_violation_of_another_kind_does_not_count(enf):
    now = timezone.now()
    _violation(
        enf,
        now - timedelta(days=10),
        category=CategoryFactory(kind="event", major_code="09", name="占道经营"),
    )
    assert services.waiver_eligibility(_violation(enf, now)) == (True, "")


def test_a_later_violation_does_not_make_an_earlier_case_a_repeat(enf):
    now = timezone.now()
    first = _violation(enf, now - timedelta(days=5))
    _violation(enf, now)
    assert services.waiver_eligibility(first)[0] is True


def test_waiver_needs_a_confirmed_party(enf):
    case = dispatched(enf)
    assert services.waiver_eligibility(case) == (False, "案件尚未确认责任主体")


# ---------------------------------------------------------------- the credit score by hand


def test_credit_score_by_hand():
    policy = CreditPolicy(initial=100, deduction=10, recovery_points=5, recovery_days=30)
    jan1, jan11 = at(2026, 1, 1), at(2026, 1, 11)
    assert credit.score([], at(2026, 6, 1), policy) == 100
    assert credit.score([jan1], jan1, policy) == 90
    assert credit.score([jan1, jan11], jan11, policy) == 80
    assert credit.score([jan1, jan11], jan11 + timedelta(days=59), policy) == 85  # one full period
    assert credit.score([jan1, jan11], jan11 + timedelta(days=60), policy) == 90  # two
    assert credit.score([jan1, jan11], jan11 + timedelta(days=400), policy) == 100  # never above the start
    assert credit.score([jan1] * 12, jan1, policy) == 0  # never below zero
    # recovery between violations: 31 days after jan1 gives back 5 before the next deduction
    assert credit.score([jan1, jan1 + timedelta(days=31)], jan1 + timedelta(days=31), policy) == 85


def test_credit_lists_follow_the_configured_lines(enf):
    CreditPolicy.objects.update(deduction=25, interview_below=80, referral_below=60)
    now = timezone.now()
    _violation(enf, now - timedelta(days=2))
    enf.shop.refresh_from_db()
    assert enf.shop.credit_score == 75
    assert list(Party.objects.filter(credit_score__lt=80)) == [enf.shop]  # the 约谈 list
    _violation(enf, now)
    enf.shop.refresh_from_db()
    assert enf.shop.credit_score == 50  # on the referral list too
    assert [p.name for p in services.repeat_offenders(street=enf.world.street)] == ["老王烧烤店"]


def test_the_daily_sweep_gives_points_back(enf):
    _violation(enf, timezone.now() - timedelta(days=61))
    enf.shop.refresh_from_db()
    assert enf.shop.credit_score == 100  # confirmation already counted the two periods since
    CaseParty.objects.update(occurred_at=timezone.now())
    credit.refresh(enf.shop)
    assert enf.shop.credit_score == 90
    assert credit.refresh_all(as_of=timezone.now() + timedelta(days=30)) == 1
    enf.shop.refresh_from_db()
    assert enf.shop.credit_score == 95


def test_other_users_cannot_record_contacts(enf):
    with pytest.raises(ActionForbidden):
        services.party_contact_record(
            party=enf.shop, actor=UserFactory(roles=["supervisor"]), kind="interview", note="约谈"
        )
    services.party_contact_record(
        party=enf.shop, actor=enf.officer, kind="interview", note="约谈店主，承诺整改"
    )
    assert enf.shop.contacts.get().kind == "interview"
