"""Notices when work arrives (issue #23 point 2): who hears of a new piece of work, through which
channels, and what became of each delivery.

- `Channel`: one way to reach a person or a department, configured in the admin: a 企业微信 or 钉钉
  group robot (its webhook, and for 钉钉 the signing secret), a phone for SMS, an email address. Quiet
  hours hold deliveries until they end; a digest channel (a leader's) gets the daily summary.
- `Notice`: one piece of work for one recipient (a user, or a department as a whole), created in the
  transaction that made the work (the case event); `key` makes it once only, whatever repeats. Work
  that is not a case (a campaign task due, docs/domain.md §10) comes from the app above through
  `notices.services.notify`, with the page of the work as its `link`.
- `Delivery`: the outbox, one row per notice and channel (unique: nothing is sent twice), sent by a beat
  task with retries and backoff; a robot's due deliveries go as one merged message.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.Model):
    class Kind(models.TextChoices):
        WECOM = "wecom", _("企业微信群机器人")
        DINGTALK = "dingtalk", _("钉钉群机器人")
        SMS = "sms", _("短信")
        EMAIL = "email", _("电子邮件")

    ROBOTS = (Kind.WECOM, Kind.DINGTALK)

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    department = models.ForeignKey(
        "dispatch.Department",
        verbose_name=_("部门"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notice_channels",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("人员"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notice_channels",
    )
    webhook_url = models.URLField(_("机器人 Webhook 地址"), max_length=500, blank=True)
    secret = models.CharField(_("加签密钥（钉钉）"), max_length=200, blank=True)
    address = models.CharField(_("手机号或邮箱"), max_length=200, blank=True)
    quiet_from = models.TimeField(_("免打扰开始"), null=True, blank=True)
    quiet_to = models.TimeField(_("免打扰结束"), null=True, blank=True)
    per_minute = models.PositiveIntegerField(
        _("每分钟最多消息数"), default=20, help_text=_("群机器人约每分钟 20 条；更多的通知合并为一条发送")
    )
    digest = models.BooleanField(
        _("接收每日汇总"), default=False, help_text=_("领导的渠道：每天早上一条汇总")
    )
    escalation = models.BooleanField(
        _("仅用于升级"), default=False, help_text=_("只在通知超时未读时使用（如短信），平时不发")
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("通知渠道")
        verbose_name_plural = _("通知渠道")
        constraints = [
            models.CheckConstraint(
                condition=Q(department__isnull=False) | Q(user__isnull=False), name="notice_channel_has_owner"
            )
        ]

    def __str__(self):
        return f"{self.name}（{self.get_kind_display()}）"

    def clean(self):
        if self.kind in self.ROBOTS and not self.webhook_url:
            raise ValidationError({"webhook_url": _("群机器人需要 Webhook 地址")})
        if self.kind in (self.Kind.SMS, self.Kind.EMAIL) and not self.address:
            raise ValidationError({"address": _("短信和邮件需要手机号或邮箱")})
        if not self.department_id and not self.user_id:
            raise ValidationError(_("请选择部门或人员"))

    def quiet_until(self, when):
        """The end of the quiet hours `when` falls in (local time), or None when it is not in them."""
        if self.quiet_from is None or self.quiet_to is None or self.quiet_from == self.quiet_to:
            return None
        local = timezone.localtime(when)
        t = local.time()
        start, end = self.quiet_from, self.quiet_to
        inside = start <= t < end if start < end else (t >= start or t < end)
        if not inside:
            return None
        until = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
        if until <= local:
            until += timezone.timedelta(days=1)
        return until


class Notice(models.Model):
    class Kind(models.TextChoices):
        DISPATCHED = "dispatched", _("派遣到本部门")
        REQUEST = "request", _("待审批申请")
        VERIFY = "verify", _("核实任务")
        CHECK = "check", _("核查任务")
        SUPERVISED = "supervised", _("督办")
        TASK_DUE = "task_due", _("专项任务到期")
        DIGEST = "digest", _("每日汇总")

    key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("案件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    event = models.ForeignKey(
        "cases.CaseEvent", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    department = models.ForeignKey(
        "dispatch.Department",
        verbose_name=_("接收部门"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    # Work that is not a case (a campaign task: notices.services.notify) is named by its page instead.
    link = models.CharField(_("链接"), max_length=200, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    # The inbox entries it made (cases.Notification): read when any of them is read.
    inbox = models.ManyToManyField("cases.Notification", related_name="+", blank=True)
    # The escalation ladder (notices/escalation.py): 0 notified, 1 SMS sent, 2 督办 filed.
    level = models.PositiveSmallIntegerField(_("升级级别"), default=0)
    escalate_at = models.DateTimeField(_("升级时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("工作通知")
        verbose_name_plural = _("工作通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["escalate_at"], name="notice_escalate_due", condition=Q(escalate_at__isnull=False)
            )
        ]

    def __str__(self):
        return self.title


class Delivery(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.ForeignKey(
        Channel, verbose_name=_("渠道"), on_delete=models.CASCADE, related_name="deliveries"
    )
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次发送"), default=timezone.now)
    last_error = models.TextField(_("最近错误"), blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    # Deliveries sent together as one robot message share a batch (the first delivery's id).
    batch = models.BigIntegerField(_("合并批次"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("通知投递")
        verbose_name_plural = _("通知投递")
        constraints = [models.UniqueConstraint(fields=["notice", "channel"], name="deliver_once")]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="delivery_due", condition=Q(state="pending")),
            models.Index(fields=["channel", "sent_at"]),
        ]

    def __str__(self):
        return f"{self.notice} → {self.channel}"


class SmsProvider(models.Model):
    """The SMS gateway, configured in the admin (notices/senders.py): the one active row is used; with
    none, NOTICES_SMS_PROVIDER names the class (the log by default, the test double in tests). The
    secret key is written, never shown back (notices/admin.py)."""

    class Kind(models.TextChoices):
        TENCENT = "tencent", _("腾讯云短信")
        LOG = "log", _("写入日志（演示，不发送）")

    kind = models.CharField(_("服务商"), max_length=10, choices=Kind.choices, default=Kind.TENCENT)
    secret_id = models.CharField(_("SecretId（访问密钥 ID）"), max_length=100, blank=True)
    secret_key = models.CharField(_("SecretKey（访问密钥）"), max_length=200, blank=True)
    region = models.CharField(_("地域"), max_length=30, default="ap-guangzhou")
    sdk_app_id = models.CharField(_("短信应用 SdkAppId"), max_length=40, blank=True)
    sign_name = models.CharField(_("短信签名"), max_length=40, blank=True)
    template_id = models.CharField(
        _("模板 ID"), max_length=40, blank=True, help_text=_("通知模板，含一个变量 {1}：通知的标题与内容")
    )
    param_max_length = models.PositiveSmallIntegerField(
        _("变量最长字数"), default=35, help_text=_("模板变量的字数上限（按服务商对所用模板的规定），超出截断")
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("短信服务商")
        verbose_name_plural = _("短信服务商")
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True), name="one_active_sms")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.sign_name}".strip()

    def clean(self):
        if self.kind == self.Kind.TENCENT and self.is_active:
            missing = [
                str(self._meta.get_field(name).verbose_name)
                for name in ("secret_id", "secret_key", "sdk_app_id", "sign_name", "template_id")
                if not getattr(self, name)
            ]
            if missing:
                raise ValidationError(_("腾讯云短信缺少：%(fields)s") % {"fields": "、".join(missing)})
