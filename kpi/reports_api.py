"""/api/v1/kpi/reports/{cadence}/?date=YYYY-MM-DD&format=json|csv|xlsx (kpi/reports.py, kpi/exports.py).

`format` is DRF's own format override, so csv and xlsx are renderers here: content negotiation then
accepts them, and an unknown format is a 400 naming `format` rather than DRF's bare 404. Errors are
always JSON, whatever format was asked for.
"""

from datetime import timedelta

from django.http import Http404, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.channel_api import ChannelCodeField
from kpi import exports, reports
from kpi.dates import validate_kpi_date

SECTIONS = [
    ("headline", "主要指标"),
    ("streets", "街道排名"),
    ("departments", "部门排名"),
    ("majors", "大类分布"),
    ("sources", "来源分布"),
    ("hot_cells", "热点网格"),
    ("repeated_places", "重复发生地点"),
]


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class XLSXRenderer(BaseRenderer):
    media_type = exports.XLSX_CONTENT_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class ReportQuery(serializers.Serializer):
    date = serializers.DateField(required=False, help_text=_("报表周期内的任一天，默认昨天"))
    format = serializers.ChoiceField(
        choices=["json", "csv", "xlsx"], required=False, default="json", help_text=_("输出格式")
    )
    section = serializers.ChoiceField(
        choices=SECTIONS, required=False, default="headline", help_text=_("CSV 导出哪一张表（默认主要指标）")
    )
    street = serializers.CharField(required=False, allow_blank=True, help_text=_("街道编码"))
    community = serializers.CharField(required=False, allow_blank=True, help_text=_("社区编码"))
    grid = serializers.CharField(required=False, allow_blank=True, help_text=_("单元网格编码"))
    department = serializers.CharField(required=False, allow_blank=True, help_text=_("主办部门编码"))
    category = serializers.CharField(required=False, allow_blank=True, help_text=_("小类编码"))
    major = serializers.CharField(required=False, allow_blank=True, help_text=_("大类编码"))
    source = ChannelCodeField(required=False, allow_blank=True)

    def validate_date(self, value):
        if value > reports.timezone.localdate():
            raise serializers.ValidationError(_("不能晚于今天"))
        validate_kpi_date(value)  # the previous period of 0001-01-01 is off the calendar
        return value


class ColumnSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    type = serializers.CharField(help_text=_("text/int/number/percent/date/datetime/figure（按行 unit）"))


class SectionSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    note = serializers.CharField()
    columns = ColumnSerializer(many=True)
    rows = serializers.ListField(child=serializers.DictField(), help_text=_("每行以列 key 为键；比率为小数"))


class PeriodSerializer(serializers.Serializer):
    to = serializers.DateField()
    label = serializers.CharField(required=False)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField()  # a Python keyword, so not declarable as an attribute
        return fields


class ReportSerializer(serializers.Serializer):
    cadence = serializers.CharField()
    cadence_label = serializers.CharField()
    title = serializers.CharField()
    period = PeriodSerializer()
    previous = PeriodSerializer()
    complete = serializers.BooleanField(help_text=_("周期已结束"))
    generated_at = serializers.DateTimeField()
    filters = serializers.DictField(child=serializers.CharField())
    sections = SectionSerializer(many=True)


class ReportView(APIView):
    """A 日巡查 / 周统计 / 旬反馈 / 月总结 report for the period containing `date`, as JSON, CSV or xlsx."""

    renderer_classes = [JSONRenderer, CSVRenderer, XLSXRenderer]

    def perform_content_negotiation(self, request, force=False):
        try:
            return super().perform_content_negotiation(request, force)
        except (Http404, NotFound):  # DRF raises Django's Http404 for an unknown ?format=
            raise ValidationError({"format": [_("不支持的格式，可选 json、csv、xlsx")]}) from None

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(response, Response) and response.status_code >= 400:
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
        return super().finalize_response(request, response, *args, **kwargs)

    @extend_schema(
        summary="日巡查、周统计、旬反馈、月总结报表",
        parameters=[
            OpenApiParameter(
                "cadence", str, OpenApiParameter.PATH, enum=list(reports.CADENCES), description="报表周期"
            ),
            ReportQuery,
        ],
        responses={
            (200, "application/json"): ReportSerializer,
            (200, "text/csv"): OpenApiTypes.STR,
            (200, exports.XLSX_CONTENT_TYPE): OpenApiTypes.BINARY,
        },
    )
    def get(self, request: Request, cadence: str) -> Response | HttpResponse:
        query = ReportQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = dict(query.validated_data)
        day = params.pop("date", None) or reports.timezone.localdate() - timedelta(days=1)
        fmt, section = params.pop("format"), params.pop("section")
        try:
            report = reports.build_report(cadence, day, user=request.user, **params)
        except reports.ReportError as exc:
            raise ValidationError({exc.field: [exc.message]}) from None
        if fmt == "json":
            return Response(reports.report_to_json(report))
        if fmt == "csv":
            body, content_type, ext = exports.to_csv(report, section), exports.CSV_CONTENT_TYPE, "csv"
        else:
            body, content_type, ext = exports.to_xlsx(report), exports.XLSX_CONTENT_TYPE, "xlsx"
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(True, exports.filename(report, ext))
        return response
