"""Read-only API for master data: categories, departments and managed components.

Everyone signed in may read master data (docs/domain.md §1: it is the admin's to change, in the admin site).
"""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from core.api import Pagination
from dispatch.filters import CategoryFilter, ComponentFilter, DepartmentFilter
from dispatch.models import Category, Component, Department
from dispatch.serializers import CategorySerializer, ComponentSerializer, DepartmentSerializer


@extend_schema_view(list=extend_schema(summary="案件类别列表"), retrieve=extend_schema(summary="案件类别"))
class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Category.objects.order_by("kind", "code")
    serializer_class = CategorySerializer
    filterset_class = CategoryFilter
    pagination_class = Pagination
    ordering_fields = ["code", "name", "major_code"]


@extend_schema_view(list=extend_schema(summary="部门列表"), retrieve=extend_schema(summary="部门"))
class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Department.objects.select_related("parent", "street").order_by("code")
    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilter
    pagination_class = Pagination
    ordering_fields = ["code", "name"]


@extend_schema_view(list=extend_schema(summary="管理部件列表"), retrieve=extend_schema(summary="管理部件"))
class ComponentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ComponentSerializer
    filterset_class = ComponentFilter
    pagination_class = Pagination
    ordering_fields = ["code", "status"]
    lookup_field = "code"
    # Component codes are digits only; say so, so /components/<anything>/ is a 404 before the database.
    lookup_value_regex = r"\d{16,17}"

    def get_queryset(self) -> QuerySet[Component]:
        return Component.objects.select_related(
            "category", "grid", "regulator", "owner", "maintainer"
        ).order_by("code")
