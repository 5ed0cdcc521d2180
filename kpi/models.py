"""The read side of the closed loop: per-case facts, the rollups made from them, and the KPI settings.

Three layers, each derived from the one before and all recomputable from CaseEvents and TimedSteps:

    CaseFact    one row per case: its cohort days, keys and 0/1 flags as of the last rollup
    PersonFact  one row per attributable staff action (上报, 核实, 核查, 受理, 立案, 派遣, 结案)
    AreaDay     day × grid × department × category × source sums of CaseFact (the fine area rollup: grid
                drill-down and any combination of filters the coarse ones below cannot answer)
    StreetDay   day × street × department × source sums (summary, trend, hotline, street, department
                and district rankings, the source breakdown)
    CategoryDay day × district × department × category sums (the 大类 and category breakdowns and filters)
    GridDay     day × grid × source sums (the choropleth, community and grid rankings, 漏报率)
    PersonDay   day × person × role × action sums of PersonFact (the people rollup)

Keys are plain integers with no foreign-key constraints: these tables are caches that a rollup
deletes and rewrites by key, and a constraint would only slow that down and order the deletes.
`dept` is 0 for "not dispatched" rather than NULL so that keys compare with `=` on every backend
and the unique constraint holds without NULLS NOT DISTINCT (which SQLite lacks).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

Flag = models.PositiveSmallIntegerField  # 0/1, summed by the rollup (SUM of a boolean is not portable)
# A rollup cell's count. Signed on purpose: the rollup adds each changed fact's difference (new − old)
# with INSERT … ON CONFLICT DO UPDATE, and both PostgreSQL and SQLite check a CHECK (x >= 0) against
# the proposed row before they find the conflict. A cell is a sum of 0/1 flags, never negative.
Sum = models.IntegerField

# Flags of a case, in two groups by the day they count on (docs/domain.md §7 cohort rule, ours).
REPORT_FLAGS = (
    "r_rejected",  # 不予受理 at intake (rejected before reaching 待立案)
    "r_filed",  # has been 立案
    "r_accepted_on_time",  # the 受理 step finished within its limit
    "r_closed",
    "r_voided",
    "r_callback",  # 回访 reached the caller
    "r_satisfied",  # 满意 or 基本满意
    # The 12345 loop (docs/domain.md §13): an approved 退单, and whether the centre counts it against the
    # district; 应解决 (the hotline's 解决率 denominator): not 作废, not 不予受理 at intake (unless it was a
    # 退单 that counts), not a 退单 that does not count.
    "r_returned",
    "r_returned_counted",
    "r_hotline_due",
)
FILED_FLAGS = (
    "voided",
    "suspended",  # 挂账 now
    "closed",
    "closed_on_time",  # closed with every 处置 step within its deadline
    "due_dispose",  # 应处置: dispatched (has a 处置 step), not 作废 and not 挂账 now
    "disposed_on_time",  # 应处置, and every 处置 step finished within its deadline
    "overdue",  # some 处置 step went past its deadline (finished late or red now)
    "overdue_open",  # 处置中 with its 处置 step red now (超期未处置)
    "reworked",
    "extended",
    "returned",
    "reopened",
)
ROLLUP_SUMS = ("reported", *REPORT_FLAGS, "filed", *FILED_FLAGS)


class _Keys(models.Model):
    grid_id = models.IntegerField(_("网格"))
    community_id = models.IntegerField(_("社区"))
    street_id = models.IntegerField(_("街道"))
    dept = models.IntegerField(_("主办部门"), help_text=_("0 = 未派遣"))
    category_id = models.IntegerField(_("类别"))
    category_code = models.CharField(_("类别编码"), max_length=10)
    category_kind = models.CharField(_("部件/事项"), max_length=10)
    major_code = models.CharField(_("大类编码"), max_length=4)
    source = models.CharField(_("来源"), max_length=20)

    class Meta:
        abstract = True


class CaseFact(_Keys):
    case_id = models.BigIntegerField(primary_key=True)
    report_day = models.DateField(_("上报日"))
    filed_day = models.DateField(_("立案日"), null=True)
    # How many events the fact was computed from. Every change a KPI can see writes an event (the SLA
    # sweep's 超期 included), so a case with no more events than this is up to date and a rollup that
    # meets it again (the 5-minute runs overlap, the nightly run re-reads the day) skips it.
    events = models.PositiveIntegerField(_("事件数"), default=0)

    class Meta:
        verbose_name = _("案件评价事实")
        verbose_name_plural = verbose_name
        indexes = [
            # A cell is recomputed from the facts with its key, on either of the two days it counts on.
            models.Index(
                fields=["report_day", "grid_id", "dept", "category_id", "source"], name="casefact_report_cell"
            ),
            models.Index(
                fields=["filed_day", "grid_id", "dept", "category_id", "source"], name="casefact_filed_cell"
            ),
        ]

    def __str__(self):
        return f"case {self.case_id}"


for _name in (*REPORT_FLAGS, *FILED_FLAGS):
    CaseFact.add_to_class(_name, Flag(default=0))


class AreaDay(_Keys):
    """The area rollup: one cell per day × grid × department × category × source.

    `reported` and the r_* columns count cases reported that day; every other column counts cases
    filed (立案) that day. Community and street ride along so that rollups up the area hierarchy are
    plain GROUP BYs.
    """

    day = models.DateField(_("日期"))
    reported = Sum(_("上报数"), default=0)
    filed = Sum(_("立案数"), default=0)

    class Meta:
        verbose_name = _("区域日汇总")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["day", "grid_id", "dept", "category_id", "source"], name="areaday_cell"
            )
        ]
        indexes = [
            models.Index(fields=["day", "street_id"], name="areaday_day_street"),
            models.Index(fields=["day", "dept"], name="areaday_day_dept"),
        ]

    def __str__(self):
        return f"{self.day} grid {self.grid_id} dept {self.dept} cat {self.category_id} {self.source}"


for _name in (*REPORT_FLAGS, *FILED_FLAGS):
    AreaDay.add_to_class(_name, Sum(default=0))


class _Coarse(models.Model):
    """A coarse area rollup: the same sums as AreaDay over fewer keys, so that the dashboard and the
    rankings read hundreds of rows a day whatever the day's volume. kpi/queries/cells.py picks the
    coarsest table whose columns cover a query's filters and groups."""

    day = models.DateField(_("日期"))
    reported = Sum(_("上报数"), default=0)
    filed = Sum(_("立案数"), default=0)

    class Meta:
        abstract = True


