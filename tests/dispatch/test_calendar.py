"""Worked deadlines on the 2026 calendar (State Council arrangement as chinese_calendar 1.11 has it).

2026 facts used below:
- 春节: Sat 14 Feb worked (调休), Sun 15 – Mon 23 Feb off, Sat 28 Feb worked (调休).
- 中秋 Fri 25 Sep off; 国庆: Sun 20 Sep worked (调休), Thu 1 – Wed 7 Oct off, Sat 10 Oct worked (调休).
- 2–6 and 9–13 Mar are ordinary weeks. Windows 08:30–12:00 and 13:30–17:30 (7.5 h a day).
"""

from datetime import UTC, date, datetime, time
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from dispatch import calendar as calendar_module
from dispatch.calendar import (
    Unit,
    WorkingCalendar,
    get_calendar,
    package_overrides,
    package_years,
    seed_calendar,
)
from dispatch.models import CalendarDay, WorkingWindow
from tests.factories import UserFactory

MIN, HOURS, DAYS, NATURAL = Unit.WORKING_MINUTES, Unit.WORKING_HOURS, Unit.WORKING_DAYS, Unit.NATURAL_HOURS


def at(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=timezone.get_default_timezone())


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    overrides = package_overrides(2026)
    return WorkingCalendar(
        holidays=[d for d, (working, _name) in overrides.items() if not working],
        workdays=[d for d, (working, _name) in overrides.items() if working],
    )


@pytest.fixture(autouse=True)
def fresh_calendar_cache():
    # The process-wide cache outlives each test's rolled-back transaction.
    calendar_module.invalidate_calendar()
    yield
    calendar_module.invalidate_calendar()


# ---- the 2026 data --------------------------------------------------------------------------------


def test_package_has_the_2026_arrangement_and_not_2027():
    assert {2024, 2025, 2026} <= package_years()
    assert 2027 not in package_years()
    overrides = package_overrides(2026)
    off = {d for d, (working, _name) in overrides.items() if not working}
    worked = {d for d, (working, _name) in overrides.items() if working}
    assert {date(2026, 2, d) for d in (16, 17, 18, 19, 20, 23)} <= off  # 15, 21, 22 are weekends anyway
    assert {date(2026, 10, d) for d in (1, 2, 5, 6, 7)} <= off
    assert worked == {
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    }
    assert overrides[date(2026, 2, 16)] == (False, "春节")
    assert overrides[date(2026, 10, 10)] == (True, "调休上班（国庆节）")


def test_2026_has_248_working_days(cal):
    # 261 weekdays − 19 weekday holidays + 6 调休 weekends; a year in one elapsed() call.
    assert cal.elapsed(at(1, 1), at(1, 1, year=2027), DAYS) == 248
    assert cal.elapsed(at(1, 1), at(1, 1, year=2027), HOURS) == Decimal("1860")


# ---- Spring Festival and National Day ---------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "amount", "unit", "deadline"),
    [
        # Fri 16:00 + 3 h: 1.5 h on Friday, the rest on the 调休 Saturday.
        (at(2, 13, 16), 3, HOURS, at(2, 14, 10)),
        # 调休 Saturday 16:00 + 4 h: 1.5 h that day, then nine days off, 2.5 h on Tue 24 Feb.
        (at(2, 14, 16), 4, HOURS, at(2, 24, 11)),
        # Working days: Sat 14 (1), Tue 24 (2), Wed 25 (3), same clock time.
        (at(2, 13, 10), 3, DAYS, at(2, 25, 10)),
        # A start on a holiday counts from the first window after it.
        (at(2, 18, 9), 1, HOURS, at(2, 24, 9, 30)),
        (at(2, 18, 9), 1, DAYS, at(2, 25, 8, 30)),
        # The second 调休 Saturday.
        (at(2, 27, 15), 1, DAYS, at(2, 28, 15)),
        # Wed 30 Sep 17:00 + 2 h: 0.5 h before the holiday, 1.5 h on Thu 8 Oct.
        (at(9, 30, 17), 2, HOURS, at(10, 8, 10)),
        (at(9, 30, 10), 2, DAYS, at(10, 9, 10)),
        (at(9, 30, 10), 3, DAYS, at(10, 10, 10)),  # the 调休 Saturday after National Day
        # Fri 18 Sep 17:00 + 1 h: Saturday off, the 调休 Sunday 20 Sep works.
        (at(9, 18, 17), 1, HOURS, at(9, 20, 9)),
        # Thu 24 Sep + 1 day: 中秋 Friday and the weekend are off.
        (at(9, 24, 14), 1, DAYS, at(9, 28, 14)),
        # Urgent: natural time ignores the holiday and the night.
        (at(10, 2, 22), 6, NATURAL, at(10, 3, 4)),
        (at(10, 2, 22), Decimal("0.25"), NATURAL, at(10, 2, 22, 15)),
    ],
)
def test_holiday_deadlines(cal, start, amount, unit, deadline):
    assert cal.add(start, amount, unit) == deadline
    assert cal.elapsed(start, deadline, unit) == amount


