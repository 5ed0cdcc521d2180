from rest_framework import serializers

from cases.models import ACTION_TEXT_MAX_LENGTH
from streets.models import Escalation, SubDispatch, Unit
from streets.services import MAX_HOURS


class UnitSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    street_name = serializers.CharField(source="street.name", read_only=True)

    class Meta:
        model = Unit
        fields = [
            "id",
            "name",
            "kind",
            "kind_label",
            "street",
            "street_name",
            "community",
            "contact",
            "phone",
            "is_active",
        ]


class SubDispatchSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.number", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = SubDispatch
        fields = [
            "id",
            "case",
            "case_number",
            "street",
            "unit",
            "unit_name",
            "state",
            "state_label",
            "note",
            "hours",
            "dispatched_at",
            "due_at",
            "street_due_at",
            "is_overdue",
            "reported_at",
            "report_note",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = fields


class SubDispatchCreateSerializer(serializers.Serializer):
    case = serializers.IntegerField(help_text="案件 id")
    unit = serializers.IntegerField(help_text="本街道的单位 id")
    hours = serializers.DecimalField(
        max_digits=6, decimal_places=2, help_text=f"单位时限（工作时，不超过 {MAX_HOURS}），须在街道期限内"
    )
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=ACTION_TEXT_MAX_LENGTH
    )


class SubReportSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=ACTION_TEXT_MAX_LENGTH
    )
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class DecisionSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=ACTION_TEXT_MAX_LENGTH,
        help_text="意见；退回时必填",
    )


class EscalationSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.number", read_only=True)
    street_name = serializers.CharField(source="street.name", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = Escalation
        fields = [
            "id",
            "case",
            "case_number",
            "street",
            "street_name",
            "reason",
            "state",
            "state_label",
            "raised_at",
            "taken_at",
            "note",
        ]
        read_only_fields = fields


class EscalationCreateSerializer(serializers.Serializer):
    case = serializers.IntegerField(help_text="案件 id")
    reason = serializers.CharField(max_length=ACTION_TEXT_MAX_LENGTH, help_text="提级理由")


class AssistSerializer(serializers.Serializer):
    case = serializers.IntegerField(help_text="案件 id")
    note = serializers.CharField(max_length=ACTION_TEXT_MAX_LENGTH, help_text="协办情况")
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)
