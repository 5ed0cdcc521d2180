"""The traffic light on its edges (docs/domain.md §6): yellow from 80 % of the limit used, red from
100 %, a step finished exactly at its deadline is on time. Each threshold is hit exactly, one second
before and one second after.

A case dispatched Monday 2026-11-16 09:00 gets the default 处置 limit, 3 working days = 1,350 working
minutes, due Thursday 11-19 09:00. 80 % is 1,080 minutes: Mon 09:00–12:00 (180) + 13:30–17:30 (240)
= 420, Tue 450 → 870, Wed 08:30 + 210 → Wednesday 11-18 12:00.
"""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cases import services as s
from cases import sla, timing
from cases.models import Case, CaseEvent, Light, Notification, TimedStep
from cases.sla import sweep
from dispatch.calendar import Unit, WorkingCalendar
from tests.cases.conftest import photo, report

SH = ZoneInfo("Asia/Shanghai")
SECOND = timedelta(seconds=1)
DISPATCHED = datetime(2026, 11, 16, 9, 0, tzinfo=SH)
WARN = datetime(2026, 11, 18, 12, 0, tzinfo=SH)
DUE = datetime(2026, 11, 19, 9, 0, tzinfo=SH)

pytestmark = pytest.mark.usefixtures("media_root", "fast_passwords")


def dispatched(world):
    p = world.p
    with time_machine.travel(DISPATCHED, tick=False):
        case = s.case_file(case=s.case_accept(case=report(world), actor=p.operator), actor=p.shift_leader)
        return s.case_dispatch(case=case, actor=p.dispatcher)


def dispose(case) -> TimedStep:
    return TimedStep.objects.get(case=case, step="dispose", finished_at__isnull=True)


def reminders(case) -> int:
    return Notification.objects.filter(kind="remind", case=case).count()


def automatic_supervisions(case) -> int:
    return CaseEvent.objects.filter(case=case, action="supervise", actor_role="system").count()


def test_the_dispose_step_is_planned_to_the_hand_computed_thresholds(world):
    step = dispose(dispatched(world))
    assert (step.warn_at, step.due_at, step.next_check_at) == (WARN, DUE, WARN)


def test_yellow_exactly_at_80_percent_not_a_second_before(world):
    case = dispatched(world)
    assert (sweep(now=WARN - SECOND).yellow, reminders(case)) == (0, 0)
    assert dispose(case).light == Light.GREEN
    assert sweep(now=WARN).yellow == 1
    step = dispose(case)
    assert (step.light, step.warned_at, step.next_check_at) == (Light.YELLOW, WARN, DUE)
    assert reminders(case) == 1


def test_red_exactly_at_the_deadline_with_one_reminder_and_one_supervision(world):
    case = dispatched(world)
    sweep(now=WARN)
    early = sweep(now=DUE - SECOND)
    assert (early.yellow, early.red) == (0, 0)
    assert dispose(case).light == Light.YELLOW
    on_the_dot = sweep(now=DUE)
    assert (on_the_dot.yellow, on_the_dot.red) == (0, 1)
    step = dispose(case)
    assert (step.light, step.overdue_at, step.next_check_at) == (Light.RED, DUE, None)
    assert reminders(case) == 1  # the yellow one only: no second 催办 at the deadline
    assert automatic_supervisions(case) == 1
    assert sweep(now=DUE + SECOND).red == 0  # nothing left to flip


def test_a_sweep_that_first_comes_after_the_deadline_goes_straight_to_red(world):
    case = dispatched(world)
    result = sweep(now=DUE)
    assert (result.yellow, result.red) == (0, 1)
    assert (reminders(case), automatic_supervisions(case)) == (0, 1)


@pytest.mark.parametrize(("finished", "on_time"), [(DUE - SECOND, True), (DUE, True), (DUE + SECOND, False)])
def test_feedback_exactly_at_the_deadline_is_on_time_a_second_later_is_not(world, finished, on_time):
    case = dispatched(world)
    with time_machine.travel(finished, tick=False):
        s.case_submit_feedback(case=case, actor=world.p.department, result="已处理", photos=[photo()])
    step = TimedStep.objects.get(case=case, step="dispose")
    assert (step.finished_at, step.on_time) == (finished, on_time)


# ---- the plan of a step that restarts (resume, extension) on the thresholds ------------------------

CAL = WorkingCalendar()
NOW = datetime(2026, 3, 2, 8, 30, tzinfo=SH)  # an ordinary Monday (no holidays needed here)


def planned(remaining: str, limit: str = "10") -> TimedStep:
    """A 10-working-hour step re-planned at NOW with `remaining` hours left: yellow at ≤ 2 h left."""
    step = TimedStep(limit_amount=Decimal(limit), extended_amount=Decimal(0), limit_unit=Unit.WORKING_HOURS)
    timing._plan(step, NOW, Decimal(remaining), CAL)
    return step


@pytest.mark.parametrize(
    ("remaining", "light", "next_check"),
    [
        ("2.0003", Light.GREEN, NOW + timedelta(seconds=1)),  # 2 h + ~1 s left: green, warns in a second
        ("2", Light.YELLOW, "due"),  # exactly 80 % used: yellow now, next look at the deadline
        ("0.0003", Light.YELLOW, "due"),  # ~1 s left: still yellow
        ("0", Light.RED, None),  # nothing left: red
        ("-1", Light.RED, None),
    ],
)
def test_a_replanned_step_takes_the_light_of_its_remaining_share(remaining, light, next_check):
    step = planned(remaining)
    assert step.light == light
    assert step.next_check_at == (step.due_at if next_check == "due" else next_check)
    expected_due = CAL.add(NOW, max(Decimal(remaining), Decimal(0)), Unit.WORKING_HOURS)
    assert step.due_at == expected_due


