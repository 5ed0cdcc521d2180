from rest_framework import serializers

from enforcement import permissions
from enforcement.models import Agency, JointOperation, Letter, Outcome, Party, PartyContact


class LetterSerializer(serializers.ModelSerializer):
    class Meta:
        model = Letter
        fields = ["id", "number", "signed_on", "expires_on", "scope"]


class PartySerializer(serializers.ModelSerializer):
    """A party; contact_name and contact_phone only for 综合执法 staff (enforcement.permissions)."""

    street = serializers.SlugRelatedField(slug_field="code", read_only=True)
    street_name = serializers.CharField(source="street.name", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    letters = LetterSerializer(many=True, read_only=True)

    class Meta:
        model = Party
        fields = [
            "id",
            "name",
            "kind",
            "kind_label",
            "street",
            "street_name",
            "address",
            "credit_code",
            "contact_name",
            "contact_phone",
            "frontage",
            "credit_score",
            "credit_updated_at",
            "letters",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not permissions.can_see_contact(self.context["request"].user):
            data.pop("contact_name")
            data.pop("contact_phone")
        return data


class PartyWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=Party.Kind.choices, default=Party.Kind.SHOP)
    street = serializers.CharField(help_text="街道编码")
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    credit_code = serializers.CharField(max_length=18, required=False, allow_blank=True, default="")
    contact_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    frontage = serializers.JSONField(
        required=False, allow_null=True, default=None, help_text="GeoJSON LineString"
    )


class OutcomeSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.number", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    party_name = serializers.CharField(source="party.name", read_only=True, default=None)
    unit_name = serializers.CharField(source="unit.name", read_only=True, default=None)
    agency_name = serializers.CharField(source="agency.name", read_only=True, default=None)

    class Meta:
        model = Outcome
        fields = [
            "id",
            "case",
            "case_number",
            "kind",
            "kind_label",
            "party",
            "party_name",
            "unit_name",
            "number",
            "year",
            "issued_at",
            "note",
            "deadline",
            "checked_at",
            "check_result",
            "legal_basis",
            "fine",
            "paid",
            "paid_at",
            "agency",
            "agency_name",
            "receipt_no",
            "received_at",
            "feedback",
            "feedback_at",
        ]
        read_only_fields = fields


class OutcomeCreateSerializer(serializers.Serializer):
    """One outcome on a case; which fields count depends on `kind`."""

    case = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Outcome.Kind.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    number = serializers.CharField(required=False, allow_blank=True, default="", help_text="留空自动编号")
    deadline = serializers.DateField(required=False, help_text="责令改正：改正期限")
    legal_basis = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="处罚：法律依据"
    )
    fine = serializers.CharField(required=False, help_text="处罚：罚款金额（元）")
    paid = serializers.BooleanField(required=False, default=False)
    agency = serializers.IntegerField(required=False, help_text="移送：移送机关 id")


class CheckSerializer(serializers.Serializer):
    rectified = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReceiptSerializer(serializers.Serializer):
    receipt_no = serializers.CharField()


class FeedbackSerializer(serializers.Serializer):
    feedback = serializers.CharField()


class ConfirmSerializer(serializers.Serializer):
    party = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="留空：确认建议的主体"
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = PartyContact
        fields = ["id", "kind", "case", "at", "note"]
        read_only_fields = ["id", "at"]


class AgencySerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "code", "name", "is_active"]


class JointOperationSerializer(serializers.ModelSerializer):
    departments = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    cases = serializers.SlugRelatedField(slug_field="number", many=True, read_only=True)

    class Meta:
        model = JointOperation
        fields = ["id", "date", "street", "area", "departments", "findings", "cases"]
        read_only_fields = fields


class JointOperationCreateSerializer(serializers.Serializer):
    date = serializers.DateField()
    area = serializers.CharField()
    street = serializers.CharField(required=False, allow_blank=True, default="", help_text="街道编码")
    departments = serializers.ListField(child=serializers.CharField(), help_text="部门编码")
    findings = serializers.CharField(required=False, allow_blank=True, default="")
    cases = serializers.ListField(
        child=serializers.CharField(), required=False, default=list, help_text="案件编号"
    )


class FiguresRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    checks = serializers.IntegerField()
    orders = serializers.IntegerField()
    on_time_rate = serializers.FloatField(allow_null=True)
    penalties = serializers.IntegerField()
    fines = serializers.DecimalField(max_digits=14, decimal_places=2)
    paid = serializers.DecimalField(max_digits=14, decimal_places=2)
    waivers = serializers.IntegerField()
    transfers = serializers.IntegerField()
    persuasions = serializers.IntegerField()
    repeat_rate = serializers.FloatField(allow_null=True)
