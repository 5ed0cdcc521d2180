"""Patrols (巡查, docs/domain.md §12): an inspector's patrol, its GPS track, and each grid's daily coverage.

Positions are WGS-84 as the phone's Geolocation API gives them. A track point is unique per patrol and
instant, and an uploaded batch is recorded by its key, so a batch sent twice (a retry after a lost
answer) stores nothing twice. GridCoverage is derived (patrols/coverage.py) and may be recomputed for
any past day from the points.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Patrol(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("巡查中")
        ENDED = "ended", _("已结束")

    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("监督员"), on_delete=models.PROTECT, related_name="patrols"
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    day = models.DateField(_("日期"), db_index=True)
    client_key = models.CharField(_("客户端键"), max_length=64, blank=True)
    point_count = models.PositiveIntegerField(_("轨迹点数"), default=0)
    distance_m = models.FloatField(_("里程 (m)"), default=0)
    last_point_at = models.DateTimeField(_("最后定位时间"), null=True, blank=True)
    # The last fix's position, kept with its time so that a batch continuing the track measures its
    # first step without reading the points back (patrols/services.py).
    last_lng = models.FloatField(_("最后定位经度"), null=True, blank=True)
    last_lat = models.FloatField(_("最后定位纬度"), null=True, blank=True)

    class Meta:
        verbose_name = _("巡查")
        verbose_name_plural = _("巡查")
        ordering = ["-started_at"]
        constraints = [
            # One patrol at a time per inspector.
            models.UniqueConstraint(
                fields=["inspector"], condition=models.Q(status="active"), name="patrol_one_active"
            ),
            models.UniqueConstraint(
                fields=["inspector", "client_key"],
                condition=~models.Q(client_key=""),
                name="patrol_unique_client_key",
            ),
        ]
        indexes = [models.Index(fields=["inspector", "day"])]

    def __str__(self):
        return f"{self.inspector} {self.day} #{self.pk}"

    @property
    def duration_s(self) -> float:
        end = self.ended_at or self.last_point_at or self.started_at
        return max(0.0, (end - self.started_at).total_seconds())


class TrackPoint(models.Model):
    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="points")
    at = models.DateTimeField()
    lng = models.FloatField()
    lat = models.FloatField()
    accuracy_m = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = _("轨迹点")
        verbose_name_plural = _("轨迹点")
        ordering = ["patrol", "at"]
        constraints = [models.UniqueConstraint(fields=["patrol", "at"], name="trackpoint_unique_instant")]

    def __str__(self):
        return f"{self.patrol_id} {self.at:%H:%M:%S} ({self.lng:.6f}, {self.lat:.6f})"


class PatrolEvent(models.Model):
    """The patrol's append-only log: start, upload (a batch, with its key and counts), end."""

    class Action(models.TextChoices):
        START = "start", _("开始巡查")
        UPLOAD = "upload", _("上传轨迹")
        END = "end", _("结束巡查")

    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("动作"), max_length=10, choices=Action.choices)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    batch_key = models.CharField(_("批次键"), max_length=64, blank=True)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("巡查记录")
        verbose_name_plural = _("巡查记录")
        ordering = ["patrol", "at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patrol", "batch_key"], condition=~models.Q(batch_key=""), name="patrol_batch_once"
            )
        ]

    def __str__(self):
        return f"{self.patrol_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class GridPatrolPlan(models.Model):
    """How often a grid must be patrolled (grid classes, docs/domain.md §12: 一类 daily, 二类 every two days)."""

    class GridClass(models.IntegerChoices):
        FIRST = 1, _("一类（每天）")
        SECOND = 2, _("二类（每两天）")
        THIRD = 3, _("三类（每三天）")

    grid = models.OneToOneField(
        "grids.Grid", verbose_name=_("单元网格"), on_delete=models.CASCADE, related_name="patrol_plan"
    )
    grid_class = models.PositiveSmallIntegerField(
        _("网格类别"), choices=GridClass.choices, default=GridClass.FIRST
    )

    class Meta:
        verbose_name = _("网格巡查频次")
        verbose_name_plural = _("网格巡查频次")

    def __str__(self):
        return f"{self.grid} {self.get_grid_class_display()}"

    @property
    def every_days(self) -> int:
        return int(self.grid_class)


class GridCoverage(models.Model):
    """One grid's patrol figures for one day: 面积覆盖率, 巡查里程, on-patrol time (docs/domain.md §12)."""

    grid = models.ForeignKey(
        "grids.Grid", verbose_name=_("单元网格"), on_delete=models.CASCADE, related_name="coverage_days"
    )
    day = models.DateField(_("日期"), db_index=True)
    coverage = models.FloatField(_("面积覆盖率"))  # 0…1
    covered_m2 = models.FloatField(_("覆盖面积 (m²)"))
    mileage_m = models.FloatField(_("巡查里程 (m)"))
    patrol_seconds = models.FloatField(_("巡查时长 (秒)"))
    inspectors = models.PositiveIntegerField(_("巡查人数"), default=0)
    distance_m = models.FloatField(_("覆盖距离 (m)"))
    computed_at = models.DateTimeField(_("计算时间"), default=timezone.now)

    class Meta:
        verbose_name = _("网格巡查覆盖")
        verbose_name_plural = _("网格巡查覆盖")
        ordering = ["day", "grid"]
        constraints = [models.UniqueConstraint(fields=["grid", "day"], name="coverage_one_per_grid_day")]

    def __str__(self):
        return f"{self.grid_id} {self.day} {self.coverage:.0%}"
