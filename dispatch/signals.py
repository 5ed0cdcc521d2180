"""Signals of the dispatch layer, for the layers above it (docs/architecture.md)."""

from django.dispatch import Signal

# Sent after a year's holidays and 调休 days were entered (dispatch.calendar.enter_year), inside its
# transaction,
# with year, before (the WorkingCalendar as it was) and actor. cases recomputes the open deadlines.
calendar_year_entered = Signal()
