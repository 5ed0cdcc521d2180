from datetime import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from dispatch.calendar import Unit, WorkingCalendar
from dispatch.categories import load_standard_categories
from dispatch.models import Category, TimeLimitRule
from dispatch.time_limits import (
    STEP_DEFAULTS,
    Step,
    Urgency,
    Variant,
    due_at,
    resolve_limit,
    seed_time_limits,
)
from tests.factories import CategoryFactory, UserFactory

pytestmark = pytest.mark.django_db

HOURS, DAYS, NATURAL = Unit.WORKING_HOURS, Unit.WORKING_DAYS, Unit.NATURAL_HOURS
URGENT, ENGINEERING, SPECIAL = Urgency.URGENT, Variant.ENGINEERING, Variant.SPECIAL


@pytest.fixture
def standard() -> None:
    load_standard_categories()
    seed_time_limits()


def event(name: str) -> Category:
    return Category.objects.get(kind=Category.Kind.EVENT, name=name)


def limit(step, category=None, urgency=Urgency.NORMAL, variant=Variant.GENERAL) -> tuple[Decimal, Unit]:
    resolved = resolve_limit(step, category, urgency, variant)
    return resolved.amount, resolved.unit


def rule(**fields) -> TimeLimitRule:
    fields.setdefault("step", Step.DISPOSE)
    return TimeLimitRule.objects.create(**fields)


# ---- the seeded defaults --------------------------------------------------------------------------


def test_the_migration_seeds_every_step_default():
    expected = {
        Step.ACCEPT: (1, HOURS),
        Step.VERIFY: (2, HOURS),
        Step.FILE: (1, HOURS),
        Step.DISPATCH: (1, HOURS),
        Step.DISPOSE: (3, DAYS),
        Step.CHECK: (4, HOURS),
        Step.CLOSE: (1, HOURS),
    }
    for step, value in expected.items():
        resolved = resolve_limit(step, CategoryFactory())
        assert (resolved.amount, resolved.unit) == value
        assert resolved.rule.pk is not None and not resolved.is_builtin


def test_urgent_defaults_are_natural_time():
    assert limit(Step.ACCEPT, urgency=URGENT) == (Decimal("0.25"), NATURAL)  # 15 minutes
    assert limit(Step.VERIFY, urgency=URGENT) == (1, NATURAL)
    assert limit(Step.DISPOSE, urgency=URGENT) == (6, NATURAL)
    # No urgent row for 立案: its working-hour default runs on the natural clock.
    assert limit(Step.FILE, urgency=URGENT) == (1, NATURAL)


@pytest.mark.parametrize(
    ("name", "variant", "expected"),
    [
        ("暴露垃圾", Variant.GENERAL, (4, HOURS)),
        ("暴露垃圾", ENGINEERING, (1, DAYS)),
        ("暴露垃圾", SPECIAL, (4, HOURS)),  # the category rule is for any variant
        ("道路不洁", Variant.GENERAL, (4, HOURS)),
        ("积存垃圾渣土", Variant.GENERAL, (3, DAYS)),
        ("绿地异常", Variant.GENERAL, (5, DAYS)),
        ("私搭乱建", Variant.GENERAL, (15, DAYS)),
        ("私搭乱建", ENGINEERING, (20, DAYS)),
        ("无证建设", ENGINEERING, (20, DAYS)),
        ("污水井盖异常", Variant.GENERAL, (6, NATURAL)),
        ("绿地脏乱", Variant.GENERAL, (3, DAYS)),  # no rule of its own: the 处置 default
    ],
)
def test_seeded_category_limits(standard, name, variant, expected):
    assert limit(Step.DISPOSE, event(name), variant=variant) == expected


def test_every_manhole_cover_type_gets_six_natural_hours(standard):
    covers = Category.objects.filter(name__contains="井盖")
    assert (
        covers.filter(kind=Category.Kind.COMPONENT).count()
        == covers.filter(kind=Category.Kind.EVENT).count()
        == 20
    )
    for category in covers:
        for urgency in Urgency.values:
            assert limit(Step.DISPOSE, category, urgency) == (6, NATURAL)


def test_seeding_is_idempotent_reports_missing_categories_and_keeps_edits(standard):
    edited = TimeLimitRule.objects.get(step=Step.DISPOSE, category=event("道路不洁"))
    edited.amount = Decimal("2")
    edited.save()

    report = seed_time_limits()

    assert report.created == 0
    # 路面积水 is not in the GB/T 47678.5-2026 list: its rule is optional, and every `make demo` printed
    # "未找到类别：路面积水" right after loading 403 categories (issue 16.9).
    assert report.missing_names == []
    edited.refresh_from_db()
    assert edited.amount == 2


