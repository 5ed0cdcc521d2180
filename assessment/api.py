"""/api/v1/assessment/: contractors, 随机抽查, 代为整改, 月度考核 and the street report (issue #24.4).

Reads need the model's view permission (core/roles.py); an inspector sees only the inspections given to
them. Writes are action endpoints calling assessment.services: refused 409 (state), 403 (role), 400 (input).
"""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from assessment import reports, selectors, services
from assessment.filters import (
    ContractorFilter,
    InspectionFilter,
    MonthlyAssessmentFilter,
    RectificationFilter,
    parse_month,
)
from assessment.models import Contractor, Finding, Inspection, MonthlyAssessment, Rectification
from assessment.serializers import (
    AssessSerializer,
    ContractorSerializer,
    DrawSerializer,
    InspectionDetailSerializer,
    InspectionSerializer,
    MonthlyAssessmentSerializer,
    RecordSerializer,
    RectificationSerializer,
    RegisteredSerializer,
    RegisterSerializer,
    StreetReportSerializer,
)
from cases.api import error_response
from cases.errors import ActionError, InvalidInput
from core.api import Pagination


class CanView(BasePermission):
    """The view permission of the view's `perm_model` or queryset's model (an inspector holds it only
    for inspections)."""

    def has_permission(self, request, view):
        model = getattr(view, "perm_model", None) or view.queryset.model
        return request.user.is_authenticated and request.user.has_perm(
            f"{model._meta.app_label}.view_{model._meta.model_name}"
        )


def _gate(request, perm: str) -> None:
    """A 403 before the input is read: who may not act learns nothing from a 400."""
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _month(value: str):
    first = parse_month(value)
    if first is None:
        raise InvalidInput("月份格式应为 YYYY-MM", field="month")
    return first


@extend_schema_view(list=extend_schema(summary="作业单位列表"), retrieve=extend_schema(summary="作业单位"))
class ContractorViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Contractor.objects.prefetch_related("contracts").order_by("name")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.contractors_for(self.request.user, self.queryset)  # their district's (§13)

    serializer_class = ContractorSerializer
    filterset_class = ContractorFilter
    pagination_class = Pagination
    permission_classes = [CanView]


@extend_schema_view(list=extend_schema(summary="随机抽查列表"), retrieve=extend_schema(summary="随机抽查"))
class InspectionViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Inspection.objects.all()
    filterset_class = InspectionFilter
    pagination_class = Pagination
    permission_classes = [CanView]
    ordering_fields = ["planned_on", "score", "inspected_at"]

    def get_queryset(self):
        qs = Inspection.objects.select_related(
            "area__street", "area__contract", "inspector", "checklist"
        ).order_by("-planned_on", "-id")
        if self.action == "retrieve":
            qs = qs.prefetch_related("findings__item", "findings__case", "dust_samples")
        if not self.request.user.has_perm("assessment.change_inspection"):
            qs = qs.filter(inspector=self.request.user)  # an inspector: their own inspections only
        return selectors.in_district(qs, self.request.user)

    def get_serializer_class(self):
        return InspectionDetailSerializer if self.action == "retrieve" else InspectionSerializer

    @extend_schema(
        summary="完成抽查：扣分项与以克论净取样",
        request=RecordSerializer,
        responses={200: InspectionDetailSerializer, 409: OpenApiResponse(description="该抽查已完成或已取消")},
    )
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        inspection = self.get_object()
        data = RecordSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        findings = [
            services.FindingInput(
                item=f["item"],
                count=f["count"],
                note=f["note"],
                lng=f["lng"],
                lat=f["lat"],
                photo=request.FILES.get(f"photo_{i}"),
            )
            for i, f in enumerate(data.validated_data["findings"])
        ]
        dust = [services.DustInput(d["weight_g"], d["sampled_m2"]) for d in data.validated_data["dust"]]
        try:
            services.inspection_record(
                inspection=inspection,
                actor=request.user,
                findings=findings,
                dust=dust,
                note=data.validated_data["note"],
            )
        except ActionError as exc:
            return error_response(exc)
        return Response(InspectionDetailSerializer(self.get_queryset().get(pk=inspection.pk)).data)

    @extend_schema(
        summary="随机抽取本月抽查任务", request=DrawSerializer, responses=InspectionSerializer(many=True)
    )
    @action(detail=False, methods=["post"])
    def draw(self, request):
        _gate(request, "assessment.add_inspection")
        data = DrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        users = list(get_user_model().objects.filter(username__in=data.validated_data["inspectors"]))
        try:
            if len(users) != len(set(data.validated_data["inspectors"])):
                raise InvalidInput("检查人用户名有误", field="inspectors")
            drawn = services.draw_inspections(
                month=_month(data.validated_data["month"]),
                actor=request.user,
                inspectors=users,
                per_contractor=data.validated_data["per_contractor"],
                seed=data.validated_data["seed"],
            )
        except ActionError as exc:
            return error_response(exc)
        return Response(InspectionSerializer(drawn, many=True).data, status=status.HTTP_201_CREATED)


