"""The working clock on its edges: exactly on a window's start or end, one unit before, one after, a
whole day of work exactly; and every working-time deadline as the *earliest* moment at which the
amount has elapsed, checked against a brute-force counter written here, minute by minute, from the
State Council arrangement (chinese_calendar) and the default windows, without the calendar's code.

2026-03-02 is an ordinary Monday; 2026 holidays as tests/dispatch/test_calendar.py lists them.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch.calendar import Unit, WorkingCalendar, package_overrides

TZ = ZoneInfo("Asia/Shanghai")
MIN, HOURS, DAYS = Unit.WORKING_MINUTES, Unit.WORKING_HOURS, Unit.WORKING_DAYS
_overrides = package_overrides(2026)
CAL = WorkingCalendar(
    holidays=[d for d, (working, _name) in _overrides.items() if not working],
    workdays=[d for d, (working, _name) in _overrides.items() if working],
)


def at(month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=TZ)


# ---- the oracle: a minute counter that knows nothing of dispatch.calendar ----------------------------

# 08:30–12:00 and 13:30–17:30, as minutes of the day: [start, end).
WINDOW_MINUTES = ((8 * 60 + 30, 12 * 60), (13 * 60 + 30, 17 * 60 + 30))
_workday: dict[date, bool] = {}


def _worked(day: date, minute: int) -> bool:
    """The minute `minute` (0–1439) of local `day` is working time."""
    if day not in _workday:
        _workday[day] = chinese_calendar.is_workday(day)
    return _workday[day] and any(s <= minute < e for s, e in WINDOW_MINUTES)


def _local_minute(moment: datetime) -> tuple[date, int]:
    local = moment.astimezone(TZ)
    assert local.second == 0 and local.microsecond == 0, "the oracle counts whole minutes"
    return local.date(), local.hour * 60 + local.minute


def _moment(day: date, minute: int) -> datetime:
    return datetime.combine(day, time(), tzinfo=TZ) + timedelta(minutes=minute)


def earliest_by_counting(start: datetime, amount_minutes: int) -> datetime:
    """Walk forward minute by minute from `start` and stop at the end of the minute that completes
    `amount_minutes` (≥ 1) working minutes: no earlier moment has that much working time behind it."""
    day, minute = _local_minute(start)
    counted = 0
    while True:
        if _worked(day, minute):
            counted += 1
            if counted == amount_minutes:
                return _moment(day, minute + 1)
        minute += 1
        if minute == 24 * 60:
            day, minute = day + timedelta(days=1), 0


def worked_minutes_between(start: datetime, end: datetime) -> int:
    day, minute = _local_minute(start)
    stop = _local_minute(end)
    n = 0
    while (day, minute) < stop:
        n += _worked(day, minute)
        minute += 1
        if minute == 24 * 60:
            day, minute = day + timedelta(days=1), 0
    return n


# Whole-minute starts in 2026 (the package's year), with window edges and holidays drawn often.
SPECIAL_DAYS = sorted({d + timedelta(days=k) for d in _overrides for k in (-1, 0, 1)})
EDGES = [time(8, 30), time(12, 0), time(13, 30), time(17, 30), time(0, 0)]
days = st.one_of(
    st.sampled_from(SPECIAL_DAYS), st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 20))
)
clock = st.one_of(
    st.builds(
        lambda t, d: (datetime.combine(date(2026, 1, 1), t) + timedelta(minutes=d)).time(),
        st.sampled_from(EDGES),
        st.integers(-1, 1),
    ),
    st.integers(0, 24 * 60 - 1).map(lambda m: time(m // 60, m % 60)),
)
starts = st.builds(lambda d, t: datetime.combine(d, t, tzinfo=TZ), days, clock)
# Amounts around the lengths that matter: a window (210, 240), a day (450), one minute either side.
amounts = st.one_of(
    st.sampled_from([1, 209, 210, 211, 239, 240, 241, 449, 450, 451, 899, 900, 901]),
    st.integers(min_value=1, max_value=2 * 450),
)


@settings(max_examples=300, deadline=None)
@given(starts, amounts)
def test_a_working_minutes_deadline_is_the_earliest_moment_with_that_much_work(start, amount):
    deadline = CAL.add(start, amount, MIN)
    assert deadline == earliest_by_counting(start, amount)
    # And so one minute earlier is not enough: the deadline is not late by a lunch, a night or a day.
    assert worked_minutes_between(start, deadline - timedelta(minutes=1)) == amount - 1


@settings(max_examples=100, deadline=None)
@given(starts, st.integers(min_value=1, max_value=15))
def test_a_working_hours_deadline_is_the_earliest_moment_with_that_much_work(start, hours):
    assert CAL.add(start, hours, HOURS) == earliest_by_counting(start, hours * 60)


def test_the_oracle_agrees_with_the_calendar_about_which_days_are_worked():
    # The two sources of the 2026 arrangement (the seeded exceptions and the package's own answer).
    day = date(2026, 1, 1)
    while day.year == 2026:
        assert CAL.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


# ---- exactly on a whole day of work ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "amount", "unit", "deadline"),
    [
        # Mon 08:30 + 7.5 working hours fills Monday exactly: due Monday 17:30, not Tuesday 08:30.
        (at(3, 2, 8, 30), "7.5", HOURS, at(3, 2, 17, 30)),
        (at(3, 2, 8, 30), 450, MIN, at(3, 2, 17, 30)),
        (at(3, 2, 8, 30), 449, MIN, at(3, 2, 17, 29)),  # one minute less
        (at(3, 2, 8, 30), 451, MIN, at(3, 3, 8, 31)),  # one minute more: Tuesday's first minute
        # From before the day starts, the same: the clock starts at 08:30.
        (at(3, 2, 7, 0), "7.5", HOURS, at(3, 2, 17, 30)),
        (at(3, 1, 20, 0), "7.5", HOURS, at(3, 2, 17, 30)),  # a Sunday evening start
        # Two whole days exactly: Tuesday 17:30, not Wednesday 08:30.
        (at(3, 2, 8, 30), 15, HOURS, at(3, 3, 17, 30)),
        (at(3, 2, 8, 30), 900, MIN, at(3, 3, 17, 30)),
        # A whole day exactly, across the weekend: Friday 17:30 → next Monday ends at 17:30.
        (at(3, 6, 17, 30), "7.5", HOURS, at(3, 9, 17, 30)),
        # A whole day from mid-window runs into the next day by the same amount.
        (at(3, 2, 10, 0), "7.5", HOURS, at(3, 3, 10, 0)),
        # Before a nine-day holiday: Fri 13 Feb 08:30 + one day of work is that Friday 17:30.
        (at(2, 13, 8, 30), "7.5", HOURS, at(2, 13, 17, 30)),
        # 0.5 and 1 working day in the days unit: 225 minutes; the day boundary keeps the clock time.
        (at(3, 2, 8, 30), "0.5", DAYS, at(3, 2, 13, 45)),
        (at(3, 2, 8, 30), 1, DAYS, at(3, 3, 8, 30)),
    ],
)
def test_a_whole_day_of_work_exactly(start, amount, unit, deadline):
    assert CAL.add(start, amount, unit) == deadline


# ---- exactly on a window's edges ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "minutes", "deadline"),
    [
        # Morning window's end: the amount that runs out exactly at 12:00 is due at 12:00.
        (at(3, 2, 11, 0), 60, at(3, 2, 12, 0)),
        (at(3, 2, 11, 0), 59, at(3, 2, 11, 59)),
        (at(3, 2, 11, 0), 61, at(3, 2, 13, 31)),
        # Afternoon window's end: 17:30, not the next morning.
        (at(3, 2, 16, 30), 60, at(3, 2, 17, 30)),
        (at(3, 2, 16, 30), 61, at(3, 3, 8, 31)),
        # Starting on a window's start, a minute before, a minute after.
        (at(3, 2, 8, 30), 1, at(3, 2, 8, 31)),
        (at(3, 2, 8, 29), 1, at(3, 2, 8, 31)),
        (at(3, 2, 8, 31), 1, at(3, 2, 8, 32)),
        (at(3, 2, 13, 30), 1, at(3, 2, 13, 31)),
        (at(3, 2, 13, 29), 1, at(3, 2, 13, 31)),
        # Starting on a window's end (half-open for starting): 12:00 counts from 13:30, 11:59 does not.
        (at(3, 2, 12, 0), 1, at(3, 2, 13, 31)),
        (at(3, 2, 11, 59), 1, at(3, 2, 12, 0)),
        (at(3, 2, 12, 1), 1, at(3, 2, 13, 31)),
        (at(3, 2, 17, 30), 1, at(3, 3, 8, 31)),
        (at(3, 2, 17, 29), 1, at(3, 2, 17, 30)),
    ],
)
def test_window_edges_one_minute_either_side(start, minutes, deadline):
    assert CAL.add(start, minutes, MIN) == deadline
    assert earliest_by_counting(start, minutes) == deadline


@pytest.mark.parametrize(
    ("moment", "running"),
    [
        (at(3, 2, 8, 29, 59), False),
        (at(3, 2, 8, 30), True),
        (at(3, 2, 11, 59, 59), True),
        (at(3, 2, 12, 0), False),  # a window is half-open: at its end the clock has stopped
        (at(3, 2, 13, 30), True),
        (at(3, 2, 17, 29, 59), True),
        (at(3, 2, 17, 30), False),
        (at(3, 7, 10, 0), False),  # Saturday
        (at(2, 14, 10, 0), True),  # the 调休 Saturday
        (at(10, 1, 10, 0), False),  # 国庆, a Thursday
    ],
)
def test_the_clock_runs_inside_a_window_and_stops_at_its_end(moment, running):
    second = CAL.elapsed(moment, moment + timedelta(seconds=1), Unit.WORKING_MINUTES)
    assert (second > 0) is running


def test_elapsed_counts_up_to_the_deadline_and_not_a_second_more_or_less():
    start = at(3, 2, 8, 30)
    assert CAL.elapsed(start, at(3, 2, 17, 30), HOURS) == 7.5
    assert CAL.elapsed(start, at(3, 2, 17, 29, 59), MIN) * 60 == 450 * 60 - 1
    assert CAL.elapsed(start, at(3, 3, 8, 30), HOURS) == 7.5  # the night adds nothing
    assert CAL.elapsed(start, at(3, 3, 8, 30, 1), MIN) * 60 == 450 * 60 + 1
    assert CAL.remaining(at(3, 2, 17, 30), at(3, 2, 17, 30), HOURS) == 0
