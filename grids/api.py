"""Read-only API for the grid hierarchy and the position → grid lookup (everyone signed in may read)."""

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import Pagination
from grids.filters import CommunityFilter, GridFilter, StreetFilter
from grids.locator import locate
from grids.models import Community, District, Grid, Street
from grids.serializers import (
    CommunitySerializer,
    DistrictSerializer,
    GridLocationSerializer,
    GridSerializer,
    LocateErrorSerializer,
    StreetSerializer,
)

GEOMETRY_PARAM = OpenApiParameter(
    "geometry",
    OpenApiTypes.BOOL,
    description="是否返回边界 GeoJSON，默认返回；geometry=0 不返回（列表更小更快）",
)
_NO = {"0", "false", "no", "off"}


def _area_schema(label: str):
    return extend_schema_view(
        list=extend_schema(summary=f"{label}列表", parameters=[GEOMETRY_PARAM]),
        retrieve=extend_schema(summary=f"{label}（按编码）", parameters=[GEOMETRY_PARAM]),
    )


class AreaViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_field = "code"
    # Codes are digits only: anything else is a 404 before the database (and leaves room for /locate/).
    lookup_value_regex = r"\d+"
    pagination_class = Pagination
    ordering_fields = ["code", "name"]

    def include_geometry(self) -> bool:
        return self.request.query_params.get("geometry", "1").strip().lower() not in _NO

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "include_geometry": self.include_geometry()}

    def get_queryset(self) -> QuerySet:
        queryset = self.queryset.order_by("code")
        # Outlines can be large JSON: don't even load them when the client asked not to see them.
        return queryset if self.include_geometry() else queryset.defer("geometry")


@_area_schema("区")
class DistrictViewSet(AreaViewSet):
    queryset = District.objects.all()
    serializer_class = DistrictSerializer


@_area_schema("街道")
class StreetViewSet(AreaViewSet):
    queryset = Street.objects.select_related("district")
    serializer_class = StreetSerializer
    filterset_class = StreetFilter


@_area_schema("社区")
class CommunityViewSet(AreaViewSet):
    queryset = Community.objects.select_related("street__district")
    serializer_class = CommunitySerializer
    filterset_class = CommunityFilter


@_area_schema("单元网格")
class GridViewSet(AreaViewSet):
    queryset = Grid.objects.select_related("community__street__district").prefetch_related("inspectors")
    serializer_class = GridSerializer
    filterset_class = GridFilter
    ordering_fields = ["code", "name", "area_m2"]

    @extend_schema(
        summary="按位置定位单元网格",
        description="返回覆盖该位置（WGS84 经纬度）的唯一单元网格；位于网格共用边界上时取编码最小的网格。",
        parameters=[
            OpenApiParameter("lng", OpenApiTypes.DOUBLE, required=True, description="经度（WGS84）"),
            OpenApiParameter("lat", OpenApiTypes.DOUBLE, required=True, description="纬度（WGS84）"),
        ],
        responses={200: GridLocationSerializer, 400: LocateErrorSerializer},
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def locate(self, request: Request, format=None) -> Response:  # format: the router's ".json" suffix
        try:
            # Raises InvalidPosition (missing, non-numeric, out of range) or PointOutsideGrids: both ValueError.
            grid = locate(request.query_params.get("lng"), request.query_params.get("lat"))
        except ValueError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(GridLocationSerializer(grid, context=self.get_serializer_context()).data)
