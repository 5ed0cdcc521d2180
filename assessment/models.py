"""Assessment of the contractors who keep the streets (issue #24.4; docs/domain.md §10, §13).

What 红桥 and 南开 assess beyond cases: contractors (作业单位) hold contracts for work areas (标段) at a
monthly fee; inspectors carry out 随机抽查 with a checklist chosen by the area's type and road class;
each failed item deducts points, and 以克论净 dust samples over their road class's limit deduct more;
a month's inspections give the contractor a score, a 作业质量等级 and a fee deduction; work the office
had done in the contractor's place (代为整改) is deducted at cost. A failed item can be registered (挂号)
as a case in one step, with the inspection's photo.

Every action goes through assessment.services and leaves an AssessmentEvent (append-only).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

ZERO = Decimal("0")


class WorkKind(models.TextChoices):
    SANITATION = "sanitation", _("环卫保洁")
    LANDSCAPING = "landscaping", _("园林绿化")
    MAINTENANCE = "maintenance", _("市政养护")


class AreaType(models.TextChoices):
    ROAD = "road", _("道路")
    GREEN = "green", _("绿地")
    TOILET = "toilet", _("公厕")
    WATER = "water", _("水域")
    FACILITY = "facility", _("市政设施")


class RoadClass(models.TextChoices):
    FIRST = "1", _("一级道路")
    SECOND = "2", _("二级道路")
    THIRD = "3", _("三级道路")
    FOURTH = "4", _("四级道路（背街小巷）")


class Contractor(models.Model):
    """作业单位: a company under contract for 环卫, 园林 or 养护 work."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    kind = models.CharField(_("作业类型"), max_length=12, choices=WorkKind.choices)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    contact = models.CharField(_("联系人"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("作业单位")
        verbose_name_plural = _("作业单位")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Contract(models.Model):
    contractor = models.ForeignKey(
        Contractor, verbose_name=_("作业单位"), on_delete=models.PROTECT, related_name="contracts"
    )
    number = models.CharField(_("合同编号"), max_length=50, unique=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    monthly_fee = models.DecimalField(
        _("月服务费（元）"), max_digits=12, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )

    class Meta:
        verbose_name = _("作业合同")
        verbose_name_plural = _("作业合同")
        ordering = ["contractor", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_on__lte=models.F("ends_on")), name="contract_dates"
            )
        ]

    def __str__(self):
        return f"{self.number} {self.contractor}"


