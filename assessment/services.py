"""One function per action of the assessment (issue #24.4); each writes an AssessmentEvent.

Views, the API, the admin and the demo call these; none of them sets an inspection's state or score.
Refusals raise cases.errors (the API maps them to 400 / 403 / 409).
"""

from __future__ import annotations

import calendar as month_calendar
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from assessment import scoring, selectors
from assessment.models import (
    AssessmentEvent,
    Checklist,
    ChecklistItem,
    Contract,
    Contractor,
    DustSample,
    DustThreshold,
    Finding,
    GradeBand,
    Inspection,
    MonthlyAssessment,
    Rectification,
    WorkArea,
)
from cases import services as case_services
from cases.errors import ActionForbidden, ActionRefused, InvalidInput
from dispatch.calendar import get_calendar

Kind = AssessmentEvent.Kind


def _event(kind: str, actor, *, inspection=None, contractor=None, at=None, **payload) -> AssessmentEvent:
    return AssessmentEvent.objects.create(
        kind=kind,
        actor=actor,
        at=at or timezone.now(),
        inspection=inspection,
        contractor=contractor,
        payload={k: str(v) if isinstance(v, Decimal | date) else v for k, v in payload.items()},
    )


def _require(actor, perm: str, what: str) -> None:
    if not actor.has_perm(perm):
        raise ActionForbidden(f"您没有{what}的权限")


def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    return first, first.replace(day=month_calendar.monthrange(first.year, first.month)[1])


# ---------------------------------------------------------------- checklists and the draw


def checklist_for(area: WorkArea) -> Checklist | None:
    """The active checklist for the area's type, its own road class before one for any class."""
    candidates = Checklist.objects.filter(area_type=area.area_type, is_active=True).filter(
        Q(road_class=area.road_class) | Q(road_class="")
    )
    return min(candidates, key=lambda c: (c.road_class != area.road_class, c.pk), default=None)


def draw_inspections(
    *, month: date, actor, inspectors: Sequence, per_contractor: int = 4, seed: int | None = None
) -> list[Inspection]:
    """随机抽查: for each active contractor, `per_contractor` of its active areas (with repeats when it has
    fewer), each on a random working day of `month`, each given to a random inspector of `inspectors`.

    The draw is random (`seed` makes it repeatable) so a contractor cannot know which road is next.
    Areas without a checklist for their type are skipped and not drawn.
    """
    _require(actor, "assessment.add_inspection", "抽取随机抽查任务")
    if not inspectors:
        raise InvalidInput("请至少选择一名检查人", field="inspectors")
    if per_contractor < 1:
        raise InvalidInput("每个作业单位至少抽取1次", field="per_contractor")
    rng = random.Random(seed)
    first, last = month_bounds(month)
    cal = get_calendar()
    days = [first.replace(day=n) for n in range(1, last.day + 1) if cal.is_working_day(first.replace(day=n))]
    drawn: list[Inspection] = []
    with transaction.atomic():
        for contractor in Contractor.objects.filter(is_active=True).order_by("pk"):
            areas = [
                (a, checklist)
                for a in WorkArea.objects.filter(
                    contract__contractor=contractor,
                    is_active=True,
                    contract__starts_on__lte=last,
                    contract__ends_on__gte=first,
                ).order_by("pk")
                if (checklist := checklist_for(a)) is not None
            ]
            if not areas:
                continue
            for _n in range(per_contractor):
                area, checklist = rng.choice(areas)
                inspection = Inspection.objects.create(
                    area=area,
                    checklist=checklist,
                    inspector=rng.choice(list(inspectors)),
                    planned_on=rng.choice(days),
                )
                _event(
                    Kind.DRAWN,
                    actor,
                    inspection=inspection,
                    contractor=contractor,
                    area=area.name,
                    planned_on=inspection.planned_on,
                    inspector=inspection.inspector.username,
                )
                drawn.append(inspection)
    return drawn


# ---------------------------------------------------------------- carrying out an inspection


@dataclass
class FindingInput:
    item: ChecklistItem | int
    count: int = 1
    note: str = ""
    photo: object = None  # an uploaded file
    lng: float | None = None
    lat: float | None = None


@dataclass
class DustInput:
    weight_g: Decimal
    sampled_m2: Decimal = Decimal("1")


@dataclass
class Recorded:
    inspection: Inspection
    findings: list[Finding] = field(default_factory=list)
    samples: list[DustSample] = field(default_factory=list)


def _may_inspect(inspection: Inspection, actor) -> None:
    if inspection.inspector_id != actor.pk and not actor.has_perm("assessment.change_inspection"):
        raise ActionForbidden("只有被指派的检查人可以完成这次抽查")


