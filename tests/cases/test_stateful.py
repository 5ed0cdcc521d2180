"""Random actions by random people on random cases never break an invariant (issue 8, point 5).

A Hypothesis state machine reports cases (and brings some straight to a deeper state through the
real services, so 挂账, 返工, 延期 and 重办 come up within a short run), then acts on them: sometimes an
action the workflow table offers in the case's state, by someone holding a role the edge names (scope
or the ledger may still refuse it), sometimes any action by anyone. Between steps the clock moves and
the SLA sweep runs, so lights turn and the system files its own 督办. After every step everything in
cases/invariants.py holds for every case, and a refused action has changed nothing.

Each example runs in its own savepoint, rolled back in `teardown`, with its own MEDIA_ROOT, so the
examples share the `world` fixture and nothing else.
"""

import shutil
import tempfile
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from cases import invariants, services
from cases.errors import ActionError, ActionForbidden
from cases.models import Case, TimedStep
from cases.sla import sweep
from cases.workflow import LEDGER, OPEN, SYSTEM, TERMINAL, TRANSITIONS, Action, Status, actions_from
from tests.cases.conftest import action_kwargs, case_in, hotline_report, photo, report, snapshot

START = datetime(2026, 11, 16, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Monday morning
ACTIONS = [a for a in Action if a != Action.REPORT]
OUTCOMES = ["", "passed", "failed", "confirmed", "not_confirmed"]
PERSONAS = sorted(
    (
        "inspector",
        "other_inspector",
        "operator",
        "shift_leader",
        "shift_leader2",
        "dispatcher",
        "department",
        "other_department",
        "hotline",
        "supervisor",
        "admin",
        "city_supervisor",
        "street_dispatcher",
        "street_leader",
    )
)
# From minutes inside a working window (lights turn yellow) to days (every deadline passes).
MINUTES = [5, 30, 90, 240, 600, 1440, 4320]
# Edges that move a case along the loop: notes, requests and voids are on offer in every open state
# and would otherwise keep most cases near the start.
MOVING = frozenset(t.action for t in TRANSITIONS if t.target is not None and t.target not in TERMINAL)
EVERY_CASE = (0, 2**62)

pytestmark = pytest.mark.usefixtures("fast_passwords")


def clock_of(case_pk: int) -> list[tuple]:
    """The timed steps of a case, as a refused action must leave them."""
    return list(TimedStep.objects.filter(case_id=case_pk).order_by("pk").values_list())


def find_problems() -> list[invariants.Problem]:
    # The checks over one range holding every case: the same functions the command runs per chunk.
    problems = [p for check in invariants.CASE_CHECKS.values() for p in check(*EVERY_CASE)]
    return problems + list(invariants.check_files())


class CaseLoop(RuleBasedStateMachine):
    cases = Bundle("cases")

    def __init__(self, world):
        super().__init__()
        self.world = world
        self.people = {name: getattr(world.p, name) for name in PERSONAS}
        assert set(PERSONAS) == set(vars(world.p)), "PERSONAS must name every persona of the world"
        self.media = tempfile.mkdtemp(prefix="stateful-media-")
        self.media_settings = override_settings(MEDIA_ROOT=self.media)
        self.media_settings.enable()
        self.traveller = time_machine.travel(START, tick=False)
        self.clock = self.traveller.start()
        self.savepoint = transaction.atomic()
        self.savepoint.__enter__()

    def teardown(self):
        transaction.set_rollback(True)
        self.savepoint.__exit__(None, None, None)
        self.traveller.stop()
        self.media_settings.disable()
        shutil.rmtree(self.media, ignore_errors=True)

    # ------------------------------------------------------------ new cases

    @rule(target=cases, self_resolved=st.booleans(), other_grid=st.booleans())
    def inspector_reports(self, self_resolved, other_grid):
        where = self.world.other_inside if other_grid else self.world.inside
        extra = {"self_resolved": True, "after_photos": [photo()]} if self_resolved else {}
        if self_resolved and other_grid:  # 自行处置 only in the inspector's own grids (#17.7)
            before = Case.objects.count()
            with pytest.raises(ActionForbidden):
                report(self.world, where=where, photos=[photo()], **extra)
            assert Case.objects.count() == before
            return multiple()
        return report(self.world, where=where, photos=[photo()], **extra).pk

    @rule(target=cases, other_grid=st.booleans())
    def hotline_reports(self, other_grid):
        where = self.world.other_inside if other_grid else self.world.inside
        return hotline_report(self.world, where=where).pk

    @rule(target=cases, status=st.sampled_from(sorted(Status)), data=st.data())
    def case_walked_to(self, status, data):
        """A case the personas brought to `status`, maybe with a pending ledger request."""
        kinds = [None, "void"] if status in OPEN else [None]
        if status == Status.IN_PROGRESS:
            # 退单 to the 12345 centre is only for a loop ticket, which case_in does not make.
            kinds = [None, *(kind for kind in LEDGER if kind != "hotline_return")]
        pending = data.draw(st.sampled_from(kinds), label="pending")
        return case_in(self.world, status, pending=pending).pk

    # ------------------------------------------------------------ actions

    def _holders(self, roles) -> list[str]:
        names = [name for name, user in self.people.items() if set(user.roles) & set(roles)]
        return names + ([SYSTEM] if SYSTEM in roles else [])

    def _offered(self, case: int, data) -> tuple[Action, str, str] | None:
        """An edge the table offers in the case's state, by someone holding one of its roles."""
        status = Case.objects.values_list("status", flat=True).get(pk=case)
        offered = [a for a in actions_from(status) if a != Action.REPORT]
        if not offered:
            return None
        weighted = offered + [a for a in offered if a in MOVING] * 3
        action = data.draw(st.sampled_from(weighted), label="action")
        edges = [t for t in TRANSITIONS if t.action == action and status in t.sources]
        who = data.draw(st.sampled_from(self._holders({r for t in edges for r in t.roles})), label="who")
        outcome = data.draw(st.sampled_from(sorted({t.outcome for t in edges})), label="outcome")
        return action, who, outcome

    def _take(self, case: int, action: Action, who: str, outcome: str) -> bool:
        """Take the action through its service; a refusal must leave the case exactly as it was."""
        actor = SYSTEM if who == SYSTEM else self.people[who]
        before = snapshot(Case(pk=case)), clock_of(case)
        try:
            services.SERVICES[action](
                case=Case.objects.get(pk=case), actor=actor, **action_kwargs(self.world, action, outcome)
            )
        except ActionError:
            after = snapshot(Case(pk=case)), clock_of(case)
            assert after == before, f"refused {action} by {who} changed the case"
            return False
        events = snapshot(Case(pk=case))["events"]
        assert events == [*before[0]["events"], action.value], f"{action} by {who} did not write one event"
        return True

    @rule(case=cases, action=st.sampled_from(ACTIONS), who=st.sampled_from([*PERSONAS, SYSTEM]))
    def act_anyhow(self, case, action, who):
        """Any action by anyone, the wrong ones included: mostly refused."""
        outcome = "failed" if action == Action.CHECK else "not_confirmed" if action == Action.VERIFY else ""
        self._take(case, action, who, outcome)

    @rule(case=cases, steps=st.integers(1, 12), data=st.data())
    def walk(self, case, steps, data):
        """Offered actions in a row on one case, with every invariant checked after each."""
        for _ in range(steps):
            if not (picked := self._offered(case, data)):
                return
            self._take(case, *picked)
            self.every_case_agrees_with_its_events_clock_and_files()

    # ------------------------------------------------------------ time

    @rule(minutes=st.sampled_from(MINUTES))
    def time_passes(self, minutes):
        self.clock.shift(timedelta(minutes=minutes))
        sweep()

    # ------------------------------------------------------------ after every step

    @invariant()
    def every_case_agrees_with_its_events_clock_and_files(self):
        problems = find_problems()
        assert not problems, "\n".join(f"[{p.check}] {p}" for p in problems)


def test_random_actions_by_random_people_never_break_an_invariant(world):
    run_state_machine_as_test(
        lambda: CaseLoop(world),
        settings=settings(
            max_examples=15,
            stateful_step_count=25,
            deadline=None,
            database=None,  # no .hypothesis/ folder in the project; a failure prints its steps
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
