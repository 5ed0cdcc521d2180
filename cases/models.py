"""The case and its closed loop (docs/domain.md §2–§3).

`Case.status` changes only through cases/services; every change appends one `CaseEvent`, which the
database refuses to update or delete (migration 0002). Ledger requests (回退, 延期, 挂账, 作废) are
`CaseRequest` rows: the 审批台账 regulators ask for.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.workflow import EVENT_LABELS, OPEN, STATUS_CHOICES
from dispatch.calendar import Unit
from dispatch.models import Category, Step, TimeLimitRule

# Sorted, so the partial index's condition (and its migration) does not change between runs.
OPEN_STATES = sorted(status.value for status in OPEN)


class Source(models.TextChoices):
    """The seeded channels' codes (cases/channels.py SEED), for code that names one. Channels are data:
    what a code means (name, trust, hotline number, active) is its `Channel` row, never this list."""

    INSPECTOR = "inspector", _("监督员上报")
    HOTLINE_12345 = "hotline_12345", _("12345 政务服务便民热线")
    HOTLINE_8890 = "hotline_8890", _("8890 便民服务专线")
    HOTLINE_400 = "hotline_400", _("400热线")
    PUBLIC = "public", _("公众上报")
    ZMLJL = "zmljl", _("政民零距离")
    LEADER = "leader", _("领导交办")
    VIDEO = "video", _("视频/物联网发现")
    MEDIA = "media", _("媒体")
    COMMUNITY = "community", _("社区/志愿者")


# The seeded trust levels and hotline numbers, for the generator and the demo, which draw from the seed.
# The running system asks the Channel rows (cases.channels.needs_verification / hotline_number).
TRUSTED_SOURCES = frozenset({Source.INSPECTOR, Source.VIDEO, Source.LEADER})
HOTLINE_SOURCES = {Source.HOTLINE_12345: "12345", Source.HOTLINE_8890: "8890"}


# One definition, in the lower app: time-limit rules (dispatch) key on the same urgency and variant.
Urgency = TimeLimitRule.Urgency
Variant = TimeLimitRule.Variant


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY_SATISFIED = "basically_satisfied", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")
    UNREACHABLE = "unreachable", _("未联系上")


class RequestNature(models.TextChoices):
    """诉求性质: what the caller asks for (docs/domain.md §2), set by the hotline agent or the hotline's ticket."""

    CONSULT = "consult", _("咨询")
    RESOLVE = "resolve", _("求决")
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")
    SUGGESTION = "suggestion", _("建议")


class RejectReason(models.TextChoices):
    DUPLICATE = "duplicate", _("重复案件")
    OUT_OF_SCOPE = "out_of_scope", _("不属于城市管理范围")
    NOT_A_PROBLEM = "not_a_problem", _("经核实不存在问题")
    INVALID = "invalid", _("无效信息")


class ExtensionReason(models.TextChoices):
    """延期 reason codes the 12345 centre knows (docs/hotline-12345.md)."""

    CONSTRUCTION = "construction", _("需施工或采购，周期较长")
    WEATHER = "weather", _("天气等不可抗力")
    COORDINATION = "coordination", _("需多部门协调")
    APPROVAL = "approval", _("需行政审批或立项")
    OTHER = "other", _("其他")


class HotlineReturnReason(models.TextChoices):
    """退单 reason codes the 12345 centre knows. A duplicate is never one: it is merged (合并办理)."""

    NOT_OUR_DISTRICT = "not_our_district", _("非本区管辖")
    OUT_OF_SCOPE = "out_of_scope", _("不属于城市管理职责")
    NO_PROBLEM = "no_problem", _("经核实不存在问题")
    INSUFFICIENT_INFO = "insufficient_info", _("信息不全且无法联系来电人")
    OTHER = "other", _("其他")


# An approved 退单 ends the case as 不予受理 with the nearest of our own reasons.
REJECT_REASON_FOR_RETURN = {
    HotlineReturnReason.NOT_OUR_DISTRICT: RejectReason.OUT_OF_SCOPE,
    HotlineReturnReason.OUT_OF_SCOPE: RejectReason.OUT_OF_SCOPE,
    HotlineReturnReason.NO_PROBLEM: RejectReason.NOT_A_PROBLEM,
    HotlineReturnReason.INSUFFICIENT_INFO: RejectReason.INVALID,
    HotlineReturnReason.OTHER: RejectReason.INVALID,
}

