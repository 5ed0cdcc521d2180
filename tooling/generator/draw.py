"""New cases as a district receives them: how many a day, when, through which channel, where and what.

Days are walked in order, so case numbers and ids grow with time as they would in production.
"""

import datetime as dt
import random
from collections import deque
from collections.abc import Iterator

from cases.models import HOTLINE_SOURCES, Source, Urgency, Variant
from core.roles import Role
from tooling.generator.clock import HOURLY, WorkClock
from tooling.generator.mix import Mix
from tooling.generator.story import Story
from tooling.generator.words import describe
from tooling.generator.world import ENGINEERING_EVENTS, ROADS, TRIVIAL_EVENTS, Picker, World

# Case volume by month (index 0 = January): more in the warm months, when streets are busy.
MONTHS = (0.85, 0.8, 0.95, 1.0, 1.1, 1.15, 1.2, 1.2, 1.1, 1.0, 0.95, 0.9)
REST_DAY = 0.6
DUPLICATE_WINDOW = dt.timedelta(days=3)
_HOUR_SOURCE = {
    "inspector": "inspector", "hotline_12345": "hotline", "hotline_8890": "hotline", "public": "public",
    "video": "video", "leader": "office", "media": "office",
}  # fmt: skip
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
_NAMESAKE = ("先生", "女士")


def daily_counts(count: int, first: dt.date, end: dt.datetime, clock: WorkClock) -> list[tuple[dt.date, int]]:
    """`count` cases over the days from `first` to `end`, by weekday and season, summing exactly to `count`."""
    days = [first + dt.timedelta(days=k) for k in range((end.date() - first).days + 1)]
    weights = []
    for day in days:
        weight = MONTHS[day.month - 1] * (1.0 if clock.is_workday(day) else REST_DAY)
        if day == end.date():
            weight *= max(0.05, (end.hour * 60 + end.minute) / 1440)  # today is not over yet
        weights.append(weight)
    total = sum(weights)
    exact = [count * w / total for w in weights]
    counts = [int(x) for x in exact]
    # Largest remainders get the leftover cases, so the total is exactly `count`.
    for k in sorted(range(len(days)), key=lambda k: exact[k] - counts[k], reverse=True)[
        : count - sum(counts)
    ]:
        counts[k] += 1
    return list(zip(days, counts, strict=True))


