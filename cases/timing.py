"""The clock of each case: timed steps start, pause, resume, extend and finish as the case moves.

Called by the services inside their transaction, so a step's record always agrees with the case's
state. Deadlines come from dispatch.time_limits (resolved once, at the step's start) and the working
calendar; the light flips are the SLA sweep's (cases/sla.py), except when an action itself moves a
deadline (extension, resume), which re-plans the thresholds here.
"""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from cases.models import Case, Light, TimedStep
from cases.workflow import STEP_FOR_STATUS, Action
from dispatch.calendar import Unit, WorkingCalendar, get_calendar
from dispatch.models import Step
from dispatch.time_limits import resolve_limit

YELLOW_AT = Decimal("0.8")  # share of the limit used when the light turns yellow (docs/domain.md §6)


def on_change(case: Case, *, action: str, from_status: str, now: datetime, extension_hours=None) -> None:
    # The calendar is fetched only by branches that move a clock: notes, requests and callbacks
    # (most actions that keep the state) need no calendar check at all.
    if action == Action.APPROVE_SUSPENSION:
        _pause(case, now, get_calendar())
    elif action == Action.RESUME:
        _resume(case, now, get_calendar())
    elif action == Action.APPROVE_EXTENSION:
        _extend(case, now, Decimal(str(extension_hours)), get_calendar())
    elif case.status != from_status:
        finish_open_steps(case, now)
        start_step(case, now)


def start_step(case: Case, now: datetime, calendar: WorkingCalendar | None = None) -> TimedStep | None:
    step = STEP_FOR_STATUS.get(case.status)
    if step is None:
        return None
    calendar = calendar or get_calendar()
    limit = resolve_limit(step, case.category, case.urgency, case.variant, street=case.street_id)
    timed = TimedStep(
        case=case,
        step=step,
        started_at=now,
        limit_amount=limit.amount,
        limit_unit=limit.unit.value,
        rule_text=limit.describe()[:300],
    )
    _plan(timed, now, limit.amount, calendar)
    timed.save()
    return timed


def finish_open_steps(case: Case, now: datetime) -> None:
    for timed in TimedStep.objects.filter(case=case, finished_at__isnull=True):
        timed.finished_at = now
        # A paused step cannot run late; otherwise on time means finished by the deadline.
        timed.on_time = timed.light != Light.RED if timed.paused_at else now <= timed.due_at
        timed.next_check_at = None
        timed.save(update_fields=["finished_at", "on_time", "next_check_at"])


def _open_dispose(case: Case) -> TimedStep | None:
    return (
        TimedStep.objects.filter(case=case, step=Step.DISPOSE, finished_at__isnull=True)
        .order_by("-id")
        .first()
    )


def _total(timed: TimedStep) -> Decimal:
    return Decimal(timed.limit_amount) + Decimal(timed.extended_amount)


def _plan(timed: TimedStep, now: datetime, remaining: Decimal, calendar: WorkingCalendar) -> None:
    """Set due_at, warn_at, the light and next_check_at from `remaining` time left at `now`."""
    unit = Unit(timed.limit_unit)
    timed.due_at = calendar.add(now, max(remaining, Decimal(0)), unit)
    before_warning = remaining - _total(timed) * (1 - YELLOW_AT)
    timed.warn_at = calendar.add(now, before_warning, unit) if before_warning > 0 else now
    if remaining <= 0:
        timed.light, timed.next_check_at = Light.RED, None
    elif before_warning <= 0:
        timed.light, timed.next_check_at = Light.YELLOW, timed.due_at
    else:
        timed.light, timed.next_check_at = Light.GREEN, timed.warn_at


def _pause(case: Case, now: datetime, calendar: WorkingCalendar) -> None:
    timed = _open_dispose(case)
    if timed is None or timed.paused_at:
        return
    timed.remaining_at_pause = calendar.remaining(now, timed.due_at, timed.limit_unit)
    timed.paused_at = now
    timed.next_check_at = None
    timed.save(update_fields=["remaining_at_pause", "paused_at", "next_check_at"])


def _resume(case: Case, now: datetime, calendar: WorkingCalendar) -> None:
    timed = _open_dispose(case)
    if timed is None or not timed.paused_at:
        return
    previous_light = timed.light
    _plan(timed, now, Decimal(timed.remaining_at_pause), calendar)
    timed.light = _keep_worst(previous_light, timed.light)
    timed.paused_at = None
    timed.remaining_at_pause = None
    timed.save(
        update_fields=["due_at", "warn_at", "light", "next_check_at", "paused_at", "remaining_at_pause"]
    )


def _extend(case: Case, now: datetime, hours: Decimal, calendar: WorkingCalendar) -> None:
    """An approved 延期 adds working time to the running 处置 deadline."""
    timed = _open_dispose(case)
    if timed is None:
        return
    unit = Unit(timed.limit_unit)
    timed.extended_amount = Decimal(timed.extended_amount) + _hours_in(unit, hours, calendar)
    remaining = calendar.remaining(now, calendar.add(timed.due_at, hours, Unit.WORKING_HOURS), unit)
    _plan(timed, now, remaining, calendar)
    timed.save(update_fields=["extended_amount", "due_at", "warn_at", "light", "next_check_at"])


def _hours_in(unit: Unit, hours: Decimal, calendar: WorkingCalendar) -> Decimal:
    if unit == Unit.WORKING_MINUTES:
        return hours * 60
    if unit == Unit.WORKING_DAYS:
        return hours * 60 / calendar.working_minutes_per_day
    return hours


def _keep_worst(before: str, after: str) -> str:
    """A step that was already overdue stays red: resuming must not wash out a missed deadline."""
    order = [Light.GREEN, Light.YELLOW, Light.RED]
    return max(before, after, key=lambda light: order.index(Light(light)))


def remaining(timed: TimedStep, now: datetime, calendar: WorkingCalendar | None = None) -> Decimal:
    """Time left in the step's unit (negative when overdue); frozen while paused."""
    if timed.finished_at:
        return Decimal(0)
    if timed.paused_at:
        return Decimal(timed.remaining_at_pause)
    return (calendar or get_calendar()).remaining(now, timed.due_at, timed.limit_unit)


def recompute_deadlines(*, year: int, before: WorkingCalendar, now: datetime | None = None, **_kw) -> int:
    """Re-plan the running deadlines that reach into `year`, after its holidays were entered (#24.3).

    A deadline that ends before 1 January of `year` never looked at its days and stays. For the others,
    the time left at `now` is measured on the calendar they were computed with (`before`) and laid out
    again on the new one, so pauses and extensions already applied keep their effect. Paused steps keep
    their stored remaining time and get new deadlines when they resume. Returns the number re-planned.
    """
    now = now or timezone.now()
    calendar = get_calendar()
    year_start = datetime(year, 1, 1, tzinfo=ZoneInfo(str(calendar.tz)))
    changed = 0
    running = TimedStep.objects.select_for_update(no_key=True).filter(
        finished_at__isnull=True, paused_at__isnull=True, due_at__gte=year_start
    )
    for timed in running:
        since = max(now, timed.started_at)
        left = before.remaining(since, timed.due_at, timed.limit_unit)
        if left <= 0:
            continue  # already overdue: the missed deadline stands
        previous = (timed.due_at, timed.light)
        _plan(timed, since, left, calendar)
        timed.light = _keep_worst(previous[1], timed.light)
        if (timed.due_at, timed.light) != previous:
            timed.save(update_fields=["due_at", "warn_at", "light", "next_check_at"])
            changed += 1
    return changed
