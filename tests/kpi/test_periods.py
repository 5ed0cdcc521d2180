"""Frozen 考核 periods (issue #24.1) over generated histories: the table frozen at a cut-off equals the
live ranking of that moment and the replay of the case log as of it, and later events leave it alone."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cases import services as s
from cases.models import Case, Source
from cases.workflow import Status
from kpi import queries, replay, rollup
from kpi.models import CaseFact, KpiSettings
from kpi.periods import services as periods
from kpi.periods.table import LEVELS
from tests.tooling.test_generator import BOOSTED, district  # noqa: F401 (the generator's district fixture)
from tooling.generator import generate_cases

END = dt.datetime(2025, 6, 18, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Wednesday afternoon
MAY = (dt.date(2025, 5, 1), dt.date(2025, 5, 31))
COMPARED = ("rank", "id", "code", "name", "counts", "rates", "parts", "score", "grade")
SOURCES = Source.values  # a filter that selects everything: the live rollup, not the frozen table
FLAGS = [f.name for f in CaseFact._meta.concrete_fields if f.name not in ("category_id", "category_code")]


def trimmed(rows):
    return [{k: row[k] for k in COMPARED} for row in rows]


@pytest.fixture
def generated(district):  # noqa: F811
    """A busy month and a half (the rare branches turned up) ending at END, rolled up as of END."""
    generate_cases(400, days=50, seed=24, end=END, mix=BOOSTED, note=lambda line: None)
    with time_machine.travel(END, tick=False):
        rollup.rebuild()
    return district


def test_replay_as_of_the_last_rollup_equals_the_rollup(generated):
    ids = replay.relevant_cases(*MAY, END)
    assert len(ids) > 200
    replayed, people = replay.facts_as_of(ids, END)
    stored, stored_people = replay.stored_facts(ids)
    assert set(replayed) == set(stored)
    for pk, fact in stored.items():
        mine = {k: replayed[pk][k] for k in fact if k in replayed[pk] and k in FLAGS}
        assert mine == {k: fact[k] for k in mine}, Case.objects.get(pk=pk).number
    assert sorted(people, key=lambda p: p["event_id"]) == sorted(stored_people, key=lambda p: p["event_id"])
    # The generated month has what the figures are about.
    assert sum(f["reworked"] for f in stored.values()) and sum(f["overdue"] for f in stored.values())
    assert sum(f["voided"] for f in stored.values()) and sum(f["returned"] for f in stored.values())


def test_a_closed_month_equals_the_replay_and_stays_put(generated):
    people = generated
    with time_machine.travel(END, tick=False):
        live = {level: trimmed(queries.rows(level, *MAY)) for level in LEVELS}
        period = periods.close_period(kind="month", day=MAY[0], actor=people["supervisor"], note="五月考核")
    frozen = period.current.table
    assert {level: trimmed(frozen[level]) for level in LEVELS} == live
    assert all(live[level] for level in LEVELS)  # every level has rows
    assert (period.cutoff, period.closed_by, period.current.formula_version) == (
        END,
        people["supervisor"],
        "DOMAIN-7-ref-2026.12",
    )
    assert period.current.formula["weights"]["w_area_on_time"] == 40

    # A day later: May cases move on (reopened after an unsatisfied 回访, open ones voided), and a
    # weight changes.
    may = Case.objects.filter(filed_at__date__gte=MAY[0], filed_at__date__lte=MAY[1])
    moved = 0
    with time_machine.travel(END + dt.timedelta(days=1), tick=False):
        for case in may.filter(status=Status.CLOSED).order_by("pk")[:10]:
            s.case_reopen(case=case, actor=people["shift_leader"], reason="回访不满意")
            moved += 1
        for case in may.filter(status__in=[Status.IN_PROGRESS, Status.SUSPENDED]).order_by("pk")[:5]:
            s.case_request_void(case=case, actor=people["dispatcher"], reason="重复立案")
            s.case_approve_void(case=Case.objects.get(pk=case.pk), actor=people["shift_leader"])
            moved += 1
        config = KpiSettings.load()
        config.w_area_on_time, config.w_area_closure = 50, 20
        config.full_clean()
        config.save()
    assert moved >= 5
    with time_machine.travel(END + dt.timedelta(days=1, minutes=5), tick=False):
        rollup.rollup_incremental()
        after = {level: trimmed(queries.rows(level, *MAY)) for level in LEVELS}
        now_replayed, _cases = periods.compute_table(*MAY, END + dt.timedelta(days=1, minutes=5))
        # The figures of the month as of now moved (the rollup's and the replay's alike) …
        assert trimmed(queries.rows("street", *MAY, source=list(SOURCES))) == trimmed(now_replayed["street"])
    assert now_replayed["street"] != frozen["street"]
    # … but the month's ranking is its frozen table: later events change only open periods.
    assert after == live
    # The frozen table is still the replay as of the cut-off with its own settings.
    period.refresh_from_db()
    assert period.revisions.count() == 1
    assert period.current.table == frozen
    again, cases = periods.compute_table(*MAY, period.cutoff, formula=period.current.formula)
    assert again == frozen and cases == period.current.cases
    # With today's weights the same replay scores differently: changing a weight applies to open periods.
    today, _cases = periods.compute_table(*MAY, period.cutoff)
    assert today["street"] != frozen["street"]
