"""A case's 处置 deadline follows its street's own time limit (issue #24.5)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from cases.models import TimedStep
from dispatch.calendar import Unit
from dispatch.models import TimeLimitRule
from tests.cases.test_deadlines import dispatched


def test_a_case_in_the_street_gets_the_street_deadline(world, media_root):
    TimeLimitRule.objects.create(
        step="dispose", category=world.event_cat, street=world.street, amount=2, unit=Unit.WORKING_DAYS
    )
    case = dispatched(world, datetime(2026, 11, 16, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    step = TimedStep.objects.get(case=case, step="dispose")
    assert step.due_at == datetime(2026, 11, 18, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert world.street.name in step.rule_text
