"""The dates a KPI query may name, for the API (kpi/api.py, hotspots, reports) and the pages (kpi/web.py).

Outside them there are no cases (数字城管 began in 2004), and the period arithmetic (a week's Sunday,
the day before a period, the baseline windows before a hot-spot date) would step off Python's
calendar, which ends at years 1 and 9999: a 500 instead of an answer.
"""

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
