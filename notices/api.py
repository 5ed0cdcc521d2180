"""/api/v1/notices/: the signed-in user's work notices (their own and their department's), each with
its deliveries — what a mobile client shows as 待办提醒 — and a case's notices with their delivery
state for the command centre's roles (the case page's panel, as data)."""

from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import PermissionDenied

from cases.selectors import district_limit
from core.roles import DISTRICT_WIDE_ROLES
from notices.models import Delivery, Notice


class DeliverySerializer(serializers.ModelSerializer):
    channel = serializers.CharField(source="channel.name")
    channel_kind = serializers.CharField(source="channel.kind")

    class Meta:
        model = Delivery
        fields = ["channel", "channel_kind", "state", "attempts", "sent_at", "next_attempt_at"]


class NoticeSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.number", default=None)
    deliveries = DeliverySerializer(many=True, read_only=True)

    class Meta:
        model = Notice
        fields = [
            "id",
            "kind",
            "title",
            "body",
            "case",
            "case_number",
            "link",
            "user",
            "department",
            "created_at",
            "level",
            "deliveries",
        ]


@extend_schema(
    parameters=[OpenApiParameter("case", int, description="只看这件案件的通知（指挥中心角色可看全部接收人）")]
)
class NoticeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """工作通知：派遣、待审批申请、核实/核查任务、督办、专项任务到期，以及每条的投递状态。"""

    serializer_class = NoticeSerializer
    queryset = Notice.objects.none()  # for the schema; get_queryset scopes it to the user

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notice.objects.none()
        user = self.request.user
        notices = Notice.objects.select_related("case").prefetch_related("deliveries__channel")
        case = self.request.query_params.get("case")
        if case and case.isdigit():
            if not user.roles & DISTRICT_WIDE_ROLES:
                raise PermissionDenied("只有指挥中心角色可查看一件案件的全部通知")
            notices = notices.filter(case_id=int(case))
            if (district := district_limit(user)) is not None:  # their district's cases (§13)
                notices = notices.filter(case__district_id=district)
            return notices.order_by("created_at", "id")
        mine = Q(user=user)
        if user.department_id:
            mine |= Q(department_id=user.department_id)
        return notices.filter(mine).order_by("-created_at", "-id")