def test_the_sweep_writes_a_batch_set_based_its_statements_do_not_grow_with_the_batch(world):
    """Issue #18: a handful of statements per batch. Two batches, of 2 and of 6 due steps, half of each
    red and half yellow, take the same number of statements; each red step still gets exactly one
    督办 and every step its notices."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def batch_of(n):
        cases = [dispatched(world) for _ in range(n)]
        # Half of them already past their deadline (red), the rest only past 80 % (yellow).
        for k, case in enumerate(cases):
            if k % 2 == 0:
                TimedStep.objects.filter(pk=dispose(case).pk).update(due_at=WARN)
        return cases

    counts = []
    for n in (2, 6):
        cases = batch_of(n)
        with CaptureQueriesContext(connection) as queries:
            result = sweep(now=WARN)
        assert (result.red, result.yellow) == (n // 2, n // 2)
        counts.append(len(queries))
        for k, case in enumerate(cases):
            assert dispose(case).light == (Light.RED if k % 2 == 0 else Light.YELLOW)
            assert automatic_supervisions(case) == (1 if k % 2 == 0 else 0)
            assert Notification.objects.filter(case=case).exists()
    assert counts[0] == counts[1], counts
    assert counts[0] <= 14, counts


# ---- What the red and yellow flips leave behind, field by field: the automatic 督办 event as a supervisor
# reads it in the case's history, the case's 督办 count, the batches.


def test_the_automatic_supervision_event_names_the_status_the_step_its_deadline_and_the_moment(world):
    case = dispatched(world)
    late = DUE + timedelta(minutes=7)
    step = dispose(case)
    sweep(now=late)
    event = CaseEvent.objects.get(case=case, action="supervise")
    # 处置中 (dispatched, not yet fed back) on both sides: a 督办 does not move the case.
    assert (event.from_status, event.to_status) == ("in_progress", "in_progress")
    assert (event.actor_id, event.actor_role, event.at) == (None, "system", late)
    assert event.note == "处置环节已超期（截止 2026-11-19 09:00），系统自动督办"
    assert event.payload == {"automatic": True, "step": "dispose", "timed_step": step.pk}


def test_a_red_step_adds_one_to_its_cases_supervision_count_and_no_other_case_changes(world):
    late, on_time = dispatched(world), dispatched(world)
    Case.objects.filter(pk=late.pk).update(supervise_count=2)  # two by hand before the deadline
    TimedStep.objects.filter(pk=dispose(late).pk).update(due_at=WARN)
    result = sweep(now=WARN)
    assert (result.red, result.yellow) == (1, 1)
    assert Case.objects.get(pk=late.pk).supervise_count == 3
    assert Case.objects.get(pk=on_time.pk).supervise_count == 0
    assert (dispose(late).light, dispose(on_time).light) == (Light.RED, Light.YELLOW)


def test_the_yellow_flip_records_its_moment_and_waits_for_the_deadline(world):
    case = dispatched(world)
    seen = WARN + timedelta(minutes=3)
    sweep(now=seen)
    step = dispose(case)
    assert (step.light, step.warned_at, step.next_check_at, step.overdue_at) == (
        Light.YELLOW,
        seen,
        DUE,
        None,
    )
    assert Notification.objects.filter(case=case, kind="remind").count() == 1


def test_a_sweep_in_small_batches_flips_every_due_step_and_counts_them_all(world):
    cases = [dispatched(world) for _ in range(4)]
    # Two full batches: a full batch means there may be more, so the sweep looks again.
    result = sweep(now=WARN, batch=2)
    assert (result.yellow, result.red, result.batches) == (4, 0, 2)
    assert {dispose(c).light for c in cases} == {Light.YELLOW}
    cases.append(dispatched(world))
    result = sweep(now=DUE, batch=2)
    assert (result.yellow, result.red, result.batches) == (0, 5, 3)
    assert {dispose(c).light for c in cases} == {Light.RED}


def test_the_longest_waiting_steps_are_swept_first(world, monkeypatch):
    """A backlog (a worker down for an hour) is worked off oldest threshold first, whatever the ids."""
    later = dispatched_at(world, DISPATCHED + timedelta(hours=1))
    earlier = dispatched_at(world, DISPATCHED)  # a higher id, an earlier threshold
    batches = []
    flip = sla._flip
    monkeypatch.setattr(sla, "_flip", lambda due, now, result: (batches.append(due), flip(due, now, result)))
    sweep(now=DUE + timedelta(days=1), batch=1)
    assert [[t.case_id for t in due] for due in batches] == [[earlier.pk], [later.pk]]


def dispatched_at(world, moment):
    p = world.p
    with time_machine.travel(moment, tick=False):
        case = s.case_file(case=s.case_accept(case=report(world), actor=p.operator), actor=p.shift_leader)
        return s.case_dispatch(case=case, actor=p.dispatcher)


def test_the_sweep_claims_steps_and_their_cases_skipping_locked_ones_and_nothing_else(world):
    """A case being acted on (its row locked by a service) waits for the next sweep instead of holding
    the sweep up; the grid row it joins is read, not locked (the real two-worker race is in
    test_deadlines.py, which needs a committed database)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    dispatched(world)
    with CaptureQueriesContext(connection) as queries:
        sweep(now=WARN)
    claims = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"]]
    assert claims and all(
        sql.endswith('FOR UPDATE OF "cases_timedstep", "cases_case" SKIP LOCKED') for sql in claims
    ), claims
    assert all(
        'ORDER BY "cases_timedstep"."next_check_at" ASC, "cases_timedstep"."id" ASC' in q for q in claims
    )