class FindingViewSet(viewsets.GenericViewSet):
    queryset = Finding.objects.select_related("inspection")
    permission_classes = [CanView]
    serializer_class = RegisterSerializer

    def get_queryset(self):
        qs = super().get_queryset()
        if not self.request.user.has_perm("assessment.change_inspection"):
            qs = qs.filter(inspection__inspector=self.request.user)
        return selectors.in_district(qs, self.request.user, "inspection__area__")

    perm_model = Inspection  # seeing a finding is seeing its inspection

    @extend_schema(
        summary="扣分项挂号：登记为案件（带抽查照片）",
        request=RegisterSerializer,
        responses={201: RegisteredSerializer, 409: OpenApiResponse(description="该扣分项已登记为案件")},
    )
    @action(detail=True, methods=["post"])
    def register(self, request, pk=None):
        finding = self.get_object()
        data = RegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            case = services.finding_register(
                finding=finding,
                actor=request.user,
                category=data.validated_data["category"],
                description=data.validated_data["description"],
            )
        except ActionError as exc:
            return error_response(exc)
        return Response({"id": case.pk, "number": case.number}, status=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(summary="代为整改列表"), create=extend_schema(summary="登记代为整改"))
class RectificationViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    queryset = Rectification.objects.select_related("recorded_by").order_by("-done_on", "-id")
    serializer_class = RectificationSerializer
    filterset_class = RectificationFilter
    pagination_class = Pagination
    permission_classes = [CanView]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.rectifications_for(self.request.user, self.queryset)

    def create(self, request, *args, **kwargs):
        _gate(request, "assessment.add_rectification")
        data = RectificationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        try:
            row = services.rectification_record(
                contractor=v["contractor"],
                actor=request.user,
                done_on=v["done_on"],
                description=v["description"],
                cost=v["cost"],
                area=v.get("area"),
                finding=v.get("finding"),
                performed_by=v.get("performed_by", ""),
            )
        except ActionError as exc:
            return error_response(exc)
        return Response(RectificationSerializer(row).data, status=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(summary="月度考核列表"), retrieve=extend_schema(summary="月度考核"))
class MonthlyAssessmentViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = MonthlyAssessment.objects.select_related("contractor").order_by("-month", "contractor__name")
    serializer_class = MonthlyAssessmentSerializer
    filterset_class = MonthlyAssessmentFilter
    pagination_class = Pagination
    permission_classes = [CanView]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.contractors_for(self.request.user, self.queryset, "contractor_id")

    @extend_schema(
        summary="月度考核：计算并保存作业质量等级与扣款",
        request=AssessSerializer,
        responses=MonthlyAssessmentSerializer,
    )
    @action(detail=False, methods=["post"])
    def assess(self, request):
        _gate(request, "assessment.add_monthlyassessment")
        data = AssessSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contractor = Contractor.objects.filter(pk=data.validated_data["contractor"]).first()
        try:
            if contractor is None:
                raise InvalidInput("作业单位不存在", field="contractor")
            row = services.month_assess(
                contractor=contractor, month=_month(data.validated_data["month"]), actor=request.user
            )
        except ActionError as exc:
            return error_response(exc)
        return Response(MonthlyAssessmentSerializer(row).data)


class StreetReportView(APIView):
    """Per street: inspections, mean score, failed items, 挂号 cases, 代为整改 cost in a month."""

    perm_model = MonthlyAssessment
    permission_classes = [CanView]

    @extend_schema(
        summary="街道作业考核汇总",
        parameters=[OpenApiParameter("month", str, required=True, description="YYYY-MM")],
        responses=StreetReportSerializer(many=True),
    )
    def get(self, request):
        try:
            first = _month(request.query_params.get("month", ""))
        except ActionError as exc:
            return error_response(exc)
        rows = reports.street_report(
            *services.month_bounds(first), district=selectors.district_of(request.user)
        )
        return Response(StreetReportSerializer(rows, many=True).data)
