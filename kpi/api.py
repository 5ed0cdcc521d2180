"""/api/v1/kpi/…: the KPI figures of kpi/queries.py over HTTP, read-only.

District-wide roles (supervisor, shift leader, operator, dispatcher, hotline, admin) see everything (their
district's, when their user names one: docs/domain.md §13; the city supervisor every district);
a department user sees only their department's figures (the department filter is forced; asking
for another department is 403) and no people rankings. Every count carries `cases_url`, the
/api/v1/cases/ list of exactly the cases behind it.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.channel_api import ChannelCodeField
from core.roles import CITY_ROLES, DISTRICT_WIDE_ROLES, Role
from kpi import queries
from kpi.dates import validate_kpi_date
from kpi.definitions import AREA_COUNTS

# Who may read the ranking of the districts (docs/domain.md §13).
CITY_RANKING_ROLES = CITY_ROLES | {Role.SUPERVISOR, Role.SHIFT_LEADER, Role.ADMIN}


def kpi_date_field(**kwargs) -> serializers.DateField:
    """A date query parameter of the KPI API, held to the dates kpi/dates.py allows."""
    return serializers.DateField(validators=[validate_kpi_date], **kwargs)


class FilterParams(serializers.Serializer):
    date_from = kpi_date_field(required=False, help_text="统计期起（含），默认本月 1 日")
    date_to = kpi_date_field(required=False, help_text="统计期止（含），默认今天")
    district = serializers.CharField(required=False, help_text="区编码（多区部署）")
    street = serializers.CharField(required=False, help_text="街道编码")
    community = serializers.CharField(required=False, help_text="社区编码")
    grid = serializers.CharField(required=False, help_text="网格编码")
    department = serializers.CharField(required=False, help_text="主办部门编码")
    category = serializers.CharField(required=False, help_text="小类编码")
    major = serializers.CharField(required=False, help_text="大类编码")
    kind = serializers.ChoiceField(
        choices=[("component", "部件"), ("event", "事项")],
        required=False,
        help_text="部件/事项：部件与事项的大类、小类编码会重复，与 major、category 一起使用",
    )
    source = serializers.ListField(
        child=ChannelCodeField(), required=False, help_text="来源渠道编码（可多选，/api/v1/channels/）"
    )

    def validate(self, data):
        today = timezone.localdate()
        data.setdefault("date_to", today)
        data.setdefault("date_from", data["date_to"].replace(day=1))
        if data["date_from"] > data["date_to"]:
            raise serializers.ValidationError({"date_from": "统计期起不能晚于统计期止"})
        if (data["date_to"] - data["date_from"]).days > 3660:
            raise serializers.ValidationError({"date_from": "统计期不能超过十年"})
        if "source" in data:
            data["source"] = sorted(data["source"])
        return data


class TrendParams(FilterParams):
    granularity = serializers.ChoiceField(
        choices=[("day", "日"), ("week", "周"), ("xun", "旬"), ("month", "月")], default="day"
    )


class RankingParams(FilterParams):
    level = serializers.ChoiceField(
        choices=[
            ("street", "街道"),
            ("community", "社区"),
            ("grid", "网格"),
            ("department", "部门"),
            (Role.INSPECTOR.value, "监督员"),
            (Role.OPERATOR.value, "受理员"),
            (Role.SHIFT_LEADER.value, "值班长"),
            (Role.DISPATCHER.value, "派遣员"),
        ],
        default="street",
    )


class DistrictRankingParams(FilterParams):
    by = serializers.ChoiceField(
        choices=[
            ("score", "综合得分"),
            ("closure_rate", "结案率"),
            ("on_time_closure_rate", "按期结案率"),
            ("satisfaction_rate", "满意率"),
            ("filing_rate", "立案率"),
            ("dispose_on_time_rate", "按期处置率"),
        ],
        default="score",
        help_text="排名依据：综合得分（默认）或一项比率，高者在前；无数据的区排在最后",
    )


class BreakdownParams(FilterParams):
    by = serializers.ChoiceField(
        choices=[("major", "大类"), ("category", "小类"), ("source", "来源")], default="major"
    )


class GridParams(FilterParams):
    metric = serializers.ChoiceField(choices=list(AREA_COUNTS), default="filed")


# ---------------------------------------------------------------------------------- responses


class FigureSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    unit = serializers.CharField()
    target = serializers.IntegerField(allow_null=True, help_text="目标（%），无目标为 null")
    met = serializers.BooleanField(allow_null=True, help_text="是否达到目标")
    formula = serializers.CharField()
    definition = serializers.CharField()
    cases = serializers.DictField(allow_null=True, help_text="/api/v1/cases/ 的查询参数")
    cases_url = serializers.CharField(allow_null=True, help_text="构成该数字的案件列表")


class HotlineSerializer(serializers.Serializer):
    counts = serializers.DictField(child=serializers.IntegerField())
    rates = serializers.DictField(child=serializers.FloatField(allow_null=True))
    kpis = FigureSerializer(many=True)


class SummarySerializer(serializers.Serializer):
    period = serializers.DictField(child=serializers.DateField())
    filters = serializers.DictField()
    counts = serializers.DictField(child=serializers.IntegerField())
    rates = serializers.DictField(child=serializers.FloatField(allow_null=True))
    hotline = HotlineSerializer()
    kpis = FigureSerializer(many=True)


class TrendRowSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    label = serializers.CharField()
    counts = serializers.DictField(child=serializers.IntegerField())
    rates = serializers.DictField(child=serializers.FloatField(allow_null=True))


class RankingRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    counts = serializers.DictField(child=serializers.IntegerField())
    rates = serializers.DictField(child=serializers.FloatField(allow_null=True))
    parts = serializers.DictField(child=serializers.FloatField(allow_null=True), help_text="综合得分的各项")
    score = serializers.FloatField(allow_null=True)
    grade = serializers.CharField(allow_null=True)
    cases = serializers.DictField(allow_null=True)
    cases_url = serializers.CharField(allow_null=True)


class DistrictRowSerializer(RankingRowSerializer):
    has_data = serializers.BooleanField(help_text="期内有无案件；无则不计得分和等级（无数据），排在最后")


class BreakdownRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    counts = serializers.DictField(child=serializers.IntegerField())
    rates = serializers.DictField(child=serializers.FloatField(allow_null=True))
    cases = serializers.DictField(allow_null=True)
    cases_url = serializers.CharField(allow_null=True)


class GridRowSerializer(serializers.Serializer):
    grid = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    value = serializers.IntegerField()
    cases = serializers.DictField(allow_null=True)
    cases_url = serializers.CharField(allow_null=True)


class GlossarySerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField()
    formula = serializers.CharField()
    definition = serializers.CharField()
    basis = serializers.CharField(help_text="report：按上报日；filed：按立案日；person：按本人动作日")
    higher_is_better = serializers.BooleanField()


# ---------------------------------------------------------------------------------- views


class _KpiView(APIView):
    params = FilterParams

    def read(self, request) -> tuple[dt.date, dt.date, dict, dict]:
        data = self.params(data=request.query_params)  # a QueryDict: repeated ?source= become a list
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        start, end = values.pop("date_from"), values.pop("date_to")
        filters = {k: values.pop(k) for k in queries.FILTERS if values.get(k)}
        try:
            filters = queries.scope_filters(request.user, **filters)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None
        return start, end, filters, values


class SummaryView(_KpiView):
    @extend_schema(parameters=[FilterParams], responses=SummarySerializer, summary="头部指标（对照目标）")
    def get(self, request):
        start, end, filters, _ = self.read(request)
        return Response(SummarySerializer(queries.summary(start, end, **filters)).data)


class TrendView(_KpiView):
    params = TrendParams

    @extend_schema(
        parameters=[TrendParams], responses=TrendRowSerializer(many=True), summary="趋势（日/周/旬/月）"
    )
    def get(self, request):
        start, end, filters, extra = self.read(request)
        rows = queries.trend(start, end, extra["granularity"], **filters)
        return Response(TrendRowSerializer(rows, many=True).data)


class RankingView(_KpiView):
    params = RankingParams

    @extend_schema(
        parameters=[RankingParams],
        responses=RankingRowSerializer(many=True),
        summary="排名（区域、部门、岗位人员）",
    )
    def get(self, request):
        start, end, filters, extra = self.read(request)
        level = extra["level"]
        if level in queries.PEOPLE and not request.user.roles & DISTRICT_WIDE_ROLES:
            raise PermissionDenied("岗位人员排名仅向监督中心、指挥中心和领导开放")
        return Response(RankingRowSerializer(queries.rows(level, start, end, **filters), many=True).data)


class DistrictRankingView(_KpiView):
    """The city's ranking of its districts (docs/domain.md §13): for the city supervisors (every district)
    and the district leaders (their own district's row when their user names one)."""

    params = DistrictRankingParams

    @extend_schema(
        parameters=[DistrictRankingParams],
        responses=DistrictRowSerializer(many=True),
        summary="各区排名（市级）",
    )
    def get(self, request):
        if not request.user.roles & CITY_RANKING_ROLES:
            raise PermissionDenied("各区排名仅向市级监督和区领导/督查、值班长、管理员开放")
        start, end, filters, extra = self.read(request)
        rows = queries.district_rows(start, end, by=extra["by"], **filters)
        return Response(DistrictRowSerializer(rows, many=True).data)


class BreakdownView(_KpiView):
    params = BreakdownParams

    @extend_schema(
        parameters=[BreakdownParams],
        responses=BreakdownRowSerializer(many=True),
        summary="构成（大类/小类/来源）",
    )
    def get(self, request):
        start, end, filters, extra = self.read(request)
        return Response(
            BreakdownRowSerializer(queries.breakdown(extra["by"], start, end, **filters), many=True).data
        )


class GridCountsView(_KpiView):
    params = GridParams

    @extend_schema(
        parameters=[GridParams], responses=GridRowSerializer(many=True), summary="各网格数量（分级设色地图）"
    )
    def get(self, request):
        start, end, filters, extra = self.read(request)
        rows = queries.grid_counts(start, end, metric=extra["metric"], **filters)
        return Response(GridRowSerializer(rows, many=True).data)


class HotlineView(_KpiView):
    @extend_schema(
        parameters=[FilterParams], responses=HotlineSerializer, summary="热线响应率、解决率、满意率"
    )
    def get(self, request):
        start, end, filters, _ = self.read(request)
        return Response(HotlineSerializer(queries.hotline(start, end, **filters)).data)


class GlossaryView(APIView):
    @extend_schema(responses=GlossarySerializer(many=True), summary="指标口径说明")
    def get(self, request):
        return Response(GlossarySerializer(queries.glossary(), many=True).data)
