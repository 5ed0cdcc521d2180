"""/api/v1/enforcement/: parties, outcomes (with their follow-up actions), agencies, 联合执法, figures.

Reads: 综合执法 staff and the district-wide roles (enforcement.permissions.can_read); contacts only for
综合执法 staff. Writes go through enforcement.services: refused 409 (state), 403 (role/scope), 400 (input,
naming the field), with nothing saved.
"""

from datetime import date

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework import permissions as drf_permissions
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.api import error_response
from cases.errors import ActionError, ActionForbidden, InvalidInput
from cases.models import Case
from core.api import Pagination
from dispatch.models import Department
from enforcement import figures, permissions, selectors, services
from enforcement.filters import OutcomeFilter, PartyFilter
from enforcement.importers import PartyImportError, import_parties
from enforcement.models import Agency, JointOperation, Outcome, Party
from enforcement.serializers import (
    AgencySerializer,
    CheckSerializer,
    ConfirmSerializer,
    ContactSerializer,
    FeedbackSerializer,
    FiguresRowSerializer,
    JointOperationCreateSerializer,
    JointOperationSerializer,
    OutcomeCreateSerializer,
    OutcomeSerializer,
    PartySerializer,
    PartyWriteSerializer,
    ReceiptSerializer,
)
from grids.models import Street


class CanRead(drf_permissions.BasePermission):
    message = "无权查看执法数据"

    def has_permission(self, request, view):
        return permissions.can_read(request.user)


def _call(fn, **kwargs):
    try:
        return fn(**kwargs), None
    except ActionError as exc:
        return None, error_response(exc)


def _valid(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@extend_schema_view(list=extend_schema(summary="责任主体列表"), retrieve=extend_schema(summary="责任主体"))
class PartyViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = r"[0-9]+"
    serializer_class = PartySerializer
    filterset_class = PartyFilter
    pagination_class = Pagination
    permission_classes = [CanRead]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        parties = Party.objects.select_related("street").prefetch_related("letters")
        if not getattr(self, "swagger_fake_view", False):
            parties = selectors.parties_for(self.request.user, parties)  # their district's (§13)
        return parties.order_by("street__code", "name")

    @extend_schema(request=PartyWriteSerializer, responses={201: PartySerializer}, summary="登记责任主体")
    def create(self, request):
        if not (permissions.is_enforcement_staff(request.user) or request.user.has_role("admin")):
            return error_response(ActionForbidden("只有综合执法人员或管理员可以登记责任主体"))
        data = dict(_valid(PartyWriteSerializer, request))
        data["street"] = Street.objects.filter(code=data["street"]).first()
        if data["street"] is None:
            return error_response(InvalidInput("街道编码不存在", field="street"))
        party, refused = _call(services.party_save, actor=request.user, **data)
        if refused:
            return refused
        return Response(
            PartySerializer(party, context={"request": request}).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=ContactSerializer, responses={201: ContactSerializer}, summary="记录告知/约谈")
    @action(detail=True, methods=["post"])
    def contacts(self, request, pk=None):
        party = self.get_object()
        data = _valid(ContactSerializer, request)
        record, refused = _call(
            services.party_contact_record,
            party=party,
            actor=request.user,
            kind=data["kind"],
            note=data["note"],
            case=data.get("case"),
        )
        return refused or Response(ContactSerializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        },
        responses={200: dict, 400: dict},
        summary="导入责任主体（CSV/xlsx，全部通过才写入）",
    )
    @action(detail=False, methods=["post"], url_path="import")
    def import_file(self, request):
        if not (permissions.is_enforcement_staff(request.user) or request.user.has_role("admin")):
            return error_response(ActionForbidden("只有综合执法人员或管理员可以导入责任主体"))
        upload = request.FILES.get("file")
        if upload is None:
            return error_response(InvalidInput("请选择文件", field="file"))
        try:
            result = import_parties(upload.read(), upload.name, actor=request.user)
        except PartyImportError as exc:
            return Response({"detail": "文件有错误，未导入任何数据", "errors": exc.errors}, status=400)
        return Response({"created": result.created, "updated": result.updated, "letters": result.letters})

    @extend_schema(
        parameters=[OpenApiParameter("street", str, description="街道编码")],
        responses=PartySerializer(many=True),
        summary="屡犯名单（按街道）",
    )
    @action(
        detail=False, methods=["get"], url_path="repeat-offenders", pagination_class=None, filter_backends=[]
    )
    def repeat_offenders(self, request):
        street = Street.objects.filter(code=request.query_params.get("street", "")).first()
        qs = selectors.parties_for(request.user, services.repeat_offenders(street=street))
        qs = qs.prefetch_related("letters")
        return Response(PartySerializer(qs, many=True, context={"request": request}).data)