def test_seeding_before_the_categories_are_loaded_skips_them():
    report = seed_time_limits()
    assert report.created == 0  # the step defaults came with the migration
    assert "暴露垃圾" in report.missing_names
    assert "路面积水" not in report.missing_names


def test_seed_command(standard):
    out = StringIO()
    call_command("seed_time_limits", stdout=out)
    # Nothing missing once the standard is loaded: no "未找到类别：路面积水" on every `make demo`.
    assert "新增 0 条" in out.getvalue() and "未找到类别" not in out.getvalue()


# ---- specificity ----------------------------------------------------------------------------------


def test_category_beats_major_beats_default():
    category = CategoryFactory(kind=Category.Kind.EVENT, major_code="06")
    sibling = CategoryFactory(kind=Category.Kind.EVENT, major_code="06")
    component = CategoryFactory(kind=Category.Kind.COMPONENT, major_code="06")
    rule(kind=Category.Kind.EVENT, major_code="06", amount=2, unit=DAYS)
    rule(category=category, amount=5, unit=HOURS)

    assert limit(Step.DISPOSE, category) == (5, HOURS)
    assert limit(Step.DISPOSE, sibling) == (2, DAYS)
    assert limit(Step.DISPOSE, component) == (3, DAYS)  # 部件 大类 06 is another 大类
    assert limit(Step.DISPOSE, None) == (3, DAYS)
    assert limit(Step.CHECK, category) == (4, HOURS)  # other steps keep their own default


def test_exact_urgency_and_variant_beat_blank():
    category = CategoryFactory()
    rule(category=category, amount=5, unit=DAYS)
    rule(category=category, variant=ENGINEERING, amount=10, unit=DAYS)
    rule(category=category, urgency=URGENT, amount=2, unit=NATURAL)

    assert limit(Step.DISPOSE, category) == (5, DAYS)
    assert limit(Step.DISPOSE, category, variant=ENGINEERING) == (10, DAYS)
    assert limit(Step.DISPOSE, category, URGENT, ENGINEERING) == (2, NATURAL)


def test_inactive_rules_are_ignored():
    category = CategoryFactory()
    rule(category=category, amount=5, unit=HOURS, is_active=False)
    assert limit(Step.DISPOSE, category) == (3, DAYS)


def test_a_changed_rule_applies_to_the_next_resolution_only():
    category = CategoryFactory()
    changed = rule(category=category, amount=4, unit=HOURS)
    start = datetime(2026, 3, 2, 9, tzinfo=timezone.get_default_timezone())
    first = due_at(start, resolve_limit(Step.DISPOSE, category), WorkingCalendar())

    changed.amount = 2
    changed.save()

    assert first == datetime(2026, 3, 2, 14, 30, tzinfo=timezone.get_default_timezone())
    assert limit(Step.DISPOSE, category) == (2, HOURS)


# ---- urgent cases ---------------------------------------------------------------------------------


def test_urgent_cases_move_a_working_rule_to_the_natural_clock(standard):
    resolved = resolve_limit(Step.DISPOSE, event("暴露垃圾"), URGENT, Variant.GENERAL)
    assert (resolved.amount, resolved.unit) == (4, NATURAL)
    assert resolved.is_converted
    assert resolved.describe() == "处置 · 暴露垃圾 · 4 工作时（紧急案件按自然时间：4 自然小时）"
    # Working days become whole natural days: the clock ignores weekends and holidays.
    assert limit(Step.DISPOSE, event("积存垃圾渣土"), URGENT) == (72, NATURAL)


def test_an_urgent_category_rule_wins_for_urgent_cases(standard):
    rule(category=event("积存垃圾渣土"), urgency=URGENT, amount=8, unit=NATURAL)
    assert limit(Step.DISPOSE, event("积存垃圾渣土"), URGENT) == (8, NATURAL)
    assert limit(Step.DISPOSE, event("积存垃圾渣土")) == (3, DAYS)


# ---- every case resolves --------------------------------------------------------------------------


@pytest.mark.parametrize("step", Step.values)
def test_every_step_resolves_even_without_any_rule(step):
    TimeLimitRule.objects.all().delete()
    category = CategoryFactory()
    for urgency in [*Urgency.values, ""]:
        for variant in [*Variant.values, ""]:
            resolved = resolve_limit(step, category, urgency, variant)
            assert resolved.amount > 0
            assert resolved.is_builtin and "系统内置默认" in resolved.describe()
            if urgency == URGENT:
                assert resolved.unit == NATURAL
            else:
                assert (resolved.amount, resolved.unit) == STEP_DEFAULTS[step]


