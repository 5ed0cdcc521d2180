"""/api/v1/kpi/hotspots/: hot cells, repeated places and the weekly pattern (kpi/hotspots.py).

Each endpoint reads only the cases the user may see (cases.selectors.cases_visible_to): district-wide
roles see the district, a department user its own department's cases. Who may ask at all is decided
as for every other KPI endpoint (kpi.queries.scope_filters): an inspector or a user without a role
gets 403. Bad parameters are a 400 that names the parameter.
"""

from datetime import timedelta

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.channel_api import ChannelCodeField
from dispatch.models import Category
from kpi import hotspots, queries
from kpi.api import kpi_date_field

# ---------------------------------------------------------------- query parameters


class ScopeQuery(serializers.Serializer):
    """The filters every hot-spot endpoint takes, named as in kpi.queries."""

    street = serializers.CharField(required=False, allow_blank=True, default="", help_text=_("街道编码"))
    community = serializers.CharField(required=False, allow_blank=True, default="", help_text=_("社区编码"))
    grid = serializers.CharField(required=False, allow_blank=True, default="", help_text=_("单元网格编码"))
    department = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("主办部门编码")
    )
    category = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("小类编码，如 06010")
    )
    major = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("大类编码，如 06")
    )
    kind = serializers.ChoiceField(
        choices=Category.Kind.choices, required=False, allow_blank=True, default="", help_text=_("部件/事项")
    )
    source = ChannelCodeField(required=False, allow_blank=True, default="", help_text=_("来源渠道编码"))

    def scope(self) -> hotspots.CaseScope:
        names = hotspots.CaseScope.__dataclass_fields__
        return hotspots.CaseScope(**{k: v for k, v in self.validated_data.items() if k in names})


class HotCellsQuery(ScopeQuery):
    date = kpi_date_field(required=False, help_text=_("统计截止日（含），默认今天"))
    recent_days = serializers.IntegerField(
        required=False, default=7, min_value=1, max_value=31, help_text=_("近期窗口天数")
    )
    baseline_windows = serializers.IntegerField(
        required=False, default=8, min_value=1, max_value=52, help_text=_("基线窗口个数（与近期窗口等长）")
    )
    min_count = serializers.IntegerField(
        required=False, default=5, min_value=1, max_value=1000, help_text=_("近期最少案件数")
    )
    min_ratio = serializers.FloatField(
        required=False, default=2.0, min_value=1.0, max_value=100.0, help_text=_("近期/基线均值 最小倍数")
    )
    fdr = serializers.FloatField(
        required=False, default=0.05, min_value=0.0001, max_value=0.5, help_text=_("错误发现率（BH 校正）")
    )
    limit = serializers.IntegerField(required=False, default=100, min_value=1, max_value=1000)


class RepeatedPlacesQuery(ScopeQuery):
    date = kpi_date_field(required=False, help_text=_("统计截止日（含），默认今天"))
    days = serializers.IntegerField(
        required=False, default=30, min_value=1, max_value=92, help_text=_("天数 t")
    )
    radius = serializers.FloatField(
        required=False, default=50.0, min_value=1.0, max_value=500.0, help_text=_("半径 r（米）")
    )
    min_cases = serializers.IntegerField(
        required=False, default=3, min_value=2, max_value=1000, help_text=_("最少案件数 k")
    )
    group_by = serializers.ChoiceField(
        choices=[("category", "同小类"), ("major", "同大类"), ("any", "不分类别")],
        required=False,
        default="category",
        help_text=_("何为“同一问题”"),
    )
    limit = serializers.IntegerField(required=False, default=100, min_value=1, max_value=1000)


class PatternQuery(ScopeQuery):
    date_from = kpi_date_field(required=False, help_text=_("起始日（含），默认截止日前 12 周"))
    date_to = kpi_date_field(required=False, help_text=_("截止日（含），默认今天"))

    def validate(self, attrs):
        attrs.setdefault("date_to", hotspots.today())
        attrs.setdefault("date_from", attrs["date_to"] - timedelta(days=83))
        if attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"date_from": _("起始日不能晚于截止日")})
        if (attrs["date_to"] - attrs["date_from"]).days > 366:
            raise serializers.ValidationError({"date_from": _("时间跨度不能超过 366 天")})
        return attrs


# ---------------------------------------------------------------- responses


