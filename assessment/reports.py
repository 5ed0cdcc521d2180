"""Reports of the assessment per contractor and per street (issue #24.4), the KPI report sections,
the inspector's tasks and the case page panel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from django.db.models import Avg, Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment import scoring, selectors
from assessment.models import Contractor, Finding, Inspection, MonthlyAssessment, Rectification, StreetTarget
from assessment.services import month_bounds, month_figures


def _span(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return datetime.combine(start, datetime.min.time(), tzinfo=tz), datetime.combine(
        end, datetime.max.time(), tzinfo=tz
    )


def _street_of(filters: dict):
    from grids.models import Street

    value = filters.get("street")
    if value in (None, ""):
        return None
    if isinstance(value, Street):
        return value
    if isinstance(value, int) or str(value).isdigit() and not Street.objects.filter(code=str(value)).exists():
        return Street.objects.filter(pk=int(value)).first()
    return Street.objects.filter(code=str(value)).first()


@dataclass
class ContractorRow:
    contractor: Contractor
    inspections: int
    score: Decimal | None
    grade: str
    fee: Decimal
    quality_deduction: Decimal
    rectification_cost: Decimal
    total_deduction: Decimal
    payable: Decimal
    assessed: bool  # a stored 月度考核 (else computed as the month stands)


def _district_field(district: int | str) -> str:
    """The street's district by pk, or by code (as the KPI filters give it)."""
    return "street__district_id" if isinstance(district, int) else "street__district__code"


def _district_of(filters: dict, user) -> int | str | None:
    """The KPI report's district: the user's own when they are held to one (docs/domain.md §13), else
    the one the filters ask for, else None."""
    own = selectors.district_of(user)
    if own is not None:
        return own
    asked = filters.get("district")
    return getattr(asked, "code", asked) or None


def contractor_report(month: date, *, street=None, district: int | str | None = None) -> list[ContractorRow]:
    """Each contractor's month: the stored 月度考核 where there is one, else the figures as they stand.
    `district`: the contractors working in that district (docs/domain.md §13)."""
    first, _last = month_bounds(month)
    stored = {m.contractor_id: m for m in MonthlyAssessment.objects.filter(month=first)}
    contractors = Contractor.objects.filter(is_active=True)
    if district is not None:
        field = f"contracts__areas__{_district_field(district)}"
        contractors = contractors.filter(**{field: district}).distinct()
    if street is not None:
        contractors = contractors.filter(contracts__areas__street=street).distinct()
    rows = []
    for contractor in contractors.order_by("name"):
        saved = stored.get(contractor.pk)
        figures = saved or month_figures(contractor, first)
        rows.append(
            ContractorRow(
                contractor=contractor,
                inspections=figures.inspections,
                score=figures.score,
                grade=figures.grade,
                fee=figures.fee,
                quality_deduction=figures.quality_deduction,
                rectification_cost=figures.rectification_cost,
                total_deduction=figures.total_deduction,
                payable=figures.payable,
                assessed=saved is not None,
            )
        )
    return rows


@dataclass
class StreetRow:
    street: object
    inspections: int
    score: Decimal | None
    findings: int
    registered: int
    rectification_cost: Decimal


def street_report(start: date, end: date, *, district: int | None = None) -> list[StreetRow]:
    """Per street: inspections carried out, their mean score, failed items, 挂号 cases, 代为整改 cost.
    `district`: that district's streets only (docs/domain.md §13)."""
    from grids.models import Street

    lo, hi = _span(start, end)
    done = Q(
        work_areas__inspections__state=Inspection.State.DONE,
        work_areas__inspections__inspected_at__range=(lo, hi),
    )
    streets = (
        Street.objects.filter(
            work_areas__isnull=False, **({} if district is None else {"district_id": district})
        )
        .distinct()
        .annotate(
            n=Count("work_areas__inspections", filter=done),
            avg=Avg("work_areas__inspections__score", filter=done),
        )
        .order_by("code")
    )
    findings = {
        row["inspection__area__street"]: row
        for row in Finding.objects.filter(inspection__inspected_at__range=(lo, hi))
        .values("inspection__area__street")
        .annotate(n=Count("id"), registered=Count("case"))
    }
    costs = dict(
        Rectification.objects.filter(done_on__range=(start, end), area__isnull=False)
        .values_list("area__street")
        .annotate(s=Sum("cost"))
    )
    return [
        StreetRow(
            street=s,
            inspections=s.n,
            score=scoring.q2(s.avg) if s.avg is not None else None,
            findings=findings.get(s.pk, {}).get("n", 0),
            registered=findings.get(s.pk, {}).get("registered", 0),
            rectification_cost=costs.get(s.pk) or Decimal(0),
        )
        for s in streets
    ]


