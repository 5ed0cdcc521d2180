"""The rollup: incremental equals a rebuild from scratch, re-runs change nothing, and a day's run
touches that day's cases only."""

import datetime as dt

import pytest
from django.core.management import call_command

from cases import services as s
from cases.models import CaseEvent
from kpi import rollup
from kpi.models import AreaDay, CaseFact, RollupState
from tests.kpi import scenario
from tests.kpi.conftest import at, on, tables


def test_incremental_runs_equal_a_rebuild_from_scratch(world):
    runs = []

    def evening(day):  # the 5-minute task, here once at 18:00 and once more just after
        runs.append(rollup.rollup_incremental())
        with on(day, 18, 5):
            runs.append(rollup.rollup_incremental())

    scenario.build(world, after_day=evening)
    assert RollupState.objects.get().last_incremental_at == at(scenario.APR1, 18, 5)
    assert runs[1].changed == 0  # nothing happened between 18:00 and 18:05
    incremental = tables()
    assert len(incremental["AreaDay"]) > 0

    days = rollup.rebuild()
    assert days == (scenario.APR1 - scenario.MAR2).days + 1
    assert tables() == incremental


def test_rerunning_a_day_changes_nothing(march):
    before = tables()
    again = rollup.rollup_day(scenario.MAR3)
    assert again.cases > 0 and again.changed == 0 and again.cells == 0
    scenario.roll_days()
    assert tables() == before


def test_a_days_run_touches_the_cases_with_events_that_day(march):
    assert rollup.rollup_day(scenario.MAR4).cases == 2  # B closed, I called back
    assert rollup.rollup_day(dt.date(2026, 3, 7)).cases == 0  # a Saturday: nothing happened


def test_the_command_repairs_lost_cells(march):
    expected = tables()
    AreaDay.objects.all().delete()  # damage, e.g. a restore that missed a table
    rollup.rollup_nightly(scenario.APR1)  # the nightly run re-sums only cells whose facts changed
    assert len(tables()["AreaDay"]) == 0
    call_command("kpi_rollup", "--from", "2026-03-01", "--to", "2026-04-01", verbosity=0)
    assert tables() == expected
    call_command("kpi_rollup", "--rebuild", verbosity=0)
    assert tables() == expected


def test_command_refuses_a_backwards_range(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("kpi_rollup", "--from", "2026-03-02", "--to", "2026-03-01", verbosity=0)


def test_a_forgotten_day_rolls_back_up_to_the_same_tables(march):
    """forget_window takes the day's cases out (facts and their part of every cell); the next run
    finds them all new and adds them back: the benchmark's worst night, and the delta path's proof."""
    before = tables()
    start, end = rollup.day_bounds(scenario.MAR3)
    assert rollup.forget_window(start, end) > 0
    forgotten = tables()
    assert forgotten != before
    assert all(v >= 0 for row in forgotten["AreaDay"] for k, v in row if isinstance(v, int))
    again = rollup.rollup_day(scenario.MAR3)
    assert again.changed == again.cases > 0
    assert tables() == before


def test_cases_already_rolled_up_with_every_event_are_skipped_until_a_new_one(world, march):
    """A run that meets a case again (the 5-minute runs overlap; the nightly run re-reads the day) skips
    it when its fact already counts every event of the case; an event that commits after a run read past
    its time raises the count, so the next run over that time takes the case up again."""
    again = rollup.rollup_day(scenario.MAR3)
    assert again.cases > 0 and again.current == again.cases and again.changed == again.cells == 0

    d = march["D"]  # 挂账 on 3/3, nothing since
    with on(scenario.MAR3, 16):  # a 督办 stamped 3/3 16:00, as if it committed after the 3/3 run
        s.case_supervise(case=d, actor=world.p.supervisor, note="请推进")
    rerun = rollup.rollup_day(scenario.MAR3)
    assert rerun.cases == again.cases and rerun.current == rerun.cases - 1  # D alone is taken up again
    assert CaseFact.objects.get(case_id=d.pk).events == CaseEvent.objects.filter(case=d).count()
    incremental = tables()
    rollup.rebuild()
    assert tables() == incremental
