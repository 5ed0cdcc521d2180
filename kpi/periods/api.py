"""/api/v1/kpi/periods/…, /api/v1/kpi/appeals/…, /api/v1/kpi/as-of/, /api/v1/kpi/formula/ (issue #24).

Closing, correcting and appealing go through kpi/periods/services.py; a refused action is 409 with
the reason, a forbidden one 403, bad input 400 naming the field (cases/api.py error_response).
"""

from urllib.parse import quote

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.api import error_response
from cases.errors import ActionError
from kpi.dates import validate_kpi_date
from kpi.definitions import formulas_in_force
from kpi.models import AssessmentPeriod, AssessmentRevision, KpiAppeal, KpiSettings, PeriodKind
from kpi.periods import export, services
from kpi.periods.table import LEVELS


def _require(user, action: str) -> None:
    if not services.can(user, action):
        raise PermissionDenied("无权执行此考核操作")


class AdjustmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    level = serializers.CharField()
    object_id = serializers.IntegerField()
    figure = serializers.CharField()
    original = serializers.FloatField(allow_null=True)
    value = serializers.FloatField()
    reason = serializers.CharField()
    created_by = serializers.CharField()
    created_at = serializers.DateTimeField()


class RevisionSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    created_by = serializers.CharField()
    reason = serializers.CharField()
    formula_version = serializers.CharField()
    appeal = serializers.IntegerField(source="appeal_id", allow_null=True)
    case_count = serializers.SerializerMethodField()
    excluded = serializers.ListField(child=serializers.IntegerField())

    def get_case_count(self, obj) -> int:
        return len(obj.cases)


class RevisionSerializer(RevisionSummarySerializer):
    formula = serializers.JSONField()
    cases = serializers.ListField(child=serializers.IntegerField())
    table = serializers.JSONField(
        help_text="{level: [{rank, id, code, name, counts, rates, parts, score, grade}]}"
    )
    adjustments = AdjustmentSerializer(many=True, source="adjustments.all")


class AssessmentPeriodSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    cutoff = serializers.DateTimeField()
    closed_by = serializers.CharField()
    closed_role = serializers.CharField()
    closed_at = serializers.DateTimeField()
    note = serializers.CharField()
    revisions = RevisionSummarySerializer(many=True, source="revisions.all")


class CloseSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PeriodKind.choices)
    date = serializers.DateField(validators=[validate_kpi_date], help_text="考核期内的任一天")
    cutoff = serializers.DateTimeField(required=False, help_text="截止时刻（默认：现在）")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class PeriodParams(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PeriodKind.choices, required=False)
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2099)


class PeriodListView(APIView):
    @extend_schema(
        parameters=[PeriodParams], responses=AssessmentPeriodSerializer(many=True), summary="已关账的考核期"
    )
    def get(self, request):
        _require(request.user, "view")
        params = PeriodParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        qs = AssessmentPeriod.objects.select_related("closed_by").prefetch_related("revisions__created_by")
        if params.validated_data.get("kind"):
            qs = qs.filter(kind=params.validated_data["kind"])
        if params.validated_data.get("year"):
            qs = qs.filter(start__year=params.validated_data["year"])
        return Response(AssessmentPeriodSerializer(qs, many=True).data)

    @extend_schema(
        request=CloseSerializer, responses={201: AssessmentPeriodSerializer}, summary="关账（冻结考核表）"
    )
    def post(self, request):
        _require(request.user, "close")
        data = CloseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        try:
            period = services.close_period(
                kind=v["kind"], day=v["date"], actor=request.user, cutoff=v.get("cutoff"), note=v["note"]
            )
        except ActionError as exc:
            return error_response(exc)
        return Response(AssessmentPeriodSerializer(period).data, status=status.HTTP_201_CREATED)


class PeriodDetailView(APIView):
    @extend_schema(responses=AssessmentPeriodSerializer, summary="考核期")
    def get(self, request, pk: int):
        _require(request.user, "view")
        return Response(AssessmentPeriodSerializer(get_object_or_404(AssessmentPeriod, pk=pk)).data)


class RevisionView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("level", str, enum=list(LEVELS), required=False, description="只返回一类对象")
        ],
        responses=RevisionSerializer,
        summary="考核表版本（冻结的指标、得分、等级与调整）",
    )
    def get(self, request, pk: int):
        _require(request.user, "view")
        revision = get_object_or_404(AssessmentRevision.objects.select_related("created_by"), pk=pk)
        body = RevisionSerializer(revision).data
        level = request.query_params.get("level")
        if level:
            if level not in LEVELS:
                return Response({"level": [f"应为 {', '.join(LEVELS)} 之一"]}, status=400)
            body["table"] = {level: revision.table.get(level, [])}
        return Response(body)


class RevisionExportView(APIView):
    @extend_schema(responses={(200, export.XLSX_CONTENT_TYPE): bytes}, summary="导出考核表版本（xlsx）")
    def get(self, request, pk: int):
        _require(request.user, "view")
        revision = get_object_or_404(AssessmentRevision.objects.select_related("period"), pk=pk)
        response = HttpResponse(export.to_xlsx(revision), content_type=export.XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(export.filename(revision))}"
        return response


class AdjustSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=LEVELS)
    object_id = serializers.IntegerField()
    figure = serializers.CharField(help_text="score，或 counts / rates / parts 中的指标键")
    value = serializers.FloatField()
    reason = serializers.CharField()


