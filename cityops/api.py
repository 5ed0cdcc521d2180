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


def _routes(patterns, prefix: str = "") -> list[str]:
    """Every parameter-free route under `patterns`, in URLconf order (a router's regexes included)."""
    import re

    from django.urls import URLResolver

    found = []
    for entry in patterns:
        route = str(entry.pattern)
        if route.startswith("^"):  # a router's regex: ^cases/$ and its format-suffix twin
            if "(?P<" in route or "(" in route:
                continue
            route = route.strip("^$")
        if "<" in route:
            continue
        if isinstance(entry, URLResolver):
            found += _routes(entry.url_patterns, prefix + route)
        elif route or prefix:
            found.append(re.sub(r"/+", "/", prefix + route))
    return list(dict.fromkeys(found))


class ApiRootView(APIView):
    """GET /api/v1/: every collection and report the API offers, by path (the old root listed only the
    four grid routes of the first router). The OpenAPI document at /api/schema/ says what each takes."""

    permission_classes = ()

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        from cityops import api_urls

        base = request.build_absolute_uri("/api/v1/")
        listing = {route.rstrip("/"): base + route for route in _routes(api_urls.urlpatterns)}
        return Response(
            {
                "schema": request.build_absolute_uri("/api/schema/"),
                "docs": request.build_absolute_uri("/api/docs/"),
                "routes": listing,
            }
        )
