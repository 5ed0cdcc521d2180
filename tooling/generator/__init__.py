"""Realistic case histories in bulk (`manage.py generate_cases N`), for load, KPI and UI work.

Each generated case has a complete history whose rows cannot be told from the services' own: the
same events (actions, statuses, roles, payload keys), counters, timestamps, ledger rows and case
numbers. The pieces:

    world   what the district offers: grids and points, categories, components, routing, people
    draw    new cases day by day: when, which channel, where, what
    story   one case's history, one method per service, every step checked against the workflow table
    life    the branches and their odds (mix): intake, 立案, 派遣, 处置, 核查, 结案, 回访, 重办
    writer  ids, case numbers and bulk writes (COPY on PostgreSQL)

Memory stays flat: a batch is played, written and dropped; only the district and a few recent cases
per grid (originals a duplicate can point to) are kept.
"""

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from dispatch.calendar import get_calendar
from tooling.generator.clock import WorkClock
from tooling.generator.draw import Drawer, daily_counts
from tooling.generator.life import Life
from tooling.generator.mix import Mix
from tooling.generator.timed import Limits
from tooling.generator.world import EmptyWorld, load_world
from tooling.generator.writer import Writer

__all__ = ["EmptyWorld", "Mix", "Result", "generate_cases"]


@dataclass(frozen=True)
class Result:
    cases: int
    events: int
    requests: int
    co_departments: int
    steps: int
    seconds: float
    method: str

    @property
    def rate(self) -> float:
        return self.cases / self.seconds if self.seconds else 0.0


def generate_cases(
    count: int,
    *,
    days: int = 365,
    seed: int | None = None,
    batch: int = 5000,
    end: dt.datetime | None = None,
    mix: Mix | None = None,
    method: str = "auto",
    progress: bool = False,
    note: Callable[[str], None] = print,
) -> Result:
    """Write `count` cases reported over the `days` up to `end` (default: now), with their histories.

    `method` is "auto" (COPY on PostgreSQL, INSERT elsewhere), "copy" or "insert". A `seed` makes the
    run repeatable for the same database contents and `end`.
    """
    if count < 0 or days < 1 or batch < 1:
        raise ValueError("count ≥ 0, days ≥ 1 and batch ≥ 1 please")
    started = time.monotonic()
    rng = random.Random(seed)
    local_end = timezone.localtime(end or timezone.now()).replace(tzinfo=None, microsecond=0)
    first = local_end.date() - dt.timedelta(days=days - 1)
    calendar = get_calendar()
    clock = WorkClock(first - dt.timedelta(days=1), local_end.date() + dt.timedelta(days=1), calendar)
    world = load_world(rng, note)
    world.limits, world.zone = Limits(world.models, calendar), timezone.get_current_timezone()
    drawer = Drawer(world, clock, mix or Mix(), rng, local_end)
    life = Life(world, clock, mix or Mix(), rng, drawer)
    writer = Writer(method)

    bar = _progress(count, progress)
    pending = []
    for day, n in daily_counts(count, first, local_end, clock):
        for story in drawer.day(day, n):
            life.play(story)
            pending.append(story)
            if len(pending) >= batch:
                writer.write(pending)
                bar.update(len(pending))
                pending = []
    if pending:
        writer.write(pending)
        bar.update(len(pending))
    writer.finish()
    bar.close()
    if world.created:
        note(f"{len(world.created)} 个部门没有工作人员，已各创建一名 gen_department_<部门编码> 用户")
    w = writer.written
    return Result(
        w["cases"],
        w["events"],
        w["requests"],
        w["co_departments"],
        w["steps"],
        time.monotonic() - started,
        "copy" if writer.copy else "insert",
    )


def _progress(total: int, shown: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="件", unit_scale=True, disable=not shown, smoothing=0.1)
