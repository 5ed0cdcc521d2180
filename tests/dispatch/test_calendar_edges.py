"""The calendar where an admin's unusual settings or the seeding command take it: windows at odd
seconds or from midnight, half-second rounding, a calendar with no working time left, the seeding
report's counts, a cache that must be re-read exactly when it is stale. (Written against the mutants
`make mutants` found surviving in dispatch/calendar.py.)
"""

from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from dispatch import calendar as calendar_module
from dispatch.calendar import Unit, WorkingCalendar, load_calendar, package_overrides, seed_calendar
from dispatch.models import CalendarDay, WorkingWindow

SH = ZoneInfo("Asia/Shanghai")
MIN, HOURS, NATURAL = Unit.WORKING_MINUTES, Unit.WORKING_HOURS, Unit.NATURAL_HOURS
MONDAY = date(2026, 3, 2)


def at(day: date, *clock) -> datetime:
    return datetime.combine(day, time(*clock), tzinfo=SH)


# ---- building a calendar ------------------------------------------------------------------------


def test_windows_keep_their_seconds_and_microseconds():
    cal = WorkingCalendar(windows=[(time(8, 30, 15, 250_000), time(12, 0, 30))])
    assert cal.windows == ((time(8, 30, 15, 250_000), time(12, 0, 30)),)
    assert cal.add(at(MONDAY, 8), 1, MIN) == at(MONDAY, 8, 31, 15, 250_000)


def test_an_empty_or_reversed_window_is_refused_with_its_reason():
    with pytest.raises(ValueError, match="^working window .* must start before it ends$"):
        WorkingCalendar(windows=[(time(9), time(9))])  # zero length
    with pytest.raises(ValueError, match="^working windows overlap$"):
        WorkingCalendar(windows=[(time(8), time(12)), (time(11), time(14))])
    with pytest.raises(ValueError, match="^a working calendar needs at least one working window$"):
        WorkingCalendar(windows=[])
    with pytest.raises(ValueError, match="^a time limit cannot be negative$"):
        WorkingCalendar().add(at(MONDAY, 9), -1, HOURS)


def test_a_time_zone_object_and_day_names():
    cal = WorkingCalendar(tz=ZoneInfo("Asia/Urumqi"), names={date(2026, 10, 1): "国庆节"})
    assert cal.tz == ZoneInfo("Asia/Urumqi")
    assert cal.names == {date(2026, 10, 1): "国庆节"}
    assert WorkingCalendar().names == {}


def test_half_a_second_rounds_up():
    # 0.075 working minutes = 4.5 s: rounded half up to 5 s (half-even would give 4 s).
    assert WorkingCalendar().add(at(MONDAY, 9), Decimal("0.075"), MIN) == at(MONDAY, 9, 0, 5)


def test_natural_time_comes_back_in_the_calendars_zone():
    deadline = WorkingCalendar().add(datetime(2026, 3, 2, 1, 0, tzinfo=ZoneInfo("UTC")), 6, NATURAL)
    assert deadline == at(MONDAY, 15) and deadline.utcoffset() == timedelta(hours=8)


def test_a_window_from_midnight_counts_from_midnight():
    night = WorkingCalendar(windows=[(time(0), time(6))])  # a night shift, 6 h a day
    assert night.add(at(MONDAY, 5), 2, HOURS) == at(MONDAY + timedelta(days=1), 1)
    assert night.elapsed(at(MONDAY, 0), at(MONDAY + timedelta(days=2), 0), MIN) == 720
    assert night.add(at(MONDAY, 4), 8, HOURS) == at(MONDAY + timedelta(days=1), 6)  # a day and a third


def test_the_last_microsecond_of_a_window_counts():
    start = datetime(2026, 3, 2, 11, 59, 59, 999_999, tzinfo=SH)
    assert WorkingCalendar().add(start, 1, MIN) == datetime(2026, 3, 2, 13, 30, 59, 999_999, tzinfo=SH)


