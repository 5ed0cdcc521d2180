"""Per-street time limits (issue #24.5): a street's own rule beats the district's for the same scope."""

import pytest
from django.db import IntegrityError, transaction

from dispatch.calendar import Unit
from dispatch.models import Category, TimeLimitRule
from dispatch.time_limits import Step, resolve_limit
from tests.factories import CategoryFactory, StreetFactory

pytestmark = pytest.mark.django_db
HOURS, DAYS = Unit.WORKING_HOURS, Unit.WORKING_DAYS


def rule(**fields) -> TimeLimitRule:
    fields.setdefault("step", Step.DISPOSE)
    return TimeLimitRule.objects.create(**fields)


def limit(category, street=None) -> tuple:
    resolved = resolve_limit(Step.DISPOSE, category, street=street)
    return resolved.amount, resolved.unit


def test_the_most_specific_rule_wins_with_the_street_after_the_scope():
    garbage = CategoryFactory(kind=Category.Kind.EVENT, major_code="06", name="暴露垃圾")
    sibling = CategoryFactory(kind=Category.Kind.EVENT, major_code="06")
    other = CategoryFactory(kind=Category.Kind.EVENT, major_code="09")
    hongqiao, nankai = StreetFactory(name="西于庄街"), StreetFactory(name="万兴街")
    rule(category=garbage, amount=4, unit=HOURS)  # the district
    rule(category=garbage, street=hongqiao, amount=2, unit=DAYS)  # the street's own standard
    rule(kind=Category.Kind.EVENT, major_code="06", street=hongqiao, amount=1, unit=DAYS)
    rule(street=hongqiao, amount=5, unit=DAYS)  # the street's 处置 default

    assert limit(garbage, hongqiao) == (2, DAYS)
    assert limit(garbage, hongqiao.pk) == (2, DAYS)  # an id does as well
    assert limit(garbage, nankai) == (4, HOURS)
    assert limit(garbage) == (4, HOURS)
    assert limit(sibling, hongqiao) == (1, DAYS)  # the street's 大类 rule
    assert limit(sibling, nankai) == (3, DAYS)  # the district default
    assert limit(other, hongqiao) == (5, DAYS)  # the street default beats the district default…
    rule(category=other, amount=6, unit=HOURS)
    assert limit(other, hongqiao) == (6, HOURS)  # …but not a district rule for the category itself
    assert "西于庄街" in resolve_limit(Step.DISPOSE, garbage, street=hongqiao).describe()


def test_one_active_rule_per_street_and_scope():
    street = StreetFactory()
    category = CategoryFactory()
    rule(category=category, amount=4, unit=HOURS)
    rule(category=category, street=street, amount=1, unit=DAYS)  # district and street side by side
    with pytest.raises(IntegrityError), transaction.atomic():
        rule(category=category, street=street, amount=2, unit=DAYS)
    rule(street=street, amount=5, unit=DAYS)
    with pytest.raises(IntegrityError), transaction.atomic():
        rule(street=street, amount=6, unit=DAYS)
