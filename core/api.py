"""Shared API pieces: how a client gets a token (the pagination every list uses is core.pagination)."""

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.pagination import Pagination  # noqa: F401 (re-exported: the apps import it from here)


class TokenRequestSerializer(serializers.Serializer):
    # The User model's column (150): longer ones reached django-axes' insert, which failed (a 500). A
    # password of a megabyte would cost the hasher seconds of CPU; nobody's is longer than 1,024.
    username = serializers.CharField(label=_("用户名"), max_length=150)
    password = serializers.CharField(
        label=_("密码"), style={"input_type": "password"}, trim_whitespace=False, max_length=1024
    )

    def validate(self, attrs: dict) -> dict:
        request = self.context.get("request")
        # The plain HttpRequest, not DRF's wrapper: django-axes marks a locked-out attempt on the request
        # its middleware sees, which then answers 429 (core/security.py).
        user = authenticate(
            getattr(request, "_request", request), username=attrs["username"], password=attrs["password"]
        )
        # One message for a wrong name, a wrong password and a disabled account: which one it was
        # would tell a stranger which usernames exist.
        if user is None:
            raise serializers.ValidationError(_("用户名或密码错误，或账号已停用"), code="authorization")
        attrs["user"] = user
        return attrs


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class TokenView(APIView):
    """POST username + password → {"token": …}; send it as `Authorization: Token …`."""

    # Signing in must not depend on being signed in: no session (and so no CSRF check) and no token.
    authentication_classes = ()
    permission_classes = ()

    @extend_schema(request=TokenRequestSerializer, responses=TokenResponseSerializer, summary="获取访问令牌")
    def post(self, request: Request) -> Response:
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, _created = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})
