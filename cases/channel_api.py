"""/api/v1/channels/: the source channels (docs/domain.md §2). Staff read them; the admin role writes them.

Writes here and in the Django admin are the same rows; a channel is switched off (is_active), never
deleted through the API, since cases keep its code.
"""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import SAFE_METHODS, BasePermission

from cases import channels
from cases.channels import CODE_PATTERN, Channel
from core.api import Pagination
from core.roles import Role


class ChannelCodeField(serializers.CharField):
    """A channel's code, for filters: any known channel (switched-off ones keep their cases' figures)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("help_text", _("来源渠道编码（/api/v1/channels/）"))
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value and channels.get(value) is None:
            raise serializers.ValidationError(_("来源渠道「%(code)s」不存在") % {"code": value})
        return value


class ChannelSerializer(serializers.ModelSerializer):
    code = serializers.RegexField(
        CODE_PATTERN,
        max_length=20,
        help_text=_("小写字母开头，字母、数字或下划线，2–20 位"),
        error_messages={"invalid": _("渠道编码须以小写字母开头，由小写字母、数字或下划线组成，2–20 位")},
    )

    class Meta:
        model = Channel
        fields = ["id", "code", "name", "needs_verification", "is_active", "hotline_number", "sort_order"]

    def validate_code(self, value):
        if self.instance is not None and value != self.instance.code:
            raise serializers.ValidationError(_("渠道编码保存后不能修改：已有案件以此记录来源"))
        return value

    def validate_hotline_number(self, value):
        value = value.strip()
        if value and not value.isdigit():
            raise serializers.ValidationError(_("热线号码只能是数字"))
        return value


class ChannelFilter(django_filters.FilterSet):
    is_active = django_filters.BooleanFilter(label=_("启用"))
    needs_verification = django_filters.BooleanFilter(label=_("须核实"))
    hotline = django_filters.BooleanFilter(
        field_name="hotline_number", lookup_expr="gt", method="filter_hotline", label=_("热线渠道")
    )
    q = django_filters.CharFilter(method="filter_q", label=_("编码或名称"))

    class Meta:
        model = Channel
        fields = ["is_active", "needs_verification"]

    def filter_hotline(self, queryset, name, value):
        return queryset.exclude(hotline_number="") if value else queryset.filter(hotline_number="")

    def filter_q(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))


class ChannelPermission(BasePermission):
    """Staff (any role) read; only the admin role (or a superuser) writes."""

    message = _("只有管理员可以修改来源渠道")

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated and (user.roles or user.is_superuser)):
            return False
        if request.method in SAFE_METHODS:
            return True
        return user.is_superuser or Role.ADMIN in user.roles


@extend_schema_view(
    list=extend_schema(summary="来源渠道列表"),
    retrieve=extend_schema(summary="来源渠道"),
    create=extend_schema(summary="新增来源渠道（管理员）"),
    update=extend_schema(summary="修改来源渠道（管理员）"),
    partial_update=extend_schema(summary="修改来源渠道（管理员）"),
)
class ChannelViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Channel.objects.order_by("sort_order", "code")
    serializer_class = ChannelSerializer
    filterset_class = ChannelFilter
    pagination_class = Pagination
    permission_classes = [ChannelPermission]
    lookup_field = "code"
    ordering_fields = ["sort_order", "code", "name"]
