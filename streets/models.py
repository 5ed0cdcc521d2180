"""A street's sub-centre (二级平台, docs/domain.md §13): the units under the street, its 二级派遣 to them,
and its 提级 of hard cases to the district. The 协办 records are case events (cases/events.py)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Unit(models.Model):
    """Who works for a street: a 社区 (residents' committee), a 物业 (property manager) or a 作业单位
    (contractor). Its staff sign in and see the unit's 二级派遣."""

    class Kind(models.TextChoices):
        COMMUNITY = "community", _("社区")
        PROPERTY = "property", _("物业")
        CONTRACTOR = "contractor", _("作业单位")

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    street = models.ForeignKey(
        "grids.Street", verbose_name=_("所属街道"), on_delete=models.PROTECT, related_name="units"
    )
    community = models.ForeignKey(
        "grids.Community",
        verbose_name=_("对应社区"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="units",
        help_text=_("社区类单位对应的社区（可选）"),
    )
    contact = models.CharField(_("联系人"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("单位人员"), blank=True, related_name="street_units"
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("街道下属单位")
        verbose_name_plural = _("街道下属单位")
        ordering = ["street", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["street", "name"], name="streets_unit_unique_name")]

    def __str__(self):
        return self.name


class SubDispatch(models.Model):
    """二级派遣: a street sends one of its cases on to a unit, with the unit's own deadline inside the
    street's; the unit reports back, and the street accepts (验收) or returns (退回) the work."""

    class State(models.TextChoices):
        DISPATCHED = "dispatched", _("处理中")
        REPORTED = "reported", _("待验收")
        ACCEPTED = "accepted", _("已验收")
        RETURNED = "returned", _("已退回")
        RECALLED = "recalled", _("已收回")

    OPEN_STATES = (State.DISPATCHED, State.REPORTED)

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("案件"), on_delete=models.PROTECT, related_name="sub_dispatches"
    )
    street = models.ForeignKey(
        "grids.Street", verbose_name=_("街道"), on_delete=models.PROTECT, related_name="sub_dispatches"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="tasks")
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.DISPATCHED)
    note = models.TextField(_("派遣要求"), blank=True)
    hours = models.DecimalField(_("时限（工作时）"), max_digits=6, decimal_places=2)
    dispatched_at = models.DateTimeField(_("派遣时间"), default=timezone.now)
    due_at = models.DateTimeField(_("单位截止时间"))
    street_due_at = models.DateTimeField(_("街道截止时间"))
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("派遣人"), on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("反馈人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    report_note = models.TextField(_("反馈说明"), blank=True)
    decided_at = models.DateTimeField(_("验收时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("验收人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision_note = models.TextField(_("验收意见"), blank=True)

    class Meta:
        verbose_name = _("二级派遣")
        verbose_name_plural = _("二级派遣")
        ordering = ["-dispatched_at", "-id"]
        indexes = [
            # The unit's deadline of the work still out: the overdue lists and the dashboard read these.
            models.Index(
                fields=["due_at"], name="streets_sub_open_due", condition=models.Q(state="dispatched")
            ),
            models.Index(fields=["street", "dispatched_at"], name="streets_sub_street_at"),
            models.Index(fields=["unit", "state"], name="streets_sub_unit_state"),
        ]
        constraints = [
            # One open 二级派遣 per case: the street recalls or decides it before sending it on again.
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(state__in=["dispatched", "reported"]),
                name="streets_sub_one_open_per_case",
            )
        ]

    def __str__(self):
        return f"{self.case_id} → {self.unit_id} ({self.state})"

    @property
    def is_overdue(self) -> bool:
        """Past the unit's deadline: not reported by then (or still not reported)."""
        if self.reported_at is not None:
            return self.reported_at > self.due_at
        return self.state == self.State.DISPATCHED and timezone.now() > self.due_at


class Escalation(models.Model):
    """提级: a street hands a hard case (疑难案件) up to the district with a reason. While it waits, the
    district's centre takes it over (the case back to 待派遣 at the district, streets/services.py) or
    returns it to the street (退回, with a reason), or the street withdraws it (撤回); the last two leave
    the case with the street. `taken_*` and `note` record whichever of the three closed it."""

    class State(models.TextChoices):
        PENDING = "pending", _("待区级受理")
        TAKEN = "taken", _("区级已受理")
        RETURNED = "returned", _("区级已退回")
        WITHDRAWN = "withdrawn", _("街道已撤回")

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("案件"), on_delete=models.PROTECT, related_name="escalations"
    )
    street = models.ForeignKey(
        "grids.Street", verbose_name=_("街道"), on_delete=models.PROTECT, related_name="escalations"
    )
    reason = models.TextField(_("提级理由"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    raised_at = models.DateTimeField(_("提级时间"), default=timezone.now)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提级人"), on_delete=models.PROTECT, related_name="+"
    )
    taken_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("处理意见"), blank=True)

    class Meta:
        verbose_name = _("提级")
        verbose_name_plural = _("提级")
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["state", "raised_at"], name="streets_esc_state_at")]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(state="pending"), name="streets_esc_one_pending"
            )
        ]

    def __str__(self):
        return f"{self.case_id} ({self.state})"
