"""The API's shapes. Rows are read through these; writes go through input serializers to the services,
so no state field is ever writable."""

from django.contrib.auth import get_user_model
from rest_framework import serializers

from campaigns.models import (
    Campaign,
    CampaignTask,
    FollowUp,
    FollowUpRule,
    Goal,
    Hazard,
    Photo,
    RegisterItem,
    TaskReport,
)
from cases.models import Case
from dispatch.models import Category, Department
from grids.models import Grid, Street

User = get_user_model()


def _many(model):
    return serializers.PrimaryKeyRelatedField(queryset=model.objects.all(), many=True, required=False)


def _one(model, required=True):
    return serializers.PrimaryKeyRelatedField(
        queryset=model.objects.all(), required=required, allow_null=not required
    )


class GoalSerializer(serializers.ModelSerializer):
    class Meta:
        model = Goal
        fields = ["metric", "target", "label"]


class CampaignSerializer(serializers.ModelSerializer):
    goals = GoalSerializer(many=True, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "period_start",
            "period_end",
            "lead_group",
            "office",
            "office_staff",
            "departments",
            "streets",
            "scope_streets",
            "scope_grids",
            "scope_categories",
            "description",
            "status",
            "status_label",
            "goals",
            "created_at",
        ]
        read_only_fields = fields


class CampaignCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    lead_group = serializers.CharField(required=False, allow_blank=True, default="")
    office = _one(Department, required=False)
    office_staff = _many(User)
    departments = _many(Department)
    streets = _many(Street)
    scope_streets = _many(Street)
    scope_grids = _many(Grid)
    scope_categories = _many(Category)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    goals = GoalSerializer(many=True, required=False)


class TaskSerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)

    class Meta:
        model = CampaignTask
        fields = [
            "id",
            "campaign",
            "seq",
            "content",
            "deadline",
            "department",
            "department_name",
            "person",
            "person_name",
            "status",
            "status_label",
            "progress",
            "done_at",
            "overdue",
            "overdue_at",
            "urge_count",
        ]
        read_only_fields = fields


class TaskCreateSerializer(serializers.Serializer):
    content = serializers.CharField()
    deadline = serializers.DateField()
    department = _one(Department)
    person = _one(User, required=False)
    person_name = serializers.CharField(required=False, allow_blank=True, default="")


class TaskReportInputSerializer(serializers.Serializer):
    progress = serializers.IntegerField(min_value=0, max_value=100)
    note = serializers.CharField()
    done = serializers.BooleanField(required=False, default=False)


class TaskReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = TaskReport
        fields = ["progress", "note", "actor", "at"]


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class TagSerializer(serializers.Serializer):
    case = _one(Case)


class PhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = Photo
        fields = ["stage", "image", "thumbnail", "created_at"]


class RegisterItemSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)

    class Meta:
        model = RegisterItem
        fields = [
            "id",
            "number",
            "campaign",
            "title",
            "category",
            "lng",
            "lat",
            "address",
            "grid",
            "street",
            "department",
            "department_name",
            "deadline",
            "case",
            "status",
            "status_label",
            "overdue",
            "registered_at",
            "rectified_at",
            "cleared_at",
        ]
        read_only_fields = fields


class _Photos(serializers.Serializer):
    photos = serializers.ListField(child=serializers.ImageField(), required=False, default=list)


class RegisterItemCreateSerializer(_Photos):
    title = serializers.CharField(max_length=200)
    lng = serializers.FloatField()
    lat = serializers.FloatField()
    address = serializers.CharField(required=False, allow_blank=True, default="")
    department = _one(Department)
    deadline = serializers.DateField()
    campaign = _one(Campaign, required=False)
    category = _one(Category, required=False)
    case = _one(Case, required=False)
    as_case = serializers.BooleanField(
        required=False, default=False, help_text="true：同时作为案件上报（须有类别），进入七步闭环"
    )


class NotePhotosSerializer(_Photos):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class FollowUpRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = FollowUpRule
        fields = [
            "id",
            "name",
            "category",
            "street",
            "grid",
            "campaign",
            "sample_percent",
            "days_after",
            "days_to_do",
            "active",
        ]
        read_only_fields = ["id", "active"]


class FollowUpSerializer(serializers.ModelSerializer):
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    case_number = serializers.CharField(source="case.number", read_only=True)
    new_case_number = serializers.CharField(source="new_case.number", read_only=True, default=None)

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "rule",
            "case",
            "case_number",
            "inspector",
            "state",
            "state_label",
            "opens_at",
            "due_at",
            "overdue_at",
            "done_at",
            "note",
            "new_case",
            "new_case_number",
        ]
        read_only_fields = fields


class FollowUpRecordSerializer(NotePhotosSerializer):
    held = serializers.BooleanField(help_text="true：巩固；false：回潮（新建案件并关联原案件）")
    description = serializers.CharField(required=False, allow_blank=True, default="")


class HazardSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)

    class Meta:
        model = Hazard
        fields = [
            "id",
            "number",
            "kind",
            "kind_label",
            "level",
            "level_label",
            "title",
            "campaign",
            "lng",
            "lat",
            "address",
            "grid",
            "street",
            "department",
            "department_name",
            "person_name",
            "person_phone",
            "plan",
            "deadline",
            "status",
            "status_label",
            "progress",
            "urge_count",
            "overdue",
            "found_at",
            "closed_at",
            "on_time",
        ]
        read_only_fields = fields


class HazardCreateSerializer(_Photos):
    kind = serializers.ChoiceField(choices=Hazard.Kind.choices)
    level = serializers.ChoiceField(choices=Hazard.Level.choices)
    title = serializers.CharField(max_length=200)
    lng = serializers.FloatField()
    lat = serializers.FloatField()
    address = serializers.CharField(required=False, allow_blank=True, default="")
    department = _one(Department)
    person_name = serializers.CharField(max_length=50)
    person_phone = serializers.CharField(required=False, allow_blank=True, default="")
    plan = serializers.CharField()
    deadline = serializers.DateField()
    campaign = _one(Campaign, required=False)


class ProgressSerializer(serializers.Serializer):
    progress = serializers.IntegerField(min_value=0, max_value=100)
    note = serializers.CharField()


class VerifySerializer(NotePhotosSerializer):
    passed = serializers.BooleanField()
