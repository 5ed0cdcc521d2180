"""FilterSets shared by the API and pages for departments, categories and components."""

import math

import django_filters
from django.core.validators import RegexValidator
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from dispatch.categories import search_categories
from dispatch.models import Category, Component, Department

NEAR_RADIUS_M = 80
NEAR_RADIUS_MAX_M = 500


def near_box(lng: float, lat: float, radius_m: float) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a square of `radius_m` around a WGS-84 point (a city is small:
    the spherical approximation is centimetres off)."""
    dlat = radius_m / 111_320.0
    dlng = radius_m / (111_320.0 * max(math.cos(math.radians(lat)), 0.01))
    return lng - dlng, lat - dlat, lng + dlng, lat + dlat


class CategoryFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Category.Kind.choices, label=_("类型"))
    major_code = django_filters.CharFilter(label=_("大类编码"))
    standard = django_filters.ChoiceFilter(choices=Category.Standard.choices, label=_("标准"))
    is_active = django_filters.BooleanFilter(label=_("启用"))
    q = django_filters.CharFilter(method="search", label=_("搜索：名称、关键词、大类名称或编码前缀"))

    class Meta:
        model = Category
        fields = ["kind", "major_code", "standard", "is_active", "is_local"]

    def search(self, queryset: QuerySet[Category], name: str, value: str) -> QuerySet[Category]:
        return search_categories(value, queryset)


class DepartmentFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Department.Kind.choices, label=_("类型"))
    street = django_filters.CharFilter(field_name="street__code", label=_("属地街道编码"))
    is_active = django_filters.BooleanFilter(label=_("启用"))
    q = django_filters.CharFilter(method="search", label=_("搜索：名称或编码"))

    class Meta:
        model = Department
        fields = ["kind", "street", "is_active"]

    def search(self, queryset: QuerySet[Department], name: str, value: str) -> QuerySet[Department]:
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))


class ComponentFilter(django_filters.FilterSet):
    category = django_filters.CharFilter(field_name="category__code", label=_("部件类型编码"))
    grid = django_filters.CharFilter(field_name="grid__code", label=_("单元网格编码"))
    status = django_filters.ChoiceFilter(choices=Component.Status.choices, label=_("状态"))
    owner = django_filters.CharFilter(field_name="owner__code", label=_("权属单位编码"))
    q = django_filters.CharFilter(method="search", label=_("搜索：部件编码或名称"))
    # 部件 near a pin (docs/domain.md §12): a square of `radius` metres around "lng,lat"; nearest first
    # is the caller's job (dispatch.components_near sorts by distance).
    near = django_filters.CharFilter(
        method="filter_near",
        label=_("附近：经度,纬度（WGS-84）"),
        validators=[RegexValidator(r"^-?\d+(\.\d+)?,-?\d+(\.\d+)?$", _("格式应为 经度,纬度"))],
    )
    radius = django_filters.NumberFilter(method="keep", label=_("附近范围（米，默认 80，最大 500）"))

    class Meta:
        model = Component
        fields = ["category", "grid", "status", "owner"]

    def keep(self, queryset, name, value):
        return queryset  # read by filter_near

    def filter_near(self, queryset: QuerySet[Component], name: str, value: str) -> QuerySet[Component]:
        lng, lat = (float(v) for v in value.split(","))
        radius = self.form.cleaned_data.get("radius") or NEAR_RADIUS_M
        west, south, east, north = near_box(lng, lat, min(float(radius), NEAR_RADIUS_MAX_M))
        return queryset.filter(lng__range=(west, east), lat__range=(south, north))

    def search(self, queryset: QuerySet[Component], name: str, value: str) -> QuerySet[Component]:
        return queryset.filter(Q(code__contains=value) | Q(name__icontains=value))
