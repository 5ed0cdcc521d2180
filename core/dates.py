"""Local calendar days as instants: the one place that turns dates into the bounds the queries use."""

import datetime as dt

from django.utils import timezone


def local_days(first: dt.date, last: dt.date | None = None) -> tuple[dt.datetime, dt.datetime]:
    """[first 00:00, the day after `last` 00:00) in the current time zone (Asia/Shanghai): every instant
    of the local days first..last (or of `first` alone), half-open so a query uses >= and <."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    return start, dt.datetime.combine((last or first) + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
