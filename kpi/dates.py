"""The dates a KPI query may name, for the API (kpi/api.py, hotspots, reports) and the pages (kpi/web.py).

Outside them there are no cases (数字城管 began in 2004), and the period arithmetic (a week's Sunday,
the day before a period, the baseline windows before a hot-spot date) would step off Python's
calendar, which ends at years 1 and 9999: a 500 instead of an answer.
"""

import calendar
import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

EARLIEST_DATE, LATEST_DATE = dt.date(2000, 1, 1), dt.date(2099, 12, 31)


def validate_kpi_date(value: dt.date) -> None:
    """A Django validator: forms and DRF serializers both turn it into a 400 naming the field."""
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        message = _("日期须在 %(earliest)s 至 %(latest)s 之间") % {
            "earliest": EARLIEST_DATE,
            "latest": LATEST_DATE,
        }
        raise ValidationError(message, code="date_range")


def assessment_bounds(kind: str, day: dt.date) -> tuple[dt.date, dt.date] | None:
    """The 考核 week (Monday–Sunday), 旬 (1–10, 11–20, 21–end) or month containing `day`."""
    if kind == "week":
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=6)
    last = calendar.monthrange(day.year, day.month)[1]
    if kind == "month":
        return day.replace(day=1), day.replace(day=last)
    if kind == "xun":
        first = 1 if day.day <= 10 else 11 if day.day <= 20 else 21
        return day.replace(day=first), day.replace(day={1: 10, 11: 20, 21: last}[first])
    return None


def is_assessment_period(start: dt.date, end: dt.date) -> bool:
    return any(assessment_bounds(kind, start) == (start, end) for kind in ("week", "xun", "month"))
