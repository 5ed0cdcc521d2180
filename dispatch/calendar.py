"""The working calendar and the clock math every time limit uses (docs/domain.md §6).

Working days are Monday–Friday, minus the statutory holidays, plus the make-up working weekends (调休);
`CalendarDay` rows are the exceptions to the Monday–Friday default. Working time is the time inside the
working windows (`WorkingWindow`, by default 08:30–12:00 and 13:30–17:30) of working days.

Conventions (tests/dispatch/test_calendar*.py pin them down):

- The clock of a working unit starts at the *normalized start*: the start itself when it falls inside
  a window of a working day, otherwise the next window's start. Windows are half-open for starting:
  work that starts at 12:00 or 17:30 starts at 13:30 or 08:30 the next working day.
- A deadline is the earliest moment at which the amount has elapsed, so windows are closed for ending:
  work that runs out exactly at 12:00 is due at 12:00, not at 13:30. A working-unit deadline is never
  outside a window or on a non-working day. add(start, 0, unit) is the normalized start.
- Working days: N whole working days end at the normalized start's clock time on the N-th working day
  after it (docs/domain.md §6); a fractional part is then added as that share of a working day's minutes
  (0.5 working days = 225 working minutes with the default windows).
- elapsed() in working days is working minutes / working minutes per day, so elapsed(start,
  add(start, n, unit), unit) == n for every unit. Amounts are rounded to whole seconds when added.
- Natural hours are plain elapsed time (urgent cases, docs/domain.md §6).

Everything runs on local wall-clock time (settings.TIME_ZONE, Asia/Shanghai). Inputs must be aware;
outputs are aware in the calendar's zone. Asia/Shanghai has had no DST since 1991, which is what makes
wall-clock day arithmetic exact here.
"""

from __future__ import annotations

import logging
import threading
import time as monotonic_time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db import models
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

US_PER_SECOND = 1_000_000
US_PER_MINUTE = 60 * US_PER_SECOND
US_PER_HOUR = 60 * US_PER_MINUTE
US_PER_DAY = 24 * US_PER_HOUR

DEFAULT_WINDOWS: tuple[tuple[time, time], ...] = ((time(8, 30), time(12, 0)), (time(13, 30), time(17, 30)))

# A limit that cannot find a working minute within this many days means a broken calendar (no windows,
# every day a holiday); fail loudly rather than loop for ever.
MAX_SCAN_DAYS = 366 * 20


class Unit(models.TextChoices):
    WORKING_MINUTES = "working_minutes", _("工作分钟")
    WORKING_HOURS = "working_hours", _("工作时")
    WORKING_DAYS = "working_days", _("工作日")
    NATURAL_HOURS = "natural_hours", _("自然小时")

    @property
    def is_working(self) -> bool:
        return self != Unit.NATURAL_HOURS


Amount = Decimal | int | float | str


def to_decimal(amount: Amount) -> Decimal:
    # str() first: Decimal(0.1) would carry the float's binary noise into the deadline.
    return amount if isinstance(amount, Decimal) else Decimal(str(amount))


def _round_to_second(us: Decimal) -> int:
    return int((us / US_PER_SECOND).to_integral_value(ROUND_HALF_UP)) * US_PER_SECOND


