"""Shapes of the hotline and duplicate endpoints. Input is validated here; the rules live in the modules."""

from datetime import UTC, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cases import channels
from cases.intake import classify
from cases.models import DuplicateSuspect, HotlineTicket, RequestNature, Urgency
from core.privacy import can_see_caller
from grids.locator import InvalidPosition, check_position

# The same longest description as a report through the API or a page (README, security: limits).
DESCRIPTION_MAX_LENGTH = 2000
# A ticket is pulled back at /api/v1/hotline/tickets/{channel}/{ticket_no}/: one path segment, so no
# "/" (nor "." or ".." alone, which clients resolve away); letters (Chinese too), digits, . _ : -.
TICKET_NO_PATTERN = r"^(?!\.{1,2}$)[\w.:\-]+$"
# received_at: the platform's calendar (2000 on, as the KPI dates) and no later than a day ahead of
# our clock (a hotline's clock may run ahead; a ticket from 9999 is a typo).
EARLIEST_RECEIVED = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_TOLERANCE = timedelta(days=1)


class HotlineTicketInSerializer(serializers.Serializer):
    """One ticket as the hotline system sends it (工单)."""

    ticket_no = serializers.RegexField(
        TICKET_NO_PATTERN,
        max_length=64,
        label=_("工单号"),
        error_messages={"invalid": _("工单号只能包含字母、数字、汉字和 . _ : -（不能包含 /）")},
    )
    channel = serializers.CharField(
        max_length=10,
        label=_("热线渠道"),
        help_text=_("热线号码，如 12345：须为已启用的热线来源渠道（/api/v1/channels/）"),
    )
    received_at = serializers.DateTimeField(label=_("热线受理时间"))
    caller_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    caller_phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    lng = serializers.FloatField(required=False, allow_null=True, default=None)
    lat = serializers.FloatField(required=False, allow_null=True, default=None)
    category_hint = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("类别编码、热线自身的分类或自由文本"),
    )
    description = serializers.CharField(max_length=DESCRIPTION_MAX_LENGTH, label=_("诉求内容"))
    request_nature = serializers.ChoiceField(
        choices=RequestNature.choices,
        required=False,
        allow_blank=True,
        default="",
        label=_("诉求性质"),
        help_text=_("咨询 consult、求决 resolve、投诉 complaint、举报 report、建议 suggestion"),
        error_messages={
            "invalid_choice": _(
                "诉求性质「{input}」无效，应为 consult、resolve、complaint、report 或 suggestion"
            )
        },
    )
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False, default=Urgency.NORMAL)
    photo_urls = serializers.ListField(
        child=serializers.URLField(max_length=500), required=False, default=list, max_length=20
    )

    def validate_channel(self, value):
        if channels.for_hotline_number(value) is None:
            raise serializers.ValidationError(_("热线渠道「%(channel)s」不存在或已停用") % {"channel": value})
        return value

    def validate_received_at(self, value):
        if not EARLIEST_RECEIVED <= value <= timezone.now() + FUTURE_TOLERANCE:
            raise serializers.ValidationError(_("受理时间须在 2000-01-01 之后，且不晚于当前时间一天以上"))
        return value

    def validate(self, attrs):
        lng, lat = attrs.get("lng"), attrs.get("lat")
        if (lng is None) != (lat is None):
            raise serializers.ValidationError({"lat" if lat is None else "lng": "经度和纬度须同时提供"})
        if lng is not None:
            try:
                check_position(lng, lat)
            except InvalidPosition as exc:
                raise serializers.ValidationError({"lng": str(exc)}) from None
        elif not attrs.get("address", "").strip():
            raise serializers.ValidationError({"address": "请提供地址或经纬度"})
        if not attrs["description"].strip():
            raise serializers.ValidationError({"description": "请填写诉求内容"})
        # The whole body is kept as `raw` (jsonb), extra fields included, and PostgreSQL refuses \u0000
        # in jsonb: the declared fields already reject it, so find it in the others.
        if where := _null_character_at(self.initial_data):
            raise serializers.ValidationError({where: "不能包含空字符（\\u0000）"})
        # Accepted means it will become a case: a hint that maps to no category (and no sure
        # suggestion, no fallback) is refused now, naming the field, rather than parked for ever.
        # The task classifies again (the mappings may change in between; then it parks visibly).
        found = classify.classify(
            attrs["category_hint"], channel=attrs["channel"], description=attrs["description"]
        )
        if found is None:
            raise serializers.ValidationError(
                {
                    "category_hint": _(
                        "分类「%(hint)s」无法对应到案件类别：请发送本平台的类别编码或已配置映射的热线分类，"
                        "或在诉求内容中写明问题"
                    )
                    % {"hint": attrs["category_hint"]}
                }
            )
        return attrs