# ---- starts before, inside, between and after the windows ------------------------------------


@pytest.mark.parametrize(
    ("start", "amount", "unit", "deadline"),
    [
        (at(3, 2, 7), 1, HOURS, at(3, 2, 9, 30)),  # before the day starts
        (at(3, 2, 10), 2, HOURS, at(3, 2, 12)),  # runs out at the window's end: 12:00, not 13:30
        (at(3, 2, 11), 2, HOURS, at(3, 2, 14, 30)),  # across lunch
        (at(3, 2, 11), Decimal("1.5"), HOURS, at(3, 2, 14)),
        (at(3, 2, 12), 1, HOURS, at(3, 2, 14, 30)),  # 12:00 is lunch: counts from 13:30
        (at(3, 2, 12, 45), 30, MIN, at(3, 2, 14)),
        (at(3, 2, 16), Decimal("1.5"), HOURS, at(3, 2, 17, 30)),  # the day's last minute
        (at(3, 2, 18), 1, HOURS, at(3, 3, 9, 30)),  # after hours
        (at(3, 6, 17), 1, HOURS, at(3, 9, 9)),  # Friday evening to Monday
        (at(3, 2, 12), 0, HOURS, at(3, 2, 13, 30)),  # zero: where the clock starts
        # Working days keep the normalized start's clock time.
        (at(3, 2, 10), 1, DAYS, at(3, 3, 10)),
        (at(3, 2, 12), 1, DAYS, at(3, 3, 13, 30)),
        (at(3, 2, 12, 30), 1, DAYS, at(3, 3, 13, 30)),
        (at(3, 2, 18), 1, DAYS, at(3, 4, 8, 30)),
        (at(3, 2, 13, 30), 1, DAYS, at(3, 3, 13, 30)),
        (at(3, 2, 8, 30), Decimal("0.5"), DAYS, at(3, 2, 13, 45)),  # 225 working minutes
        (at(3, 2, 10), Decimal("1.5"), DAYS, at(3, 3, 15, 15)),  # Tue 10:00, then 225 minutes
        (at(3, 2, 10), 20, DAYS, at(3, 30, 10)),
        (at(3, 2, 11), 5, NATURAL, at(3, 2, 16)),
    ],
)
def test_window_boundaries(cal, start, amount, unit, deadline):
    assert cal.add(start, amount, unit) == deadline
    assert cal.elapsed(start, deadline, unit) == amount


def test_naive_datetimes_and_negative_amounts_are_refused(cal):
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.add(datetime(2026, 3, 2, 10), 1, HOURS)
    with pytest.raises(ValueError, match="negative"):
        cal.add(at(3, 2, 10), -1, HOURS)


def test_results_are_in_local_time_whatever_the_input_zone(cal):
    utc_start = at(3, 2, 10).astimezone(UTC)
    deadline = cal.add(utc_start, 1, HOURS)
    assert deadline == at(3, 2, 11)
    assert deadline.utcoffset().total_seconds() == 8 * 3600


# ---- the clock in a case's life: pause, resume, extension, overdue -------------------------------


def test_pause_and_resume_carries_the_remaining_working_time(cal):
    started = at(3, 2, 10)
    due = cal.add(started, 3, DAYS)
    assert due == at(3, 5, 10)

    paused = at(3, 3, 15)  # 挂账
    assert cal.elapsed(started, paused, MIN) == 660  # Mon 10:00–17:30 (6 h) + Tue 08:30–15:00 (5 h)
    left = cal.remaining(paused, due, MIN)
    assert left == 690 == 3 * 450 - 660

    resumed = at(3, 9, 9)  # the next Monday
    assert cal.add(resumed, left, MIN) == at(3, 10, 14, 30)


def test_extension_adds_working_hours_to_the_deadline(cal):
    assert cal.add(at(3, 5, 10), 8, HOURS) == at(3, 6, 10, 30)  # 延期 8 工作时
    assert cal.add(at(9, 30, 16), 4, HOURS) == at(10, 8, 11)  # across National Day


def test_remaining_is_negative_once_overdue(cal):
    due = at(3, 5, 10)
    assert cal.remaining(at(3, 5, 9), due, MIN) == 60
    assert cal.remaining(at(3, 5, 11), due, MIN) == -60
    assert cal.remaining(at(3, 6, 10), due, DAYS) == -1
    assert cal.remaining(at(3, 5, 11), due, NATURAL) == -1


def test_elapsed_outside_working_time_is_zero(cal):
    assert cal.elapsed(at(3, 2, 12), at(3, 2, 13, 30), MIN) == 0
    assert cal.elapsed(at(2, 15), at(2, 23, 23, 59), HOURS) == 0