def test_a_deactivated_default_falls_back_to_the_builtin():
    TimeLimitRule.objects.filter(step=Step.DISPOSE, category=None, urgency="").update(is_active=False)
    resolved = resolve_limit(Step.DISPOSE, CategoryFactory())
    assert (resolved.amount, resolved.unit) == (3, DAYS)
    assert resolved.describe() == "处置 · 默认 · 3 工作日（系统内置默认：未找到启用的时限规则）"


# ---- the model and its admin ----------------------------------------------------------------------


def test_describe(standard):
    engineering = TimeLimitRule.objects.get(category=event("暴露垃圾"), variant=ENGINEERING)
    assert engineering.describe() == "处置 · 暴露垃圾 · 工程性 · 1 工作日"
    urgent = TimeLimitRule.objects.get(step=Step.ACCEPT, category=None, urgency=URGENT)
    assert str(urgent) == "受理 · 默认 · 紧急 · 0.25 自然小时"
    major = TimeLimitRule(step=Step.DISPOSE, kind="event", major_code="06", amount=Decimal("40"), unit=HOURS)
    assert major.describe() == "处置 · 事项大类 06 · 40 工作时"


def test_validation():
    category = CategoryFactory()
    with pytest.raises(ValidationError):
        TimeLimitRule(
            step=Step.DISPOSE, category=category, kind="event", major_code="06", amount=1, unit=DAYS
        ).full_clean()
    with pytest.raises(ValidationError):
        TimeLimitRule(step=Step.DISPOSE, major_code="06", amount=1, unit=DAYS).full_clean()
    with pytest.raises(ValidationError):
        TimeLimitRule(step=Step.DISPOSE, category=category, amount=0, unit=DAYS).full_clean()


def test_one_active_default_per_step():
    with pytest.raises(IntegrityError), transaction.atomic():
        rule(amount=1, unit=DAYS)


def test_admin_lists_and_searches_by_category_name(standard, client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get("/admin/dispatch/timelimitrule/", {"q": "暴露垃圾"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "处置 · 暴露垃圾 · 工程性 · 1 工作日" in page
    assert "积存垃圾渣土" not in page


# ---- seeding an empty table, the built-in rule's step, the caller's calendar ------------------------


def test_seeding_an_empty_table_writes_each_default_and_category_rule_once_with_its_amount_and_unit():
    from dispatch.time_limits import URGENT_DEFAULTS

    load_standard_categories()
    TimeLimitRule.objects.all().delete()
    report = seed_time_limits()
    assert report.existing == 0
    assert report.created == TimeLimitRule.objects.count() > len(STEP_DEFAULTS) + len(URGENT_DEFAULTS)
    defaults = {
        (r.step, r.urgency): (r.amount, r.unit)
        for r in TimeLimitRule.objects.filter(category=None, street=None, kind="", major_code="", variant="")
    }
    assert defaults == {
        **{(str(step), ""): (amount, str(unit)) for step, (amount, unit) in STEP_DEFAULTS.items()},
        **{(str(step), URGENT): (amount, str(unit)) for step, (amount, unit) in URGENT_DEFAULTS.items()},
    }
    rubbish = TimeLimitRule.objects.get(category=event("暴露垃圾"), variant="")
    assert (rubbish.step, rubbish.amount, rubbish.unit, rubbish.street_id) == (Step.DISPOSE, 4, HOURS, None)
    assert not TimeLimitRule.objects.exclude(street=None).exists()
    again = seed_time_limits()
    assert (again.created, again.existing) == (0, report.created)


@pytest.mark.parametrize("step", Step.values)
def test_the_builtin_rule_names_its_step_for_urgent_and_normal_cases(step):
    TimeLimitRule.objects.all().delete()
    for urgency in (URGENT, Urgency.NORMAL):
        resolved = resolve_limit(step, urgency=urgency)
        assert resolved.rule.step == step
        assert resolved.describe().startswith(str(Step(step).label))


def test_a_deadline_is_computed_on_the_calendar_the_caller_passes():
    from datetime import time

    long_days = WorkingCalendar(windows=[(time(8, 0), time(20, 0))])  # a 12-hour day, no lunch break
    start = timezone.make_aware(datetime(2026, 11, 16, 8, 0))  # a Monday morning
    limit_ = resolve_limit(Step.DISPOSE, None)  # 3 working days: Thursday at the hour it started
    assert due_at(start, limit_, calendar=long_days) == timezone.make_aware(datetime(2026, 11, 19, 8, 0))
    assert due_at(start, limit_) != due_at(start, limit_, calendar=long_days)