class StreetDay(_Coarse):
    """day × street × department × source."""

    street_id = models.IntegerField(_("街道"))
    dept = models.IntegerField(_("主办部门"), help_text=_("0 = 未派遣"))
    source = models.CharField(_("来源"), max_length=20)

    KEYS = ("street_id", "dept", "source")
    CARRIED: tuple[str, ...] = ()

    class Meta:
        verbose_name = _("街道日汇总")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["day", "street_id", "dept", "source"], name="streetday_cell")
        ]

    def __str__(self):
        return f"{self.day} street {self.street_id} dept {self.dept} {self.source}"


class CategoryDay(_Coarse):
    """day × district × department × category (小类, with its code, kind and 大类 carried along).

    The district, not the street: a district's users are held to it (kpi/queries/scope.py), and no role
    is held to a street, so a street's category breakdown is rare enough to read the fine cells."""

    district_id = models.IntegerField(_("区"))
    dept = models.IntegerField(_("主办部门"), help_text=_("0 = 未派遣"))
    category_id = models.IntegerField(_("类别"))
    category_code = models.CharField(_("类别编码"), max_length=10)
    category_kind = models.CharField(_("部件/事项"), max_length=10)
    major_code = models.CharField(_("大类编码"), max_length=4)

    KEYS = ("district_id", "dept", "category_id")
    CARRIED = ("category_code", "category_kind", "major_code")

    class Meta:
        verbose_name = _("类别日汇总")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["day", "district_id", "dept", "category_id"], name="categoryday_cell"
            )
        ]

    def __str__(self):
        return f"{self.day} district {self.district_id} dept {self.dept} cat {self.category_id}"