# A report's case carries this until its number is allocated, the report's last statement
# (cases/services/report.py): a receiver of events_recorded may meet it, never a committed case.
PROVISIONAL_NUMBER = "~"


class Case(models.Model):
    number = models.CharField(_("案件编号"), max_length=32, unique=True)
    # A Channel code (cases/channels.py): validated against the active channels by the report service.
    source = models.CharField(_("来源"), max_length=20, db_index=True)
    status = models.CharField(_("状态"), max_length=20, choices=STATUS_CHOICES, db_index=True)

    category = models.ForeignKey(
        "dispatch.Category", verbose_name=_("类别"), on_delete=models.PROTECT, related_name="+"
    )
    # A snapshot of the category as it was when the case was last categorised: the taxonomy may change.
    category_code = models.CharField(_("类别编码"), max_length=10)
    category_name = models.CharField(_("类别名称"), max_length=100)
    category_kind = models.CharField(_("部件/事项"), max_length=10, choices=Category.Kind.choices)
    major_code = models.CharField(_("大类编码"), max_length=4)
    component = models.ForeignKey(
        "dispatch.Component",
        verbose_name=_("部件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )

    lng = models.FloatField(_("经度"))
    lat = models.FloatField(_("纬度"))
    address = models.CharField(_("地址"), max_length=200, blank=True)
    grid = models.ForeignKey(
        "grids.Grid", verbose_name=_("单元网格"), on_delete=models.PROTECT, related_name="cases"
    )
    community = models.ForeignKey(
        "grids.Community", verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+"
    )
    street = models.ForeignKey(
        "grids.Street", verbose_name=_("街道"), on_delete=models.PROTECT, related_name="+"
    )
    # The grid's district, copied at 上报 like street and community (docs/domain.md §13): the scope of a
    # district's staff is one indexed column, not a join up the area hierarchy.
    district = models.ForeignKey(
        "grids.District",
        verbose_name=_("区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # case_district_status (below) leads with it
    )

    description = models.TextField(_("问题描述"))
    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    variant = models.CharField(_("处置类型"), max_length=12, choices=Variant.choices, default=Variant.GENERAL)
    self_resolved = models.BooleanField(_("自行处置"), default=False)

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上报人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Private: shown only to roles that must contact the caller (cases/visibility.py).
    reporter_name = models.CharField(_("反映人姓名"), max_length=50, blank=True)
    reporter_phone = models.CharField(_("反映人电话"), max_length=30, blank=True)
    reporter_email = models.EmailField(_("反映人邮箱"), blank=True)
    hotline_channel = models.CharField(_("热线渠道"), max_length=10, blank=True)
    hotline_ticket_no = models.CharField(_("热线工单号"), max_length=64, blank=True)
    request_nature = models.CharField(
        _("诉求性质"), max_length=12, choices=RequestNature.choices, blank=True, default="", db_default=""
    )
    # The client's key for one report (the API's Idempotency-Key, the report page's hidden field): a
    # report sent again with it, after an answer lost on a bad connection, finds this case instead of
    # making a second one. Unique per reporter.
    submission_key = models.CharField(
        _("提交标识"), max_length=64, blank=True, default="", db_default="", editable=False
    )

    department = models.ForeignKey(
        "dispatch.Department",
        verbose_name=_("主办部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    co_departments = models.ManyToManyField(
        "dispatch.Department", verbose_name=_("协办部门"), blank=True, related_name="co_cases"
    )
    verify_inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核实监督员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("重复于"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    reject_reason = models.CharField(
        _("不予受理/立案原因"), max_length=20, choices=RejectReason.choices, blank=True
    )

    rework_count = models.PositiveIntegerField(_("返工次数"), default=0)
    extension_count = models.PositiveIntegerField(_("延期次数"), default=0)
    return_count = models.PositiveIntegerField(_("回退次数"), default=0)
    reopen_count = models.PositiveIntegerField(_("重办次数"), default=0)
    supervise_count = models.PositiveIntegerField(_("督办次数"), default=0)
    satisfaction = models.CharField(_("满意度"), max_length=24, choices=Satisfaction.choices, blank=True)

    created_at = models.DateTimeField(_("上报时间"), default=timezone.now, db_index=True)
    filed_at = models.DateTimeField(_("立案时间"), null=True, blank=True, db_index=True)
    dispatched_at = models.DateTimeField(_("派遣时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["hotline_channel", "hotline_ticket_no"],
                condition=~Q(hotline_ticket_no=""),
                name="hotline_ticket_once",
            ),
            models.UniqueConstraint(
                fields=["reporter", "submission_key"],
                condition=~Q(submission_key=""),
                name="case_submission_once",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "department"]),
            models.Index(fields=["grid", "status"]),
            # A district's queues (docs/domain.md §13): its staff's every list filters on it first.
            models.Index(fields=["district", "status"], name="case_district_status"),
            models.Index(fields=["category_code", "created_at"]),
            # Duplicate search (cases/intake/duplicates.py): same category or 大类, then a latitude band.
            models.Index(fields=["category", "lat", "lng"], name="case_category_position"),
            models.Index(fields=["major_code", "lat", "lng"], name="case_major_position"),
            # The default order of every case list (newest first), read backwards by PostgreSQL.
            models.Index(fields=["created_at", "id"], name="case_created_order"),
            # Every work queue is one state, worked oldest (or newest) first: without this, PostgreSQL
            # walks case_created_order and discards the other states' rows before finding 25.
            models.Index(fields=["status", "created_at", "id"], name="case_status_created"),
            # A caller's earlier cases (repeat callers, cases/caller_history.py), shown to the hotline agent.
            models.Index(
                fields=["reporter_phone", "created_at"],
                name="case_caller_history",
                condition=~Q(reporter_phone=""),
            ),
            # The supervisors' map: open cases inside the visible box (cases/web/supervise.py).
            models.Index(
                fields=["lat", "lng"], name="case_open_position", condition=Q(status__in=OPEN_STATES)
            ),
        ]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        # case_report sets the district from the grid; a case made any other way (a fixture, a script)
        # still gets it, so no case falls out of its district's scope.
        if self.district_id is None and self.street_id is not None:
            from grids.models import Street

            self.district_id = (
                Street.objects.filter(pk=self.street_id).values_list("district_id", flat=True).first()
            )
        super().save(*args, **kwargs)

    @property
    def has_number(self) -> bool:
        """False while a report is still being written (its number comes last, in its transaction)."""
        return bool(self.number) and not self.number.startswith(PROVISIONAL_NUMBER)

    @property
    def status_label(self) -> str:
        return self.get_status_display()

    def get_source_display(self) -> str:
        """The channel's name from its row (channels are data: `source` has no choices)."""
        from cases import channels

        return channels.label(self.source)

    @property
    def source_label(self) -> str:
        return self.get_source_display()

    source_label.fget.short_description = _("来源")


# The longest reason, note or result an action takes (回退理由, 审批意见, 处置结果 …): the API's and the
# forms' limit, and the services' (README, Channels; the OpenAPI document's maxLength).
ACTION_TEXT_MAX_LENGTH = 2000


class CaseEvent(models.Model):
    """One immutable row per action: who, in which role, when, from which state to which, and why."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="events")
    action = models.CharField(
        _("动作"), max_length=24, choices=[(a.value, label) for a, label in EVENT_LABELS.items()]
    )
    from_status = models.CharField(_("原状态"), max_length=20, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_role = models.CharField(_("操作角色"), max_length=20)
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    note = models.TextField(_("意见"), blank=True)
    payload = models.JSONField(_("数据"), default=dict, blank=True)

    class Meta:
        verbose_name = _("案件事件")
        verbose_name_plural = _("案件事件")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"]), models.Index(fields=["action", "at"])]

    def __str__(self):
        return f"{self.case_id} {self.action} {timezone.localtime(self.at):%Y-%m-%d %H:%M}"


class CaseRequest(models.Model):
    """A ledger entry (审批台账) for 回退, 延期, 挂账 and 作废: requested, then approved or denied."""

    class Kind(models.TextChoices):
        RETURN = "return", _("回退")
        EXTENSION = "extension", _("延期")
        SUSPENSION = "suspension", _("挂账")
        VOID = "void", _("作废")
        HOTLINE_RETURN = "hotline_return", _("退单")

    class State(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        DENIED = "denied", _("已驳回")
        LAPSED = "lapsed", _("已失效")  # the case moved on before anyone decided

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="requests")
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    state = models.CharField(_("审批状态"), max_length=10, choices=State.choices, default=State.PENDING)
    reason = models.TextField(_("申请理由"))
    # 12345 tickets: the centre's reason code (ExtensionReason / HotlineReturnReason); blank otherwise.
    reason_code = models.CharField(_("原因代码"), max_length=20, blank=True, default="")
    extension_hours = models.DecimalField(
        _("申请延期（工作时）"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    requested_role = models.CharField(_("申请角色"), max_length=20)
    requested_department = models.ForeignKey(
        "dispatch.Department",
        verbose_name=_("申请部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)

    class Meta:
        verbose_name = _("审批台账")
        verbose_name_plural = _("审批台账")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind"], condition=Q(state="pending"), name="one_pending_request_per_kind"
            )
        ]
        indexes = [models.Index(fields=["state", "kind"])]

    def __str__(self):
        return f"{self.case} {self.get_kind_display()} {self.get_state_display()}"


class CasePhoto(models.Model):
    class Stage(models.TextChoices):
        REPORT = "report", _("上报")
        VERIFY = "verify", _("核实")
        FEEDBACK = "feedback", _("处置反馈")
        CHECK = "check", _("核查")

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="photos")
    stage = models.CharField(_("环节"), max_length=10, choices=Stage.choices)
    # Empty until the worker has stripped and re-encoded the upload (cases/photos.py): only these two
    # are ever served (cases/web/photos.py), so nothing public exists before the EXIF is gone.
    image = models.ImageField(_("照片"), upload_to="cases/%Y/%m/", blank=True)
    thumbnail = models.ImageField(_("缩略图"), upload_to="cases/thumbs/%Y/%m/", blank=True)
    # The upload as it came (with its EXIF), private: no URL serves it; deleted once processed.
    original = models.FileField(_("原始上传"), upload_to="private/uploads/%Y/%m/", blank=True)
    processed_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    failed = models.BooleanField(_("无法解码"), default=False)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    event = models.ForeignKey(
        CaseEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="photos"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # On-site evidence (docs/domain.md §12): when and where a staff photo was taken, from its EXIF or
    # captured by the phone when it was picked (cases/photos.py). The case file keeps them; the stored
    # image itself carries no EXIF, so public copies (Open311 media_url) never show them.
    taken_at = models.DateTimeField(_("拍摄时间"), null=True, blank=True)
    taken_lng = models.FloatField(_("拍摄经度"), null=True, blank=True)
    taken_lat = models.FloatField(_("拍摄纬度"), null=True, blank=True)
    taken_accuracy_m = models.FloatField(_("拍摄定位精度 (m)"), null=True, blank=True)
    capture_source = models.CharField(
        _("拍摄信息来源"),
        max_length=10,
        blank=True,
        choices=[("exif", _("照片 EXIF")), ("device", _("手机拍摄时记录"))],
    )

    class Meta:
        verbose_name = _("案件照片")
        verbose_name_plural = _("案件照片")
        ordering = ["created_at", "id"]
        indexes = [
            # The worker's catch-up pass (cases/tasks.py) reads only the few photos still waiting.
            models.Index(
                fields=["created_at"], name="casephoto_pending", condition=models.Q(processed_at__isnull=True)
            )
        ]

    def __str__(self):
        return f"{self.case_id} {self.stage} #{self.pk}"

    @property
    def ready(self) -> bool:
        return bool(self.processed_at and self.image)


class CaseNumberCounter(models.Model):
    """The last sequence number used per district and day, for human-readable case numbers."""

    prefix = models.CharField(max_length=20)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "day"], name="case_counter_per_day")]

    def __str__(self):
        return f"{self.prefix} {self.day} {self.last}"


class Light(models.TextChoices):
    GREEN = "green", _("绿灯")
    YELLOW = "yellow", _("黄灯")
    RED = "red", _("红灯（超期）")


class TimedStep(models.Model):
    """One timed step a case passes through (受理 … 结案), with its deadline and traffic light (docs/domain.md §6).

    The limit is resolved once, when the step starts, and copied here: changing a rule later does not
    rewrite running deadlines. `next_check_at` is the only column the SLA sweep reads: the moment the
    light must next change (warn_at while green, due_at while yellow, NULL when red, paused or done).
    """

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="steps")
    step = models.CharField(
        _("环节"),
        max_length=10,
        choices=Step.choices,
    )
    started_at = models.DateTimeField(_("开始时间"))
    limit_amount = models.DecimalField(_("时限"), max_digits=8, decimal_places=2)
    limit_unit = models.CharField(_("时限单位"), max_length=20, choices=Unit.choices)
    rule_text = models.CharField(_("适用规则"), max_length=300)
    due_at = models.DateTimeField(_("截止时间"))
    warn_at = models.DateTimeField(_("预警时间"))
    next_check_at = models.DateTimeField(null=True, blank=True)
    light = models.CharField(_("亮灯"), max_length=6, choices=Light.choices, default=Light.GREEN)
    paused_at = models.DateTimeField(_("挂账时间"), null=True, blank=True)
    remaining_at_pause = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    extended_amount = models.DecimalField(_("延期（时限单位）"), max_digits=8, decimal_places=2, default=0)
    warned_at = models.DateTimeField(_("黄灯时间"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("超期时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    on_time = models.BooleanField(_("按期"), null=True)

    class Meta:
        verbose_name = _("环节时限")
        verbose_name_plural = _("环节时限")
        ordering = ["started_at", "id"]
        indexes = [
            # The sweep's cost follows the number of due steps, not the number of open cases.
            models.Index(
                fields=["next_check_at"], name="timedstep_due", condition=Q(next_check_at__isnull=False)
            ),
            models.Index(fields=["case", "finished_at"]),
            # The overdue list: running steps whose light is red, most overdue first.
            models.Index(
                fields=["due_at"],
                name="timedstep_overdue",
                condition=Q(finished_at__isnull=True, light="red"),
            ),
            # Queues sorted by deadline (cases/web/lists.py): the open step of each case, by step and due.
            models.Index(
                fields=["step", "due_at"], name="timedstep_open_due", condition=Q(finished_at__isnull=True)
            ),
        ]

    def __str__(self):
        return f"{self.case_id} {self.step} → {timezone.localtime(self.due_at):%Y-%m-%d %H:%M}"


class Notification(models.Model):
    """An in-app inbox entry (and an email when the user has an address), linking to a case — or, for work
    that is not a case (a campaign task due, notices.services.notify), to that work's page (`link`)."""

    class Kind(models.TextChoices):
        REMIND = "remind", _("催办")
        OVERDUE = "overdue", _("超期督办")
        INFO = "info", _("通知")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    link = models.CharField(_("链接"), max_length=200, blank=True)  # a site path, when there is no case
    timed_step = models.ForeignKey(
        TimedStep, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        constraints = [
            # A redelivered sweep or a second beat can never notify anyone twice for one threshold.
            models.UniqueConstraint(
                fields=["user", "timed_step", "kind"],
                condition=Q(timed_step__isnull=False),
                name="notify_once",
            )
        ]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return self.title


class DuplicateSuspect(models.Model):
    """A suspected duplicate found on intake, for the operator to confirm (reject as duplicate) or dismiss."""

    class State(models.TextChoices):
        SUSPECTED = "suspected", _("疑似重复")
        CONFIRMED = "confirmed", _("确认重复")
        DISMISSED = "dismissed", _("非重复")

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="suspects")
    original = models.ForeignKey(
        Case, verbose_name=_("疑似原案件"), on_delete=models.PROTECT, related_name="+"
    )
    distance_m = models.FloatField(_("距离（米）"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.SUSPECTED)
    created_at = models.DateTimeField(_("发现时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("疑似重复")
        verbose_name_plural = _("疑似重复")
        ordering = ["distance_m"]
        constraints = [models.UniqueConstraint(fields=["case", "original"], name="suspect_once")]

    def __str__(self):
        return f"{self.case_id} ~ {self.original_id}"


class ApiClientManager(models.Manager):
    def create(self, *, api_key: str = "", **fields):
        """`api_key=` names the secret to issue (tests, the demo); without it one is drawn. Only its
        digest is stored; the instance carries the clear key in `.api_key` until it is dropped."""
        from cases import apikeys

        key = api_key or apikeys.new_key()
        if api_key and "webhook_secret" not in fields:
            # A key chosen by the caller (tests, the demo, rows from before digests): pushes stay signed
            # with it, as they were, until the admin rotates the webhook secret.
            fields["webhook_secret"] = api_key
        client = self.model(**fields, **apikeys.stored_fields(key))
        client.save(force_insert=True, using=self.db)
        client.api_key = key
        return client


class ApiClient(models.Model):
    """A machine client: an Open311 application or a hotline system (12345 / 8890), with its API key.

    The key is stored as its SHA-256 digest only (cases/apikeys.py): it is shown once, when issued or
    rotated, and a leaked database gives no working key. The webhook secret signs our pushes, so it is
    kept (the receiver must know it too); the admin and its audit trail show only a fingerprint.
    """

    class Kind(models.TextChoices):
        OPEN311 = "open311", _("Open311 应用")
        HOTLINE = "hotline", _("热线系统")

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    channel = models.CharField(
        _("热线渠道"), max_length=10, blank=True, help_text=_("热线系统：热线号码，如 12345、8890、400")
    )
    key_hash = models.CharField(_("密钥摘要"), max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(
        _("密钥前缀"), max_length=12, editable=False, help_text=_("用于辨认密钥，不能用于调用")
    )
    key_issued_at = models.DateTimeField(_("密钥签发时间"), default=timezone.now, editable=False)
    webhook_url = models.URLField(_("状态回推地址"), blank=True)
    webhook_secret = models.CharField(
        _("回推签名密钥"),
        max_length=128,
        blank=True,
        editable=False,
        help_text=_("空：使用环境变量 HOTLINE_WEBHOOK_SECRET"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ApiClientManager()

    class Meta:
        verbose_name = _("接口客户端")
        verbose_name_plural = _("接口客户端")
        constraints = [
            models.UniqueConstraint(
                fields=["channel"],
                condition=Q(kind="hotline", is_active=True),
                name="one_active_client_per_channel",
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        from cases import channels

        if self.kind == self.Kind.HOTLINE and channels.for_hotline_number(self.channel) is None:
            raise ValidationError(
                {"channel": _("热线系统须填写一个已启用热线来源渠道的热线号码（见「来源渠道」）")}
            )


class HotlineTicket(models.Model):
    """The intake inbox: a hotline ticket stored durably before any broker sees it (answered 202)."""

    class State(models.TextChoices):
        RECEIVED = "received", _("已接收")
        DONE = "done", _("已立卷")
        NEEDS_LOCATION = "needs_location", _("待定位")
        FAILED = "failed", _("处理失败")

    channel = models.CharField(_("热线渠道"), max_length=10)
    ticket_no = models.CharField(_("工单号"), max_length=64)
    received_at = models.DateTimeField(_("受理时间"))
    caller_name = models.CharField(_("来电人"), max_length=50, blank=True)
    caller_phone = models.CharField(_("来电电话"), max_length=30, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    category_hint = models.CharField(_("分类提示"), max_length=100, blank=True)
    request_nature = models.CharField(
        _("诉求性质"), max_length=12, choices=RequestNature.choices, blank=True, default="", db_default=""
    )
    description = models.TextField(_("诉求内容"))
    urgency = models.CharField(_("紧急程度"), max_length=10, default="normal")
    photo_urls = models.JSONField(_("照片地址"), default=list, blank=True)
    raw = models.JSONField(_("原始报文"), default=dict)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.RECEIVED)
    attempts = models.PositiveIntegerField(_("处理次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    case = models.OneToOneField(
        Case,
        verbose_name=_("案件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hotline_ticket",
    )
    created_at = models.DateTimeField(_("入库时间"), default=timezone.now)
    enqueued_at = models.DateTimeField(_("最近入队"), null=True, blank=True)
    processed_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    # The 12345 loop (cases/intake/loop.py): 签收 due by (working calendar) and done at; the centre's
    # word on an approved 退单 (whether it still counts against the district).
    sign_due_at = models.DateTimeField(_("签收时限"), null=True, blank=True, db_index=True)
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    return_counted = models.BooleanField(_("退单计入本区"), null=True, blank=True)

    class Meta:
        verbose_name = _("热线工单收件箱")
        verbose_name_plural = _("热线工单收件箱")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["channel", "ticket_no"], name="hotline_inbox_once")]
        indexes = [
            models.Index(fields=["enqueued_at"], name="hotline_inbox_pending", condition=Q(state="received"))
        ]

    def __str__(self):
        return f"{self.channel}-{self.ticket_no}"


class HotlineOutbox(models.Model):
    """A status change a hotline cares about (受理, 办结, 退单), pushed to its webhook with retries."""

    class Kind(models.TextChoices):
        ACCEPTED = "accepted", _("受理")
        CLOSED = "closed", _("办结")
        RETURNED = "returned", _("退单")
        SIGNED = "signed", _("签收")
        EXTENSION_REQUEST = "extension_request", _("延期申请")
        RETURN_REQUEST = "return_request", _("退单申请")
        MERGED = "merged", _("合并办理")

    class State(models.TextChoices):
        PENDING = "pending", _("待推送")
        SENT = "sent", _("已推送")
        FAILED = "failed", _("推送失败")

    ticket = models.ForeignKey(HotlineTicket, on_delete=models.PROTECT, related_name="outbox")
    # One event may answer several tickets: an original's 结案 answers its merged duplicates too.
    event = models.ForeignKey(CaseEvent, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    payload = models.JSONField(default=dict)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("热线回推")
        verbose_name_plural = _("热线回推")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["ticket", "event"], name="hotline_outbox_once")]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="hotline_outbox_due", condition=Q(state="pending"))
        ]

    def __str__(self):
        return f"{self.ticket} {self.kind} {self.state}"


class HotlineMessage(models.Model):
    """One message the hotline centre sent us (派单, 延期审批, 退单审批, 回访结果, 重办), kept with our
    answer: the same message id sent again gets the first answer and changes nothing (docs/hotline-12345.md)."""

    class Kind(models.TextChoices):
        DISPATCH = "dispatch", _("派单")
        EXTENSION_DECISION = "extension_decision", _("延期审批")
        RETURN_DECISION = "return_decision", _("退单审批")
        CALLBACK = "callback", _("回访结果")
        REOPEN = "reopen", _("重办")

    channel = models.CharField(_("热线渠道"), max_length=10)
    message_id = models.CharField(_("消息编号"), max_length=64)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    ticket = models.ForeignKey(
        HotlineTicket,
        verbose_name=_("工单"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    body = models.JSONField(_("报文"), default=dict)
    status_code = models.PositiveSmallIntegerField(_("应答状态码"))
    response = models.JSONField(_("应答"), default=dict)
    received_at = models.DateTimeField(_("接收时间"), default=timezone.now)

    class Meta:
        verbose_name = _("热线中心来文")
        verbose_name_plural = _("热线中心来文")
        ordering = ["received_at", "id"]
        constraints = [models.UniqueConstraint(fields=["channel", "message_id"], name="hotline_message_once")]

    def __str__(self):
        return f"{self.channel}-{self.message_id} {self.kind}"


# The category suggester's records live beside its code (cases/suggest); imported here, they are this app's.
# Channels as data (docs/domain.md §2): the rows `Case.source` names, beside their registry (cases/channels.py).
from cases.channels import Channel  # noqa: E402, F401
from cases.suggest.models import SuggesterVersion, SuggestionFeedback  # noqa: E402, F401
