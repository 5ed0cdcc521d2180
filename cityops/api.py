"""Who am I: the endpoint every client calls first, gathering the user's roles, department, grids and inbox."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class MeDepartmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField(help_text=_("姓名；未填写时为用户名"))
    roles = serializers.ListField(child=serializers.CharField(), help_text=_("角色编码，如 inspector"))
    department = MeDepartmentSerializer(allow_null=True, help_text=_("专业部门用户所属部门"))
    grid_codes = serializers.ListField(child=serializers.CharField(), help_text=_("负责的单元网格编码"))
    unread_notifications = serializers.IntegerField(help_text=_("未读通知数"))


class MeView(APIView):
    """The signed-in user: roles, department and the grids they are responsible for."""

    @extend_schema(responses=MeSerializer, summary="当前用户")
    def get(self, request: Request) -> Response:
        user = request.user
        department = user.department
        payload = {
            "id": user.pk,
            "username": user.username,
            "name": user.get_full_name() or user.username,
            "roles": sorted(user.roles),
            "department": department,
            "grid_codes": list(user.grids.order_by("code").values_list("code", flat=True)),
            "unread_notifications": user.notifications.filter(read_at__isnull=True).count(),
        }
        return Response(MeSerializer(payload).data)