class GridDay(_Coarse):
    """day × grid × source (community and street carried along)."""

    grid_id = models.IntegerField(_("网格"))
    community_id = models.IntegerField(_("社区"))
    street_id = models.IntegerField(_("街道"))
    source = models.CharField(_("来源"), max_length=20)

    KEYS = ("grid_id", "source")
    CARRIED = ("community_id", "street_id")

    class Meta:
        verbose_name = _("网格日汇总")
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["day", "grid_id", "source"], name="gridday_cell")]

    def __str__(self):
        return f"{self.day} grid {self.grid_id} {self.source}"


COARSE = (StreetDay, CategoryDay, GridDay)
for _model in COARSE:
    for _name in (*REPORT_FLAGS, *FILED_FLAGS):
        _model.add_to_class(_name, Sum(default=0))


class PersonFact(models.Model):
    """One attributable action: who did it, in which role, on which day, on time, and whether it held."""

    event_id = models.BigIntegerField(primary_key=True)
    case_id = models.BigIntegerField(db_index=True)
    day = models.DateField(_("日期"))
    user_id = models.IntegerField(_("人员"))
    role = models.CharField(_("角色"), max_length=20)
    kind = models.CharField(_("动作"), max_length=24)
    on_time = Flag(_("按时"), default=0)
    ok = Flag(_("准确"), default=0)  # the action held: report filed, 立案 not voided, 派遣 not returned…

    class Meta:
        verbose_name = _("人员评价事实")
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["day", "user_id", "role", "kind"], name="personfact_cell")]

    def __str__(self):
        return f"event {self.event_id}"


class PersonDay(models.Model):
    day = models.DateField(_("日期"))
    user_id = models.IntegerField(_("人员"))
    role = models.CharField(_("角色"), max_length=20)
    kind = models.CharField(_("动作"), max_length=24)
    n = Sum(_("次数"), default=0)
    on_time = Sum(_("按时次数"), default=0)
    ok = Sum(_("准确次数"), default=0)

    class Meta:
        verbose_name = _("人员日汇总")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["day", "user_id", "role", "kind"], name="personday_cell")
        ]
        indexes = [models.Index(fields=["role", "day"], name="personday_role_day")]

    def __str__(self):
        return f"{self.day} user {self.user_id} {self.role} {self.kind}"


