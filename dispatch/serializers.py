"""Read-only representations of departments, categories and components for the API."""

from rest_framework import serializers

from dispatch.models import Category, Component, Department


class CategorySerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Category
        fields = [
            "id",
            "standard",
            "kind",
            "kind_label",
            "code",
            "major_code",
            "major_name",
            "name",
            "keywords",
            "is_local",
            "is_active",
        ]
        read_only_fields = fields


class CategoryBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "code", "name", "major_name"]
        read_only_fields = fields


class DepartmentBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "code", "name"]
        read_only_fields = fields


class DepartmentSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    parent_code = serializers.CharField(source="parent.code", read_only=True, allow_null=True, default=None)
    street_code = serializers.CharField(source="street.code", read_only=True, allow_null=True, default=None)
    street_name = serializers.CharField(source="street.name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Department
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "kind_label",
            "parent_code",
            "street_code",
            "street_name",
            "is_street_default",
            "credit_code",
            "contact_phone",
            "is_active",
        ]
        read_only_fields = fields


class ComponentSerializer(serializers.ModelSerializer):
    category = CategoryBriefSerializer(read_only=True)
    grid_code = serializers.CharField(source="grid.code", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    regulator = DepartmentBriefSerializer(read_only=True, allow_null=True)
    owner = DepartmentBriefSerializer(read_only=True, allow_null=True)
    maintainer = DepartmentBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Component
        fields = [
            "code",
            "name",
            "category",
            "grid_code",
            "lng",
            "lat",
            "address",
            "status",
            "status_label",
            "regulator",
            "owner",
            "maintainer",
        ]
        read_only_fields = fields