# ---------------------------------------------------------------- KPI report sections


def contractor_section(start: date, end: date, filters: dict, user):
    """作业单位考核: in the monthly report, each contractor's month (kpi.reports.EXTRA_SECTIONS)."""
    from kpi.reports import Column, Section

    if (start.day, month_bounds(start)[1]) != (1, end) or not Contractor.objects.exists():
        return None
    rows = [
        {
            "contractor": r.contractor.name,
            "inspections": r.inspections,
            "score": r.score,
            "grade": r.grade or "—",
            "fee": r.fee,
            "deduction": r.total_deduction,
            "payable": r.payable,
        }
        for r in contractor_report(start, street=_street_of(filters), district=_district_of(filters, user))
    ]
    return Section(
        key="contractors",
        title=_("作业单位考核"),
        columns=[
            Column("contractor", _("作业单位")),
            Column("inspections", _("抽查次数"), "int"),
            Column("score", _("月度得分"), "number"),
            Column("grade", _("作业质量等级")),
            Column("fee", _("月服务费（元）"), "number"),
            Column("deduction", _("扣款合计（元）"), "number"),
            Column("payable", _("应付服务费（元）"), "number"),
        ],
        rows=rows,
        note=_("扣款合计 = 按等级扣减的服务费 + 代为整改费用；未考核的月份按当前数据计算。"),
    )


def street_target_section(start: date, end: date, filters: dict, user):
    """街道考核目标 (issue #24.5): each street's own targets against its figures for the period."""
    from kpi.queries import summary
    from kpi.reports import Column, Section

    targets = StreetTarget.objects.select_related("street").order_by("street__code", "indicator")
    if (district := _district_of(filters, user)) is not None:
        targets = targets.filter(**{_district_field(district): district})
    street = _street_of(filters)
    if street is not None:
        targets = targets.filter(street=street)
    targets = list(targets)
    if not targets:
        return None
    rows, figures = [], {}
    for t in targets:
        if t.street_id not in figures:
            figures[t.street_id] = {k["key"]: k for k in summary(start, end, street=t.street.code)["kpis"]}
        value = figures[t.street_id].get(t.indicator, {}).get("value")
        met = None if value is None else Decimal(str(value)) >= t.target_percent
        rows.append(
            {
                "street": t.street.name,
                "indicator": t.get_indicator_display(),
                "value": value,
                "unit": "%",
                "target": t.target_percent,
                "met": "—" if met is None else (_("达标") if met else _("未达标")),
                "met_flag": met,
            }
        )
    return Section(
        key="street_targets",
        title=_("街道考核目标"),
        columns=[
            Column("street", _("街道")),
            Column("indicator", _("指标")),
            Column("value", _("本期"), "figure"),
            Column("target", _("目标 %"), "number"),
            Column("met", _("是否达标")),
        ],
        rows=rows,
    )


# ---------------------------------------------------------------- the inspector's tasks, the case panel


def inspector_tasks(user):
    from cases.web.extensions import Task

    today = timezone.localdate()
    for inspection in (
        Inspection.objects.filter(inspector=user, state=Inspection.State.ASSIGNED)
        .select_related("area__street")
        .order_by("planned_on", "id")[:50]
    ):
        yield Task(
            kind=_("随机抽查"),
            title=inspection.area.name,
            url=reverse("assessment-inspection", args=[inspection.pk]),
            due_at=datetime.combine(
                inspection.planned_on, time(17, 30), tzinfo=timezone.get_current_timezone()
            ),
            light="red"
            if inspection.planned_on < today
            else "yellow"
            if inspection.planned_on == today
            else "green",
            where=inspection.area.street.name,
        )


def case_panel(case, user):
    finding = (
        Finding.objects.filter(case=case)
        .select_related("inspection__area__contract__contractor", "item")
        .first()
    )
    if finding is None:
        return None
    return {"finding": finding, "contractor": finding.inspection.area.contract.contractor}
