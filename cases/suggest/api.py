"""GET /api/v1/categories/suggest/: the three likeliest categories for a description, with confidence.

For the people who choose a case's category: inspectors and hotline agents when they report, the
operator with a ticket nobody could classify, the shift leader at 立案. Reads only: what was chosen is
logged when the report or 立案 is saved (services.suggestion_feedback_record).
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.suggest.suggestions import MAX_TEXT, suggest
from core.roles import Role
from dispatch.serializers import CategorySerializer
from grids.locator import InvalidPosition, check_position

# Who picks categories (docs/domain.md §1, §3): report, classify a parked ticket, 立案.
SUGGEST_ROLES = frozenset({Role.INSPECTOR, Role.HOTLINE, Role.OPERATOR, Role.SHIFT_LEADER})


class MayChooseCategory(BasePermission):
    message = _("只有上报、登记或立案的人员可以获取类别推荐")

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.has_role(*SUGGEST_ROLES))


class SuggestQuerySerializer(serializers.Serializer):
    text = serializers.CharField(max_length=MAX_TEXT, help_text="问题描述（最多 2000 字）")
    lng = serializers.FloatField(required=False, help_text="经度（WGS84），与 lat 同时给出")
    lat = serializers.FloatField(required=False, help_text="纬度（WGS84）")

    def validate(self, attrs):
        if ("lng" in attrs) != ("lat" in attrs):
            missing = "lat" if "lng" in attrs else "lng"
            raise ValidationError({missing: [_("经度和纬度须同时给出")]})
        if "lng" in attrs:
            try:
                check_position(attrs["lng"], attrs["lat"])
            except InvalidPosition as exc:
                raise ValidationError({"lng": [str(exc)]}) from None
        return attrs


class SuggestedSerializer(serializers.Serializer):
    category = CategorySerializer()
    confidence = serializers.FloatField(help_text="校准后的置信度（0–1）：此项为正确类别的概率")


class SuggestionSerializer(serializers.Serializer):
    available = serializers.BooleanField(help_text="false：还没有可用的模型，suggestions 为空")
    detail = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField(allow_null=True, help_text="模型版本")
    sure = serializers.BooleanField(
        help_text="首选的置信度达到该版本的确定阈值；false 时请人工判断（不确定）"
    )
    threshold = serializers.FloatField(allow_null=True, help_text="该版本的确定阈值")
    suggestions = SuggestedSerializer(many=True)


class CategorySuggestView(APIView):
    permission_classes = [MayChooseCategory]

    @extend_schema(
        summary="类别推荐",
        description=(
            "根据问题描述（及位置：所在网格的常见类别、最近的管理部件）推荐最可能的三个类别，附校准后的置信度。"
            "首选置信度低于模型的确定阈值时 `sure` 为 false，由人工判断。"
        ),
        parameters=[
            OpenApiParameter("text", str, required=True, description="问题描述"),
            OpenApiParameter("lng", float, description="经度（WGS84）"),
            OpenApiParameter("lat", float, description="纬度（WGS84）"),
        ],
        responses={200: SuggestionSerializer},
    )
    def get(self, request):
        query = SuggestQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        found = suggest(data["text"], lng=data.get("lng"), lat=data.get("lat"))
        return Response(
            SuggestionSerializer(
                {
                    "available": found.version is not None,
                    "detail": found.unavailable,
                    "version": found.version.pk if found.version else None,
                    "sure": found.sure,
                    "threshold": found.threshold,
                    "suggestions": [
                        {"category": s.category, "confidence": s.confidence} for s in found.items
                    ],
                }
            ).data
        )
