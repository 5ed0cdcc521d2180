"""Who and how long: departments, the category taxonomy and the managed components they own.

Categories and components live here rather than in cases/ and grids/ because routing rules and time
limits (this app) key on categories, and a component's point is its owners (先属主 routing); the
import direction grids ← dispatch ← cases stays one-way.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from dispatch.calendar import Unit, invalidate_calendar
from dispatch.codes import component_code_errors, credit_code_errors, is_legacy_component_code


class Department(models.Model):
    class Kind(models.TextChoices):
        BUREAU = "bureau", _("区级职能部门")
        STREET_OFFICE = "street_office", _("街道办事处")
        ENTERPRISE = "enterprise", _("权属/养护单位")

    code = models.CharField(_("部门编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    street = models.ForeignKey(
        "grids.Street",
        verbose_name=_("属地街道"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="departments",
        help_text=_("街道办事处及其科室所属的街道"),
    )
    is_street_default = models.BooleanField(
        _("街道默认处置单位"),
        default=False,
        help_text=_("事项类问题无匹配规则时派往该街道的此单位（先属地）"),
    )
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["street"],
                condition=models.Q(is_street_default=True),
                name="one_default_department_per_street",
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.credit_code:
            if problems := credit_code_errors(self.credit_code):
                errors["credit_code"] = problems
        if self.is_street_default and not self.street_id:
            errors["street"] = [_("街道默认处置单位必须指定属地街道")]
        if errors:
            raise ValidationError(errors)


class Category(models.Model):
    """A 部件 or 事项 type (docs/domain.md §5). Codes are kept as published, gaps included, never renumbered."""

    class Kind(models.TextChoices):
        COMPONENT = "component", _("部件")
        EVENT = "event", _("事项")

    class Standard(models.TextChoices):
        GBT_47678_5_2026 = "GB/T 47678.5-2026", "GB/T 47678.5-2026"
        GBT_30428_2_2013 = "GB/T 30428.2-2013", "GB/T 30428.2-2013"
        CJT_214_2007 = "CJ/T 214-2007", "CJ/T 214-2007"
        LOCAL = "local", _("地方扩展")

    standard = models.CharField(
        _("标准"), max_length=32, choices=Standard.choices, default=Standard.GBT_47678_5_2026
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    code = models.CharField(_("编码"), max_length=10)
    major_code = models.CharField(_("大类编码"), max_length=4)
    major_name = models.CharField(_("大类名称"), max_length=50)
    name = models.CharField(_("小类名称"), max_length=100)
    keywords = models.CharField(_("关键词"), max_length=300, blank=True, help_text=_("以空格分隔，用于搜索"))
    is_local = models.BooleanField(_("地方扩展"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("案件类别")
        verbose_name_plural = _("案件类别")
        ordering = ["kind", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["standard", "kind", "code"], name="category_code_unique_per_standard"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.code} {self.name}"

    def clean(self):
        if self.code and self.major_code and not self.code.startswith(self.major_code):
            raise ValidationError({"code": _("小类编码必须以大类编码开头")})


class Component(models.Model):
    """A managed component (管理部件): a located asset with its regulator, owner and maintainer."""

    class Status(models.TextChoices):
        INTACT = "intact", _("完好")
        DAMAGED = "damaged", _("破损")
        REPAIRING = "repairing", _("维修中")
        LOST = "lost", _("丢失")
        ABANDONED = "abandoned", _("废弃")
        REMOVED = "removed", _("移除")

    code = models.CharField(_("部件编码"), max_length=17, unique=True)
    category = models.ForeignKey(
        Category,
        verbose_name=_("部件类型"),
        on_delete=models.PROTECT,
        limit_choices_to={"kind": Category.Kind.COMPONENT},
        related_name="components",
    )
    name = models.CharField(_("名称"), max_length=100, blank=True)
    lng = models.FloatField(_("经度"))
    lat = models.FloatField(_("纬度"))
    grid = models.ForeignKey(
        "grids.Grid", verbose_name=_("单元网格"), on_delete=models.PROTECT, related_name="components"
    )
    regulator = models.ForeignKey(
        Department,
        verbose_name=_("主管部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner = models.ForeignKey(
        Department,
        verbose_name=_("权属单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    maintainer = models.ForeignKey(
        Department,
        verbose_name=_("养护单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.INTACT)
    address = models.CharField(_("位置描述"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("管理部件")
        verbose_name_plural = _("管理部件")
        ordering = ["code"]
        indexes = [models.Index(fields=["grid", "category"])]

    def __str__(self):
        return f"{self.code} {self.name or self.category.name}"

    @property
    def is_legacy_code(self) -> bool:
        return is_legacy_component_code(self.code)

    def clean(self):
        district = self.grid.code[:6] if self.grid_id else None
        category_code = self.category.code if self.category_id else None
        if self.code and len(self.code) == 16 and category_code:
            category_code = None  # a legacy code embeds the old 4-digit type; it cannot match a 5-digit one
        if errors := component_code_errors(self.code, district, category_code):
            raise ValidationError({"code": errors})
        if self.category_id and self.category.kind != Category.Kind.COMPONENT:
            raise ValidationError({"category": _("部件类型必须是部件类别")})


class ComponentStatusChange(models.Model):
    """A component's status history (破损 → 维修中 → 完好), append-only; written by
    dispatch.components.component_set_status, mostly because a case about the component moved on."""

    component = models.ForeignKey(
        Component, verbose_name=_("部件"), on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(_("原状态"), max_length=10, choices=Component.Status.choices)
    to_status = models.CharField(_("新状态"), max_length=10, choices=Component.Status.choices)
    at = models.DateTimeField(_("时间"), db_index=True)
    case_number = models.CharField(_("案件编号"), max_length=32, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("部件状态记录")
        verbose_name_plural = _("部件状态记录")
        ordering = ["component", "at", "id"]

    def __str__(self):
        return f"{self.component_id}: {self.from_status} → {self.to_status}"


class RoutingRule(models.Model):
    """An ordered rule for 事项 routing (先属地 with exceptions): the first active match wins.

    A rule matches on a category or a whole 大类 (kind + major code), optionally narrowed to a street or
    community. Cases that match no rule go to their street's default unit (Department.is_street_default).
    """

    order = models.PositiveIntegerField(_("顺序"), default=100, help_text=_("数字小的先匹配"))
    category = models.ForeignKey(
        Category, verbose_name=_("类别"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("部件/事项"), max_length=10, choices=Category.Kind.choices, blank=True)
    major_code = models.CharField(_("大类编码"), max_length=4, blank=True)
    street = models.ForeignKey(
        "grids.Street",
        verbose_name=_("街道"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    community = models.ForeignKey(
        "grids.Community",
        verbose_name=_("社区"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    department = models.ForeignKey(
        Department, verbose_name=_("派往部门"), on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("派遣规则")
        verbose_name_plural = _("派遣规则")
        ordering = ["order", "id"]

    def __str__(self):
        what = self.category or (
            f"{self.get_kind_display()} 大类 {self.major_code}" if self.major_code else "任意类别"
        )
        where = self.community or self.street or "全区"
        return f"#{self.order} {what} × {where} → {self.department}"

    def clean(self):
        if not self.category_id and not self.major_code:
            raise ValidationError(_("请指定类别，或指定部件/事项与大类编码"))
        if self.major_code and not self.kind:
            raise ValidationError({"kind": _("按大类匹配时须指定部件或事项")})


# ---- working calendar and time limits (docs/domain.md §6) -------------------------------------------------


class CalendarDay(models.Model):
    """An exception to the Monday–Friday default: a weekday off (holiday) or a weekend worked (调休)."""

    class Source(models.TextChoices):
        SEEDED = "seeded", _("国务院安排（自动导入）")
        NOTICE = "notice", _("国务院通知（管理员录入）")
        ADMIN = "admin", _("管理员设置")

    date = models.DateField(_("日期"), unique=True)
    is_working = models.BooleanField(
        _("工作日"), help_text=_("勾选：当天上班（如调休上班）；不勾选：当天放假")
    )
    name = models.CharField(
        _("名称"), max_length=50, blank=True, help_text=_("如 春节、国庆节、调休上班、本地假日")
    )
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.ADMIN)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.name or ('上班' if self.is_working else '放假')}"


class WorkingWindow(models.Model):
    """A daily working window; working-hour limits count only the minutes inside these windows."""

    start = models.TimeField(_("开始时间"))
    end = models.TimeField(_("结束时间"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("工作时段")
        verbose_name_plural = _("工作时段")
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start__lt=models.F("end")), name="working_window_start_before_end"
            )
        ]

    def __str__(self):
        return f"{self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self):
        if self.start is None or self.end is None:
            return
        if self.start >= self.end:
            raise ValidationError({"end": _("结束时间必须晚于开始时间（不支持跨午夜的时段）")})
        overlapping = WorkingWindow.objects.exclude(pk=self.pk).filter(start__lt=self.end, end__gt=self.start)
        if overlapping.exists():
            raise ValidationError(_("与已有工作时段 %(other)s 重叠") % {"other": overlapping.first()})


class Step(models.TextChoices):
    """The timed steps of the closed loop (docs/domain.md §6): each has a time limit (TimeLimitRule) and,
    on a case, a running TimedStep with its deadline."""

    ACCEPT = "accept", _("受理")
    VERIFY = "verify", _("核实")
    FILE = "file", _("立案")
    DISPATCH = "dispatch", _("派遣")
    DISPOSE = "dispose", _("处置")
    CHECK = "check", _("核查")
    CLOSE = "close", _("结案")


class TimeLimitRule(models.Model):
    """A time limit for one step of the closed loop, optionally narrowed to a category or a 大类, a
    street, an urgency and a 处置 variant. The most specific active match wins (dispatch.time_limits)."""

    Step = Step  # the older name, still read by dispatch.time_limits and the admin

    # cases.models uses these same classes for the case's urgency and 处置 variant.
    class Urgency(models.TextChoices):
        NORMAL = "normal", _("一般")
        URGENT = "urgent", _("紧急")

    class Variant(models.TextChoices):
        GENERAL = "general", _("一般性")
        ENGINEERING = "engineering", _("工程性")
        SPECIAL = "special", _("特殊性")

    step = models.CharField(_("环节"), max_length=10, choices=Step.choices)
    category = models.ForeignKey(
        Category,
        verbose_name=_("类别"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("留空：按大类或作为该环节的默认时限"),
    )
    kind = models.CharField(_("部件/事项"), max_length=10, choices=Category.Kind.choices, blank=True)
    major_code = models.CharField(_("大类编码"), max_length=4, blank=True)
    # 建立差异化的区、街数字城管管理标准 (issue #24.5): a street may keep its own limits.
    street = models.ForeignKey(
        "grids.Street",
        verbose_name=_("街道"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("留空：全区适用；指定街道：仅该街道的案件适用，优先于全区同范围规则"),
    )
    urgency = models.CharField(
        _("紧急程度"), max_length=10, choices=Urgency.choices, blank=True, help_text=_("留空：任意")
    )
    variant = models.CharField(
        _("处置类型"), max_length=12, choices=Variant.choices, blank=True, help_text=_("留空：任意")
    )
    amount = models.DecimalField(
        _("时限"), max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    unit = models.CharField(_("单位"), max_length=20, choices=Unit.choices)
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("时限规则")
        verbose_name_plural = _("时限规则")
        ordering = ["step", "category", "kind", "major_code", "urgency", "variant"]
        constraints = [
            # Two partial indexes rather than one with NULLS NOT DISTINCT: SQLite (the demo) has no such
            # option, and a NULL category would otherwise never collide.
            models.UniqueConstraint(
                fields=["step", "category", "urgency", "variant"],
                condition=models.Q(is_active=True, category__isnull=False, street__isnull=True),
                name="time_limit_unique_per_category",
            ),
            models.UniqueConstraint(
                fields=["step", "kind", "major_code", "urgency", "variant"],
                condition=models.Q(is_active=True, category__isnull=True, street__isnull=True),
                name="time_limit_unique_per_major_or_default",
            ),
            # The same two per street (a NULL street would never collide in one index with it).
            models.UniqueConstraint(
                fields=["street", "step", "category", "urgency", "variant"],
                condition=models.Q(is_active=True, category__isnull=False, street__isnull=False),
                name="time_limit_unique_per_street_category",
            ),
            models.UniqueConstraint(
                fields=["street", "step", "kind", "major_code", "urgency", "variant"],
                condition=models.Q(is_active=True, category__isnull=True, street__isnull=False),
                name="time_limit_unique_per_street_major_or_default",
            ),
        ]

    def __str__(self):
        return self.describe()

    @property
    def scope(self) -> str:
        if self.category_id:
            return self.category.name
        if self.major_code:
            kind = Category.Kind(self.kind).label if self.kind else ""
            return f"{kind}大类 {self.major_code}"
        return str(_("默认"))

    def describe(self) -> str:
        """E.g. "处置 · 暴露垃圾 · 工程性 · 1 工作日"; blank urgency and variant mean any and are left out."""
        parts = [str(self.Step(self.step).label) if self.step else "?", self.scope]
        if self.street_id:
            parts.insert(1, self.street.name)
        if self.urgency:
            parts.append(str(self.Urgency(self.urgency).label))
        if self.variant:
            parts.append(str(self.Variant(self.variant).label))
        if self.amount is not None and self.unit:
            parts.append(f"{format_amount(self.amount)} {Unit(self.unit).label}")
        return " · ".join(parts)

    def clean(self):
        if self.category_id and (self.major_code or self.kind):
            raise ValidationError(_("指定类别时不再指定部件/事项与大类编码"))
        if self.major_code and not self.kind:
            raise ValidationError({"kind": _("按大类匹配时须指定部件或事项")})
        if self.kind and not self.major_code:
            raise ValidationError({"major_code": _("指定部件/事项时须同时指定大类编码")})


def format_amount(amount: Decimal) -> str:
    """4.00 → "4", 0.25 → "0.25", 40 → "40" (normalize() alone would give 4E+1)."""
    return format(Decimal(amount).normalize(), "f")


@receiver([post_save, post_delete], sender=CalendarDay)
@receiver([post_save, post_delete], sender=WorkingWindow)
def _calendar_changed(sender, **kwargs) -> None:
    # The editing process sees the change at once; other processes within RECHECK_SECONDS.
    invalidate_calendar()


class CategoryMapping(models.Model):
    """A hotline's own classification (or a free-text hint) → our category, for machine intake."""

    channel = models.CharField(_("热线渠道"), max_length=10, blank=True, help_text=_("空 = 所有渠道"))
    hint = models.CharField(_("对方分类/关键词"), max_length=100)
    category = models.ForeignKey(
        Category, verbose_name=_("对应类别"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("热线分类映射")
        verbose_name_plural = _("热线分类映射")
        ordering = ["channel", "hint"]
        constraints = [models.UniqueConstraint(fields=["channel", "hint"], name="category_mapping_once")]

    def __str__(self):
        return f"{self.channel or '*'} {self.hint} → {self.category}"
