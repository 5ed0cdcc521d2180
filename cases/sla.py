"""The SLA sweep: turns timed steps yellow (催办 reminder) and red (超期: an automatic 督办 event and
notices to the supervisors and the department) as they cross their thresholds.

It reads only steps whose `next_check_at` has passed (a partial index), claims a batch of them with
SKIP LOCKED, and writes the whole batch set-based: one UPDATE per light, one INSERT of the 督办
events, one UPDATE of the cases' 督办 counts, one INSERT of the notices — a handful of statements per
batch, whatever its size — in one transaction. The claimed rows stay locked until it commits, so two
beats, a redelivered task or a crash mid-batch can never write a threshold's event or notice twice,
and never lose one: an uncommitted batch simply stays due for the next sweep.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cases import events
from cases.models import Case, CaseEvent, Light, TimedStep
from cases.notifications import notify_steps, step_names
from cases.signals import send_events_recorded
from cases.workflow import SYSTEM, Action

BATCH = 500
_COLUMNS = (
    *("step", "due_at", "warn_at", "next_check_at", "light", "case"),
    *(f"case__{f}" for f in ("status", "number", "category_name", "address", "grid", "department")),
    *("case__verify_inspector", "case__grid__code"),
)


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
                # Only what the flip, the 督办 event and the notices read: a batch is 500 rows × 3 models.
                .only(*_COLUMNS)
                .order_by("next_check_at", "id")[:batch]
            )
            if not due:
                return result
            result.batches += 1
            _flip(due, now, result)
        if len(due) < batch:
            return result


def _flip(due: list[TimedStep], now: datetime, result: SweepResult) -> None:
    """Flip a claimed batch. Its rows are locked (FOR UPDATE) until the transaction ends, so what was
    read is what is written over: no per-row guard is needed."""
    red = [timed for timed in due if now >= timed.due_at]
    yellow = [timed for timed in due if now < timed.due_at]
    if yellow:
        TimedStep.objects.filter(pk__in=[t.pk for t in yellow]).update(
            light=Light.YELLOW, next_check_at=F("due_at"), warned_at=now
        )
        for timed in yellow:
            timed.light, timed.next_check_at, timed.warned_at = Light.YELLOW, timed.due_at, now
    if red:
        TimedStep.objects.filter(pk__in=[t.pk for t in red]).update(
            light=Light.RED, next_check_at=None, overdue_at=now
        )
        for timed in red:
            timed.light, timed.next_check_at, timed.overdue_at = Light.RED, None, now
        _auto_supervise(red, now)
    result.yellow += len(yellow)
    result.red += len(red)
    notify_steps(warned=yellow, overdue=red)


def _auto_supervise(red: list[TimedStep], now: datetime) -> None:
    """The system's 督办, one per step that ran late: the same event case_supervise writes."""
    names = step_names()
    written = CaseEvent.objects.bulk_create(
        CaseEvent(
            case=timed.case,
            action=Action.SUPERVISE.value,
            from_status=timed.case.status,
            to_status=timed.case.status,
            actor=None,
            actor_role=SYSTEM,
            at=now,
            note=f"{names[timed.step]}环节已超期（截止 {timezone.localtime(timed.due_at):%Y-%m-%d %H:%M}），系统自动督办",
            payload=events.supervised(automatic=True, step=timed.step, timed_step=timed.pk),
        )
        for timed in red
    )
    send_events_recorded(written)
    # One UPDATE per distinct increment (almost always just one: a case has one running step).
    by_increment = defaultdict(list)
    for case_id, count in Counter(timed.case_id for timed in red).items():
        by_increment[count].append(case_id)
    for count, case_ids in by_increment.items():
        Case.objects.filter(pk__in=case_ids).update(supervise_count=F("supervise_count") + count)
