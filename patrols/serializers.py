from rest_framework import serializers

from patrols.models import GridCoverage, Patrol


class PatrolSerializer(serializers.ModelSerializer):
    inspector = serializers.CharField(source="inspector.username", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    duration_s = serializers.FloatField(read_only=True)

    class Meta:
        model = Patrol
        fields = [
            "id",
            "inspector",
            "status",
            "status_label",
            "day",
            "started_at",
            "ended_at",
            "point_count",
            "distance_m",
            "duration_s",
            "last_point_at",
        ]
        read_only_fields = fields


class PatrolStartSerializer(serializers.Serializer):
    client_key = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="手机端为本次巡查生成的键：重发开始请求不会新开巡查",
    )


class TrackPointSerializer(serializers.Serializer):
    at = serializers.DateTimeField(help_text="定位时间（ISO 8601，带时区）")
    lng = serializers.FloatField(min_value=-180, max_value=180, help_text="经度（WGS-84）")
    lat = serializers.FloatField(min_value=-90, max_value=90, help_text="纬度（WGS-84）")
    accuracy = serializers.FloatField(
        required=False, allow_null=True, min_value=0, help_text="定位精度（米）"
    )


class PatrolUploadSerializer(serializers.Serializer):
    batch_key = serializers.CharField(max_length=64, help_text="本批次的键：同一批次重发只保存一次")
    points = TrackPointSerializer(many=True, allow_empty=False)


class PatrolUploadResultSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    stored = serializers.IntegerField(help_text="新保存的点数（重发的点不重复保存）")
    replayed = serializers.BooleanField(help_text="true：该批次之前已上传过")
    patrol = PatrolSerializer()


class GridCoverageSerializer(serializers.ModelSerializer):
    grid = serializers.CharField(source="grid.code")
    grid_name = serializers.CharField(source="grid.name")

    class Meta:
        model = GridCoverage
        fields = [
            "grid",
            "grid_name",
            "day",
            "coverage",
            "covered_m2",
            "mileage_m",
            "patrol_seconds",
            "inspectors",
            "distance_m",
            "computed_at",
        ]
        read_only_fields = fields


class MissedPatrolSerializer(serializers.Serializer):
    grid = serializers.CharField()
    grid_name = serializers.CharField()
    every_days = serializers.IntegerField(help_text="网格类别要求的巡查间隔（天）")
    last_patrolled = serializers.DateField(allow_null=True)