class Drawer:
    """Draws the cases of one day: time, channel, place, problem, reporter and words."""

    def __init__(self, world: World, clock: WorkClock, mix: Mix, rng: random.Random, end: dt.datetime):
        self.world, self.clock, self.mix, self.rng, self.end = world, clock, mix, rng, end
        names = list(mix.sources)
        self.sources = {
            True: Picker(names, [mix.sources[s] for s in names]),
            False: Picker(
                names, [mix.sources[s] * (mix.weekend_inspectors if s == "inspector" else 1) for s in names]
            ),
        }
        self.hours = {key: Picker(range(24), weights) for key, weights in HOURLY.items()}
        self.recent: dict[int, deque] = {}  # grid index → recent originals a duplicate may repeat

    def day(self, day: dt.date, n: int) -> Iterator[Story]:
        """The day's `n` cases in the order they were reported."""
        workday = self.clock.is_workday(day)
        drawn = []
        for _ in range(n):
            source = self.sources[workday].pick(self.rng)
            drawn.append((self._time(day, source), source))
        drawn.sort(key=lambda pair: pair[0])
        for at, source in drawn:
            yield self._story(at, source)

    def _time(self, day: dt.date, source: str) -> dt.datetime:
        hours = self.hours[_HOUR_SOURCE[source]]
        midnight = dt.datetime.combine(day, dt.time())
        for _ in range(20):
            at = midnight + dt.timedelta(
                hours=hours.pick(self.rng),
                seconds=self.rng.randrange(3600),
                microseconds=self.rng.randrange(10**6),
            )
            if at <= self.end:
                return at
        return midnight + (self.end - midnight) * self.rng.random()  # early today: any time so far

    # ------------------------------------------------------------------ one case

    def _story(self, at: dt.datetime, source: str) -> Story:
        world, rng, mix = self.world, self.rng, self.mix
        original = self._original(at, source)
        if original is not None:
            grid_index, category, component, point = original[1:5]
        else:
            grid_index, category, component, point = self._problem(at)
        grid = world.grids[grid_index]
        truth = world.categories[category]  # what the problem is, and what the description says
        # Now and then the reporter picks a wrong category for it; the shift leader corrects it at 立案.
        info = self._misfiled(truth, at) if component is None else truth
        reporter = self._reporter(source, grid)
        urgent = rng.random() < mix.urgent
        case = {
            "source": source,
            "category_id": info.id,
            "category_code": info.code,
            "category_name": info.name,
            "category_kind": info.kind,
            "major_code": info.major_code,
            "component_id": component.id if component else None,
            "lng": point[0],
            "lat": point[1],
            "address": f"{grid.place}{ROADS[rng.randrange(len(ROADS))]}{rng.randint(1, 320)}号附近",
            "grid_id": grid.id,
            "community_id": grid.community_id,
            "street_id": grid.street_id,
            "district_id": grid.district_id,
            "description": describe(
                rng,
                code=truth.code,
                name=truth.name,
                kind=truth.kind,
                source=source,
                component_name=component.name if component else "",
            ),
            "urgency": Urgency.URGENT.value if urgent else Urgency.NORMAL.value,
            "variant": Variant.GENERAL.value,
            "reporter_name": "",
            "reporter_phone": "",
            "hotline_channel": HOTLINE_SOURCES.get(source, ""),
            "hotline_ticket_no": "",  # the writer numbers tickets once the case has its id
            "department_id": None,
            "verify_inspector_id": None,
            "duplicate_of_id": None,
            "reject_reason": "",
            "rework_count": 0,
            "extension_count": 0,
            "return_count": 0,
            "reopen_count": 0,
            "supervise_count": 0,
            "satisfaction": "",
            "filed_at": None,
            "dispatched_at": None,
            "closed_at": None,
        }
        if source in HOTLINE_SOURCES or source == Source.PUBLIC:
            case["reporter_name"] = _SURNAMES[rng.randrange(len(_SURNAMES))] + _NAMESAKE[rng.randrange(2)]
            case["reporter_phone"] = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
        story = Story(world, grid, case, at, self.end)
        self_resolved = (
            source == Source.INSPECTOR
            and info.code in TRIVIAL_EVENTS
            and not urgent
            and rng.random() < mix.self_resolved
        )
        story.report(reporter, self_resolved=self_resolved)
        story.truth = truth if truth is not info else None
        if original is not None:
            story.repeats = original[0]
        else:
            self._remember(grid_index, (story.ref, grid_index, category, component, point, at))
        return story

    def _problem(self, at: dt.datetime):
        world, rng, mix = self.world, self.rng, self.mix
        if rng.random() < mix.component_share:
            if world.component_picker and rng.random() >= mix.uninventoried:
                component = world.component_picker.pick(rng)
                return component.grid, component.category, component, (component.lng, component.lat)
            if world.loose_component_picker:
                grid = world.grid_picker.pick(rng)
                return grid, world.loose_component_picker.pick(rng), None, self._point(grid)
        grid = world.grid_picker.pick(rng)
        hot = world.grids[grid].hot_category
        category = (
            hot if hot is not None and rng.random() < 0.5 else world.event_pickers[at.month - 1].pick(rng)
        )
        return grid, category, None, self._point(grid)

    def _point(self, grid: int) -> tuple[float, float]:
        points = self.world.grids[grid].points
        return points[self.rng.randrange(len(points))]

    def _original(self, at: dt.datetime, source: str):
        """A recent case in a random grid that this hotline/public report repeats, if any (重复案件)."""
        if (
            source not in HOTLINE_SOURCES
            and source != Source.PUBLIC
            or self.rng.random() >= self.mix.duplicate
        ):
            return None
        recent = self.recent.get(self.world.grid_picker.pick(self.rng))
        while recent and at - recent[0][5] > DUPLICATE_WINDOW:
            recent.popleft()
        return recent[self.rng.randrange(len(recent))] if recent else None

    def _remember(self, grid: int, entry) -> None:
        self.recent.setdefault(grid, deque(maxlen=3)).append(entry)

    def _reporter(self, source: str, grid) -> int | None:
        world, rng = self.world, self.rng
        if source == Source.INSPECTOR:
            return grid.inspectors[rng.randrange(len(grid.inspectors))]
        if source in HOTLINE_SOURCES:
            return world.someone(rng, Role.HOTLINE)
        if source == Source.LEADER:
            return world.someone(rng, Role.SUPERVISOR if rng.random() < 0.5 else Role.OPERATOR)
        if source == Source.MEDIA or (source == Source.PUBLIC and rng.random() < 0.2):
            return world.someone(rng, Role.OPERATOR)  # a letter, a newspaper, a walk-in: the centre logs it
        return None  # Open311 reports and camera finds arrive as the system

    def _misfiled(self, truth, at: dt.datetime):
        """The category a reporter chose for a `truth` 事项: usually right, now and then another one."""
        if truth.kind != "event" or self.rng.random() >= self.mix.reclassify:
            return truth
        wrong = self.world.categories[self.world.event_pickers[at.month - 1].pick(self.rng)]
        return truth if wrong.id == truth.id else wrong

    def variant(self, code: str) -> str:
        rng, mix = self.rng, self.mix
        engineering = 0.5 if code in ENGINEERING_EVENTS else mix.engineering
        roll = rng.random()
        if roll < engineering:
            return Variant.ENGINEERING.value
        if roll < engineering + mix.special:
            return Variant.SPECIAL.value
        return Variant.GENERAL.value
