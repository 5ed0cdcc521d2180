"""/api/v1/patrols/ (start, upload a batch, end, the track) and /api/v1/patrol-coverage/ (docs/domain.md §12).

An inspector sees and changes only their own patrols; 领导/督查, 值班长 and the admin see everyone's
(core.roles.PATROL_SUPERVISOR_ROLES). Refused: 403 (who), 400 (input, naming the field).
"""

from datetime import date

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import Pagination
from core.roles import PATROL_ROLES, PATROL_SUPERVISOR_ROLES
from patrols import selectors, services
from patrols.filters import GridCoverageFilter, PatrolFilter
from patrols.models import GridCoverage, Patrol
from patrols.serializers import (
    GridCoverageSerializer,
    MissedPatrolSerializer,
    PatrolSerializer,
    PatrolStartSerializer,
    PatrolUploadResultSerializer,
    PatrolUploadSerializer,
)


def is_patrol_supervisor(user) -> bool:
    return bool(user.roles & PATROL_SUPERVISOR_ROLES) or user.is_superuser


class CanSeePatrols(BasePermission):
    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(
            user and user.is_authenticated and (user.roles & PATROL_ROLES or is_patrol_supervisor(user))
        )


class SupervisesPatrols(BasePermission):
    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and is_patrol_supervisor(request.user))


def _raise(error: services.PatrolError):
    if error.status == 403:
        raise PermissionDenied(error.message)
    raise ValidationError({error.field or "detail": [error.message]})


@extend_schema_view(list=extend_schema(summary="巡查列表"), retrieve=extend_schema(summary="巡查"))
class PatrolViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = PatrolSerializer
    filterset_class = PatrolFilter
    pagination_class = Pagination
    permission_classes = [CanSeePatrols]
    ordering_fields = ["started_at", "distance_m"]

    queryset = Patrol.objects.none()  # for the schema; get_queryset scopes to the user

    def get_queryset(self):
        patrols = Patrol.objects.select_related("inspector").order_by("-started_at")
        if getattr(self, "swagger_fake_view", False):
            return patrols
        if is_patrol_supervisor(self.request.user):  # their district's inspectors (docs/domain.md §13)
            return selectors.patrols_in(patrols, selectors.district_of(self.request.user))
        return patrols.filter(inspector=self.request.user)

    @extend_schema(summary="开始巡查", request=PatrolStartSerializer, responses={201: PatrolSerializer})
    def create(self, request):
        data = PatrolStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            patrol = services.patrol_start(
                actor=request.user, client_key=data.validated_data.get("client_key", "")
            )
        except services.PatrolError as error:
            _raise(error)
        return Response(PatrolSerializer(patrol).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="结束巡查", request=None, responses=PatrolSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        try:
            patrol = services.patrol_end(patrol=self.get_object(), actor=request.user)
        except services.PatrolError as error:
            _raise(error)
        return Response(PatrolSerializer(patrol).data)

    @extend_schema(
        summary="上传一批轨迹点",
        description="手机端缓存的定位点（WGS-84）按批上传；同一 batch_key 重发或同一时刻的点重发都只保存一次。",
        request=PatrolUploadSerializer,
        responses=PatrolUploadResultSerializer,
    )
    @action(detail=True, methods=["post"])
    def points(self, request, pk=None):
        data = PatrolUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            result = services.patrol_upload(
                patrol=self.get_object(),
                actor=request.user,
                batch_key=data.validated_data["batch_key"],
                points=data.validated_data["points"],
            )
        except services.PatrolError as error:
            _raise(error)
        return Response(
            PatrolUploadResultSerializer(
                {
                    "received": result.received,
                    "stored": result.stored,
                    "replayed": result.replayed,
                    "patrol": result.patrol,
                }
            ).data
        )

    @extend_schema(summary="巡查轨迹（GeoJSON）", responses={200: dict})
    @action(detail=True, methods=["get"])
    def track(self, request, pk=None):
        features = selectors.track_features([self.get_object()])
        return Response({"type": "FeatureCollection", "features": features})


@extend_schema_view(list=extend_schema(summary="网格巡查覆盖（按日）"))
class GridCoverageViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = GridCoverageSerializer
    filterset_class = GridCoverageFilter
    pagination_class = Pagination
    permission_classes = [SupervisesPatrols]
    ordering_fields = ["day", "coverage", "mileage_m"]

    def get_queryset(self):
        district = (
            None if getattr(self, "swagger_fake_view", False) else selectors.district_of(self.request.user)
        )
        return (
            GridCoverage.objects.filter(selectors.in_district(district))
            .select_related("grid")
            .order_by("-day", "grid__code")
        )


class MissedPatrolsView(APIView):
    permission_classes = [SupervisesPatrols]

    @extend_schema(
        summary="漏巡网格",
        description="按网格类别（一类每天、二类每两天……）截至某日未达巡查要求的网格。",
        parameters=[
            OpenApiParameter("day", date, description="截至日期（默认今天）"),
            OpenApiParameter("street", str, description="街道编码"),
        ],
        responses=MissedPatrolSerializer(many=True),
    )
    def get(self, request):
        try:
            day = date.fromisoformat(request.query_params.get("day") or timezone.localdate().isoformat())
        except ValueError:
            raise ValidationError({"day": ["日期格式应为 YYYY-MM-DD"]}) from None
        rows = selectors.missed_patrols(
            day, street=request.query_params.get("street"), district=selectors.district_of(request.user)
        )
        return Response(MissedPatrolSerializer(rows, many=True).data)