def inspection_record(
    *,
    inspection: Inspection,
    actor,
    findings: Iterable[FindingInput] = (),
    dust: Iterable[DustInput] = (),
    note: str = "",
    at: datetime | None = None,
) -> Recorded:
    """完成抽查: the failed items and dust samples, scored (assessment.scoring). Once only."""
    at = at or timezone.now()
    with transaction.atomic():
        inspection = Inspection.objects.select_for_update().select_related("area").get(pk=inspection.pk)
        _may_inspect(inspection, actor)
        if inspection.state != Inspection.State.ASSIGNED:
            raise ActionRefused(f"该抽查已是“{inspection.get_state_display()}”状态")
        result = Recorded(inspection)
        items = {i.pk: i for i in ChecklistItem.objects.filter(checklist=inspection.checklist_id)}
        for spec in findings:
            item_id = getattr(spec.item, "pk", spec.item)
            item = items.get(item_id)
            if item is None:
                raise InvalidInput(f"检查项 {item_id} 不属于本次检查标准", field="findings")
            if not 1 <= int(spec.count) <= 999:
                raise InvalidInput("处数应在1到999之间", field="findings")
            finding = Finding(
                inspection=inspection,
                item=item,
                count=int(spec.count),
                deduction=scoring.finding_deduction(item.deduction, int(spec.count), item.max_deduction),
                note=spec.note[:300],
                lng=spec.lng,
                lat=spec.lat,
            )
            if spec.photo:
                finding.photo.save(
                    getattr(spec.photo, "name", "photo.jpg"), ContentFile(spec.photo.read()), save=False
                )
            finding.save()
            result.findings.append(finding)
        threshold = None
        if inspection.area.road_class:
            threshold = DustThreshold.objects.filter(road_class=inspection.area.road_class).first()
        for spec in dust:
            if Decimal(spec.sampled_m2) <= 0 or Decimal(spec.weight_g) < 0:
                raise InvalidInput("取样面积须大于0，重量不能为负", field="dust")
            density = scoring.grams_per_m2(spec.weight_g, spec.sampled_m2)
            over = threshold is not None and density > threshold.limit_g_per_m2
            result.samples.append(
                DustSample.objects.create(
                    inspection=inspection,
                    weight_g=spec.weight_g,
                    sampled_m2=spec.sampled_m2,
                    grams_per_m2=density,
                    limit_g_per_m2=threshold.limit_g_per_m2 if threshold else None,
                    deduction=threshold.deduction if over else Decimal(0),
                )
            )
        inspection.score = scoring.inspection_score(
            [f.deduction for f in result.findings] + [s.deduction for s in result.samples]
        )
        inspection.state = Inspection.State.DONE
        inspection.inspected_at = at
        inspection.note = note[:500]
        inspection.save(update_fields=["score", "state", "inspected_at", "note"])
        _event(
            Kind.INSPECTED,
            actor,
            at=at,
            inspection=inspection,
            contractor=inspection.area.contract.contractor,
            score=inspection.score,
            findings=[
                {"item": f.item_id, "count": f.count, "deduction": str(f.deduction)} for f in result.findings
            ],
            dust=[{"g_per_m2": str(s.grams_per_m2), "deduction": str(s.deduction)} for s in result.samples],
        )
    return result


def inspection_cancel(*, inspection: Inspection, actor, reason: str) -> Inspection:
    _require(actor, "assessment.change_inspection", "取消抽查")
    if not reason.strip():
        raise InvalidInput("请填写取消原因", field="reason")
    with transaction.atomic():
        inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
        if inspection.state != Inspection.State.ASSIGNED:
            raise ActionRefused(f"该抽查已是“{inspection.get_state_display()}”状态")
        inspection.state = Inspection.State.CANCELLED
        inspection.note = reason[:500]
        inspection.save(update_fields=["state", "note"])
        _event(Kind.CANCELLED, actor, inspection=inspection, reason=reason)
    return inspection


def finding_register(*, finding: Finding, actor, category=None, description: str = ""):
    """挂号: the failed item becomes a case (cases.services.case_report) with the inspection's photo, at
    the finding's position (or the area's). Once per finding."""
    from dispatch.models import Category

    with transaction.atomic():
        finding = (
            Finding.objects.select_for_update(of=("self",))
            .select_related("inspection__area", "item__category")
            .get(pk=finding.pk)
        )
        _may_inspect(finding.inspection, actor)
        if finding.case_id:
            raise ActionRefused(f"该扣分项已登记为案件 {finding.case.number}")
        category = category or finding.item.category
        if category is None:
            raise InvalidInput("该检查项未设挂号类别，请选择案件类别", field="category")
        if not isinstance(category, Category):
            category = Category.objects.filter(pk=category, is_active=True).first()
            if category is None:
                raise InvalidInput("案件类别不存在或已停用", field="category")
        area = finding.inspection.area
        lng, lat = (finding.lng, finding.lat) if finding.lng is not None else (area.lng, area.lat)
        if lng is None or lat is None:
            raise InvalidInput("扣分项和作业区域都没有位置，无法登记", field="lng")
        text = description.strip() or f"【随机抽查】{area.name}：{finding.item.text}×{finding.count}" + (
            f"。{finding.note}" if finding.note else ""
        )
        photos = []
        if finding.photo:
            finding.photo.open("rb")
            photos = [finding.photo]
        try:
            case = case_services.case_report(
                actor=actor,
                category=category,
                lng=lng,
                lat=lat,
                description=text,
                address=area.name,
                photos=photos,
            )
        finally:
            if finding.photo:
                finding.photo.close()
        finding.case = case
        finding.save(update_fields=["case"])
        _event(
            Kind.REGISTERED,
            actor,
            inspection=finding.inspection,
            contractor=area.contract.contractor,
            finding=finding.pk,
            case=case.number,
        )
    return case


