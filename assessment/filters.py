"""FilterSets shared by the assessment's API and pages."""

from datetime import date

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assessment.models import Contractor, Inspection, MonthlyAssessment, Rectification, WorkKind


def parse_month(value: str) -> date | None:
    """ "2026-11" → 2026-11-01; anything else → None."""
    try:
        year, month = (int(part) for part in str(value).split("-")[:2])
        return date(year, month, 1)
    except (TypeError, ValueError):
        return None


class MonthFilter(django_filters.CharFilter):
    """?month=YYYY-MM on a date (or datetime, via `lookup`) field."""

    def __init__(self, *args, lookup: str = "", **kwargs):
        self.lookup = lookup
        kwargs.setdefault("label", _("月份（YYYY-MM）"))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        first = parse_month(value) if value else None
        if value and first is None:
            return qs.none()
        if first is None:
            return qs
        return qs.filter(**{f"{self.field_name}__year": first.year, f"{self.field_name}__month": first.month})


class ContractorFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=WorkKind.choices, label=_("作业类型"))
    street = django_filters.CharFilter(method="in_street", label=_("作业区域所在街道编码"))
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("名称"))

    class Meta:
        model = Contractor
        fields = ["kind", "is_active"]

    def in_street(self, qs, name, value):
        return qs.filter(contracts__areas__street__code=value).distinct()


class InspectionFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=Inspection.State.choices, label=_("状态"))
    contractor = django_filters.NumberFilter(field_name="area__contract__contractor", label=_("作业单位 id"))
    street = django_filters.CharFilter(field_name="area__street__code", label=_("街道编码"))
    inspector = django_filters.CharFilter(field_name="inspector__username", label=_("检查人用户名"))
    month = MonthFilter(field_name="planned_on", label=_("计划月份（YYYY-MM）"))
    planned_from = django_filters.DateFilter(
        field_name="planned_on", lookup_expr="gte", label=_("计划日期起")
    )
    planned_to = django_filters.DateFilter(field_name="planned_on", lookup_expr="lte", label=_("计划日期止"))

    class Meta:
        model = Inspection
        fields = ["state", "contractor", "street", "inspector", "month", "planned_from", "planned_to"]


class RectificationFilter(django_filters.FilterSet):
    contractor = django_filters.NumberFilter(field_name="contractor", label=_("作业单位 id"))
    street = django_filters.CharFilter(field_name="area__street__code", label=_("街道编码"))
    month = MonthFilter(field_name="done_on", label=_("整改月份（YYYY-MM）"))

    class Meta:
        model = Rectification
        fields = ["contractor", "street", "month"]


class MonthlyAssessmentFilter(django_filters.FilterSet):
    contractor = django_filters.NumberFilter(field_name="contractor", label=_("作业单位 id"))
    month = MonthFilter(field_name="month")
    grade = django_filters.CharFilter(label=_("作业质量等级"))
    street = django_filters.CharFilter(method="in_street", label=_("作业区域所在街道编码"))

    class Meta:
        model = MonthlyAssessment
        fields = ["contractor", "month", "grade", "street"]

    def in_street(self, qs, name, value):
        return qs.filter(Q(contractor__contracts__areas__street__code=value)).distinct()
