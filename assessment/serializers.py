from rest_framework import serializers

from assessment.models import (
    Contract,
    Contractor,
    DustSample,
    Finding,
    Inspection,
    MonthlyAssessment,
    Rectification,
    WorkArea,
)


class ContractSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contract
        fields = ["id", "number", "starts_on", "ends_on", "monthly_fee"]


class ContractorSerializer(serializers.ModelSerializer):
    contracts = ContractSerializer(many=True, read_only=True)

    class Meta:
        model = Contractor
        fields = ["id", "name", "kind", "contact", "phone", "is_active", "contracts"]


class WorkAreaSerializer(serializers.ModelSerializer):
    street = serializers.CharField(source="street.code")
    street_name = serializers.CharField(source="street.name")
    contractor = serializers.IntegerField(source="contract.contractor_id")

    class Meta:
        model = WorkArea
        fields = ["id", "name", "street", "street_name", "area_type", "road_class", "contractor"]


class FindingSerializer(serializers.ModelSerializer):
    item_text = serializers.CharField(source="item.text")
    case_number = serializers.CharField(source="case.number", default=None)

    class Meta:
        model = Finding
        fields = [
            "id",
            "item",
            "item_text",
            "count",
            "deduction",
            "note",
            "photo",
            "lng",
            "lat",
            "case",
            "case_number",
        ]


class DustSampleSerializer(serializers.ModelSerializer):
    class Meta:
        model = DustSample
        fields = ["id", "weight_g", "sampled_m2", "grams_per_m2", "limit_g_per_m2", "deduction"]


class InspectionSerializer(serializers.ModelSerializer):
    area = WorkAreaSerializer()
    inspector = serializers.CharField(source="inspector.username")
    checklist_name = serializers.CharField(source="checklist.name")

    class Meta:
        model = Inspection
        fields = [
            "id",
            "area",
            "checklist",
            "checklist_name",
            "inspector",
            "planned_on",
            "state",
            "inspected_at",
            "score",
            "note",
        ]


class InspectionDetailSerializer(InspectionSerializer):
    findings = FindingSerializer(many=True)
    dust_samples = DustSampleSerializer(many=True)

    class Meta(InspectionSerializer.Meta):
        fields = [*InspectionSerializer.Meta.fields, "findings", "dust_samples"]


class FindingInputSerializer(serializers.Serializer):
    item = serializers.IntegerField(help_text="检查项 id（须属于本次检查标准）")
    count = serializers.IntegerField(min_value=1, max_value=999, default=1)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    lng = serializers.FloatField(required=False, allow_null=True, default=None)
    lat = serializers.FloatField(required=False, allow_null=True, default=None)


class DustInputSerializer(serializers.Serializer):
    weight_g = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0)
    sampled_m2 = serializers.DecimalField(max_digits=6, decimal_places=2, default="1", min_value=0)


class RecordSerializer(serializers.Serializer):
    findings = FindingInputSerializer(many=True, required=False, default=list)
    dust = DustInputSerializer(many=True, required=False, default=list)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DrawSerializer(serializers.Serializer):
    month = serializers.RegexField(r"^\d{4}-\d{2}$", help_text="YYYY-MM")
    inspectors = serializers.ListField(child=serializers.CharField(), help_text="检查人用户名")
    per_contractor = serializers.IntegerField(min_value=1, max_value=100, default=4)
    seed = serializers.IntegerField(required=False, allow_null=True, default=None)


class RegisterSerializer(serializers.Serializer):
    category = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="留空：检查项的挂号类别"
    )
    description = serializers.CharField(required=False, allow_blank=True, default="")


class RegisteredSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()


class RectificationSerializer(serializers.ModelSerializer):
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True)

    class Meta:
        model = Rectification
        fields = [
            "id",
            "contractor",
            "area",
            "finding",
            "done_on",
            "description",
            "performed_by",
            "cost",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = ["recorded_by", "recorded_at"]


class MonthlyAssessmentSerializer(serializers.ModelSerializer):
    contractor_name = serializers.CharField(source="contractor.name")

    class Meta:
        model = MonthlyAssessment
        fields = [
            "id",
            "contractor",
            "contractor_name",
            "month",
            "inspections",
            "score",
            "grade",
            "fee",
            "deduction_percent",
            "quality_deduction",
            "rectification_cost",
            "total_deduction",
            "payable",
            "assessed_at",
        ]


class AssessSerializer(serializers.Serializer):
    contractor = serializers.IntegerField()
    month = serializers.RegexField(r"^\d{4}-\d{2}$", help_text="YYYY-MM")


class StreetReportSerializer(serializers.Serializer):
    street = serializers.CharField(source="street.code")
    street_name = serializers.CharField(source="street.name")
    inspections = serializers.IntegerField()
    score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    findings = serializers.IntegerField()
    registered = serializers.IntegerField()
    rectification_cost = serializers.DecimalField(max_digits=12, decimal_places=2)
