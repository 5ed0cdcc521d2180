"""Running deadlines past the calendar's last known day: provisional, recomputed when the year is entered (#24.3)."""

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cases.models import TimedStep
from cases.serializers import TimedStepSerializer
from dispatch.calendar import enter_year, is_provisional
from dispatch.holiday_notice import parse_notice
from dispatch.models import CalendarDay
from tests.cases.test_deadlines import dispatched

SH = ZoneInfo("Asia/Shanghai")
NOTICE_2027 = (Path(__file__).parents[1] / "fixtures" / "holiday_notice_2027.txt").read_text()
pytestmark = pytest.mark.usefixtures("media_root")


def test_a_running_dispose_deadline_across_spring_festival_moves_when_2027_is_entered(world):
    CalendarDay.objects.filter(date__year__gte=2027).delete()
    case = dispatched(world, datetime(2027, 2, 4, 9, 0, tzinfo=SH))
    step = TimedStep.objects.get(case=case, step="dispose")
    assert step.due_at == datetime(2027, 2, 9, 9, 0, tzinfo=SH)  # 2-5, 2-8, 2-9 taken for working days
    assert is_provisional(step.due_at) and TimedStepSerializer(step).data["provisional"] is True
    with time_machine.travel(datetime(2027, 2, 4, 10, 0, tzinfo=SH), tick=False):
        enter_year(2027, parse_notice(NOTICE_2027, 2027).exceptions())
    step.refresh_from_db()
    # One working hour used on 2-4; the rest laid out again: 2-15, 2-16, and 2-17 until 09:00.
    assert step.due_at == datetime(2027, 2, 17, 9, 0, tzinfo=SH)
    assert step.next_check_at == step.warn_at and step.warn_at > datetime(2027, 2, 14, tzinfo=SH)
    assert not is_provisional(step.due_at) and TimedStepSerializer(step).data["provisional"] is False