class AdjustView(APIView):
    @extend_schema(
        request=AdjustSerializer, responses={201: AdjustmentSerializer}, summary="调整已关账的指标"
    )
    def post(self, request, pk: int):
        _require(request.user, "adjust")
        revision = get_object_or_404(AssessmentRevision, pk=pk)
        data = AdjustSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            adjustment = services.adjust_figure(revision=revision, actor=request.user, **data.validated_data)
        except ActionError as exc:
            return error_response(exc)
        return Response(AdjustmentSerializer(adjustment).data, status=status.HTTP_201_CREATED)


class AppealSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    period = serializers.IntegerField(source="period_id")
    case = serializers.IntegerField(source="case_id")
    case_number = serializers.CharField(source="case.number")
    reason = serializers.CharField()
    state = serializers.CharField()
    requested_by = serializers.CharField()
    requested_at = serializers.DateTimeField()
    decided_by = serializers.CharField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField()


class AppealCreateSerializer(serializers.Serializer):
    period = serializers.IntegerField()
    case = serializers.CharField(help_text="案件 id 或案件编号")
    reason = serializers.CharField()


class AppealParams(serializers.Serializer):
    period = serializers.IntegerField(required=False)
    state = serializers.ChoiceField(choices=KpiAppeal.State.choices, required=False)


class AppealListView(APIView):
    @extend_schema(parameters=[AppealParams], responses=AppealSerializer(many=True), summary="考核申诉")
    def get(self, request):
        if not (services.can(request.user, "view") or services.can(request.user, "appeal")):
            raise PermissionDenied("无权查看考核申诉")
        params = AppealParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        qs = KpiAppeal.objects.select_related("case", "requested_by", "decided_by")
        if not services.can(request.user, "view"):
            qs = qs.filter(requested_by=request.user)  # a department sees its own appeals
        for key in ("period", "state"):
            if params.validated_data.get(key):
                qs = qs.filter(**{key: params.validated_data[key]})
        return Response(AppealSerializer(qs, many=True).data)

    @extend_schema(
        request=AppealCreateSerializer, responses={201: AppealSerializer}, summary="申诉（不计入考核）"
    )
    def post(self, request):
        _require(request.user, "appeal")
        data = AppealCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # A period named in the body that does not exist is bad input (400 naming the field), not a 404:
        # the route itself exists.
        period = AssessmentPeriod.objects.filter(pk=data.validated_data["period"]).first()
        if period is None:
            raise serializers.ValidationError({"period": [_("没有这个考核期")]})
        case = data.validated_data["case"]
        try:
            appeal = services.submit_appeal(
                period=period,
                case=int(case) if case.isdigit() else case,
                reason=data.validated_data["reason"],
                actor=request.user,
            )
        except ActionError as exc:
            return error_response(exc)
        return Response(AppealSerializer(appeal).data, status=status.HTTP_201_CREATED)


class DecideSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class AppealDecideView(APIView):
    @extend_schema(
        request=DecideSerializer, responses=AppealSerializer, summary="审批申诉（批准即生成新版本）"
    )
    def post(self, request, pk: int):
        _require(request.user, "decide_appeal")
        appeal = get_object_or_404(KpiAppeal, pk=pk)
        data = DecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            appeal = services.decide_appeal(appeal=appeal, actor=request.user, **data.validated_data)
        except ActionError as exc:
            return error_response(exc)
        return Response(AppealSerializer(appeal).data)


class AsOfParams(serializers.Serializer):
    level = serializers.ChoiceField(choices=LEVELS)
    date_from = serializers.DateField(validators=[validate_kpi_date])
    date_to = serializers.DateField(validators=[validate_kpi_date])
    at = serializers.DateTimeField(required=False, help_text="重算时刻（默认：现在）")

    def validate(self, attrs):
        if attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"date_to": ["结束日期不能早于开始日期"]})
        if (attrs["date_to"] - attrs["date_from"]).days > 92:
            raise serializers.ValidationError({"date_to": ["按时刻重算最多 93 天"]})
        return attrs


class AsOfSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    level = serializers.CharField()
    case_count = serializers.IntegerField()
    rows = serializers.JSONField(
        help_text="与考核表同形的行：rank, id, code, name, counts, rates, parts, score, grade"
    )


class FormulaSerializer(serializers.Serializer):
    composites = serializers.JSONField(help_text="[{kind, label, formula}]")
    bands = serializers.JSONField(help_text="[{key, label, rows: [{range, score}]}]")
    grades = serializers.CharField()


class AsOfView(APIView):
    @extend_schema(
        parameters=[AsOfParams],
        responses=AsOfSerializer,
        summary="按任一过去时刻重放事件重算考核表（一类对象）",
    )
    def get(self, request):
        _require(request.user, "view")
        params = AsOfParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        v = params.validated_data
        at = min(v.get("at") or timezone.now(), timezone.now())
        table, cases = services.compute_table(v["date_from"], v["date_to"], at)
        return Response({"at": at, "level": v["level"], "case_count": len(cases), "rows": table[v["level"]]})


class FormulaView(APIView):
    @extend_schema(responses=FormulaSerializer, summary="现行公式：综合得分权重、得分分档与等级线")
    def get(self, request):
        _require(request.user, "view")
        return Response(formulas_in_force(KpiSettings.load().snapshot()))