class RollupState(models.Model):
    """One row: the rollup's lock (select_for_update) and how far the incremental run has got."""

    last_incremental_at = models.DateTimeField(_("增量汇总截至"), null=True, blank=True)
    last_nightly_day = models.DateField(_("最近夜间汇总日"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("汇总状态")
        verbose_name_plural = verbose_name

    def __str__(self):
        return f"{self.last_incremental_at}"


def _pct(label: str, default: int, help_text: str = ""):
    return models.PositiveSmallIntegerField(label, default=default, help_text=help_text)


# Composite scores (docs/domain.md §7, the reference formulas of issue #24): role → [(settings field, part key)];
# each role's weights sum to 100. A part key ending in "_score" is a 0–100 score (from a band table or
# relative to the best), any other a fraction.
WEIGHTS = {
    "inspector": [
        ("w_inspector_valid", "valid_report_rate"),
        ("w_inspector_missed", "missed_score"),
        ("w_inspector_verify", "verify_on_time_rate"),
        ("w_inspector_check", "check_on_time_rate"),
    ],
    "operator": [
        ("w_operator_count", "accepted_score"),
        ("w_operator_verify_dispatch", "verify_dispatch_on_time_rate"),
        ("w_operator_check_dispatch", "check_dispatch_on_time_rate"),
    ],
    "shift_leader": [
        ("w_leader_file_on_time", "file_on_time_rate"),
        ("w_leader_accurate", "file_accuracy"),
        ("w_leader_close_on_time", "close_on_time_rate"),
    ],
    "dispatcher": [
        ("w_dispatcher_count", "dispatch_count_score"),
        ("w_dispatcher_on_time", "dispatch_on_time_rate"),
        ("w_dispatcher_accurate", "dispatch_accuracy"),
    ],
    "department": [
        ("w_department_count", "dispatched_score"),
        ("w_department_closure", "closure_rate"),
        ("w_department_dispose", "dispose_on_time_rate"),
        ("w_department_rework", "no_rework_rate"),
    ],
    "area": [
        ("w_area_public", "public_report_score"),
        ("w_area_filed", "filed_score"),
        ("w_area_closure", "closure_rate"),
        ("w_area_on_time", "on_time_closure_rate"),
    ],
}
# Score bands (docs/domain.md §7): a count or a percentage → a 0–100 score. "higher": the first band whose
# threshold the value exceeds (thresholds descending); "lower": the first band whose threshold the value
# does not exceed (thresholds ascending: fewer is better). Below every band: `otherwise`.
# The 受理数 bands are DOMAIN's; DOMAIN gives the department's ends (≤ 50 → 100, > 1000 → 0) and leaves the
# steps between, the 监督举报率 and the area 立案数 bands to us (our rule, a month's scale): cities tune them.
DEFAULT_BANDS = {
    "accepted": {
        "direction": "higher",
        "bands": [[2000, 100], [1200, 90], [500, 75], [300, 60]],
        "otherwise": 0,
    },
    "department_dispatched": {
        "direction": "lower",
        "bands": [[50, 100], [100, 90], [200, 80], [500, 70], [1000, 60]],
        "otherwise": 0,
    },
    "area_filed": {
        "direction": "lower",
        "bands": [[50, 100], [100, 90], [200, 80], [500, 70], [1000, 60]],
        "otherwise": 0,
    },
    "public_report_rate": {
        "direction": "lower",
        "bands": [[5, 100], [10, 90], [20, 75], [30, 60]],
        "otherwise": 0,
    },
}
BAND_PARTS = {
    "accepted_score": "accepted",
    "dispatched_score": "department_dispatched",
    "filed_score": "area_filed",
    "public_report_score": "public_report_rate",
}


def default_bands() -> dict:
    return {k: {**v, "bands": [list(b) for b in v["bands"]]} for k, v in DEFAULT_BANDS.items()}


GRADES = [("grade_a", "A"), ("grade_b", "B"), ("grade_c", "C"), ("grade_d", "D")]
TARGETS = {
    "filing_rate": "target_filing_rate",
    "closure_rate": "target_closure_rate",
    "on_time_closure_rate": "target_on_time_closure_rate",
    "dispose_on_time_rate": "target_dispose_on_time_rate",
    "satisfaction_rate": "target_satisfaction_rate",
    "hotline_response_rate": "target_response_rate",
    "hotline_resolution_rate": "target_resolution_rate",
}


class KpiSettings(models.Model):
    """Weights, grade bands and targets (one row; cities tune them in the admin, docs/domain.md §7)."""

    w_inspector_valid = _pct(_("监督员：有效上报率权重"), 40)
    w_inspector_missed = _pct(_("监督员：漏报率得分权重"), 20)
    w_inspector_verify = _pct(_("监督员：按时核实率权重"), 20)
    w_inspector_check = _pct(_("监督员：按时核查率权重"), 20)
    w_operator_count = _pct(_("受理员：受理数得分权重"), 25)
    w_operator_verify_dispatch = _pct(_("受理员：核实按时派发率权重"), 40)
    w_operator_check_dispatch = _pct(_("受理员：核查按时派发率权重"), 35)
    w_leader_file_on_time = _pct(_("值班长：按时立案率权重"), 25)
    w_leader_accurate = _pct(_("值班长：准确立案率权重"), 40)
    w_leader_close_on_time = _pct(_("值班长：按时结案率权重"), 35)
    w_dispatcher_count = _pct(_("派遣员：派遣数得分权重"), 20)
    w_dispatcher_on_time = _pct(_("派遣员：按时派遣率权重"), 40)
    w_dispatcher_accurate = _pct(_("派遣员：准确派遣率权重"), 40)
    w_department_count = _pct(_("部门：派遣数得分权重"), 10)
    w_department_closure = _pct(_("部门：结案率权重"), 30)
    w_department_dispose = _pct(_("部门：按期处置率权重"), 30)
    w_department_rework = _pct(_("部门：(1 − 返工率) 权重"), 30)
    w_area_public = _pct(_("区域：监督举报率得分权重"), 10)
    w_area_filed = _pct(_("区域：立案数得分权重"), 20)
    w_area_closure = _pct(_("区域：结案率权重"), 30)
    w_area_on_time = _pct(_("区域：按期结案率权重"), 40)
    bands = models.JSONField(
        _("得分分档"),
        default=default_bands,
        help_text=_("各计数得分的分档：direction 为 higher（超过门槛得分）或 lower（不超过门槛得分）"),
    )

    grade_a = _pct(_("A 级下限（分）"), 90)
    grade_b = _pct(_("B 级下限（分）"), 75)
    grade_c = _pct(_("C 级下限（分）"), 60)
    grade_d = _pct(_("D 级下限（分）"), 40, _("低于此分为 E 级"))

    target_filing_rate = _pct(_("目标：立案率 %"), 90)
    target_closure_rate = _pct(_("目标：结案率 %"), 90)
    target_on_time_closure_rate = _pct(_("目标：按期结案率 %"), 90)
    target_dispose_on_time_rate = _pct(_("目标：按期处置率 %"), 90)
    target_satisfaction_rate = _pct(_("目标：满意率（群众满意度）%"), 90)
    target_response_rate = _pct(_("目标：热线响应率 %"), 95)
    target_resolution_rate = _pct(_("目标：热线解决率（投诉处理率）%"), 95)

    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("评价参数")
        verbose_name_plural = _("评价参数")

    def __str__(self):
        return str(_("评价参数（权重、等级、目标）"))

    def save(self, *args, **kwargs):
        self.pk = 1  # one row: whatever the admin does, it edits the same settings
        super().save(*args, **kwargs)

    def clean(self):
        errors = {}
        for role, parts in WEIGHTS.items():
            total = sum(getattr(self, name) for name, _part in parts)
            if total != 100:
                errors[parts[0][0]] = _("%(role)s 的权重之和应为 100，现为 %(total)s") % {
                    "role": role,
                    "total": total,
                }
        grades = [getattr(self, name) for name, _grade in GRADES]
        if grades != sorted(grades, reverse=True) or len(set(grades)) != len(grades) or grades[0] > 100:
            errors["grade_a"] = _("等级下限须满足 100 ≥ A > B > C > D")
        problem = bands_problem(self.bands)
        if problem:
            errors["bands"] = problem
        for name in TARGETS.values():
            if getattr(self, name) > 100:
                errors[name] = _("目标不能超过 100%")
        if errors:
            raise ValidationError(errors)

    @classmethod
    def load(cls) -> "KpiSettings":
        return cls.objects.get_or_create(pk=1)[0]

    def snapshot(self) -> dict:
        """What a frozen table keeps of the settings it was computed with (weights, bands, grades)."""
        return {
            "weights": {field: getattr(self, field) for parts in WEIGHTS.values() for field, _p in parts},
            "bands": {**default_bands(), **(self.bands or {})},
            "grades": {field: getattr(self, field) for field, _g in GRADES},
        }


def bands_problem(bands) -> str | None:
    """Why a band table is unusable, or None (the admin's validation; metrics.band_score trusts it)."""
    if not isinstance(bands, dict):
        return _("分档须为一个对象")
    for key, table in bands.items():
        if key not in DEFAULT_BANDS:
            return _("未知的分档：%(key)s") % {"key": key}
        try:
            direction, rows = table["direction"], table["bands"]
            thresholds = [float(t) for t, _s in rows]
            scores = [float(s) for _t, s in rows] + [float(table.get("otherwise", 0))]
        except (KeyError, TypeError, ValueError):
            return _("分档 %(key)s 的格式应为 {direction, bands: [[门槛, 得分], …], otherwise}") % {
                "key": key
            }
        ordered = sorted(thresholds, reverse=direction == "higher")
        if (
            direction not in ("higher", "lower")
            or thresholds != ordered
            or not all(0 <= s <= 100 for s in scores)
        ):
            return _("分档 %(key)s：higher 门槛须从高到低、lower 门槛须从低到高，得分在 0–100") % {"key": key}
    return None


# ---------------------------------------------------------------------------------- 考核 periods (issue #24.1)


class PeriodKind(models.TextChoices):
    WEEK = "week", _("周")
    XUN = "xun", _("旬")
    MONTH = "month", _("月")


class AssessmentPeriod(models.Model):
    """A closed 考核 period: its table is frozen as of `cutoff` (docs/domain.md §7: "a period, once closed, is a
    frozen table"). A period without a row is open: its figures are the live ones."""

    kind = models.CharField(_("周期类型"), max_length=8, choices=PeriodKind.choices)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    cutoff = models.DateTimeField(_("截止时刻"), help_text=_("考核表按此刻的案件状态计算"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("关账人"), on_delete=models.PROTECT, related_name="+"
    )
    closed_role = models.CharField(_("关账角色"), max_length=20)
    closed_at = models.DateTimeField(_("关账时间"))
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("考核期")
        verbose_name_plural = verbose_name
        ordering = ["-start", "kind"]
        constraints = [models.UniqueConstraint(fields=["kind", "start"], name="assessmentperiod_once")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.start}–{self.end}"

    @property
    def current(self) -> "AssessmentRevision":
        return self.revisions.order_by("-number").first()


class AssessmentRevision(models.Model):
    """One version of a closed period's table. Never changed: an approved appeal writes the next one,
    and every earlier one stays readable and exportable."""

    period = models.ForeignKey(
        AssessmentPeriod, verbose_name=_("考核期"), on_delete=models.PROTECT, related_name="revisions"
    )
    number = models.PositiveIntegerField(_("版本"))
    created_at = models.DateTimeField(_("生成时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("生成人"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("原因"))
    formula_version = models.CharField(_("公式版本"), max_length=40)
    formula = models.JSONField(_("权重、分档与等级"), help_text=_("生成时生效的评价参数"))
    cases = models.JSONField(_("计入的案件"), help_text=_("案件 id 列表"))
    excluded = models.JSONField(_("不计入考核的案件"), default=list, help_text=_("经批准的申诉案件 id"))
    table = models.JSONField(_("考核表"))
    appeal = models.ForeignKey(
        "kpi.KpiAppeal",
        verbose_name=_("申诉"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="revisions",
    )

    class Meta:
        verbose_name = _("考核表版本")
        verbose_name_plural = verbose_name
        ordering = ["period", "number"]
        constraints = [models.UniqueConstraint(fields=["period", "number"], name="assessmentrevision_number")]

    def __str__(self):
        return f"{self.period} v{self.number}"


class AssessmentAdjustment(models.Model):
    """An audited correction of one figure of a closed table, shown beside the frozen figure."""

    revision = models.ForeignKey(
        AssessmentRevision, verbose_name=_("考核表版本"), on_delete=models.PROTECT, related_name="adjustments"
    )
    level = models.CharField(_("对象类型"), max_length=20)
    object_id = models.IntegerField(_("对象"))
    figure = models.CharField(_("指标"), max_length=40)
    original = models.FloatField(_("原值"), null=True)
    value = models.FloatField(_("调整后"))
    reason = models.TextField(_("调整原因"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("调整人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("调整时间"))

    class Meta:
        verbose_name = _("考核调整")
        verbose_name_plural = verbose_name
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.revision} {self.level} {self.object_id} {self.figure}"


class KpiAppeal(models.Model):
    """申诉: a case asked to be marked 不计入考核 in a closed period, with a reason and an approver."""

    class State(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REFUSED = "refused", _("已驳回")

    period = models.ForeignKey(
        AssessmentPeriod, verbose_name=_("考核期"), on_delete=models.PROTECT, related_name="appeals"
    )
    case = models.ForeignKey("cases.Case", verbose_name=_("案件"), on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("申诉理由"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申诉人"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("申诉时间"))
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
        verbose_name = _("考核申诉")
        verbose_name_plural = verbose_name
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "case"], condition=models.Q(state="pending"), name="kpiappeal_one_pending"
            )
        ]

    def __str__(self):
        return f"{self.period} {self.case_id} {self.state}"


class AssessmentLog(models.Model):
    """The audit trail of 考核 periods: one append-only row per close, adjustment, appeal and decision."""

    period = models.ForeignKey(
        AssessmentPeriod, verbose_name=_("考核期"), on_delete=models.PROTECT, related_name="log"
    )
    action = models.CharField(_("动作"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+"
    )
    actor_role = models.CharField(_("操作角色"), max_length=20)
    at = models.DateTimeField(_("时间"))
    note = models.TextField(_("说明"), blank=True)
    payload = models.JSONField(_("数据"), default=dict)

    class Meta:
        verbose_name = _("考核日志")
        verbose_name_plural = verbose_name
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.period} {self.action}"