class WorkArea(models.Model):
    """标段 / 作业区域: a road, a green space … in one street, kept under one contract."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("合同"), on_delete=models.PROTECT, related_name="areas"
    )
    name = models.CharField(_("名称"), max_length=100)
    street = models.ForeignKey(
        "grids.Street", verbose_name=_("街道"), on_delete=models.PROTECT, related_name="work_areas"
    )
    area_type = models.CharField(_("区域类型"), max_length=10, choices=AreaType.choices)
    road_class = models.CharField(_("道路等级"), max_length=1, choices=RoadClass.choices, blank=True)
    size_m2 = models.DecimalField(_("作业面积（㎡）"), max_digits=12, decimal_places=1, null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("作业区域")
        verbose_name_plural = _("作业区域")
        ordering = ["street", "name"]

    def __str__(self):
        return self.name

    @property
    def contractor(self) -> Contractor:
        return self.contract.contractor


class Checklist(models.Model):
    """检查标准: the items an inspector checks in an area of this type (and road class; blank = any)."""

    name = models.CharField(_("名称"), max_length=100)
    area_type = models.CharField(_("区域类型"), max_length=10, choices=AreaType.choices)
    road_class = models.CharField(
        _("道路等级"), max_length=1, choices=RoadClass.choices, blank=True, help_text=_("留空：任意等级")
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("检查标准")
        verbose_name_plural = _("检查标准")
        ordering = ["area_type", "road_class", "name"]

    def __str__(self):
        return self.name


class ChecklistItem(models.Model):
    checklist = models.ForeignKey(
        Checklist, verbose_name=_("检查标准"), on_delete=models.CASCADE, related_name="items"
    )
    order = models.PositiveSmallIntegerField(_("序号"), default=0)
    text = models.CharField(_("检查内容"), max_length=200)
    deduction = models.DecimalField(
        _("每处扣分"), max_digits=5, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    max_deduction = models.DecimalField(
        _("单次检查最多扣分"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("留空：不封顶"),
    )
    category = models.ForeignKey(
        "dispatch.Category",
        verbose_name=_("挂号类别"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("登记为案件时使用的类别"),
    )

    class Meta:
        verbose_name = _("检查项")
        verbose_name_plural = _("检查项")
        ordering = ["checklist", "order", "id"]

    def __str__(self):
        return self.text


class DustThreshold(models.Model):
    """以克论净: the most dust (grams per m²) a road of this class may carry, and the points lost above it."""

    road_class = models.CharField(_("道路等级"), max_length=1, choices=RoadClass.choices, unique=True)
    limit_g_per_m2 = models.DecimalField(_("限值（克/㎡）"), max_digits=6, decimal_places=2)
    deduction = models.DecimalField(_("超标每样扣分"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("尘土残存量限值")
        verbose_name_plural = _("尘土残存量限值")
        ordering = ["road_class"]

    def __str__(self):
        return f"{self.get_road_class_display()} ≤ {self.limit_g_per_m2} g/㎡"


class GradeBand(models.Model):
    """作业质量等级: a monthly score at or above `min_score` earns `name`, and `deduction_percent` of the
    month's fee is withheld. The highest band the score reaches applies."""

    name = models.CharField(_("等级"), max_length=10, unique=True)
    min_score = models.DecimalField(_("最低得分"), max_digits=5, decimal_places=2)
    deduction_percent = models.DecimalField(_("扣减服务费比例 %"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("作业质量等级")
        verbose_name_plural = _("作业质量等级")
        ordering = ["-min_score"]

    def __str__(self):
        return f"{self.name} ≥ {self.min_score}"


class Inspection(models.Model):
    """One 随机抽查: drawn (assigned to an inspector for a day), then carried out and scored."""

    class State(models.TextChoices):
        ASSIGNED = "assigned", _("待检查")
        DONE = "done", _("已检查")
        CANCELLED = "cancelled", _("已取消")

    area = models.ForeignKey(
        WorkArea, verbose_name=_("作业区域"), on_delete=models.PROTECT, related_name="inspections"
    )
    checklist = models.ForeignKey(
        Checklist, verbose_name=_("检查标准"), on_delete=models.PROTECT, related_name="+"
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("检查人"), on_delete=models.PROTECT, related_name="+"
    )
    planned_on = models.DateField(_("计划日期"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.ASSIGNED)
    inspected_at = models.DateTimeField(_("检查时间"), null=True, blank=True)
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("抽取时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("随机抽查")
        verbose_name_plural = _("随机抽查")
        ordering = ["-planned_on", "-id"]
        indexes = [
            models.Index(fields=["inspector", "state", "planned_on"]),
            models.Index(fields=["state", "inspected_at"]),
        ]

    def __str__(self):
        return f"{self.planned_on} {self.area}"


class Finding(models.Model):
    """A failed checklist item in one inspection: how many places, the points, the photo."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("抽查"), on_delete=models.CASCADE, related_name="findings"
    )
    item = models.ForeignKey(
        ChecklistItem, verbose_name=_("检查项"), on_delete=models.PROTECT, related_name="+"
    )
    count = models.PositiveSmallIntegerField(_("处数"), default=1, validators=[MinValueValidator(1)])
    deduction = models.DecimalField(_("扣分"), max_digits=6, decimal_places=2)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    photo = models.ImageField(_("现场照片"), upload_to="assessment/%Y/%m/", blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("挂号案件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("扣分项")
        verbose_name_plural = _("扣分项")
        ordering = ["inspection", "id"]

    def __str__(self):
        return f"{self.item} ×{self.count} −{self.deduction}"


class DustSample(models.Model):
    """以克论净: dust swept from a measured patch of road and weighed."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("抽查"), on_delete=models.CASCADE, related_name="dust_samples"
    )
    weight_g = models.DecimalField(
        _("尘土重量（克）"), max_digits=8, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    sampled_m2 = models.DecimalField(
        _("取样面积（㎡）"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    grams_per_m2 = models.DecimalField(_("克/㎡"), max_digits=8, decimal_places=2)
    limit_g_per_m2 = models.DecimalField(_("限值（克/㎡）"), max_digits=6, decimal_places=2, null=True)
    deduction = models.DecimalField(_("扣分"), max_digits=5, decimal_places=2, default=ZERO)

    class Meta:
        verbose_name = _("以克论净取样")
        verbose_name_plural = _("以克论净取样")
        ordering = ["inspection", "id"]

    def __str__(self):
        return f"{self.grams_per_m2} g/㎡"

    @property
    def over_limit(self) -> bool:
        return self.limit_g_per_m2 is not None and self.grams_per_m2 > self.limit_g_per_m2


class Rectification(models.Model):
    """代为整改: work done in the contractor's place, its cost deducted from the month's fee."""

    contractor = models.ForeignKey(
        Contractor, verbose_name=_("作业单位"), on_delete=models.PROTECT, related_name="rectifications"
    )
    area = models.ForeignKey(
        WorkArea,
        verbose_name=_("作业区域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    finding = models.ForeignKey(
        Finding,
        verbose_name=_("扣分项"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rectifications",
    )
    done_on = models.DateField(_("整改日期"))
    description = models.CharField(_("整改内容"), max_length=300)
    performed_by = models.CharField(_("实施单位"), max_length=100, blank=True)
    cost = models.DecimalField(
        _("费用（元）"), max_digits=12, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("代为整改")
        verbose_name_plural = _("代为整改")
        ordering = ["-done_on", "-id"]

    def __str__(self):
        return f"{self.done_on} {self.description} ¥{self.cost}"


class MonthlyAssessment(models.Model):
    """A contractor's month as assessed: the score, grade and deductions, with what they came from."""

    contractor = models.ForeignKey(
        Contractor, verbose_name=_("作业单位"), on_delete=models.PROTECT, related_name="assessments"
    )
    month = models.DateField(_("月份"), help_text=_("该月1日"))
    inspections = models.PositiveIntegerField(_("抽查次数"))
    score = models.DecimalField(_("月度得分"), max_digits=5, decimal_places=2, null=True)
    grade = models.CharField(_("作业质量等级"), max_length=10, blank=True)
    fee = models.DecimalField(_("月服务费（元）"), max_digits=12, decimal_places=2)
    deduction_percent = models.DecimalField(_("扣减比例 %"), max_digits=5, decimal_places=2)
    quality_deduction = models.DecimalField(_("考核扣款（元）"), max_digits=12, decimal_places=2)
    rectification_cost = models.DecimalField(_("代为整改费用（元）"), max_digits=12, decimal_places=2)
    total_deduction = models.DecimalField(_("扣款合计（元）"), max_digits=12, decimal_places=2)
    payable = models.DecimalField(_("应付服务费（元）"), max_digits=12, decimal_places=2)
    assessed_at = models.DateTimeField(_("考核时间"))
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("考核人"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("月度考核")
        verbose_name_plural = _("月度考核")
        ordering = ["-month", "contractor"]
        constraints = [
            models.UniqueConstraint(fields=["contractor", "month"], name="assessment_once_per_month")
        ]

    def __str__(self):
        return f"{self.contractor} {self.month:%Y-%m} {self.grade}"


class StreetTarget(models.Model):
    """A street's own 考核 target for a KPI (issue #24.5); streets without one follow KpiSettings."""

    class Indicator(models.TextChoices):
        FILING_RATE = "filing_rate", _("立案率")
        CLOSURE_RATE = "closure_rate", _("结案率")
        ON_TIME_CLOSURE_RATE = "on_time_closure_rate", _("按期结案率")
        DISPOSE_ON_TIME_RATE = "dispose_on_time_rate", _("按期处置率")
        SATISFACTION_RATE = "satisfaction_rate", _("满意率")

    street = models.ForeignKey(
        "grids.Street", verbose_name=_("街道"), on_delete=models.CASCADE, related_name="kpi_targets"
    )
    indicator = models.CharField(_("指标"), max_length=30, choices=Indicator.choices)
    target_percent = models.DecimalField(_("目标值 %"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("街道考核目标")
        verbose_name_plural = _("街道考核目标")
        ordering = ["street", "indicator"]
        constraints = [models.UniqueConstraint(fields=["street", "indicator"], name="street_target_once")]

    def __str__(self):
        return f"{self.street} {self.get_indicator_display()} ≥ {self.target_percent}%"


class AssessmentEvent(models.Model):
    """The append-only log of this app's actions (who did what, when, with which figures)."""

    class Kind(models.TextChoices):
        DRAWN = "drawn", _("随机抽取")
        INSPECTED = "inspected", _("完成抽查")
        CANCELLED = "cancelled", _("取消抽查")
        REGISTERED = "registered", _("挂号立案")
        RECTIFIED = "rectified", _("代为整改")
        ASSESSED = "assessed", _("月度考核")

    kind = models.CharField(_("事件"), max_length=12, choices=Kind.choices)
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+"
    )
    inspection = models.ForeignKey(
        Inspection, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    contractor = models.ForeignKey(
        Contractor, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    payload = models.JSONField(_("内容"), default=dict)

    class Meta:
        verbose_name = _("考核事件")
        verbose_name_plural = _("考核事件")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"
