"""Properties of the clock math on the 2026 calendar, built in memory (no database).

Amounts are drawn in whole working minutes and expressed in the unit under test, so the round trip
elapsed(start, add(start, x, u), u) == x is exact (Decimal), not approximate.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch.calendar import Unit, WorkingCalendar, package_overrides

TZ = ZoneInfo("Asia/Shanghai")
_overrides = package_overrides(2026)
CAL = WorkingCalendar(
    holidays=[d for d, (working, _name) in _overrides.items() if not working],
    workdays=[d for d, (working, _name) in _overrides.items() if working],
)
WORKING_UNITS = [Unit.WORKING_MINUTES, Unit.WORKING_HOURS, Unit.WORKING_DAYS]
MINUTES_PER = {
    Unit.WORKING_MINUTES: 1,
    Unit.WORKING_HOURS: 60,
    Unit.WORKING_DAYS: 450,
    Unit.NATURAL_HOURS: 60,
}

PROPERTY = settings(max_examples=200, deadline=None)

# Holidays, 调休 days and their neighbours are where the bugs would be; ordinary days fill the rest.
SPECIAL_DAYS = sorted({d + timedelta(days=k) for d in _overrides for k in (-1, 0, 1)})
BOUNDARIES = [time(h, m) for h, m in ((8, 30), (12, 0), (13, 30), (17, 30))]

days = st.one_of(
    st.sampled_from(SPECIAL_DAYS),
    st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)),
)
clock_times = st.one_of(
    st.sampled_from(BOUNDARIES),
    st.builds(
        lambda t, delta: (datetime.combine(date(2026, 1, 1), t) + timedelta(minutes=delta)).time(),
        st.sampled_from(BOUNDARIES),
        st.integers(-2, 2),
    ),
    st.times(),  # nights, lunch, seconds and microseconds included
)
starts = st.builds(lambda d, t: datetime.combine(d, t, tzinfo=TZ), days, clock_times)
minutes = st.integers(min_value=0, max_value=20 * 450)  # up to 20 working days
units = st.sampled_from([*WORKING_UNITS, Unit.NATURAL_HOURS])


def in_unit(amount_minutes: int, unit: Unit) -> Decimal:
    return Decimal(amount_minutes) / MINUTES_PER[unit]


def on_the_clock(moment: datetime) -> bool:
    """A working day, inside a window; the window's end counts (a deadline may fall on 12:00)."""
    local = moment.astimezone(TZ)
    return CAL.is_working_day(local.date()) and any(s <= local.time() <= e for s, e in CAL.windows)


@PROPERTY
@given(starts, minutes, units)
def test_elapsed_undoes_add(start, amount_minutes, unit):
    amount = in_unit(amount_minutes, unit)
    assert CAL.elapsed(start, CAL.add(start, amount, unit), unit) == amount


@PROPERTY
@given(starts, minutes, minutes, units)
def test_add_is_monotonic_in_the_amount(start, a, b, unit):
    low, high = sorted((a, b))
    assert CAL.add(start, in_unit(low, unit), unit) <= CAL.add(start, in_unit(high, unit), unit)


@PROPERTY
@given(starts, minutes, st.sampled_from(WORKING_UNITS))
def test_working_deadlines_fall_inside_a_window_of_a_working_day(start, amount_minutes, unit):
    deadline = CAL.add(start, in_unit(amount_minutes, unit), unit)
    assert deadline >= start
    assert on_the_clock(deadline)
    assert deadline.utcoffset() == timedelta(hours=8)


@PROPERTY
@given(starts, st.integers(min_value=1, max_value=20))
def test_whole_working_days_keep_the_clock_time_of_the_normalized_start(start, n):
    normalized = CAL.add(start, 0, Unit.WORKING_DAYS)
    deadline = CAL.add(start, n, Unit.WORKING_DAYS)
    assert deadline.time() == normalized.time()
    assert CAL.is_working_day(deadline.date())
    between = [normalized.date() + timedelta(days=k) for k in range(1, (deadline - normalized).days + 1)]
    assert sum(CAL.is_working_day(d) for d in between) == n


@PROPERTY
@given(starts, starts, starts, st.sampled_from(WORKING_UNITS))
def test_elapsed_adds_up_and_is_antisymmetric(a, b, c, unit):
    a, b, c = sorted((a, b, c))
    # Exact in microseconds; a quotient like 1/450 day is rounded at the 28th digit, hence the margin.
    assert abs(CAL.elapsed(a, b, unit) + CAL.elapsed(b, c, unit) - CAL.elapsed(a, c, unit)) < Decimal("1e-20")
    assert CAL.elapsed(c, a, unit) == -CAL.elapsed(a, c, unit)
    assert CAL.remaining(c, a, unit) <= 0


@settings(max_examples=60, deadline=None)
@given(
    st.builds(
        lambda d, t: datetime.combine(d, t, tzinfo=TZ),
        days,
        clock_times.map(lambda t: t.replace(second=0, microsecond=0)),
    ),
    st.integers(min_value=0, max_value=3 * 24 * 60),
)
def test_elapsed_matches_counting_minute_by_minute(start, span_minutes):
    # The slow oracle the fast day-by-day arithmetic must agree with.
    end = start + timedelta(minutes=span_minutes)
    counted = sum(
        on_the_clock(start + timedelta(minutes=k)) and on_the_clock(start + timedelta(minutes=k + 1))
        for k in range(span_minutes)
    )
    assert CAL.elapsed(start, end, Unit.WORKING_MINUTES) == counted
