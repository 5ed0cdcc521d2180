"""A contractor's month, checked against a hand computation (issue #24.4)."""

from datetime import date, datetime
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest

from assessment import services as s
from assessment.models import AssessmentEvent, Inspection, MonthlyAssessment
from assessment.services import DustInput, FindingInput
from cases.errors import ActionForbidden, ActionRefused
from cases.models import Case, CasePhoto
from tests.assessment.conftest import photo

SH = ZoneInfo("Asia/Shanghai")
NOV = date(2026, 11, 1)


def inspection(yard, day: date) -> Inspection:
    return Inspection.objects.create(
        area=yard.road, checklist=yard.checklist, inspector=yard.inspector, planned_on=day
    )


def carry_out(yard, day, findings=(), dust=()):
    return s.inspection_record(
        inspection=inspection(yard, day),
        actor=yard.inspector,
        findings=findings,
        dust=dust,
        at=datetime(day.year, day.month, day.day, 10, 0, tzinfo=SH),
    )


def test_a_contractor_month_gives_the_grade_and_deduction_of_a_hand_computation(yard):
    i = yard.items
    # 11-03: litter 3 places (3×2 = 6), a full bin (1); dust 4.2 g on 1 m² is under the 5 g limit → 93.
    first = carry_out(
        yard,
        date(2026, 11, 3),
        [FindingInput(i.litter, 3), FindingInput(i.bin, 1)],
        [DustInput(D("4.2"))],
    )
    assert first.inspection.score == D("93.00")
    # 11-12: litter 6 places (12, capped at 10), an open truck (5); 12 g on 2 m² = 6 g/m² > 5 → 2 → 83.
    second = carry_out(
        yard,
        date(2026, 11, 12),
        [FindingInput(i.litter, 6), FindingInput(i.truck, 1)],
        [DustInput(D("12"), D("2"))],
    )
    assert [f.deduction for f in second.findings] == [D("10.00"), D("5.00")]
    assert second.samples[0].grams_per_m2 == D("6.00") and second.samples[0].deduction == D("2.00")
    assert second.inspection.score == D("83.00")
    # 11-25: litter 4 places (8), two samples: 11 g/m² over (2), 3 g/m² under → 90.
    third = carry_out(
        yard, date(2026, 11, 25), [FindingInput(i.litter, 4)], [DustInput(D("11")), DustInput(D("3"))]
    )
    assert third.inspection.score == D("90.00")
    # Not November: a December inspection and an October 代为整改.
    carry_out(yard, date(2026, 12, 1), [FindingInput(i.truck, 4)])
    s.rectification_record(
        contractor=yard.contractor,
        actor=yard.supervisor,
        done_on=date(2026, 10, 30),
        description="十月",
        cost=D("999"),
    )
    s.rectification_record(
        contractor=yard.contractor,
        actor=yard.supervisor,
        done_on=date(2026, 11, 13),
        description="北马路积存垃圾代为清运",
        cost=D("1200.50"),
        area=yard.road,
        finding=second.findings[0],
    )
    s.rectification_record(
        contractor=yard.contractor,
        actor=yard.supervisor,
        done_on=date(2026, 11, 30),
        description="代为冲洗",
        cost=D("800"),
    )

    month = s.month_assess(contractor=yard.contractor, month=date(2026, 11, 17), actor=yard.supervisor)
    # By hand: (93 + 83 + 90) / 3 = 88.67 → 良好 (≥ 80, < 90) → 2 % of ¥200,000 = ¥4,000;
    # 代为整改 ¥1,200.50 + ¥800 = ¥2,000.50; withheld ¥6,000.50; payable ¥193,999.50.
    assert (month.month, month.inspections, month.score, month.grade) == (NOV, 3, D("88.67"), "良好")
    assert (month.fee, month.deduction_percent, month.quality_deduction) == (D("200000"), D("2"), D("4000"))
    assert (month.rectification_cost, month.total_deduction, month.payable) == (
        D("2000.50"),
        D("6000.50"),
        D("193999.50"),
    )
    assert (
        AssessmentEvent.objects.filter(kind="assessed", contractor=yard.contractor).get().payload["grade"]
        == "良好"
    )

    again = s.month_assess(contractor=yard.contractor, month=NOV, actor=yard.supervisor)
    assert again.pk == month.pk and MonthlyAssessment.objects.count() == 1
    assert AssessmentEvent.objects.filter(kind="assessed").count() == 2  # each assessment on the record


def test_a_month_without_inspections_has_no_grade_but_still_pays_for_rectification(yard):
    s.rectification_record(
        contractor=yard.contractor,
        actor=yard.supervisor,
        done_on=date(2026, 11, 2),
        description="代为清运",
        cost=D("300"),
    )
    figures = s.month_figures(yard.contractor, NOV)
    assert (figures.inspections, figures.score, figures.grade) == (0, None, "")
    assert (figures.quality_deduction, figures.total_deduction, figures.payable) == (
        D("0"),
        D("300"),
        D("199700"),
    )


def test_a_failed_item_becomes_a_case_in_one_step_with_the_inspection_photo(yard):
    recorded = carry_out(
        yard,
        date(2026, 11, 3),
        [FindingInput(yard.items.litter, 2, note="公交站旁", photo=photo(), lng=117.2006, lat=39.0506)],
    )
    finding = recorded.findings[0]
    assert finding.photo
    case = s.finding_register(finding=finding, actor=yard.inspector)
    assert Case.objects.get() == case
    assert case.category == yard.items.litter.category and case.street_id == yard.street.pk
    assert "路面废弃物×2" in case.description and "公交站旁" in case.description
    assert CasePhoto.objects.filter(case=case).count() == 1
    finding.refresh_from_db()
    assert finding.case == case
    with pytest.raises(ActionRefused):
        s.finding_register(finding=finding, actor=yard.inspector)
    assert AssessmentEvent.objects.filter(kind="registered").get().payload["case"] == case.number


def test_only_the_assigned_inspector_records_and_only_once(yard):
    job = inspection(yard, date(2026, 11, 3))
    with pytest.raises(ActionForbidden):
        s.inspection_record(inspection=job, actor=yard.other_inspector)
    s.inspection_record(inspection=job, actor=yard.inspector)
    job.refresh_from_db()
    assert (job.state, job.score) == ("done", D("100.00"))
    with pytest.raises(ActionRefused):
        s.inspection_record(inspection=job, actor=yard.inspector)
    with pytest.raises(ActionForbidden):
        s.month_assess(contractor=yard.contractor, month=NOV, actor=yard.inspector)


def test_the_draw_is_random_repeatable_on_working_days_and_recorded(yard):
    drawn = s.draw_inspections(
        month=NOV,
        actor=yard.supervisor,
        inspectors=[yard.inspector, yard.other_inspector],
        per_contractor=5,
        seed=7,
    )
    assert len(drawn) == 5 and all(d.planned_on.month == 11 and d.planned_on.weekday() < 5 for d in drawn)
    assert {d.checklist for d in drawn} == {yard.checklist}
    assert AssessmentEvent.objects.filter(kind="drawn").count() == 5
    again = s.draw_inspections(
        month=NOV,
        actor=yard.supervisor,
        inspectors=[yard.inspector, yard.other_inspector],
        per_contractor=5,
        seed=7,
    )
    assert [(d.planned_on, d.inspector) for d in again] == [(d.planned_on, d.inspector) for d in drawn]
    with pytest.raises(ActionForbidden):
        s.draw_inspections(month=NOV, actor=yard.inspector, inspectors=[yard.inspector])
