"""The timed steps a history leaves behind (cases/timing.py), and what the SLA sweep does to them
(cases/sla.py): the yellow light at warn_at, the red one at due_at with the system's 督办 event.

`Clockwork` follows one story. Each of its methods mirrors the timing function of the same name,
reusing timing's own planning helpers (_plan, _keep_worst, _hours_in) so thresholds are computed by
the same code; only the database lookups are replaced by the story's in-memory state. The sweep is
simulated as if it had run exactly at each threshold (the real one runs every minute).

The sweep's in-app notifications are not generated: a year of past reminders would only flood the
inboxes of the demo users.
"""

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

from cases import timing
from cases.models import Light, TimedStep
from cases.workflow import STEP_FOR_STATUS, Action
from dispatch.calendar import Unit, WorkingCalendar
from dispatch.models import Step, TimeLimitRule
from dispatch.time_limits import ResolvedLimit, resolve_limit

_STEP_LABELS = dict(TimedStep._meta.get_field("step").choices)


class Limit(NamedTuple):
    resolved: ResolvedLimit
    minutes: float  # the limit in working minutes, or natural minutes when `natural`
    natural: bool
    rule_text: str  # what TimedStep.rule_text stores (describe() is too slow to call per step)


class Limits:
    """resolve_limit per (step, category, urgency, variant), cached by what the answer depends on: a
    category without rules of its own shares the answer of its 大类 (see dispatch.time_limits)."""

    def __init__(self, categories: dict, calendar: WorkingCalendar):
        self.categories, self.calendar = categories, calendar
        self._cache: dict[tuple, Limit] = {}
        self._own_rules = set(
            TimeLimitRule.objects.filter(category__isnull=False, is_active=True).values_list(
                "category_id", flat=True
            )
        )
        # Streets with limits of their own (issue #24.5); every other street shares the district's answer.
        self._street_rules = set(
            TimeLimitRule.objects.filter(street__isnull=False, is_active=True).values_list(
                "street_id", flat=True
            )
        )
        day = float(calendar.working_minutes_per_day)
        self._per = {
            Unit.WORKING_MINUTES: 1.0,
            Unit.WORKING_HOURS: 60.0,
            Unit.WORKING_DAYS: day,
            Unit.NATURAL_HOURS: 60.0,
        }

    def get(
        self, step: str, category_id: int, urgency: str, variant: str, street_id: int | None = None
    ) -> Limit:
        category = self.categories[category_id]
        scope = category_id if category_id in self._own_rules else (category.kind, category.major_code)
        street_id = street_id if street_id in self._street_rules else None
        key = (step, scope, urgency, variant, street_id)
        if key not in self._cache:
            resolved = resolve_limit(step, category, urgency, variant, street=street_id)
            minutes = float(resolved.amount) * self._per[resolved.unit]
            natural = resolved.unit == Unit.NATURAL_HOURS
            self._cache[key] = Limit(resolved, minutes, natural, resolved.describe()[:300])
        return self._cache[key]


class Timed:
    """A TimedStep row before it has an id (attribute names are the model's)."""

    __slots__ = (
        "id", "step", "started_at", "limit_amount", "limit_unit", "rule_text", "due_at", "warn_at",
        "next_check_at", "light", "paused_at", "remaining_at_pause", "extended_amount", "warned_at",
        "overdue_at", "finished_at", "on_time",
    )  # fmt: skip

    def __init__(self, step: str, limit: Limit, now: dt.datetime):
        self.id = None
        self.step, self.started_at = step, now
        self.limit_amount, self.limit_unit = limit.resolved.amount, limit.resolved.unit.value
        self.rule_text = limit.rule_text
        self.paused_at = self.remaining_at_pause = self.warned_at = self.overdue_at = None
        self.finished_at = self.on_time = None
        self.extended_amount = Decimal(0)
        self.due_at = self.warn_at = self.next_check_at = None
        self.light = Light.GREEN.value


