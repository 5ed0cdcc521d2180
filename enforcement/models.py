"""Responsible parties (门前三包) and enforcement outcomes on a case: docs/domain.md §11 (docs/domain.md §11).

- `Party`: a street-front shop, unit or property manager, its frontage (a GeoJSON LineString drawn or
  imported), licence/credit code, private contact, and its 门前三包 credit score (kept up to date by
  enforcement.credit from its confirmed violations).
- `Letter`: the signed 责任书 (date, scope).
- `CaseParty`: the party a case names: suggested from the frontage near the case, confirmed (or
  dismissed) by staff. A confirmed CaseParty is a *violation* of that party (credit, 首违免罚, repeat offenders).
- `Outcome`: one enforcement outcome on a case (劝导, 责令限期改正通知书, 行政处罚决定书, 首违免罚, 移送).
- `PartyContact`: 告知 / 约谈 records of a party.
- `JointOperation`: 联合执法 operations.
- `EnforcementEvent`: the append-only history of all of it (one row per service call).
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Agency(models.Model):
    """Another agency a case may be transferred to (移送): 市场监管, 公安, 住建 … as data."""

    code = models.CharField(_("编码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("移送机关")
        verbose_name_plural = _("移送机关")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """An issuing unit (执法单位, e.g. a 综合执法大队). Its department's staff are 综合执法 staff: they record
    outcomes and see parties' contacts. Document numbers are unique per unit and year."""

    department = models.OneToOneField(
        "dispatch.Department",
        verbose_name=_("部门"),
        on_delete=models.PROTECT,
        related_name="enforcement_unit",
    )
    name = models.CharField(_("名称"), max_length=100)
    doc_prefix = models.CharField(_("文书字号"), max_length=30, help_text=_("如：河西综执"))

    class Meta:
        verbose_name = _("执法单位")
        verbose_name_plural = _("执法单位")

    def __str__(self) -> str:
        return self.name


class CreditPolicy(models.Model):
    """门前三包 credit score rules (one row; editable by the admin). See enforcement.credit."""

    initial = models.PositiveIntegerField(_("初始分"), default=100)
    deduction = models.PositiveIntegerField(_("每起违规扣分"), default=10)
    recovery_points = models.PositiveIntegerField(_("每周期恢复分"), default=5)
    recovery_days = models.PositiveIntegerField(
        _("恢复周期（天）"), default=30, validators=[MinValueValidator(1)]
    )
    interview_below = models.PositiveIntegerField(_("约谈线（低于）"), default=80)
    referral_below = models.PositiveIntegerField(_("移送/重点监管线（低于）"), default=60)
    waiver_window_days = models.PositiveIntegerField(
        _("首违免罚回溯期（天）"), default=365, validators=[MinValueValidator(1)]
    )
    repeat_threshold = models.PositiveIntegerField(
        _("屡犯起算次数"), default=2, validators=[MinValueValidator(2)]
    )

    class Meta:
        verbose_name = _("信用分规则")
        verbose_name_plural = _("信用分规则")

    def __str__(self) -> str:
        return str(_("信用分规则"))

    @classmethod
    def current(cls) -> "CreditPolicy":
        policy = cls.objects.order_by("pk").first()
        return policy or cls()


