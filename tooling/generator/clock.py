"""Time for synthetic histories: working-time arithmetic on the district's calendar (docs/domain.md §6).

The centre works in the calendar's windows (by default 08:30–12:00 and 13:30–17:30) on its working
days (statutory holidays and 调休 make-up days from dispatch.calendar), so a report phoned in at 21:00
on a Saturday is accepted on Monday morning, and a two-working-hour wait that starts at 16:45 ends the
next working morning.

dispatch.calendar.WorkingCalendar does this math exactly, one call at a time; the generator makes tens
of millions of such steps, so it keeps prefix sums of working minutes per day over the period and
answers in O(log days). Times are naive local datetimes inside the generator; the writer attaches
the zone.
"""

import datetime as dt
from bisect import bisect_right

from dispatch.calendar import WorkingCalendar


def _minutes(t: dt.time) -> float:
    return t.hour * 60 + t.minute + t.second / 60


class WorkClock:
    """Working-minute arithmetic over a span of days, by prefix sums: O(log days) per step."""

    def __init__(self, first: dt.date, last: dt.date, calendar: WorkingCalendar):
        self.first = first
        self.days = (last - first).days + 1
        self.windows = tuple((_minutes(start), _minutes(end)) for start, end in calendar.windows)
        self.day_minutes = sum(end - start for start, end in self.windows)
        self.workdays = [calendar.is_working_day(first + dt.timedelta(days=k)) for k in range(self.days)]
        cumulative = [0.0]
        for working in self.workdays:
            cumulative.append(cumulative[-1] + (self.day_minutes if working else 0))
        self._before = cumulative  # working minutes before day k starts

    def is_workday(self, day: dt.date) -> bool:
        k = (day - self.first).days
        return self.workdays[k] if 0 <= k < self.days else day.weekday() < 5

    def to_work(self, t: dt.datetime) -> float:
        """Working minutes from the first day's midnight to `t`."""
        k = (t.date() - self.first).days
        if k < 0:
            return 0.0
        if k >= self.days:
            return self._before[-1] + (k - self.days + 1) * self.day_minutes  # past the span: any later
        if not self.workdays[k]:
            return self._before[k]
        minute = t.hour * 60 + t.minute + (t.second + t.microsecond / 1e6) / 60
        inside = sum(max(0.0, min(minute, end) - start) for start, end in self.windows)
        return self._before[k] + inside

    def from_work(self, w: float) -> dt.datetime:
        """The moment at which `w` working minutes have passed; a window's end maps to the next start."""
        k = bisect_right(self._before, w) - 1
        if k >= self.days:  # beyond the span: the caller only needs "later than the end"
            return dt.datetime.combine(self.first + dt.timedelta(days=self.days + 1), dt.time(9))
        rest = w - self._before[k]
        for start, end in self.windows:
            if rest < end - start:
                minutes = start + rest
                break
            rest -= end - start
        else:  # pragma: no cover - bisect never lands on the last minute of a working day
            minutes = self.windows[-1][1]
        day = dt.datetime.combine(self.first + dt.timedelta(days=k), dt.time())
        return day + dt.timedelta(minutes=minutes)

    def add(self, t: dt.datetime, minutes: float) -> dt.datetime:
        """`t` plus `minutes` of working time; from outside a window it counts from the next start."""
        return self.from_work(self.to_work(t) + minutes)

    def elapsed(self, start: dt.datetime, end: dt.datetime) -> float:
        return self.to_work(end) - self.to_work(start)


# When each channel's reports arrive, as weights per hour of the day (0–23). Inspectors patrol in
# working hours; 12345 callers peak mid-morning and after dinner; cameras never sleep.
HOURLY = {
    "inspector": [0] * 8 + [3, 10, 10, 8, 1, 0, 8, 10, 9, 4] + [0] * 6,
    "hotline": [1, 0.5, 0.3, 0.3, 0.3, 0.6, 2, 5, 9, 11, 11, 9, 7, 7, 9, 9, 9, 8, 7, 8, 8, 6, 4, 2],
    "public": [1, 0.5, 0.3, 0.3, 0.3, 0.5, 2, 4, 6, 7, 7, 7, 8, 7, 6, 6, 6, 7, 8, 10, 10, 9, 6, 3],
    "video": [3] * 6 + [4, 5, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 5, 5, 4, 4, 3],
    "office": [0] * 8 + [2, 8, 8, 6, 1, 0, 6, 8, 7, 3] + [0] * 6,
}
