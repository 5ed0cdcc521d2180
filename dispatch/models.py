"""Who and how long: departments, the category taxonomy and the managed components they own.

Categories and components live here rather than in cases/ and grids/ because routing rules and time
limits (this app) key on categories, and a component's point is its owners (先属主 routing); the
import direction grids ← dispatch ← cases stays one-way.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

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
        "self", verbose_name=_("上级部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
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
    """A 部件 or 事项 type (DOMAIN §5). Codes are kept as published, gaps included, never renumbered."""

    class Kind(models.TextChoices):
        COMPONENT = "component", _("部件")
        EVENT = "event", _("事项")

    class Standard(models.TextChoices):
        GBT_47678_5_2026 = "GB/T 47678.5-2026", "GB/T 47678.5-2026"
        GBT_30428_2_2013 = "GB/T 30428.2-2013", "GB/T 30428.2-2013"
        CJT_214_2007 = "CJ/T 214-2007", "CJ/T 214-2007"
        LOCAL = "local", _("地方扩展")

    standard = models.CharField(_("标准"), max_length=32, choices=Standard.choices, default=Standard.GBT_47678_5_2026)
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
            models.UniqueConstraint(fields=["standard", "kind", "code"], name="category_code_unique_per_standard")
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
    grid = models.ForeignKey("grids.Grid", verbose_name=_("单元网格"), on_delete=models.PROTECT, related_name="components")
    regulator = models.ForeignKey(
        Department, verbose_name=_("主管部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey(
        Department, verbose_name=_("权属单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    maintainer = models.ForeignKey(
        Department, verbose_name=_("养护单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
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
        "grids.Street", verbose_name=_("街道"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    community = models.ForeignKey(
        "grids.Community", verbose_name=_("社区"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    department = models.ForeignKey(Department, verbose_name=_("派往部门"), on_delete=models.PROTECT, related_name="+")
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("派遣规则")
        verbose_name_plural = _("派遣规则")
        ordering = ["order", "id"]

    def __str__(self):
        what = self.category or (f"{self.get_kind_display()} 大类 {self.major_code}" if self.major_code else "任意类别")
        where = self.community or self.street or "全区"
        return f"#{self.order} {what} × {where} → {self.department}"

    def clean(self):
        if not self.category_id and not self.major_code:
            raise ValidationError(_("请指定类别，或指定部件/事项与大类编码"))
        if self.major_code and not self.kind:
            raise ValidationError({"kind": _("按大类匹配时须指定部件或事项")})