@extend_schema_view(list=extend_schema(summary="执法结果列表"), retrieve=extend_schema(summary="执法结果"))
class OutcomeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_value_regex = r"[0-9]+"
    serializer_class = OutcomeSerializer
    filterset_class = OutcomeFilter
    pagination_class = Pagination
    permission_classes = [CanRead]

    def get_queryset(self):
        outcomes = Outcome.objects.select_related("case", "party", "unit", "agency")
        if not getattr(self, "swagger_fake_view", False):
            outcomes = selectors.outcomes_for(self.request.user, outcomes)
        return outcomes.order_by("-issued_at", "-pk")

    @extend_schema(
        request=OutcomeCreateSerializer, responses={201: OutcomeSerializer}, summary="录入执法结果"
    )
    def create(self, request):
        data = _valid(OutcomeCreateSerializer, request)
        case = Case.objects.filter(pk=data["case"]).first()
        if case is None:
            return error_response(InvalidInput("案件不存在", field="case"))
        kind, common = data["kind"], {"case": case, "actor": request.user, "note": data["note"]}
        if kind == Outcome.Kind.PERSUASION:
            call = (services.outcome_persuade, common)
        elif kind == Outcome.Kind.RECTIFICATION:
            if "deadline" not in data:
                return error_response(InvalidInput("请填写改正期限", field="deadline"))
            call = (
                services.outcome_rectify,
                {**common, "deadline": data["deadline"], "number": data["number"]},
            )
        elif kind == Outcome.Kind.PENALTY:
            if "fine" not in data:
                return error_response(InvalidInput("请填写罚款金额", field="fine"))
            call = (
                services.outcome_penalize,
                {
                    **common,
                    "number": data["number"],
                    "legal_basis": data["legal_basis"],
                    "fine": data["fine"],
                    "paid": data["paid"],
                },
            )
        elif kind == Outcome.Kind.WAIVER:
            call = (services.outcome_waive, common)
        else:
            call = (services.outcome_transfer, {**common, "agency": data.get("agency")})
        outcome, refused = _call(call[0], **call[1])
        return refused or Response(OutcomeSerializer(outcome).data, status=status.HTTP_201_CREATED)

    def _act(self, request, pk, fn, serializer_class=None, **extra):
        outcome = get_object_or_404(selectors.outcomes_for(request.user), pk=pk)
        data = _valid(serializer_class, request) if serializer_class else {}
        done, refused = _call(fn, outcome=outcome, actor=request.user, **data, **extra)
        return refused or Response(OutcomeSerializer(done).data)

    @extend_schema(request=CheckSerializer, responses=OutcomeSerializer, summary="复查责令改正")
    @action(detail=True, methods=["post"], permission_classes=[drf_permissions.IsAuthenticated])
    def check(self, request, pk=None):
        return self._act(request, pk, services.outcome_check, CheckSerializer)

    @extend_schema(request=None, responses=OutcomeSerializer, summary="登记罚款已缴纳")
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        return self._act(request, pk, services.outcome_mark_paid)

    @extend_schema(request=ReceiptSerializer, responses=OutcomeSerializer, summary="登记移送回执")
    @action(detail=True, methods=["post"])
    def receipt(self, request, pk=None):
        return self._act(request, pk, services.transfer_receipt, ReceiptSerializer)

    @extend_schema(request=FeedbackSerializer, responses=OutcomeSerializer, summary="登记移送办理结果")
    @action(detail=True, methods=["post"])
    def feedback(self, request, pk=None):
        return self._act(request, pk, services.transfer_feedback, FeedbackSerializer)