def test_a_calendar_without_working_time_fails_loudly():
    every_day = [MONDAY + timedelta(days=n) for n in range(1, calendar_module.MAX_SCAN_DAYS + 2)]
    no_more = WorkingCalendar(holidays=every_day)
    with pytest.raises(ValueError, match=r"^no working day within \d+ days of .*: check the calendar$"):
        no_more.next_working_day(MONDAY)
    # Monday works, nothing after it: a limit longer than Monday's hours cannot be met.
    with pytest.raises(ValueError, match=r"^no working time within \d+ days of .*: check the calendar$"):
        no_more.add(at(MONDAY, 9), 10, HOURS)


# ---- the calendar from the database ---------------------------------------------------------------


@pytest.mark.django_db
def test_the_loaded_calendar_has_the_day_names_and_the_sites_zone(settings):
    cal = load_calendar()
    assert cal.names[date(2026, 10, 1)] == "国庆节"
    settings.TIME_ZONE = "Asia/Urumqi"
    assert load_calendar().tz == ZoneInfo("Asia/Urumqi")


@pytest.mark.django_db
def test_with_every_window_deleted_the_defaults_apply_and_a_warning_says_so(caplog):
    WorkingWindow.objects.all().delete()
    with caplog.at_level("WARNING", logger="dispatch.calendar"):
        cal = load_calendar()
    assert cal.windows == ((time(8, 30), time(12)), (time(13, 30), time(17, 30)))
    assert caplog.messages == ["no working windows configured: using the defaults 08:30–12:00, 13:30–17:30"]


@pytest.mark.django_db
def test_the_seeding_report_counts_every_row():
    overrides = package_overrides(2026)
    CalendarDay.objects.filter(date__year=2026).delete()
    assert seed_calendar([2026]).created == len(overrides)
    assert set(CalendarDay.objects.filter(date__year=2026).values_list("source", flat=True)) == {"seeded"}
    # Two admin rows, two stale seeded rows, two seeded rows edited behind the package's back.
    first, second, third, fourth = sorted(overrides)[:4]
    CalendarDay.objects.filter(date__in=[first, second]).update(source=CalendarDay.Source.ADMIN)
    for day in (date(2026, 3, 3), date(2026, 3, 4)):
        CalendarDay.objects.create(
            date=day, is_working=False, name="旧数据", source=CalendarDay.Source.SEEDED
        )
    CalendarDay.objects.filter(date__in=[third, fourth]).update(
        is_working=not overrides[third][0], name="改过"
    )

    report = seed_calendar([2026, 2099])
    assert (report.kept_admin, report.deleted, report.updated, report.created) == (2, 2, 2, 0)
    assert (report.years, report.missing_years) == ([2026], [2099])
    for day in (third, fourth):
        row = CalendarDay.objects.get(date=day)
        assert (row.is_working, row.name) == overrides[day]


@pytest.mark.django_db
def test_a_missing_year_does_not_stop_the_years_after_it():
    CalendarDay.objects.filter(date__year=2026).delete()
    report = seed_calendar([2099, 2026])
    assert (report.missing_years, report.years) == ([2099], [2026])
    assert CalendarDay.objects.filter(date__year=2026).count() == len(package_overrides(2026))


# ---- the process cache --------------------------------------------------------------------------


class Clock:
    def __init__(self):
        self.now = 1000.0

    def monotonic(self):
        return self.now


@pytest.fixture
def cache_world(monkeypatch):
    """get_calendar() outside any transaction, with a fake clock, fingerprint and loader."""
    clock, calls = Clock(), {"fingerprint": 0, "load": 0}
    state = {"fingerprint": ("v1",)}

    def fingerprint():
        calls["fingerprint"] += 1
        return state["fingerprint"]

    def load():
        calls["load"] += 1
        return WorkingCalendar()

    monkeypatch.setattr(calendar_module, "monotonic_time", clock)
    monkeypatch.setattr(calendar_module, "_fingerprint", fingerprint)
    monkeypatch.setattr(calendar_module, "load_calendar", load)
    monkeypatch.setattr(calendar_module, "_cached", None)
    monkeypatch.setattr(calendar_module, "_dirty", True)
    return clock, calls, state


