from django.utils import timezone
from rest_framework import serializers

from cases import rules, timing
from cases.models import (
    ACTION_TEXT_MAX_LENGTH,
    Case,
    CaseEvent,
    CasePhoto,
    CaseRequest,
    Notification,
    RequestNature,
    TimedStep,
    Urgency,
)
from cases.selectors import can_see_caller
from cases.workflow import event_label
from dispatch.calendar import get_calendar, is_provisional


class _BuiltOnce:
    """DRF's ModelSerializer works every field out from the model again for each serializer it makes
    (model introspection, field kwargs, validators): a third of a case detail answer's Python time
    (issue #18). Worked out once per class here; each serializer gets fresh fields made from the
    same arguments (nested serializers deep-copied, as DRF does with declared fields)."""

    def get_fields(self):
        built = type(self).__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            type(self)._built_fields = built
        return {name: _fresh(field) for name, field in built.items()}


def _fresh(field):
    """A new field made from the arguments the declared one was made with. Nested serializers too:
    DRF's deepcopy would copy every argument as well (lazy labels and help texts included), some
    thirty deep copies per case detail answer (issue #18); the arguments are configuration, never
    changed, and a list's child is made anew the same way."""
    if isinstance(field, serializers.ListSerializer):
        return field.__class__(*field._args, **{**field._kwargs, "child": _fresh(field.child)})
    return field.__class__(*field._args, **field._kwargs)


class _Ref(_BuiltOnce, serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class CaseListSerializer(_BuiltOnce, serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    grid = serializers.CharField(source="grid.code")
    community = _Ref()
    street = _Ref()
    department = _Ref(allow_null=True)
    kind = serializers.CharField(source="category_kind")
    source_label = serializers.CharField(source="get_source_display", read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "status",
            "status_label",
            "source",
            "source_label",
            "urgency",
            "kind",
            "category_code",
            "category_name",
            "major_code",
            "address",
            "lng",
            "lat",
            "grid",
            "community",
            "street",
            "department",
            "rework_count",
            "extension_count",
            "return_count",
            "created_at",
            "filed_at",
            "closed_at",
        ]


class CaseMinimalSerializer(serializers.Serializer):
    """The answer to `Prefer: return=minimal` (cases/api.py): which case, and where it stands now."""

    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    updated_at = serializers.DateTimeField()


class CaseEventSerializer(_BuiltOnce, serializers.ModelSerializer):
    action_label = serializers.SerializerMethodField()
    actor = serializers.SerializerMethodField()

    class Meta:
        model = CaseEvent
        fields = [
            "id",
            "action",
            "action_label",
            "from_status",
            "to_status",
            "actor",
            "actor_role",
            "at",
            "note",
            "payload",
        ]

    def get_action_label(self, event) -> str:
        return event_label(event.action)

    def get_actor(self, event) -> str | None:
        if event.actor is None:
            return None
        return event.actor.get_full_name() or event.actor.username


class CasePhotoSerializer(_BuiltOnce, serializers.ModelSerializer):
    class Meta:
        model = CasePhoto
        # image and thumbnail are null until the worker has stripped the upload (cases/photos.py).
        fields = ["id", "stage", "image", "thumbnail", "width", "height", "created_at", "processed_at"]


class CaseRequestSerializer(_BuiltOnce, serializers.ModelSerializer):
    requested_by = serializers.CharField(source="requested_by.username")
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True, default=None)

    class Meta:
        model = CaseRequest
        fields = [
            "id",
            "kind",
            "state",
            "reason",
            "extension_hours",
            "requested_by",
            "requested_role",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ]


class TimedStepSerializer(_BuiltOnce, serializers.ModelSerializer):
    step_label = serializers.CharField(source="get_step_display")
    paused = serializers.SerializerMethodField()
    remaining = serializers.SerializerMethodField(help_text="剩余时间（按时限单位，负数为已超期）")
    provisional = serializers.SerializerMethodField(
        help_text="截止时间超出工作日历已录入的范围（暂定），录入该年节假日后重新计算"
    )

    class Meta:
        model = TimedStep
        fields = [
            "step",
            "step_label",
            "started_at",
            "due_at",
            "light",
            "limit_amount",
            "limit_unit",
            "extended_amount",
            "rule_text",
            "paused",
            "remaining",
            "provisional",
            "finished_at",
            "on_time",
        ]

    def get_paused(self, timed) -> bool:
        return timed.paused_at is not None

    def get_provisional(self, timed) -> bool:
        if timed.finished_at is not None:
            return False
        # Once per response, not per row: the calendar check may query while inside a transaction.
        calendar = self.context.setdefault("_calendar", get_calendar())
        return is_provisional(timed.due_at, calendar)

    def get_remaining(self, timed) -> str | None:
        if timed.finished_at:
            return None
        return str(round(timing.remaining(timed, timezone.now()), 2))


class NotificationSerializer(_BuiltOnce, serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.number", allow_null=True, default=None)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "case", "case_number", "link", "created_at", "read_at"]


class CaseDetailSerializer(CaseListSerializer):
    steps = TimedStepSerializer(many=True)
    events = CaseEventSerializer(many=True)
    photos = CasePhotoSerializer(many=True)
    requests = CaseRequestSerializer(many=True)
    co_departments = _Ref(many=True)
    duplicate_of = serializers.CharField(source="duplicate_of.number", allow_null=True, default=None)
    component = serializers.CharField(source="component.code", allow_null=True, default=None)
    caller = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta(CaseListSerializer.Meta):
        fields = [
            *CaseListSerializer.Meta.fields,
            "description",
            "variant",
            "self_resolved",
            "component",
            "hotline_channel",
            "hotline_ticket_no",
            "request_nature",
            "duplicate_of",
            "reject_reason",
            "reopen_count",
            "supervise_count",
            "satisfaction",
            "co_departments",
            "caller",
            "steps",
            "events",
            "photos",
            "requests",
            "allowed_actions",
        ]

    def get_caller(self, case) -> dict | None:
        """The caller's name and phone, only for roles that must contact them."""
        if not (case.reporter_name or case.reporter_phone) or not can_see_caller(
            self.context["request"].user
        ):
            return None
        from cases.caller_history import caller_history

        history = caller_history(case.reporter_phone, before=case.created_at, exclude_case=case.pk)
        return {
            "name": case.reporter_name,
            "phone": case.reporter_phone,
            "earlier_calls": history.earlier if history else 0,
        }

    def get_allowed_actions(self, case) -> list[str]:
        return rules.allowed_actions(case, self.context["request"].user)


class CaseReportSerializer(serializers.Serializer):
    """POST /cases/: report a case (JSON, or multipart with photos)."""

    category = serializers.IntegerField(help_text="类别 id（/api/v1/categories/）")
    lng = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    description = serializers.CharField(max_length=2000)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)
    source = serializers.CharField(
        max_length=20,
        required=False,
        help_text="来源渠道编码（/api/v1/channels/）；须为已启用、且您的角色可用的渠道",
    )
    component = serializers.CharField(max_length=17, required=False, allow_blank=True, default="")
    reporter_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    reporter_phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    hotline_ticket_no = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    request_nature = serializers.ChoiceField(
        choices=RequestNature.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="诉求性质：consult 咨询、resolve 求决、complaint 投诉、report 举报、suggestion 建议",
    )
    self_resolved = serializers.BooleanField(default=False)
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)
    after_photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=ACTION_TEXT_MAX_LENGTH, help_text="备注"
    )
