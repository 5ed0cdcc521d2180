from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.views import APIView


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
    department = serializers.DictField(allow_null=True)
    grid_codes = serializers.ListField(child=serializers.CharField())


class MeView(APIView):
    """The signed-in user: roles, department and the grids they are responsible for."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = request.user
        department = user.department
        return Response(
            {
                "id": user.pk,
                "username": user.username,
                "name": user.get_full_name() or user.username,
                "roles": sorted(user.roles),
                "department": (
                    {"id": department.pk, "code": department.code, "name": department.name} if department else None
                ),
                "grid_codes": list(user.grids.order_by("code").values_list("code", flat=True)),
            }
        )


class TokenView(ObtainAuthToken):
    """POST username + password → {"token": …}; send it as `Authorization: Token …`."""
