"""FilterSets for the patrol API and pages."""

import django_filters
from django.utils.translation import gettext_lazy as _

from patrols.models import GridCoverage, Patrol


class PatrolFilter(django_filters.FilterSet):
    inspector = django_filters.CharFilter(field_name="inspector__username", label=_("监督员用户名"))
    day = django_filters.DateFilter(label=_("日期"))
    day_from = django_filters.DateFilter(field_name="day", lookup_expr="gte", label=_("起始日期"))
    day_to = django_filters.DateFilter(field_name="day", lookup_expr="lte", label=_("截止日期"))
    status = django_filters.ChoiceFilter(choices=Patrol.Status.choices, label=_("状态"))

    class Meta:
        model = Patrol
        fields = ["inspector", "day", "status"]


class GridCoverageFilter(django_filters.FilterSet):
    day = django_filters.DateFilter(label=_("日期"))
    day_from = django_filters.DateFilter(field_name="day", lookup_expr="gte", label=_("起始日期"))
    day_to = django_filters.DateFilter(field_name="day", lookup_expr="lte", label=_("截止日期"))
    grid = django_filters.CharFilter(field_name="grid__code", label=_("单元网格编码"))
    community = django_filters.CharFilter(field_name="grid__community__code", label=_("社区编码"))
    street = django_filters.CharFilter(field_name="grid__community__street__code", label=_("街道编码"))
    min_coverage = django_filters.NumberFilter(
        field_name="coverage", lookup_expr="gte", label=_("最低覆盖率 (0–1)")
    )
    max_coverage = django_filters.NumberFilter(
        field_name="coverage", lookup_expr="lte", label=_("最高覆盖率 (0–1)")
    )

    class Meta:
        model = GridCoverage
        fields = ["day", "grid"]
