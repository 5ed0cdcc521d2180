"""Work beyond the single case (docs/domain.md §10): 专项行动 campaigns and their tasks, the 挂号/销号 list,
回头看 follow-up re-inspections, and the 隐患台账 hazard register.

Every change goes through campaigns/services/*, which append an `Event` row in the same transaction.
Deadlines are indexed columns; the beat sweep (campaigns/tasks.py) lights what is past them.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Campaign(models.Model):
    """专项行动: a name, a period, a lead group and office, participants, a scope, goals and tasks."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("进行中")
        FINISHED = "finished", _("已结束")

    name = models.CharField(_("名称"), max_length=100)
    period_start = models.DateField(_("开始日期"), db_index=True)
    period_end = models.DateField(_("结束日期"), db_index=True)
    lead_group = models.CharField(_("领导小组"), max_length=200, blank=True)
    office = models.ForeignKey(
        "dispatch.Department",
        verbose_name=_("牵头办公室"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    office_staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("办公室成员"), blank=True, related_name="campaign_offices"
    )
    departments = models.ManyToManyField(
        "dispatch.Department", verbose_name=_("参与部门"), blank=True, related_name="campaigns"
    )
    streets = models.ManyToManyField("grids.Street", verbose_name=_("参与街道"), blank=True, related_name="+")
    # Whose campaign it is in a deployment of several districts (docs/domain.md §13): set from the leader
    # who sets it up. A column, not a walk through its streets and offices: a campaign may name none, and
    # every list of tasks, items and cases would otherwise join through four many-to-many tables.
    # Blank: the whole deployment's (a one-district deployment, or set up by staff of no district).
    district = models.ForeignKey(
        "grids.District",
        verbose_name=_("区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The scope: a case reported here during the period is tagged automatically. Empty = no limit.
    scope_streets = models.ManyToManyField(
        "grids.Street", verbose_name=_("范围：街道"), blank=True, related_name="+"
    )
    scope_grids = models.ManyToManyField(
        "grids.Grid", verbose_name=_("范围：网格"), blank=True, related_name="+"
    )
    scope_categories = models.ManyToManyField(
        "dispatch.Category", verbose_name=_("范围：类别"), blank=True, related_name="+"
    )
    description = models.TextField(_("工作目标与说明"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        ordering = ["-period_start", "id"]
        verbose_name = _("专项行动")
        verbose_name_plural = _("专项行动")

    def __str__(self) -> str:
        return self.name


class Goal(models.Model):
    """A figure the campaign aims for, measured from the platform (campaigns/figures.py)."""

    class Metric(models.TextChoices):
        CASES_FOUND = "cases_found", _("发现问题数")
        CASES_CLOSED = "cases_closed", _("结案数")
        CLOSE_RATE = "close_rate", _("结案率（%）")
        TASKS_DONE = "tasks_done", _("完成任务数")
        ITEMS_CLEARED = "items_cleared", _("销号数")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="goals")
    metric = models.CharField(_("指标"), max_length=20, choices=Metric.choices)
    target = models.DecimalField(_("目标值"), max_digits=10, decimal_places=2)
    label = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("目标")
        verbose_name_plural = _("目标")

    def __str__(self) -> str:
        return f"{self.get_metric_display()} {self.target}"


class CampaignTask(models.Model):
    """One line of the plan: 任务内容 · 时间节点 · 责任单位 · 责任人."""

    class Status(models.TextChoices):
        OPEN = "open", _("推进中")
        DONE = "done", _("已完成")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="tasks")
    seq = models.PositiveIntegerField(_("序号"), default=0)
    content = models.TextField(_("任务内容"))
    deadline = models.DateField(_("时间节点"), db_index=True)
    department = models.ForeignKey(
        "dispatch.Department", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    person_name = models.CharField(_("责任人姓名"), max_length=50, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("超期时间"), null=True, blank=True)
    # When its unit and person were told it falls due (campaigns/sweep.py; overdue_at tells them again).
    due_notified_at = models.DateTimeField(_("到期提醒时间"), null=True, blank=True)
    urge_count = models.PositiveIntegerField(_("督办次数"), default=0)

    class Meta:
        ordering = ["campaign", "seq", "id"]
        verbose_name = _("专项任务")
        verbose_name_plural = _("专项任务")
        indexes = [
            models.Index(
                fields=["deadline"], name="campaign_task_open_due", condition=models.Q(status="open")
            )
        ]

    def __str__(self) -> str:
        return self.content[:40]

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.deadline < timezone.localdate()


class TaskReport(models.Model):
    """进度报告: append-only, one per report on a task."""

    task = models.ForeignKey(CampaignTask, on_delete=models.CASCADE, related_name="reports")
    progress = models.PositiveSmallIntegerField(_("进度（%）"))
    note = models.TextField(_("进展情况"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("进度报告")
        verbose_name_plural = _("进度报告")

    def __str__(self) -> str:
        return f"{self.progress}% {self.note[:30]}"


class CampaignCase(models.Model):
    """A case tagged with a campaign: automatically when reported in scope during the period, or by hand."""

    class How(models.TextChoices):
        AUTO = "auto", _("自动")
        MANUAL = "manual", _("手动")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="tags")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="campaign_tags")
    how = models.CharField(_("方式"), max_length=10, choices=How.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "case"], name="campaign_case_once")]
        verbose_name = _("专项案件")
        verbose_name_plural = _("专项案件")

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.case_id}"


class Located(models.Model):
    lng = models.FloatField(_("经度"))
    lat = models.FloatField(_("纬度"))
    address = models.CharField(_("地址"), max_length=200, blank=True)
    grid = models.ForeignKey("grids.Grid", verbose_name=_("网格"), on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey(
        "grids.Street", verbose_name=_("街道"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True


class RegisterItem(Located):
    """挂号: a problem found in an inspection or a campaign, off the list (销号) only after a check with a photo."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("已挂号")
        RECTIFIED = "rectified", _("已整改待核查")
        CLEARED = "cleared", _("已销号")

    number = models.CharField(_("挂号编号"), max_length=32, unique=True)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("专项行动"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="items",
    )
    title = models.CharField(_("问题"), max_length=200)
    category = models.ForeignKey(
        "dispatch.Category",
        verbose_name=_("类别"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        "dispatch.Department", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+"
    )
    deadline = models.DateField(_("整改期限"), db_index=True)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("关联案件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.REGISTERED)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(_("挂号时间"), default=timezone.now)
    rectified_at = models.DateTimeField(_("整改时间"), null=True, blank=True)
    cleared_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    overdue_at = models.DateTimeField(_("超期时间"), null=True, blank=True)

    class Meta:
        ordering = ["-registered_at", "-id"]
        verbose_name = _("挂号问题")
        verbose_name_plural = _("挂号/销号清单")
        indexes = [
            models.Index(
                fields=["deadline"], name="register_item_open_due", condition=~models.Q(status="cleared")
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_overdue(self) -> bool:
        return self.status != self.Status.CLEARED and self.deadline < timezone.localdate()


class FollowUpRule(models.Model):
    """回头看 rule: which closed cases are re-inspected, and how many working days after 结案."""

    name = models.CharField(_("名称"), max_length=100)
    category = models.ForeignKey(
        "dispatch.Category",
        verbose_name=_("类别"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    street = models.ForeignKey(
        "grids.Street",
        verbose_name=_("街道"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    grid = models.ForeignKey(
        "grids.Grid",
        verbose_name=_("热点网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("专项行动"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sample_percent = models.PositiveSmallIntegerField(_("抽查比例（%）"), default=100)
    days_after = models.PositiveSmallIntegerField(_("结案后工作日"), default=5)
    days_to_do = models.PositiveSmallIntegerField(_("完成时限（工作日）"), default=3)
    active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("回头看规则")
        verbose_name_plural = _("回头看规则")

    def __str__(self) -> str:
        return self.name


class FollowUp(models.Model):
    """One 回头看 of one closed case: scheduled, then open in the inspector's 我的任务, then 巩固 or 回潮."""

    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("待开始")
        OPEN = "open", _("待回头看")
        HELD = "held", _("巩固")
        BACK = "back", _("回潮")

    rule = models.ForeignKey(
        FollowUpRule, null=True, blank=True, on_delete=models.PROTECT, related_name="followups"
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("原案件"), on_delete=models.PROTECT, related_name="followups"
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("监督员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.SCHEDULED)
    opens_at = models.DateTimeField(_("开始时间"), db_index=True)
    due_at = models.DateTimeField(_("截止时间"), db_index=True)
    overdue_at = models.DateTimeField(_("超期时间"), null=True, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("情况说明"), blank=True)
    new_case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("回潮新案件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="relapse_of",
    )

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("回头看")
        verbose_name_plural = _("回头看")
        constraints = [models.UniqueConstraint(fields=["rule", "case"], name="followup_once_per_rule")]

    def __str__(self) -> str:
        return f"回头看 {self.case_id}"

    @property
    def done(self) -> bool:
        return self.state in (self.State.HELD, self.State.BACK)


class Hazard(Located):
    """隐患台账: one hazard, one plan (一隐患一方案), followed with 跟踪督办 until a verified 整改销号."""

    class Kind(models.TextChoices):
        SIGNBOARD = "signboard", _("户外广告牌匾")
        MANHOLE = "manhole", _("井盖")
        TREE = "tree", _("树木")
        GAS = "gas", _("燃气")
        CONSTRUCTION = "construction", _("施工")
        OTHER = "other", _("其他")

    class Level(models.TextChoices):
        MAJOR = "major", _("重大")
        LARGE = "large", _("较大")
        GENERAL = "general", _("一般")
        LOW = "low", _("低")

    class Status(models.TextChoices):
        OPEN = "open", _("整改中")
        PENDING_VERIFY = "pending_verify", _("待验收")
        CLOSED = "closed", _("已销号")

    number = models.CharField(_("隐患编号"), max_length=32, unique=True)
    kind = models.CharField(_("隐患类型"), max_length=20, choices=Kind.choices)
    level = models.CharField(_("风险等级"), max_length=10, choices=Level.choices, db_index=True)
    title = models.CharField(_("隐患描述"), max_length=200)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("专项行动"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hazards",
    )
    department = models.ForeignKey(
        "dispatch.Department", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+"
    )
    person_name = models.CharField(_("责任人"), max_length=50)
    person_phone = models.CharField(_("责任人电话"), max_length=30, blank=True)
    plan = models.TextField(_("整改方案"))
    deadline = models.DateField(_("整改期限"), db_index=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    progress = models.PositiveSmallIntegerField(_("整改进度（%）"), default=0)
    urge_count = models.PositiveIntegerField(_("督办次数"), default=0)
    found_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    found_at = models.DateTimeField(_("登记时间"), default=timezone.now, db_index=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    on_time = models.BooleanField(_("按期整改"), null=True)
    overdue_at = models.DateTimeField(_("超期时间"), null=True, blank=True)

    class Meta:
        ordering = ["-found_at", "-id"]
        verbose_name = _("隐患")
        verbose_name_plural = _("隐患台账")
        indexes = [
            models.Index(fields=["deadline"], name="hazard_open_due", condition=~models.Q(status="closed"))
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_overdue(self) -> bool:
        return self.status != self.Status.CLOSED and self.deadline < timezone.localdate()


class Subject(models.TextChoices):
    CAMPAIGN = "campaign", _("专项行动")
    TASK = "task", _("专项任务")
    ITEM = "item", _("挂号问题")
    FOLLOWUP = "followup", _("回头看")
    HAZARD = "hazard", _("隐患")


class Event(models.Model):
    """The append-only history of everything in this app: who did what to which row, when."""

    subject = models.CharField(_("对象"), max_length=10, choices=Subject.choices)
    subject_id = models.PositiveBigIntegerField(_("对象编号"))
    action = models.CharField(_("动作"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_role = models.CharField(_("操作角色"), max_length=20, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    note = models.TextField(_("意见"), blank=True)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("记录")
        verbose_name_plural = _("记录")
        indexes = [models.Index(fields=["subject", "subject_id", "at"])]

    def __str__(self) -> str:
        return f"{self.subject}#{self.subject_id} {self.action}"


class Photo(models.Model):
    class Stage(models.TextChoices):
        FOUND = "found", _("发现")
        RECTIFY = "rectify", _("整改")
        CHECK = "check", _("核查")

    subject = models.CharField(max_length=10, choices=Subject.choices)
    subject_id = models.PositiveBigIntegerField()
    stage = models.CharField(_("环节"), max_length=10, choices=Stage.choices)
    image = models.ImageField(_("照片"), upload_to="campaigns/%Y/%m/")
    thumbnail = models.ImageField(_("缩略图"), upload_to="campaigns/thumbs/%Y/%m/")
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="photos")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["subject", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.subject}#{self.subject_id} {self.stage}"


class Alert(models.Model):
    """A notice to one user that has no case behind it (a major hazard for the supervisors)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("标题"), max_length=200)
    url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.title
