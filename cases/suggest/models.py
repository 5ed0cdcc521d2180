"""The suggester's own records: each trained version (its file, what it learned from, how well it did) and
each suggestion a person took or overrode (imported into cases.models, so they are the cases app's)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SuggesterVersion(models.Model):
    """One trained category suggester. Exactly one is active; the previous ones stay for a switch back."""

    class Origin(models.TextChoices):
        NIGHTLY = "nightly", _("夜间自动训练")
        MANUAL = "manual", _("手动训练")
        DEMO = "demo", _("演示辖区")

    created_at = models.DateTimeField(_("训练时间"), default=timezone.now)
    origin = models.CharField(_("来源"), max_length=10, choices=Origin.choices)
    artefact = models.CharField(_("模型文件"), max_length=200, help_text=_("SUGGEST_MODEL_DIR 下的文件名"))
    sha256 = models.CharField(_("文件校验值"), max_length=64)
    trained_on = models.PositiveIntegerField(_("训练案件数"))
    held_out = models.PositiveIntegerField(_("留出检验案件数"))
    categories = models.PositiveIntegerField(_("类别数"))
    top1 = models.FloatField(_("首选准确率"))
    top3 = models.FloatField(_("前三准确率"))
    sure_threshold = models.FloatField(_("确定阈值"), help_text=_("首选置信度不低于此值时视为确定"))
    sure_share = models.FloatField(_("确定比例"), help_text=_("留出案件中首选达到阈值的比例"))
    sure_precision = models.FloatField(_("确定时准确率"))
    by_major = models.JSONField(_("分大类准确率"), default=dict, blank=True)
    # What beyond the text this version uses, and how much (0 = not used: it did not help).
    clues = models.JSONField(_("文本以外的线索"), default=dict, blank=True)
    is_active = models.BooleanField(_("当前使用"), default=False)
    activated_at = models.DateTimeField(_("启用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("类别推荐模型")
        verbose_name_plural = _("类别推荐模型")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="one_active_suggester"
            )
        ]

    def __str__(self):
        return f"v{self.pk} {self.created_at:%Y-%m-%d %H:%M}"


class SuggestionFeedback(models.Model):
    """What was suggested for a report or 立案 and what was chosen, by whom: the suggester's record, and
    training data for the next version."""

    class Where(models.TextChoices):
        REPORT = "report", _("监督员上报")
        HOTLINE = "hotline", _("热线登记")
        FILE = "file", _("立案")

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    where = models.CharField(_("环节"), max_length=10, choices=Where.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("选择人"), on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("案件"), on_delete=models.CASCADE, related_name="suggestion_feedback"
    )
    version = models.ForeignKey(
        SuggesterVersion, verbose_name=_("模型版本"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField(_("描述"), blank=True)
    suggested = models.JSONField(_("推荐"), default=list, help_text=_("[{category, confidence}]，按名次"))
    sure = models.BooleanField(_("确定"), default=False)
    chosen = models.ForeignKey(
        "dispatch.Category", verbose_name=_("选定类别"), on_delete=models.PROTECT, related_name="+"
    )
    rank = models.PositiveSmallIntegerField(
        _("采纳名次"), null=True, blank=True, help_text=_("选定的是第几项推荐；空 = 未采纳推荐")
    )

    class Meta:
        verbose_name = _("类别推荐反馈")
        verbose_name_plural = _("类别推荐反馈")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.get_where_display()} {self.case_id} → {self.chosen_id}"

    @property
    def accepted(self) -> bool:
        return self.rank is not None