# ---------------------------------------------------------------- 代为整改 and the month


def _own_district(actor, area, contractor) -> None:
    """A district's staff record 代为整改 in their district's areas, for contractors working there."""
    district = selectors.district_of(actor)
    if district is None:
        return
    if area is not None and area.street.district_id != district:
        raise InvalidInput(f"作业区域 {area.name} 不属于您所在的区", field="area")
    if not selectors.contractors_for(actor).filter(pk=contractor.pk).exists():
        raise InvalidInput(f"作业单位 {contractor.name} 不在您所在的区作业", field="contractor")


def rectification_record(
    *,
    contractor: Contractor,
    actor,
    done_on: date,
    description: str,
    cost: Decimal,
    area: WorkArea | None = None,
    finding: Finding | None = None,
    performed_by: str = "",
) -> Rectification:
    _require(actor, "assessment.add_rectification", "登记代为整改")
    if not description.strip():
        raise InvalidInput("请填写整改内容", field="description")
    if Decimal(cost) < 0:
        raise InvalidInput("费用不能为负", field="cost")
    if area is not None and area.contract.contractor_id != contractor.pk:
        raise InvalidInput("该作业区域不属于此作业单位", field="area")
    _own_district(actor, area, contractor)
    with transaction.atomic():
        row = Rectification.objects.create(
            contractor=contractor,
            area=area,
            finding=finding,
            done_on=done_on,
            description=description.strip(),
            performed_by=performed_by,
            cost=Decimal(cost),
            recorded_by=actor,
        )
        _event(
            Kind.RECTIFIED, actor, contractor=contractor, rectification=row.pk, cost=row.cost, done_on=done_on
        )
    return row


def _bands() -> list[scoring.Band]:
    return [scoring.Band(b.name, b.min_score, b.deduction_percent) for b in GradeBand.objects.all()]


def month_fee(contractor: Contractor, month: date) -> Decimal:
    """The month's fee: every contract of the contractor in force on any day of the month, in full."""
    first, last = month_bounds(month)
    total = Contract.objects.filter(contractor=contractor, starts_on__lte=last, ends_on__gte=first).aggregate(
        s=Sum("monthly_fee")
    )["s"]
    return total or Decimal(0)


def _month_span(month: date) -> tuple[datetime, datetime]:
    first, last = month_bounds(month)
    tz = timezone.get_current_timezone()
    start = datetime.combine(first, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(last, datetime.max.time(), tzinfo=tz)
    return start, end


def month_figures(contractor: Contractor, month: date) -> scoring.Month:
    """The month as it stands now (not saved): scores of the inspections carried out in it."""
    start, end = _month_span(month)
    first, last = month_bounds(month)
    scores = list(
        Inspection.objects.filter(
            area__contract__contractor=contractor,
            state=Inspection.State.DONE,
            inspected_at__range=(start, end),
        ).values_list("score", flat=True)
    )
    costs = Rectification.objects.filter(contractor=contractor, done_on__range=(first, last)).values_list(
        "cost", flat=True
    )
    return scoring.month_result(scores, month_fee(contractor, month), costs, _bands())


def month_assess(*, contractor: Contractor, month: date, actor) -> MonthlyAssessment:
    """月度考核: store the month's score, grade and deductions (again: a re-assessment replaces the row,
    and the event log keeps every version)."""
    _require(actor, "assessment.add_monthlyassessment", "进行月度考核")
    if selectors.works_elsewhere(actor, contractor):
        raise InvalidInput(
            f"作业单位 {contractor.name} 不在或不只在您所在的区作业，其月度考核由全区或市级用户进行",
            field="contractor",
        )
    first, _last = month_bounds(month)
    with transaction.atomic():
        result = month_figures(contractor, first)
        row, _created = MonthlyAssessment.objects.update_or_create(
            contractor=contractor,
            month=first,
            defaults={
                "inspections": result.inspections,
                "score": result.score,
                "grade": result.grade,
                "fee": result.fee,
                "deduction_percent": result.deduction_percent,
                "quality_deduction": result.quality_deduction,
                "rectification_cost": result.rectification_cost,
                "total_deduction": result.total_deduction,
                "payable": result.payable,
                "assessed_at": timezone.now(),
                "assessed_by": actor,
            },
        )
        _event(
            Kind.ASSESSED,
            actor,
            contractor=contractor,
            month=first,
            score=result.score,
            grade=result.grade,
            total_deduction=result.total_deduction,
        )
    return row
