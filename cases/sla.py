"""The SLA sweep: turns timed steps yellow (催办 reminder) and red (超期: an automatic 督办 event and
notices to the supervisors and the department) as they cross their thresholds.

It reads only steps whose `next_check_at` has passed (a partial index), claims them with
SKIP LOCKED, and flips each with an UPDATE guarded on the values it read, all in one transaction per
batch with the events and notifications. So two beats, a redelivered task or a crash mid-batch can
never write a threshold's event or notice twice, and never lose one: an uncommitted batch simply
stays due for the next sweep.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cases import events
from cases.models import Case, CaseEvent, Light, TimedStep
from cases.notifications import notify_step
from cases.signals import send_events_recorded
from cases.workflow import SYSTEM, Action

BATCH = 500


@dataclass
class SweepResult:
    yellow: int = 0
    red: int = 0
    batches: int = 0


def sweep(now: datetime | None = None, batch: int = BATCH) -> SweepResult:
    now = now or timezone.now()
    result = SweepResult()
    while True:
        with transaction.atomic():
            # The case row is claimed with its step: the services lock a case before its steps, so a
            # sweep that locked only the step and then updated the case (督办 count) could deadlock with
            # an action on that case. SKIP LOCKED on both: a case being acted on waits for the next sweep.
            due = list(
                TimedStep.objects.select_for_update(skip_locked=True, of=("self", "case"))
                .filter(next_check_at__lte=now)
                .select_related("case", "case__grid")
                .order_by("next_check_at", "id")[:batch]
            )
            if not due:
                return result
            result.batches += 1
            for timed in due:
                _flip(timed, now, result)
        if len(due) < batch:
            return result


def _flip(timed: TimedStep, now: datetime, result: SweepResult) -> None:
    new_light = Light.RED if now >= timed.due_at else Light.YELLOW
    changes = {"light": new_light, "next_check_at": timed.due_at if new_light == Light.YELLOW else None}
    changes["overdue_at" if new_light == Light.RED else "warned_at"] = now
    # Guarded on what we read: if anything moved the step meanwhile, this sweep leaves it alone.
    flipped = TimedStep.objects.filter(
        pk=timed.pk, light=timed.light, next_check_at=timed.next_check_at
    ).update(**changes)
    if not flipped:
        return
    for name, value in changes.items():
        setattr(timed, name, value)
    if new_light == Light.RED:
        result.red += 1
        _auto_supervise(timed, now)
    else:
        result.yellow += 1
    notify_step(timed, overdue=new_light == Light.RED)


def _auto_supervise(timed: TimedStep, now: datetime) -> None:
    """The system's 督办: the same event case_supervise writes, with the step that ran late."""
    case = timed.case
    event = CaseEvent.objects.create(
        case=case,
        action=Action.SUPERVISE.value,
        from_status=case.status,
        to_status=case.status,
        actor=None,
        actor_role=SYSTEM,
        at=now,
        note=f"{timed.get_step_display()}环节已超期（截止 {timezone.localtime(timed.due_at):%Y-%m-%d %H:%M}），系统自动督办",
        payload=events.supervised(automatic=True, step=timed.step, timed_step=timed.pk),
    )
    send_events_recorded([event])
    Case.objects.filter(pk=case.pk).update(supervise_count=F("supervise_count") + 1)
