"""Demo cases for the demo district (`manage.py demo_cases`): a few hundred, made by the real services.

Every case is reported and moved by the demo personas through cases.services, so its timeline,
ledger, photos and counters are exactly what a user would have produced, and every state and branch
of docs/domain.md §3 is there to click through: returns, extensions, 挂账, 返工, 重办 after an unsatisfied
回访, self-resolved reports, duplicates, 12345/8890 tickets with callers.

The services stamp "now" on every step but the report. To give the demo a past (cases spread over the
last month, each step a plausible working time after the one before), the cases are made under a
simulated clock: django.utils.timezone.now is patched while they are made, in this one process, inside
one transaction, with the SLA sweep (cases/sla.py) run at each step's time as the beat would have.
Three columns take their default from the real clock regardless (CaseRequest.requested_at,
CasePhoto.created_at and Notification.created_at bind timezone.now at import); they are set from
their events afterwards.

Idempotent: demo cases carry DEMO_TAG at the start of their description; if any exist, nothing is made.
"""

import datetime as dt
import random
from collections.abc import Callable
from contextlib import contextmanager
from unittest import mock

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from cases.models import Case, CaseEvent, CasePhoto, CaseRequest, Notification, TimedStep
from cases.sla import sweep
from dispatch.calendar import get_calendar
from tooling.demo.cast import DEMO_TAG, Cast, Demo
from tooling.demo.scenarios import SCENARIOS
from tooling.generator.clock import WorkClock

__all__ = ["DEMO_TAG", "DEFAULT_SEED", "SCENARIOS", "create_demo_cases"]

DEFAULT_SEED = 20260601


def create_demo_cases(n: int = 300, seed: int = DEFAULT_SEED, note: Callable[[str], None] = print) -> int:
    """Make `n` demo cases (every state and branch at least once when n ≥ the number of scenarios).

    Returns how many were made: 0 when demo cases already exist.
    """
    existing = Case.objects.filter(description__startswith=DEMO_TAG).count()
    if existing:
        note(f"已有 {existing} 个演示案件，未重复生成")
        return 0
    rng = random.Random(seed)
    cast = Cast.load()
    real_now = timezone.now()
    local_now = timezone.localtime(real_now).replace(tzinfo=None)
    clock = WorkClock(
        local_now.date() - dt.timedelta(days=40), local_now.date() + dt.timedelta(days=1), get_calendar()
    )
    plan = _plan(n, rng, local_now)
    written: list[str] = []
    try:
        # A month of past reminders is not news to mail: the inbox gets them, the mail queue does not.
        # (Outermost, so it still holds when the commit runs the on_commit hooks that would send them.)
        with mock.patch("cases.notifications._send_emails"), transaction.atomic(), _simulated_time() as now:
            for start, scenario in plan:
                demo = Demo(cast, clock, rng, now, start, local_now)
                scenario(demo)
                written += demo.photo_files()
            sweep(now=real_now)  # what the SLA sweep has caught up with by now
            _stamp_from_events()
    except Exception:
        # The rows rolled back; the photo files written for them must go too.
        storage = CasePhoto._meta.get_field("image").storage
        for name in written:
            storage.delete(name)
        raise
    return len(plan)


# ---------------------------------------------------------------------------- the simulated clock


@contextmanager
def _simulated_time():
    """Patch timezone.now to a settable clock: returns a one-item list holding the current moment."""
    now = [timezone.now()]
    with mock.patch("django.utils.timezone.now", lambda: now[0]):
        yield now


def _stamp_from_events() -> None:
    """Ledger and photo times from their events: their defaults read the real clock (see module doc)."""
    demo = Case.objects.filter(description__startswith=DEMO_TAG)
    requests = CaseEvent.objects.filter(case__in=demo, action__startswith="request_")
    asked = {event.payload["request"]: event.at for event in requests}
    rows = list(CaseRequest.objects.filter(pk__in=asked))
    for row in rows:
        row.requested_at = asked[row.pk]
    CaseRequest.objects.bulk_update(rows, ["requested_at"])
    taken = CaseEvent.objects.filter(pk=OuterRef("event_id")).values("at")[:1]
    CasePhoto.objects.filter(case__in=demo, event__isnull=False).update(created_at=Subquery(taken))
    for kind, flipped in ((Notification.Kind.REMIND, "warned_at"), (Notification.Kind.OVERDUE, "overdue_at")):
        at = TimedStep.objects.filter(pk=OuterRef("timed_step_id")).values(flipped)[:1]
        Notification.objects.filter(case__in=demo, kind=kind, timed_step__isnull=False).update(
            created_at=Subquery(at)
        )


def _plan(n: int, rng: random.Random, now: dt.datetime) -> list[tuple[dt.datetime, Callable]]:
    """Which scenario runs when: each once first (so every state is there), then by weight; by start time."""
    chosen = list(SCENARIOS[:n])
    weights = [w for _s, _a, w in SCENARIOS]
    chosen += rng.choices(SCENARIOS, weights=weights, k=max(0, n - len(SCENARIOS)))
    planned = [(now - dt.timedelta(days=rng.uniform(*age)), scenario) for scenario, age, _w in chosen]
    # In report order, so case numbers grow with time and a duplicate finds its earlier original.
    return sorted(planned, key=lambda pair: pair[0])
