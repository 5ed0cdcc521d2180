"""FilterSets for the grid hierarchy, by code: codes are what other systems and people hand over."""

import django_filters
from django.utils.translation import gettext_lazy as _

from grids.models import Community, Grid, Street


class GridFilter(django_filters.FilterSet):
    district = django_filters.CharFilter(field_name="community__street__district__code", label=_("区编码"))
    street = django_filters.CharFilter(field_name="community__street__code", label=_("街道编码"))
    community = django_filters.CharFilter(field_name="community__code", label=_("社区编码"))
    code_prefix = django_filters.CharFilter(
        field_name="code", lookup_expr="startswith", label=_("网格编码前缀")
    )
    inspector = django_filters.CharFilter(field_name="inspectors__username", label=_("网格责任监督员用户名"))

    class Meta:
        model = Grid
        fields = ["district", "street", "community", "code_prefix", "inspector"]


class CommunityFilter(django_filters.FilterSet):
    district = django_filters.CharFilter(field_name="street__district__code", label=_("区编码"))
    street = django_filters.CharFilter(field_name="street__code", label=_("街道编码"))
    code_prefix = django_filters.CharFilter(
        field_name="code", lookup_expr="startswith", label=_("社区编码前缀")
    )

    class Meta:
        model = Community
        fields = ["district", "street", "code_prefix"]


class StreetFilter(django_filters.FilterSet):
    district = django_filters.CharFilter(field_name="district__code", label=_("区编码"))
    code_prefix = django_filters.CharFilter(
        field_name="code", lookup_expr="startswith", label=_("街道编码前缀")
    )

    class Meta:
        model = Street
        fields = ["district", "code_prefix"]
