"""Time limits per step of the closed loop (docs/domain.md §6): which rule applies, and the seeded defaults.

Resolution: among the active rules for the step whose scope matches (the category itself, its 大类,
or the step default), whose street is the case's or blank (= the whole district), and whose urgency
and variant are the case's or blank (= any), the most specific wins: category over 大类 over default,
then the case's street over the district (issue #24.5: a street's own standard for the same scope),
then an exact urgency over a blank one, then an exact variant over a blank one. So a street that
keeps 2 working days for 暴露垃圾 beats the district's 4 hours for it, and a district rule for 暴露垃圾
beats a street's default for every 处置.

Urgent cases run on natural time (docs/domain.md §6: "urgent ones ignore working days"). The winning rule
keeps its amount and moves to the natural clock when it is in a working unit: N 工作分钟 → N/60 自然小时,
N 工作时 → N 自然小时, N 工作日 → 24·N 自然小时. A city that wants a different urgent limit for a
category adds a rule with urgency 紧急 in 自然小时 for it, which then wins.

Every case resolves: if an admin deleted or deactivated a step's default rule, the built-in default
below applies, and the description says so.

The deadline is the caller's to store (Case due_at columns): a rule changed later does not move a
deadline already computed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Q

from dispatch.calendar import Unit, WorkingCalendar, get_calendar
from dispatch.models import Category, TimeLimitRule, format_amount

Step = TimeLimitRule.Step
Urgency = TimeLimitRule.Urgency
Variant = TimeLimitRule.Variant

D = Decimal

# The step defaults: seeded as rules, and the built-in fallback when a default rule is missing.
STEP_DEFAULTS: dict[str, tuple[Decimal, Unit]] = {
    Step.ACCEPT: (D("1"), Unit.WORKING_HOURS),
    Step.VERIFY: (D("2"), Unit.WORKING_HOURS),
    Step.FILE: (D("1"), Unit.WORKING_HOURS),
    Step.DISPATCH: (D("1"), Unit.WORKING_HOURS),
    Step.DISPOSE: (D("3"), Unit.WORKING_DAYS),
    Step.CHECK: (D("4"), Unit.WORKING_HOURS),
    Step.CLOSE: (D("1"), Unit.WORKING_HOURS),
}
URGENT_DEFAULTS: dict[str, tuple[Decimal, Unit]] = {
    Step.ACCEPT: (D("0.25"), Unit.NATURAL_HOURS),  # 15 minutes, as Tianjin 12345 accepts life-safety tickets
    Step.VERIFY: (D("1"), Unit.NATURAL_HOURS),
    Step.DISPOSE: (D("6"), Unit.NATURAL_HOURS),
}

_NATURAL_HOURS_PER = {Unit.WORKING_MINUTES: D(1) / 60, Unit.WORKING_HOURS: D(1), Unit.WORKING_DAYS: D(24)}


class ResolvedLimit(NamedTuple):
    """What resolve_limit() returns: unpacks as (rule, amount, unit)."""

    rule: TimeLimitRule  # unsaved (pk None) when the built-in default applied
    amount: Decimal
    unit: Unit

    @property
    def is_builtin(self) -> bool:
        return self.rule.pk is None

    @property
    def is_converted(self) -> bool:
        return Unit(self.rule.unit) != self.unit

    def describe(self) -> str:
        text = self.rule.describe()
        if self.is_builtin:
            text += "（系统内置默认：未找到启用的时限规则）"
        if self.is_converted:
            text += f"（紧急案件按自然时间：{format_amount(self.amount)} {self.unit.label}）"
        return text


def _rank(rule: TimeLimitRule, urgency: str, variant: str) -> tuple:
    scope = 0 if rule.category_id else 1 if rule.major_code else 2
    return (scope, rule.street_id is None, rule.urgency != urgency, rule.variant != variant, rule.pk)


def _builtin(step: str, urgent: bool) -> TimeLimitRule:
    if urgent and step in URGENT_DEFAULTS:
        amount, unit = URGENT_DEFAULTS[step]
        return TimeLimitRule(step=step, urgency=Urgency.URGENT, amount=amount, unit=unit)
    amount, unit = STEP_DEFAULTS[step]
    return TimeLimitRule(step=step, amount=amount, unit=unit)


def resolve_limit(
    step: str,
    category: Category | None = None,
    urgency: str = Urgency.NORMAL,
    variant: str = Variant.GENERAL,
    street=None,
) -> ResolvedLimit:
    """The limit for `step` of a case with this category, urgency, 处置 variant and street (a Street,
    its id, or None: district-wide rules only) (see module doc)."""
    step = Step(step)
    urgency, variant = urgency or "", variant or ""
    scope = Q(category__isnull=True, major_code="")
    if category is not None:
        scope |= Q(category=category) | Q(
            category__isnull=True, kind=category.kind, major_code=category.major_code
        )
    street_id = getattr(street, "pk", street)
    where = Q(street__isnull=True) | Q(street_id=street_id) if street_id else Q(street__isnull=True)
    candidates = TimeLimitRule.objects.filter(
        scope, where, step=step, is_active=True, urgency__in={urgency, ""}, variant__in={variant, ""}
    ).select_related("category", "street")
    urgent = urgency == Urgency.URGENT
    rule = min(candidates, key=lambda r: _rank(r, urgency, variant), default=None) or _builtin(step, urgent)
    amount, unit = Decimal(rule.amount), Unit(rule.unit)
    if urgent and unit.is_working:
        amount, unit = amount * _NATURAL_HOURS_PER[unit], Unit.NATURAL_HOURS
    return ResolvedLimit(rule, amount, unit)


def due_at(start: datetime, limit: ResolvedLimit, calendar: WorkingCalendar | None = None) -> datetime:
    """The deadline of a step that starts at `start` under `limit`."""
    return (calendar or get_calendar()).add(start, limit.amount, limit.unit)


# ---- seeding ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedRule:
    """A category rule to seed: for the categories named exactly `names`, or whose name contains `contains`."""

    amount: Decimal
    unit: Unit
    names: tuple[str, ...] = ()
    contains: str = ""
    variant: str = ""
    step: str = Step.DISPOSE
    # Seeded only where a city added such a category: its absence is normal, not worth a warning.
    optional: bool = False


# 处置 limits from published city tables (docs/domain.md §6), matched by name in the GB/T 47678.5-2026 list.
# 路面积水 has no category of its own in that list: its rule is seeded only where a city added one.
CATEGORY_RULES: tuple[SeedRule, ...] = (
    SeedRule(D("4"), Unit.WORKING_HOURS, names=("暴露垃圾",)),
    SeedRule(D("1"), Unit.WORKING_DAYS, names=("暴露垃圾",), variant=Variant.ENGINEERING),
    SeedRule(D("4"), Unit.WORKING_HOURS, names=("道路不洁",)),
    SeedRule(D("4"), Unit.WORKING_HOURS, names=("路面积水",), optional=True),
    SeedRule(D("3"), Unit.WORKING_DAYS, names=("积存垃圾渣土",)),
    # 绿地养护 in city tables: the 事项 for a green space (绿地异常), not 绿地脏乱 (a cleaning job).
    SeedRule(D("5"), Unit.WORKING_DAYS, names=("绿地异常",)),
    SeedRule(D("15"), Unit.WORKING_DAYS, names=("私搭乱建", "无证建设")),
    SeedRule(D("20"), Unit.WORKING_DAYS, names=("私搭乱建", "无证建设"), variant=Variant.ENGINEERING),
    # A missing or broken manhole cover is a danger: 6 natural hours (Guangzhou), for every 井盖 type,
    # both the 部件 categories and the 井盖…异常 事项.
    SeedRule(D("6"), Unit.NATURAL_HOURS, contains="井盖"),
)


@dataclass
class TimeLimitSeedReport:
    created: int = 0
    existing: int = 0
    missing_names: list[str] = field(default_factory=list)


def _ensure(rule_model, report: TimeLimitSeedReport, amount: Decimal, unit: str, **key) -> None:
    # Any existing row for the key, active or not, is the admin's: never overwrite, never duplicate.
    if rule_model.objects.filter(**key).exists():
        report.existing += 1
        return
    rule_model.objects.create(amount=amount, unit=str(unit), **key)
    report.created += 1


def seed_time_limits(*, rule_model=None, category_model=None) -> TimeLimitSeedReport:
    """Create the step defaults and the category rules that are missing. Idempotent.

    Categories not loaded yet (dispatch.categories.load_standard_categories) are skipped and listed in
    `missing_names`; run again after loading them. A data migration passes its historical models.
    """
    rule_model = rule_model or TimeLimitRule
    category_model = category_model or Category
    report = TimeLimitSeedReport()
    # The data migration 0004 passes a model from before the street column (0007).
    district = {"street": None} if any(f.name == "street" for f in rule_model._meta.fields) else {}
    plain = {"category": None, "kind": "", "major_code": "", "variant": "", **district}
    for step, (amount, unit) in STEP_DEFAULTS.items():
        _ensure(rule_model, report, amount, unit, step=str(step), urgency="", **plain)
    for step, (amount, unit) in URGENT_DEFAULTS.items():
        _ensure(rule_model, report, amount, unit, step=str(step), urgency=Urgency.URGENT.value, **plain)
    for spec in CATEGORY_RULES:
        if spec.contains:
            categories = list(category_model.objects.filter(name__contains=spec.contains))
        else:
            categories = list(category_model.objects.filter(name__in=spec.names))
        if spec.contains and not categories:
            report.missing_names.append(f"含“{spec.contains}”的类别")
        found = {c.name for c in categories}
        if not spec.optional:
            report.missing_names += [name for name in spec.names if name not in found]
        for category in categories:
            _ensure(
                rule_model,
                report,
                spec.amount,
                spec.unit,
                step=str(spec.step),
                category=category,
                **district,
                kind="",
                major_code="",
                urgency="",
                variant=str(spec.variant),
            )
    report.missing_names = sorted(set(report.missing_names))
    return report