def test_the_cache_is_reused_until_it_is_due_for_a_check(cache_world):
    clock, calls, _state = cache_world
    first = calendar_module.get_calendar()
    assert calls == {"fingerprint": 1, "load": 1}
    clock.now += calendar_module.RECHECK_SECONDS - 0.001
    assert calendar_module.get_calendar() is first
    assert calls == {"fingerprint": 1, "load": 1}  # no query at all within the recheck interval
    clock.now += 0.001  # exactly RECHECK_SECONDS after the load: checked again
    assert calendar_module.get_calendar() is first
    assert calls == {"fingerprint": 2, "load": 1}  # unchanged: the same calendar, not reloaded
    clock.now += 1
    assert calendar_module.get_calendar() is first
    assert calls == {"fingerprint": 2, "load": 1}  # the check restarted the interval


def test_a_changed_fingerprint_or_an_invalidation_reloads(cache_world):
    clock, calls, state = cache_world
    first = calendar_module.get_calendar()
    state["fingerprint"] = ("v2",)
    clock.now += calendar_module.RECHECK_SECONDS
    second = calendar_module.get_calendar()
    assert second is not first and calls["load"] == 2
    assert calendar_module.get_calendar() is second  # and kept, with its new fingerprint
    calendar_module.invalidate_calendar()  # a CalendarDay or WorkingWindow saved in this process
    third = calendar_module.get_calendar()
    assert third is not second and calls == {"fingerprint": 3, "load": 3}
    assert calendar_module.get_calendar() is third and calls["fingerprint"] == 3


@pytest.mark.django_db
def test_inside_a_transaction_every_call_rechecks(monkeypatch):
    calls = []
    real = calendar_module._fingerprint
    monkeypatch.setattr(calendar_module, "_fingerprint", lambda: calls.append(1) or real())
    calendar_module.invalidate_calendar()
    for _ in range(3):
        calendar_module.get_calendar()
    assert len(calls) == 3  # what it saw may still roll back: never trusted for RECHECK_SECONDS
    WorkingWindow.objects.filter(start=time(8, 30)).update(start=time(9), updated_at=timezone.now())
    assert calendar_module.get_calendar().windows[0] == (time(9), time(12))


@pytest.mark.django_db
def test_the_module_functions_use_the_database_calendar():
    start, deadline = at(date(2026, 9, 30), 17), at(date(2026, 10, 8), 10)  # across 国庆
    assert calendar_module.add(start, 2, HOURS) == deadline
    assert calendar_module.elapsed(start, deadline, HOURS) == 2
    assert calendar_module.remaining(start, deadline, HOURS) == 2
    assert calendar_module.remaining(deadline + timedelta(hours=1), deadline, HOURS) == -1


def test_a_calendar_in_another_zone_than_the_sites_keeps_its_own_wall_clock():
    urumqi = ZoneInfo("Asia/Urumqi")  # UTC+6, while the process runs on TIME_ZONE (UTC+8)
    cal = WorkingCalendar(tz=urumqi)
    monday_nine = datetime(2026, 3, 2, 9, 0, tzinfo=urumqi)
    assert cal.add(monday_nine, 1, HOURS) == datetime(2026, 3, 2, 10, 0, tzinfo=urumqi)
    natural = cal.add(monday_nine, 1, NATURAL)
    assert natural == datetime(2026, 3, 2, 10, 0, tzinfo=urumqi) and natural.utcoffset() == timedelta(hours=6)


class _NoOffset(tzinfo):
    """A zone that does not know its offset: a datetime in it is as good as naive."""

    def utcoffset(self, dt):
        return None

    def dst(self, dt):
        return None


def test_naive_and_offsetless_datetimes_are_refused_with_the_reason():
    message = "^the working calendar needs timezone-aware datetimes$"
    with pytest.raises(ValueError, match=message):
        WorkingCalendar().add(datetime(2026, 3, 2, 9), 1, HOURS)
    with pytest.raises(ValueError, match=message):
        WorkingCalendar().add(datetime(2026, 3, 2, 9, tzinfo=_NoOffset()), 1, HOURS)