def _us(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * US_PER_SECOND + delta.microseconds


def _offset(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * US_PER_SECOND + t.microsecond


def _normalize_windows(windows: Iterable[tuple[time, time]]) -> tuple[tuple[int, int], ...]:
    spans = sorted((_offset(start), _offset(end)) for start, end in windows)
    if not spans:
        raise ValueError("a working calendar needs at least one working window")
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if start >= end:
            raise ValueError(f"working window {start}–{end} must start before it ends")
        if merged and start < merged[-1][1]:
            raise ValueError("working windows overlap")
        if merged and start == merged[-1][1]:
            # Touching windows (12:00–12:00) are one window: otherwise 12:00 would be both a deadline
            # and a start that jumps to the next window.
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return tuple(merged)


class WorkingCalendar:
    """Working days and windows as plain data; all clock math. Build with `get_calendar()` in app code.

    `holidays` are dates that are not working days (a weekday holiday, a local holiday), `workdays` are
    dates that are (a 调休 weekend); every other date follows Monday–Friday.
    """

    def __init__(
        self,
        *,
        holidays: Iterable[date] = (),
        workdays: Iterable[date] = (),
        windows: Iterable[tuple[time, time]] = DEFAULT_WINDOWS,
        tz: tzinfo | str = "Asia/Shanghai",
        names: Mapping[date, str] | None = None,
    ) -> None:
        self.tz = ZoneInfo(tz) if isinstance(tz, str) else tz
        self._overrides: dict[date, bool] = {day: False for day in holidays}
        for day in workdays:
            if day in self._overrides:
                raise ValueError(f"{day} is listed both as a holiday and as a working day")
            self._overrides[day] = True
        self._windows = _normalize_windows(windows)
        self.day_us = sum(end - start for start, end in self._windows)
        self.names = dict(names or {})

    # ---- days and windows -------------------------------------------------------------------------

    @property
    def windows(self) -> tuple[tuple[time, time], ...]:
        midnight = datetime.combine(date.min, time())
        return tuple(
            ((midnight + timedelta(microseconds=s)).time(), (midnight + timedelta(microseconds=e)).time())
            for s, e in self._windows
        )

    @property
    def working_minutes_per_day(self) -> Decimal:
        return Decimal(self.day_us) / US_PER_MINUTE

    def is_working_day(self, day: date) -> bool:
        return self._overrides.get(day, day.weekday() < 5)

    def next_working_day(self, day: date, n: int = 1) -> date:
        """The n-th working day after `day` (n ≥ 1; `day` itself is not counted)."""
        for _step in range(MAX_SCAN_DAYS):
            day += timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
                if n <= 0:
                    return day
        raise ValueError(f"no working day within {MAX_SCAN_DAYS} days of {day}: check the calendar")

    # ---- the public clock -------------------------------------------------------------------------

    def add(self, start: datetime, amount: Amount, unit: Unit | str) -> datetime:
        """The deadline `amount` units after `start` (see the module docstring for the conventions)."""
        unit = Unit(unit)
        value = to_decimal(amount)
        if value < 0:
            raise ValueError("a time limit cannot be negative")
        if unit == Unit.NATURAL_HOURS:
            delta = timedelta(microseconds=_round_to_second(value * US_PER_HOUR))
            return (start.astimezone(UTC) + delta).astimezone(self.tz)
        cursor = self._normalized(self._local(start))
        if unit == Unit.WORKING_DAYS:
            whole = int(value)
            if whole:
                day = self.next_working_day(cursor.date(), whole)
                cursor = datetime.combine(day, cursor.time())
            work_us = _round_to_second((value - whole) * self.day_us)
        else:
            per_unit = US_PER_MINUTE if unit == Unit.WORKING_MINUTES else US_PER_HOUR
            work_us = _round_to_second(value * per_unit)
        if work_us:
            cursor = self._add_work(cursor, work_us)
        return cursor.replace(tzinfo=self.tz)

    def elapsed(self, start: datetime, end: datetime, unit: Unit | str) -> Decimal:
        """Time from `start` to `end` in `unit`, as an exact Decimal; negative when `end` is earlier.

        Working units count only time inside windows of working days; working days are working minutes
        divided by the working minutes of one day (7.5 h with the default windows).
        """
        unit = Unit(unit)
        if end < start:
            return -self.elapsed(end, start, unit)
        if unit == Unit.NATURAL_HOURS:
            return Decimal(_us(end - start)) / US_PER_HOUR
        work_us = self._work_between(self._local(start), self._local(end))
        per_unit = {
            Unit.WORKING_MINUTES: US_PER_MINUTE,
            Unit.WORKING_HOURS: US_PER_HOUR,
            Unit.WORKING_DAYS: self.day_us,
        }[unit]
        return Decimal(work_us) / per_unit

    def remaining(self, now: datetime, due_at: datetime, unit: Unit | str) -> Decimal:
        """Time left until `due_at` in `unit`: negative by the overdue amount once it has passed."""
        return self.elapsed(now, due_at, unit)

    # ---- wall-clock internals (naive local datetimes) ---------------------------------------------

    def _local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("the working calendar needs timezone-aware datetimes")
        return moment.astimezone(self.tz).replace(tzinfo=None)

    def _day_spans(self, day: date) -> tuple[tuple[int, int], ...]:
        return self._windows if self.is_working_day(day) else ()

    def _normalized(self, moment: datetime) -> datetime:
        """`moment` if the clock is running then, else the start of the next window of a working day."""
        day = moment.date()
        offset = _us(moment - datetime.combine(day, time()))
        for span_start, span_end in self._day_spans(day):
            if offset < span_start:
                return datetime.combine(day, time()) + timedelta(microseconds=span_start)
            if offset < span_end:
                return moment
        first = self._windows[0][0]
        return datetime.combine(self.next_working_day(day), time()) + timedelta(microseconds=first)

    def _add_work(self, cursor: datetime, work_us: int) -> datetime:
        """The earliest moment ≥ cursor with `work_us` (> 0) of working time since cursor."""
        day = cursor.date()
        offset = _us(cursor - datetime.combine(day, time()))
        for _step in range(MAX_SCAN_DAYS):
            spans = self._day_spans(day)
            if spans and offset <= spans[0][0] and work_us > self.day_us:
                work_us -= self.day_us  # a whole working day: skip it without looking at its windows
            else:
                for span_start, span_end in spans:
                    begin = max(span_start, offset)
                    available = span_end - begin
                    if available <= 0:
                        continue
                    if work_us <= available:
                        return datetime.combine(day, time()) + timedelta(microseconds=begin + work_us)
                    work_us -= available
            day += timedelta(days=1)
            offset = 0
        raise ValueError(f"no working time within {MAX_SCAN_DAYS} days of {cursor}: check the calendar")

    def _work_between(self, start: datetime, end: datetime) -> int:
        """Working microseconds in [start, end] (start ≤ end), one step per calendar day."""
        first, last = start.date(), end.date()
        start_off = _us(start - datetime.combine(first, time()))
        end_off = _us(end - datetime.combine(last, time()))
        total = 0
        day = first
        while day <= last:
            lo = start_off if day == first else 0
            hi = end_off if day == last else US_PER_DAY
            if lo == 0 and hi == US_PER_DAY:
                total += self.day_us if self.is_working_day(day) else 0
            else:
                for span_start, span_end in self._day_spans(day):
                    total += max(0, min(span_end, hi) - max(span_start, lo))
            day += timedelta(days=1)
        return total


# ---- the calendar from the database, cached per process -------------------------------------------


@dataclass
class _Cached:
    calendar: WorkingCalendar
    fingerprint: tuple
    checked_at: float
    # Built or checked inside a transaction: what it saw may still roll back (in tests it always does),
    # so every call re-checks the fingerprint until a check made outside a transaction confirms it.
    provisional: bool


# Other processes (the Celery worker, other web workers) learn of admin edits through the fingerprint
# check; the signal handlers in dispatch.models make the editing process see them at once. LocMemCache,
# the demo default, is per process, so a version counter in the Django cache would not reach them.
RECHECK_SECONDS = 5.0
_lock = threading.Lock()
_cached: _Cached | None = None
_dirty = True


def invalidate_calendar() -> None:
    """Forget the cached calendar; called when a CalendarDay or WorkingWindow is saved or deleted."""
    global _dirty
    _dirty = True
    from django.core.cache import cache

    try:
        cache.delete(WARNING_CACHE_KEY)
    except Exception:  # a dead Redis must not stop an admin from saving a holiday
        logger.warning("could not drop the cached calendar warning", exc_info=True)


def _fingerprint() -> tuple:
    from django.db.models import Count, Max

    from dispatch.models import CalendarDay, WorkingWindow

    days = CalendarDay.objects.aggregate(n=Count("id"), m=Max("updated_at"))
    windows = WorkingWindow.objects.aggregate(n=Count("id"), m=Max("updated_at"))
    return (days["n"], days["m"], windows["n"], windows["m"])


def load_calendar() -> WorkingCalendar:
    """A fresh WorkingCalendar from the CalendarDay and WorkingWindow tables."""
    from django.conf import settings

    from dispatch.models import CalendarDay, WorkingWindow

    holidays, workdays, names = [], [], {}
    for day, is_working, name in CalendarDay.objects.values_list("date", "is_working", "name"):
        (workdays if is_working else holidays).append(day)
        names[day] = name
    windows = list(WorkingWindow.objects.values_list("start", "end"))
    if not windows:
        # An admin deleted every window: keep the clocks running on the defaults rather than fail
        # every case.
        logger.warning("no working windows configured: using the defaults 08:30–12:00, 13:30–17:30")
        windows = list(DEFAULT_WINDOWS)
    return WorkingCalendar(
        holidays=holidays, workdays=workdays, windows=windows, tz=settings.TIME_ZONE, names=names
    )


def get_calendar() -> WorkingCalendar:
    """The current calendar. Cheap to call; still, take it once per request or batch, not per row."""
    global _cached, _dirty
    from django.db import connection

    now = monotonic_time.monotonic()
    cached = _cached
    if cached and not _dirty and not cached.provisional and now - cached.checked_at < RECHECK_SECONDS:
        return cached.calendar
    with _lock:
        fingerprint = _fingerprint()
        if _cached is None or _dirty or fingerprint != _cached.fingerprint:
            _dirty = False
            _cached = _Cached(load_calendar(), fingerprint, now, connection.in_atomic_block)
        else:
            _cached.checked_at = now
            _cached.provisional = connection.in_atomic_block
        return _cached.calendar


def add(start: datetime, amount: Amount, unit: Unit | str) -> datetime:
    return get_calendar().add(start, amount, unit)


def elapsed(start: datetime, end: datetime, unit: Unit | str) -> Decimal:
    return get_calendar().elapsed(start, end, unit)


def remaining(now: datetime, due_at: datetime, unit: Unit | str) -> Decimal:
    return get_calendar().remaining(now, due_at, unit)


# ---- seeding from the chinese_calendar package ----------------------------------------------------

SEED_YEARS = range(2024, 2028)
WORKDAY_NAME = "调休上班"


@dataclass
class SeedReport:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    kept_admin: int = 0
    years: list[int] | None = None
    missing_years: list[int] | None = None


def package_years() -> set[int]:
    """Years the installed chinese_calendar package has the State Council arrangement for."""
    import chinese_calendar

    return {day.year for day in chinese_calendar.holidays}


def package_overrides(year: int) -> dict[date, tuple[bool, str]]:
    """The exceptions to Monday–Friday in `year`, as the package has them: date → (is_working, name).

    Weekend holidays are not exceptions (a Saturday is off anyway), so they are left out.
    """
    import chinese_calendar
    from chinese_calendar.constants import Holiday

    def chinese(english: str) -> str:
        try:
            return Holiday(english).chinese
        except ValueError:
            return english

    overrides: dict[date, tuple[bool, str]] = {}
    for day, english in chinese_calendar.holidays.items():
        if day.year == year and day.weekday() < 5:
            overrides[day] = (False, chinese(english))
    for day, english in chinese_calendar.workdays.items():
        if day.year == year and day.weekday() >= 5:
            overrides[day] = (True, f"{WORKDAY_NAME}（{chinese(english)}）")
    return overrides


def seed_calendar(years: Iterable[int] = SEED_YEARS, *, model=None) -> SeedReport:
    """Write the package's holidays and 调休 days for `years` into CalendarDay. Idempotent.

    Rows an admin created or edited (source=admin) are never touched; seeded rows the package no
    longer lists (a corrected arrangement) are removed. Years the package does not cover are reported
    in `missing_years` and left alone: their dates are published by the State Council each November
    and must not be guessed. `model` lets a data migration pass its historical model.
    """
    if model is None:
        from dispatch.models import CalendarDay as model

    covered = package_years()
    report = SeedReport(years=[], missing_years=[])
    for year in years:
        if year not in covered:
            report.missing_years.append(year)
            continue
        report.years.append(year)
        wanted = package_overrides(year)
        existing = {row.date: row for row in model.objects.filter(date__year=year)}
        for day, row in existing.items():
            if row.source == "admin":
                report.kept_admin += 1
            elif day not in wanted:
                row.delete()
                report.deleted += 1
        for day, (is_working, name) in sorted(wanted.items()):
            row = existing.get(day)
            if row is None:
                model.objects.create(date=day, is_working=is_working, name=name, source="seeded")
                report.created += 1
            elif row.source != "admin" and (row.is_working, row.name) != (is_working, name):
                row.is_working, row.name = is_working, name
                row.save(update_fields=["is_working", "name", "updated_at"])
                report.updated += 1
    return report


# ---- how far the calendar is known, and entering a new year (issue #24.3) -------------------------


def known_until(calendar: WorkingCalendar | None = None) -> date | None:
    """The calendar's last known day: 31 December of the last year that has its holidays entered.

    A year counts as entered once it has a holiday row: every State Council arrangement has weekday
    holidays (元旦 alone falls on a weekday in most years, and 春节 always covers some). Past that day,
    every weekday counts as a working day, which is wrong around 元旦 and 春节: deadlines there are
    provisional (`is_provisional`) until the year is entered.
    """
    calendar = calendar or get_calendar()
    years = [day.year for day, working in calendar._overrides.items() if not working]
    return date(max(years), 12, 31) if years else None


def is_provisional(deadline: datetime | None, calendar: WorkingCalendar | None = None) -> bool:
    """A deadline past the calendar's last known day may move once that year's holidays are entered."""
    if deadline is None:
        return False
    calendar = calendar or get_calendar()
    last = known_until(calendar)
    return last is None or deadline.astimezone(calendar.tz).date() > last


def days_left(today: date, calendar: WorkingCalendar | None = None) -> int | None:
    """Days from `today` to the last known day (0 on that day, negative past it); None: nothing known."""
    last = known_until(calendar)
    return None if last is None else (last - today).days


def calendar_warning(today: date, calendar: WorkingCalendar | None = None) -> str | None:
    """The warning /healthz, the admin and the supervisors' dashboard show, from
    settings.CALENDAR_WARN_DAYS (60) days before the last known day; None while there is time."""
    from django.conf import settings
    from django.utils.translation import gettext

    left = days_left(today, calendar)
    if left is None:
        return gettext("工作日历中没有任何节假日：所有期限均按周一至周五计算，请录入节假日安排")
    if left > settings.CALENDAR_WARN_DAYS:
        return None
    last = known_until(calendar)
    if left < 0:
        return gettext("工作日历只到 %(last)s，已过期 %(days)d 天：请录入 %(year)d 年节假日安排") % {
            "last": last.isoformat(),
            "days": -left,
            "year": last.year + 1,
        }
    return gettext("工作日历只到 %(last)s（还剩 %(days)d 天）：请录入 %(year)d 年节假日安排") % {
        "last": last.isoformat(),
        "days": left,
        "year": last.year + 1,
    }


WARNING_CACHE_KEY = "cityops:calendar-warning"


def shown_calendar_warning(today: date) -> str | None:
    """calendar_warning() for the pages: kept in the cache for the day (or until the calendar changes,
    invalidate_calendar), so a supervisor's page costs no query for it."""
    from django.core.cache import cache

    try:
        cached = cache.get(WARNING_CACHE_KEY)
    except Exception:  # no cache: compute it (a page must not fail over a banner)
        return calendar_warning(today)
    if cached and cached[0] == today.isoformat():
        return cached[1] or None
    text = calendar_warning(today)
    try:
        cache.set(WARNING_CACHE_KEY, (today.isoformat(), text or ""), timeout=3600)
    except Exception:
        logger.warning("could not cache the calendar warning", exc_info=True)
    return text


@dataclass
class YearEntry:
    year: int
    created: int = 0
    updated: int = 0
    deleted: int = 0
    kept_admin: list[date] | None = None


def enter_year(year: int, days: Iterable, *, actor=None, model=None) -> YearEntry:
    """Replace `year`'s State Council arrangement with `days` (NoticeDay-like: date, is_working, name).

    Rows from the package or an earlier entry of the notice are replaced; rows an admin set by hand
    (local holidays, source=admin) are kept and listed. `calendar_year_entered` is sent in the same
    transaction with the calendar as it was, so the open deadlines computed across the year are
    recomputed with it (cases.timing.recompute_deadlines).
    """
    from django.db import transaction

    from dispatch.signals import calendar_year_entered

    if model is None:
        from dispatch.models import CalendarDay as model

    before = get_calendar()
    wanted = {d.date: d for d in days}
    entry = YearEntry(year=year, kept_admin=[])
    with transaction.atomic():
        existing = {row.date: row for row in model.objects.select_for_update().filter(date__year=year)}
        for day, row in existing.items():
            if row.source == "admin":
                if day in wanted:
                    entry.kept_admin.append(day)
            elif day not in wanted:
                row.delete()
                entry.deleted += 1
        for day, spec in sorted(wanted.items()):
            row = existing.get(day)
            if row is None:
                model.objects.create(date=day, is_working=spec.is_working, name=spec.name, source="notice")
                entry.created += 1
            elif row.source != "admin" and (row.is_working, row.name, row.source) != (
                spec.is_working,
                spec.name,
                "notice",
            ):
                row.is_working, row.name, row.source = spec.is_working, spec.name, "notice"
                row.save(update_fields=["is_working", "name", "source", "updated_at"])
                entry.updated += 1
        invalidate_calendar()
        logger.info("calendar year %s entered by %s: %s", year, actor, entry)
        # Inside the transaction: the recomputed deadlines commit with the year, or neither does.
        calendar_year_entered.send(sender=model, year=year, before=before, actor=actor)
    return entry