class Party(models.Model):
    class Kind(models.TextChoices):
        SHOP = "shop", _("沿街商户")
        UNIT = "unit", _("单位")
        PROPERTY = "property", _("物业")

    name = models.CharField(_("名称"), max_length=100, db_index=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.SHOP)
    street = models.ForeignKey(
        "grids.Street", verbose_name=_("街道"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    credit_code = models.CharField(_("统一社会信用代码/营业执照号"), max_length=18, blank=True)
    # Private: shown only to 综合执法 staff (enforcement.permissions.can_see_contact).
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    frontage = models.JSONField(_("门前责任区 (GeoJSON LineString)"), null=True, blank=True)
    min_lng = models.FloatField(null=True, blank=True, editable=False)
    min_lat = models.FloatField(null=True, blank=True, editable=False)
    max_lng = models.FloatField(null=True, blank=True, editable=False)
    max_lat = models.FloatField(null=True, blank=True, editable=False)
    credit_score = models.IntegerField(_("信用分"), default=100, db_index=True)
    credit_updated_at = models.DateTimeField(_("信用分更新时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("责任主体")
        verbose_name_plural = _("责任主体")
        ordering = ["street_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="enforcement_party_credit_code_unique",
            )
        ]
        indexes = [models.Index(fields=["min_lng", "min_lat", "max_lng", "max_lat"], name="enf_party_bbox")]

    def __str__(self) -> str:
        return self.name


class Letter(models.Model):
    """A signed 门前三包 责任书."""

    party = models.ForeignKey(
        Party, verbose_name=_("责任主体"), on_delete=models.CASCADE, related_name="letters"
    )
    number = models.CharField(_("编号"), max_length=40, blank=True)
    signed_on = models.DateField(_("签订日期"))
    expires_on = models.DateField(_("到期日期"), null=True, blank=True)
    scope = models.CharField(_("责任范围"), max_length=200, default="卫生、秩序、绿化")

    class Meta:
        verbose_name = _("门前三包责任书")
        verbose_name_plural = _("门前三包责任书")
        ordering = ["-signed_on"]

    def __str__(self) -> str:
        return f"{self.party} {self.signed_on}"


class CaseParty(models.Model):
    """The party a case names. Only a confirmed one counts as the party's violation."""

    class State(models.TextChoices):
        SUGGESTED = "suggested", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        DISMISSED = "dismissed", _("已排除")

    case = models.OneToOneField(
        "cases.Case", verbose_name=_("案件"), on_delete=models.PROTECT, related_name="party_link"
    )
    party = models.ForeignKey(
        Party, verbose_name=_("责任主体"), on_delete=models.PROTECT, related_name="case_links"
    )
    state = models.CharField(
        _("状态"), max_length=10, choices=State.choices, default=State.SUGGESTED, db_index=True
    )
    distance_m = models.FloatField(_("距门前责任区（米）"), null=True, blank=True)
    # Copied from the case at confirmation: what "the same kind" and "when" mean for 首违免罚 and credit.
    category_code = models.CharField(_("类别编码"), max_length=10, blank=True)
    occurred_at = models.DateTimeField(_("违规时间"), db_index=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("案件责任主体")
        verbose_name_plural = _("案件责任主体")
        indexes = [models.Index(fields=["party", "state", "occurred_at"], name="enf_caseparty_party")]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.party}"


class Outcome(models.Model):
    class Kind(models.TextChoices):
        PERSUASION = "persuasion", _("劝导/教育")
        RECTIFICATION = "rectification", _("责令限期改正通知书")
        PENALTY = "penalty", _("行政处罚决定书")
        WAIVER = "waiver", _("首违免罚")
        TRANSFER = "transfer", _("移送")

    class CheckResult(models.TextChoices):
        RECTIFIED = "rectified", _("已改正")
        NOT_RECTIFIED = "not_rectified", _("未改正")

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("案件"), on_delete=models.PROTECT, related_name="outcomes"
    )
    kind = models.CharField(_("类型"), max_length=14, choices=Kind.choices, db_index=True)
    party = models.ForeignKey(
        Party,
        verbose_name=_("责任主体"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outcomes",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("执法单位"), null=True, blank=True, on_delete=models.PROTECT
    )
    number = models.CharField(_("文书编号"), max_length=60, blank=True)
    year = models.PositiveIntegerField(_("年度"), db_index=True)
    issued_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    note = models.TextField(_("说明"), blank=True)
    # 责令限期改正: the deadline, and the follow-up check that becomes a task on it.
    deadline = models.DateField(_("改正期限"), null=True, blank=True)
    checked_at = models.DateTimeField(_("复查时间"), null=True, blank=True)
    check_result = models.CharField(_("复查结果"), max_length=14, choices=CheckResult.choices, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("复查人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # 行政处罚决定书
    legal_basis = models.CharField(_("法律依据"), max_length=300, blank=True)
    fine = models.DecimalField(
        _("罚款（元）"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    paid = models.BooleanField(_("已缴纳"), default=False)
    paid_at = models.DateTimeField(_("缴纳时间"), null=True, blank=True)
    # 移送
    agency = models.ForeignKey(
        Agency, verbose_name=_("移送机关"), null=True, blank=True, on_delete=models.PROTECT
    )
    receipt_no = models.CharField(_("回执编号"), max_length=60, blank=True)
    received_at = models.DateTimeField(_("接收时间"), null=True, blank=True)
    feedback = models.TextField(_("办理结果"), blank=True)
    feedback_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("执法结果")
        verbose_name_plural = _("执法结果")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "number"],
                condition=~Q(number=""),
                name="enforcement_number_unique_per_unit_year",
            ),
            models.CheckConstraint(
                condition=Q(fine__isnull=True) | Q(fine__gte=0), name="enforcement_fine_not_negative"
            ),
        ]
        indexes = [
            # The follow-up checks still to do, by deadline (我的任务).
            models.Index(
                fields=["deadline"],
                condition=Q(kind="rectification", checked_at__isnull=True),
                name="enf_outcome_check_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}".strip()


class PartyContact(models.Model):
    """告知 (a written notice to the party) and 约谈 (a formal interview) records."""

    class Kind(models.TextChoices):
        NOTICE = "notice", _("告知")
        INTERVIEW = "interview", _("约谈")

    party = models.ForeignKey(
        Party, verbose_name=_("责任主体"), on_delete=models.PROTECT, related_name="contacts"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("案件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    note = models.TextField(_("内容"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("告知/约谈记录")
        verbose_name_plural = _("告知/约谈记录")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.party}"


class JointOperation(models.Model):
    """联合执法: several departments on one operation."""

    date = models.DateField(_("日期"), db_index=True)
    street = models.ForeignKey(
        "grids.Street",
        verbose_name=_("街道"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    area = models.CharField(_("区域"), max_length=200)
    departments = models.ManyToManyField("dispatch.Department", verbose_name=_("参与部门"), related_name="+")
    findings = models.TextField(_("检查发现"), blank=True)
    cases = models.ManyToManyField("cases.Case", verbose_name=_("关联案件"), blank=True, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("联合执法")
        verbose_name_plural = _("联合执法")
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.date} {self.area}"


class EnforcementEvent(models.Model):
    """Append-only: one row per enforcement service call (suggest, confirm, each outcome, check, pay …)."""

    action = models.CharField(_("动作"), max_length=30, db_index=True)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("案件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    party = models.ForeignKey(
        Party,
        verbose_name=_("责任主体"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    outcome = models.ForeignKey(
        Outcome,
        verbose_name=_("执法结果"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    note = models.TextField(_("说明"), blank=True)
    payload = models.JSONField(_("数据"), default=dict, blank=True)

    class Meta:
        verbose_name = _("执法记录")
        verbose_name_plural = _("执法记录")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.at:%Y-%m-%d %H:%M}"