class HotCellSerializer(serializers.Serializer):
    grid_id = serializers.IntegerField()
    grid_code = serializers.CharField()
    grid_name = serializers.CharField()
    street_name = serializers.CharField()
    kind = serializers.CharField(help_text=_("component 部件 / event 事项"))
    category_code = serializers.CharField()
    category_name = serializers.CharField()
    recent = serializers.IntegerField(help_text=_("近期窗口案件数"))
    baseline = serializers.IntegerField(help_text=_("全部基线窗口案件数"))
    baseline_mean = serializers.FloatField(help_text=_("基线每窗口平均"))
    ratio = serializers.FloatField(allow_null=True, help_text=_("近期/基线均值；基线为 0 时为 null"))
    p_value = serializers.FloatField(help_text=_("条件二项检验单侧 p 值"))
    q_value = serializers.FloatField(help_text=_("BH 校正后的 q 值"))
    lng = serializers.FloatField(help_text=_("网格中心经度"))
    lat = serializers.FloatField(help_text=_("网格中心纬度"))
    case_filter = serializers.DictField(
        child=serializers.CharField(), help_text=_("/api/v1/cases/ 的查询参数：列出背后的案件")
    )


class HotCellsResponse(serializers.Serializer):
    as_of = serializers.DateField()
    recent_from = serializers.DateField()
    baseline_from = serializers.DateField()
    baseline_to = serializers.DateField()
    tested = serializers.IntegerField(help_text=_("参与检验的网格×类别数（多重检验校正的 m）"))
    cells = HotCellSerializer(many=True)


class PlaceCategorySerializer(serializers.Serializer):
    kind = serializers.CharField()
    code = serializers.CharField()
    name = serializers.CharField()
    count = serializers.IntegerField()


class RepeatedPlaceSerializer(serializers.Serializer):
    lng = serializers.FloatField()
    lat = serializers.FloatField()
    radius_m = serializers.FloatField(help_text=_("成员距中心最远距离（米）"))
    count = serializers.IntegerField()
    categories = PlaceCategorySerializer(many=True)
    case_ids = serializers.ListField(child=serializers.IntegerField())
    case_numbers = serializers.ListField(child=serializers.CharField())
    grid_code = serializers.CharField()
    address = serializers.CharField()
    first_at = serializers.DateTimeField()
    last_at = serializers.DateTimeField()


class RepeatedPlacesResponse(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    radius_m = serializers.FloatField()
    min_cases = serializers.IntegerField()
    group_by = serializers.CharField()
    total = serializers.IntegerField(help_text=_("找到的地点数（截断前）"))
    places = RepeatedPlaceSerializer(many=True)


class WeekHourPatternSerializer(serializers.Serializer):
    kind = serializers.CharField()
    major_code = serializers.CharField()
    major_name = serializers.CharField()
    total = serializers.IntegerField()
    matrix = serializers.ListField(
        child=serializers.ListField(child=serializers.IntegerField()),
        help_text=_("7 行（周一起）× 24 列（小时，本地时间）"),
    )


class PatternResponse(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    patterns = WeekHourPatternSerializer(many=True)


# ---------------------------------------------------------------- views


def _query(serializer_class, request: Request):
    try:
        queries.scope_filters(request.user)  # the KPI door: raises for roles that see no evaluation data
    except DjangoPermissionDenied as exc:
        raise PermissionDenied(str(exc)) from None
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query, hotspots.visible_cases(request.user, query.scope())


class HotCellsView(APIView):
    """Grid × category cells whose recent counts are far above their own baseline (热点网格)."""

    @extend_schema(parameters=[HotCellsQuery], responses=HotCellsResponse, summary="热点网格×类别")
    def get(self, request: Request) -> Response:
        query, cases = _query(HotCellsQuery, request)
        d = query.validated_data
        result = hotspots.hot_cells(
            cases,
            as_of=d.get("date"),
            recent_days=d["recent_days"],
            baseline_windows=d["baseline_windows"],
            min_count=d["min_count"],
            min_ratio=d["min_ratio"],
            fdr=d["fdr"],
            limit=d["limit"],
        )
        return Response(HotCellsResponse(result).data)


class RepeatedPlacesView(APIView):
    """Places with ≥ k cases within r metres in t days (问题反复发生的地点)."""

    @extend_schema(parameters=[RepeatedPlacesQuery], responses=RepeatedPlacesResponse, summary="重复发生地点")
    def get(self, request: Request) -> Response:
        query, cases = _query(RepeatedPlacesQuery, request)
        d = query.validated_data
        result = hotspots.repeated_places(
            cases,
            as_of=d.get("date"),
            days=d["days"],
            radius_m=d["radius"],
            min_cases=d["min_cases"],
            group_by=d["group_by"],
            limit=d["limit"],
        )
        return Response(RepeatedPlacesResponse(result).data)


class PatternView(APIView):
    """Cases by day of week × hour of day, one 7 × 24 matrix per 大类 (时段规律)."""

    @extend_schema(parameters=[PatternQuery], responses=PatternResponse, summary="星期×小时分布")
    def get(self, request: Request) -> Response:
        query, cases = _query(PatternQuery, request)
        d = query.validated_data
        patterns = hotspots.weekday_hour_pattern(cases, date_from=d["date_from"], date_to=d["date_to"])
        return Response(
            PatternResponse({"date_from": d["date_from"], "date_to": d["date_to"], "patterns": patterns}).data
        )