class Clockwork:
    """The timed steps of one story. Times in and out are naive local datetimes, as in the story."""

    __slots__ = ("limits", "calendar", "zone", "steps", "open")

    def __init__(self, limits: Limits, zone):
        self.limits, self.calendar, self.zone = limits, limits.calendar, zone
        self.steps: list[Timed] = []
        self.open: Timed | None = None

    # ------------------------------------------------------------------ timing.py

    def on_change(
        self, case: dict, action: str, from_status: str, now: dt.datetime, hours: str | None
    ) -> None:
        if action == Action.APPROVE_SUSPENSION:
            self._pause(now)
        elif action == Action.RESUME:
            self._resume(now)
        elif action == Action.APPROVE_EXTENSION:
            self._extend(now, Decimal(hours))
        elif case["status"] != from_status:
            self.finish_open_steps(now)
            self.start_step(case, now)

    def start_step(self, case: dict, now: dt.datetime) -> None:
        step = STEP_FOR_STATUS.get(case["status"])
        if step is None:
            return
        limit = self.limits.get(
            step, case["category_id"], case["urgency"], case["variant"], case.get("street_id")
        )
        timed = Timed(step, limit, now)
        self._plan(timed, now, timed.limit_amount)
        self.steps.append(timed)
        self.open = timed

    def finish_open_steps(self, now: dt.datetime) -> None:
        timed = self.open
        if timed is None:
            return
        timed.finished_at = now
        timed.on_time = timed.light != Light.RED if timed.paused_at else now <= timed.due_at
        timed.next_check_at = None
        self.open = None

    def _pause(self, now: dt.datetime) -> None:
        timed = self.open
        if timed is None or timed.step != Step.DISPOSE or timed.paused_at:
            return
        timed.remaining_at_pause = self.calendar.remaining(
            self._aware(now), self._aware(timed.due_at), timed.limit_unit
        )
        timed.paused_at, timed.next_check_at = now, None

    def _resume(self, now: dt.datetime) -> None:
        timed = self.open
        if timed is None or timed.step != Step.DISPOSE or not timed.paused_at:
            return
        previous = timed.light
        self._plan(timed, now, Decimal(timed.remaining_at_pause))
        timed.light = timing._keep_worst(previous, timed.light)
        timed.paused_at = timed.remaining_at_pause = None

    def _extend(self, now: dt.datetime, hours: Decimal) -> None:
        timed = self.open
        if timed is None or timed.step != Step.DISPOSE:
            return
        unit = Unit(timed.limit_unit)
        timed.extended_amount = Decimal(timed.extended_amount) + timing._hours_in(unit, hours, self.calendar)
        due = self.calendar.add(self._aware(timed.due_at), hours, Unit.WORKING_HOURS)
        self._plan(timed, now, self.calendar.remaining(self._aware(now), due, unit))

    def _plan(self, timed: Timed, now: dt.datetime, remaining: Decimal) -> None:
        timing._plan(timed, self._aware(now), remaining, self.calendar)
        timed.due_at, timed.warn_at = self._naive(timed.due_at), self._naive(timed.warn_at)
        timed.next_check_at = self._naive(timed.next_check_at) if timed.next_check_at else None
        timed.light = Light(timed.light).value

    # ------------------------------------------------------------------ sla.py

    def sweep(self, until: dt.datetime) -> list[Timed]:
        """Flip the open step's light for each threshold passed before `until`; the steps that turned red."""
        timed, reds = self.open, []
        while timed is not None and timed.next_check_at is not None and timed.next_check_at < until:
            now = timed.next_check_at
            red = now >= timed.due_at
            timed.light = Light.RED.value if red else Light.YELLOW.value
            timed.next_check_at = None if red else timed.due_at
            if red:
                timed.overdue_at = now
                reds.append(timed)
            else:
                timed.warned_at = now
        return reds

    @staticmethod
    def overdue_note(timed: Timed) -> str:
        """The sweep's wording for its automatic 督办 (cases/sla.py)."""
        return f"{_STEP_LABELS[timed.step]}环节已超期（截止 {timed.due_at:%Y-%m-%d %H:%M}），系统自动督办"

    # ------------------------------------------------------------------ zones

    def _aware(self, moment: dt.datetime) -> dt.datetime:
        return moment.replace(tzinfo=self.zone)

    def _naive(self, moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(self.zone).replace(tzinfo=None)