def _null_character_at(value, path: str = "") -> str | None:
    """The key path ("photo_urls.0", "extra") of the first string, or key, holding U+0000; else None."""
    if isinstance(value, str):
        return (path or "non_field_errors") if "\x00" in value else None
    if hasattr(value, "items"):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return here.replace("\x00", "\\u0000")
            if found := _null_character_at(item, here):
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            if found := _null_character_at(item, f"{path}.{index}" if path else str(index)):
                return found
    return None


class LoopMessageSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=[("in", "in"), ("out", "out")])
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    message_id = serializers.CharField()
    at = serializers.DateTimeField()
    state = serializers.CharField(help_text=_("来文：应答状态码；回推：pending/sent/failed"))


class LoopPendingSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    reason_code = serializers.CharField()
    reason = serializers.CharField()
    requested_at = serializers.DateTimeField()


class HotlineLoopSerializer(serializers.Serializer):
    """Where a 12345 ticket stands in the 接诉即办 loop (cases/intake/loop.py)."""

    stage = serializers.CharField()
    stage_label = serializers.CharField()
    sign_due_at = serializers.DateTimeField(allow_null=True)
    signed_at = serializers.DateTimeField(allow_null=True)
    sign_overdue = serializers.BooleanField()
    satisfaction = serializers.CharField(allow_null=True)
    reopen_count = serializers.IntegerField()
    extension_count = serializers.IntegerField()
    merged_into = serializers.CharField(allow_null=True, help_text=_("合并办理：原案件编号"))
    return_counted = serializers.BooleanField(allow_null=True)
    pending = LoopPendingSerializer(many=True, help_text=_("待热线中心审批的延期、退单申请"))
    messages = LoopMessageSerializer(many=True, help_text=_("双向报文"))


class HotlineTicketStatusSerializer(serializers.Serializer):
    """The ticket as the hotline sees it (intake answer, repeat answer and pull)."""

    id = serializers.IntegerField()
    channel = serializers.CharField()
    ticket_no = serializers.CharField()
    state = serializers.ChoiceField(choices=HotlineTicket.State.choices)
    state_label = serializers.CharField()
    message = serializers.CharField(help_text=_("待定位或处理失败的原因"))
    case_number = serializers.CharField(allow_null=True)
    case_status = serializers.CharField(allow_null=True)
    case_status_label = serializers.CharField(allow_null=True)
    reject_reason = serializers.CharField(allow_null=True, help_text=_("退单原因"))
    duplicate_of = serializers.CharField(allow_null=True, help_text=_("重复于案件编号"))
    satisfaction = serializers.CharField(allow_null=True)
    reopen_offered = serializers.BooleanField(help_text=_("回访不满意且已结案：可申请重办"))
    loop = HotlineLoopSerializer(allow_null=True, help_text=_("12345 接诉即办闭环（其他渠道为 null）"))


class HotlineTicketSerializer(serializers.ModelSerializer):
    """The ticket in the operator's queue."""

    state_label = serializers.CharField(source="get_state_display", read_only=True)
    case_number = serializers.CharField(source="case.number", allow_null=True, read_only=True, default=None)
    # Blank when the centre did not say: the schema's enum must allow "" (the model field's is blank=True).
    request_nature = serializers.ChoiceField(
        choices=RequestNature.choices, allow_blank=True, read_only=True, label=_("诉求性质")
    )

    class Meta:
        model = HotlineTicket
        fields = [
            "id",
            "channel",
            "ticket_no",
            "state",
            "state_label",
            "received_at",
            "caller_name",
            "caller_phone",
            "address",
            "lng",
            "lat",
            "category_hint",
            "request_nature",
            "description",
            "urgency",
            "photo_urls",
            "attempts",
            "last_error",
            "case",
            "case_number",
            "created_at",
            "processed_at",
        ]
        read_only_fields = fields

    def to_representation(self, ticket):
        data = super().to_representation(ticket)
        # The caller's name and phone only for roles that call callers back (core/privacy.py); the
        # queue's shift leaders, supervisors and admins get them blank. No request: nobody to trust.
        request = self.context.get("request")
        if not (request is not None and can_see_caller(request.user)):
            data["caller_name"] = data["caller_phone"] = ""
        return data


class LocateSerializer(serializers.Serializer):
    lng = serializers.FloatField(label=_("经度"))
    lat = serializers.FloatField(label=_("纬度"))


class SuspectOriginalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.CharField()
    category_name = serializers.CharField()
    address = serializers.CharField()
    created_at = serializers.DateTimeField()


class DuplicateSuspectSerializer(serializers.ModelSerializer):
    original = SuspectOriginalSerializer(read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = DuplicateSuspect
        fields = ["id", "case", "original", "distance_m", "state", "state_label", "created_at", "decided_at"]
        read_only_fields = fields


class SuspectDecisionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