class CasePartyView(APIView):
    """POST /enforcement/cases/{id}/party/{confirm|dismiss}/: staff confirm the suggested party or dismiss it."""

    @extend_schema(request=ConfirmSerializer, responses={200: dict}, summary="确认或排除案件的责任主体")
    def post(self, request, pk: int, decision: str):
        case = get_object_or_404(selectors.cases_for(request.user), pk=pk)
        data = _valid(ConfirmSerializer, request)
        if decision == "confirm":
            link, refused = _call(
                services.case_party_confirm,
                case=case,
                actor=request.user,
                party=data["party"],
                note=data["note"],
            )
        else:
            link, refused = _call(
                services.case_party_dismiss, case=case, actor=request.user, note=data["note"]
            )
        if refused:
            return refused
        return Response({"case": case.pk, "party": link.party_id, "state": link.state})


@extend_schema_view(list=extend_schema(summary="移送机关"))
class AgencyViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = AgencySerializer
    queryset = Agency.objects.order_by("code")
    permission_classes = [CanRead]


@extend_schema_view(list=extend_schema(summary="联合执法列表"))
class JointOperationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = JointOperationSerializer
    pagination_class = Pagination
    permission_classes = [CanRead]

    def get_queryset(self):
        operations = JointOperation.objects.prefetch_related("departments", "cases")
        if not getattr(self, "swagger_fake_view", False):
            operations = selectors.operations_for(self.request.user, operations)
        return operations.order_by("-date", "-pk")

    @extend_schema(
        request=JointOperationCreateSerializer,
        responses={201: JointOperationSerializer},
        summary="登记联合执法",
    )
    def create(self, request):
        data = _valid(JointOperationCreateSerializer, request)
        departments = list(Department.objects.filter(code__in=data["departments"]))
        cases = list(Case.objects.filter(number__in=data["cases"]))
        if len(cases) != len(set(data["cases"])):
            return error_response(InvalidInput("有案件编号不存在", field="cases"))
        with transaction.atomic():
            op, refused = _call(
                services.joint_operation_create,
                actor=request.user,
                day=data["date"],
                area=data["area"],
                departments=departments,
                findings=data["findings"],
                cases=cases,
                street=Street.objects.filter(code=data["street"]).first() if data["street"] else None,
            )
        return refused or Response(JointOperationSerializer(op).data, status=status.HTTP_201_CREATED)


class FiguresView(APIView):
    permission_classes = [CanRead]

    @extend_schema(
        parameters=[
            OpenApiParameter("from", date, description="起始日期（含），默认本年 1 月 1 日"),
            OpenApiParameter("to", date, description="截止日期（含），默认今天"),
            OpenApiParameter("by", str, enum=list(figures.GROUPS), description="分组；不填为合计"),
            OpenApiParameter("street", str),
            OpenApiParameter("department", str),
            OpenApiParameter("category", str),
        ],
        responses=FiguresRowSerializer(many=True),
        summary="执法统计：检查、责令改正、按期改正率、处罚、罚款、首违免罚、移送、屡犯率",
    )
    def get(self, request):
        today = timezone.localdate()
        try:
            start = date.fromisoformat(request.query_params.get("from") or f"{today.year}-01-01")
            end = date.fromisoformat(request.query_params.get("to") or today.isoformat())
        except ValueError:
            raise ValidationError({"from": ["日期格式应为 YYYY-MM-DD"]}) from None
        by = request.query_params.get("by") or None
        if by not in (None, *figures.GROUPS):
            raise ValidationError({"by": [f"应为 {'、'.join(figures.GROUPS)} 之一"]})
        filters = {k: request.query_params.get(k) for k in figures.FILTERS if request.query_params.get(k)}
        for name, value in filters.items():
            if "\x00" in value or len(value) > 50:
                raise ValidationError({name: ["编码无效"]})
        rows = figures.figures(start, end, by=by, district=selectors.district_of(request.user), **filters)
        return Response(FiguresRowSerializer(rows, many=True).data)
