"""A district's history as the category suggester sees it, generated in memory (nothing is written).

The same draw and life as `generate_cases`, so the cases are the ones a seeded run would write: their
descriptions (tooling/generator/words.py) and the category each was filed under. Only filed, not voided
cases are kept, as cases/suggest/training.py reads them from the database. Positions carry a phone's
GPS error (a few metres, up to ~20 m): the generator puts a 部件 problem exactly on its component, which
would make the nearest-部件 clue look better than it is in the street.
"""

import datetime as dt
import math
import random
from dataclasses import dataclass

from django.utils import timezone

from cases.suggest import clues
from cases.suggest.model import Sample
from dispatch.calendar import get_calendar
from tooling.generator.clock import WorkClock
from tooling.generator.draw import Drawer, daily_counts
from tooling.generator.life import Life
from tooling.generator.mix import Mix
from tooling.generator.timed import Limits
from tooling.generator.world import load_world

GPS_ERROR_M = 8.0  # median distance between where the phone says and where the problem is
_M_PER_DEG = 111_320.0


@dataclass(frozen=True)
class Corpus:
    samples: list[Sample]
    generated: int  # cases drawn, filed or not


def generated_history(count: int, *, seed: int, end: dt.datetime, days: int = 365) -> Corpus:
    """`count` cases over the `days` up to `end`, played through their lives; the filed ones as samples."""
    rows = generated_history_rows(count, seed=seed, end=end, days=days)
    places = clues.places([(lng, lat) for _t, _c, lng, lat in rows])
    samples = [
        Sample(f"gen-{k}", text, category, place.grid_id, place.near_category_id)
        for k, ((text, category, _lng, _lat), place) in enumerate(zip(rows, places, strict=True))
    ]
    return Corpus(samples, count)


def generated_history_rows(
    count: int, *, seed: int, end: dt.datetime, days: int = 365
) -> list[tuple[str, int, float, float]]:
    """(description, filed category id, lng, lat as a phone reports it) of the filed, not voided cases."""
    rng = random.Random(seed)
    local_end = timezone.localtime(end).replace(tzinfo=None, microsecond=0) if timezone.is_aware(end) else end
    first = local_end.date() - dt.timedelta(days=days - 1)
    calendar = get_calendar()
    clock = WorkClock(first - dt.timedelta(days=1), local_end.date() + dt.timedelta(days=1), calendar)
    world = load_world(rng, note=lambda line: None)
    world.limits, world.zone = Limits(world.models, calendar), timezone.get_current_timezone()
    mix = Mix()
    drawer = Drawer(world, clock, mix, rng, local_end)
    life = Life(world, clock, mix, rng, drawer)
    gps = random.Random(seed + 1)  # a stream of its own: the cases are those of the seeded run
    rows = []
    for day, n in daily_counts(count, first, local_end, clock):
        for story in drawer.day(day, n):
            life.play(story)
            case = story.case
            if case["filed_at"] is None or case["status"] == "voided":
                continue
            rows.append((case["description"], case["category_id"], *_as_a_phone_says(gps, case)))
    return rows


def _as_a_phone_says(rng: random.Random, case: dict) -> tuple[float, float]:
    distance = rng.lognormvariate(math.log(GPS_ERROR_M), 0.6)
    bearing = rng.uniform(0, 2 * math.pi)
    lat = case["lat"] + distance * math.cos(bearing) / _M_PER_DEG
    lng = case["lng"] + distance * math.sin(bearing) / (_M_PER_DEG * math.cos(math.radians(case["lat"])))
    return round(lng, 6), round(lat, 6)