# ---- building a calendar ------------------------------------------------------------------------


def test_calendar_rejects_bad_windows_and_conflicting_days():
    with pytest.raises(ValueError, match="overlap"):
        WorkingCalendar(windows=[(time(8), time(12)), (time(11), time(14))])
    with pytest.raises(ValueError, match="before"):
        WorkingCalendar(windows=[(time(12), time(8))])
    with pytest.raises(ValueError, match="at least one"):
        WorkingCalendar(windows=[])
    with pytest.raises(ValueError, match="both"):
        WorkingCalendar(holidays=[date(2026, 3, 2)], workdays=[date(2026, 3, 2)])


def test_touching_windows_are_one_window():
    cal = WorkingCalendar(windows=[(time(9), time(12)), (time(12), time(13))])
    assert cal.windows == ((time(9), time(13)),)
    assert cal.add(at(3, 2, 11), 2, HOURS) == at(3, 2, 13)


# ---- the database calendar ------------------------------------------------------------------------


@pytest.mark.django_db
def test_migrations_seed_the_windows_and_the_package_years():
    assert [(w.start, w.end) for w in WorkingWindow.objects.all()] == [
        (time(8, 30), time(12)),
        (time(13, 30), time(17, 30)),
    ]
    seeded = {
        row.date: (row.is_working, row.name)
        for row in CalendarDay.objects.filter(date__year=2026, source=CalendarDay.Source.SEEDED)
    }
    assert seeded == package_overrides(2026)
    cal = get_calendar()
    assert cal.add(at(2, 14, 16), 4, HOURS) == at(2, 24, 11)
    assert cal.working_minutes_per_day == 450


@pytest.mark.django_db
def test_an_admin_added_local_holiday_moves_the_deadline(client):
    start = at(3, 6, 16)  # Fri 16:00 + 3 h → Mon 9 Mar 10:00
    assert get_calendar().add(start, 3, HOURS) == at(3, 9, 10)

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        "/admin/dispatch/calendarday/add/", {"date": "2026-03-09", "is_working": "", "name": "本地假日"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    day = CalendarDay.objects.get(date=date(2026, 3, 9))
    assert (day.is_working, day.name, day.source) == (False, "本地假日", CalendarDay.Source.ADMIN)

    assert get_calendar().add(start, 3, HOURS) == at(3, 10, 10)
    day.delete()
    assert get_calendar().add(start, 3, HOURS) == at(3, 9, 10)


@pytest.mark.django_db
def test_a_change_made_by_another_process_is_noticed():
    assert get_calendar().add(at(3, 6, 16), 3, HOURS) == at(3, 9, 10)
    # queryset.update() sends no signal, like an edit made in another process.
    WorkingWindow.objects.filter(start=time(8, 30)).update(start=time(9), updated_at=timezone.now())
    assert get_calendar().add(at(3, 6, 16), 3, HOURS) == at(3, 9, 10, 30)


@pytest.mark.django_db
def test_edited_window_changes_the_deadline():
    window = WorkingWindow.objects.get(start=time(13, 30))
    window.start = time(14)
    window.save()
    assert get_calendar().add(at(3, 2, 11), 2, HOURS) == at(3, 2, 15)


@pytest.mark.django_db
def test_window_validation():
    with pytest.raises(ValidationError):
        WorkingWindow(start=time(11), end=time(14)).full_clean()  # overlaps both defaults
    with pytest.raises(ValidationError):
        WorkingWindow(start=time(19), end=time(18)).full_clean()
    WorkingWindow(start=time(18), end=time(20)).full_clean()


@pytest.mark.django_db
def test_seeding_is_idempotent_and_leaves_admin_rows_alone():
    CalendarDay.objects.filter(date=date(2026, 2, 16)).update(
        source=CalendarDay.Source.ADMIN, name="春节（本市）"
    )
    CalendarDay.objects.filter(date=date(2026, 10, 1)).delete()
    stale = CalendarDay.objects.create(
        date=date(2026, 3, 3), is_working=False, name="旧数据", source=CalendarDay.Source.SEEDED
    )

    report = seed_calendar([2026])
    assert (report.created, report.deleted, report.kept_admin) == (1, 1, 1)
    assert CalendarDay.objects.get(date=date(2026, 2, 16)).name == "春节（本市）"
    assert CalendarDay.objects.get(date=date(2026, 10, 1)).name == "国庆节"
    assert not CalendarDay.objects.filter(pk=stale.pk).exists()

    again = seed_calendar([2026])
    assert (again.created, again.updated, again.deleted) == (0, 0, 0)


@pytest.mark.django_db
def test_seed_command_reports_a_year_the_package_lacks():
    out = StringIO()
    call_command("seed_calendar", "2026", "2027", stdout=out)
    assert "2027" in out.getvalue() and "未导入" in out.getvalue()
    assert not CalendarDay.objects.filter(date__year=2027).exists()
