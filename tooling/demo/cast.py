"""Who acts in the demo and where: the personas, the places, and `Demo`, which makes one case
by calling the services while the simulated clock moves on."""

import datetime as dt
import io
import math
import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from cases import channels
from cases import services as s
from cases.models import Case, RequestNature, Source
from cases.sla import sweep
from cases.workflow import STEP_FOR_STATUS
from core.roles import Role
from dispatch.calendar import get_calendar
from dispatch.models import Category, Component
from dispatch.routing import suggest_department
from grids.locator import get_locator
from grids.models import Grid
from tooling.generator.clock import WorkClock
from tooling.generator.timed import Limits
from tooling.generator.words import describe
from tooling.generator.world import EVENT_WEIGHTS, TAIL_WEIGHT

DEMO_TAG = "【演示】"
_CALLERS = ("王先生", "李女士", "张先生", "刘女士", "陈先生", "杨女士", "赵先生", "黄女士")
# Channels whose reports carry a contact (issue #22.4): 政民零距离 messages and community volunteers.
CONTACT_CHANNELS = (Source.ZMLJL, Source.COMMUNITY)
# The hotline's 诉求性质 mix: most callers want something fixed; some complain, report, ask or suggest.
NATURES = [n.value for n in RequestNature]
NATURE_WEIGHTS = [1, 6, 2, 1, 1]  # 咨询, 求决, 投诉, 举报, 建议
# Regular callers: a quarter of the hotline calls come from these three, so the agent sees repeat callers.
REGULAR_SHARE = 0.25
REGULAR_CALLERS = (("周大爷", "13820261001"), ("孙女士", "13820261002"), ("吴先生", "13820261003"))


# ---------------------------------------------------------------------------- who and where


@dataclass
class Cast:
    """The personas and the places demo cases happen in."""

    people: dict[str, object]  # role → the persona (username = role code when the demo has one)
    staff: dict[int, object]  # department id → a staff member
    grids: list[Grid]
    events: list[Category]
    event_weights: list[float]
    components: list[Component]  # whose owner (先属主) has staff, so their cases can be worked on
    limits: Limits
    points: dict[int, list] = field(default_factory=dict)
    tickets: int = 0

    @classmethod
    def load(cls) -> "Cast":
        user_model = get_user_model()
        people = {}
        for role in (Role.OPERATOR, Role.SHIFT_LEADER, Role.DISPATCHER, Role.HOTLINE, Role.SUPERVISOR):
            users = user_model.objects.filter(is_active=True, groups__name=role).order_by("username")
            person = users.filter(username=role.value).first() or users.first()
            if person is None:
                raise LookupError(f"没有{role.label}用户：请先运行 manage.py load_demo")
            people[role.value] = person
        staff = {}
        for user in user_model.objects.filter(
            is_active=True, groups__name=Role.DEPARTMENT, department__isnull=False
        ).order_by("username"):
            staff.setdefault(user.department_id, user)
        if not staff:
            raise LookupError("没有专业部门用户：请先运行 manage.py load_demo")
        grids = list(
            Grid.objects.filter(inspectors__isnull=False)
            .distinct()
            .select_related("community__street")
            .order_by("code")
        )
        if not grids:
            raise LookupError("没有指定监督员的单元网格：请先运行 manage.py load_demo")
        events = list(Category.objects.filter(kind=Category.Kind.EVENT, is_active=True).order_by("code"))
        components = [
            c
            for c in Component.objects.filter(category__is_active=True, grid__inspectors__isnull=False)
            .select_related("category", "grid__community__street", "owner", "maintainer", "regulator")
            .filter(owner_id__in=staff)
            .distinct()
            .order_by("code")[:500]
        ]
        return cls(
            people=people,
            staff=staff,
            grids=grids,
            events=events,
            event_weights=[EVENT_WEIGHTS.get(c.code, TAIL_WEIGHT) for c in events],
            components=components,
            limits=Limits({c.pk: c for c in Category.objects.all()}, get_calendar()),
        )

    def point(self, rng: random.Random, grid: Grid) -> tuple[float, float]:
        """A position that the locator puts in `grid` (a random point of its bounding box may not be)."""
        if grid.pk not in self.points:
            found = []
            for _ in range(40):
                p = (
                    round(rng.uniform(grid.min_lng, grid.max_lng), 6),
                    round(rng.uniform(grid.min_lat, grid.max_lat), 6),
                )
                ref = get_locator().find_many([p])[0]
                if ref is not None and ref.id == grid.pk:
                    found.append(p)
                    if len(found) == 3:
                        break
            if not found:
                from shapely.geometry import shape

                c = shape(grid.geometry).representative_point()
                found = [(c.x, c.y)]
            self.points[grid.pk] = found
        return rng.choice(self.points[grid.pk])


# ---------------------------------------------------------------------------- one case being made


class Demo:
    """Makes one case: picks a place and a problem, then calls services with the clock moving on."""

    def __init__(
        self, cast: Cast, clock: WorkClock, rng: random.Random, now: list, start: dt.datetime, limit
    ):
        self.cast, self.clock, self.rng, self._now = cast, clock, rng, now
        self.limit = limit - dt.timedelta(minutes=5)  # never in the future
        self.case: Case | None = None
        self.p = cast.people
        # Start in working hours when that is not in the future (a fresh case on a Saturday stays there).
        at_work = clock.add(start, rng.uniform(0, 90))
        self.t = at_work if at_work < self.limit - dt.timedelta(hours=3) else start
        self._now[0] = timezone.make_aware(self.t)

    # time

    def _set(self, moment: dt.datetime) -> None:
        # Steps that would fall after the present happen just before it, one second apart.
        moment = max(min(moment, self.limit), self.t + dt.timedelta(seconds=1))
        self.t = moment
        self._now[0] = timezone.make_aware(moment)
        # The beat sweeps every minute; here it sweeps before each step, at that step's time.
        sweep(now=self._now[0])

    def wait(self, minutes: float, natural: bool = False) -> None:
        """About `minutes` of working time (natural time when `natural`), before the next step."""
        minutes = self.rng.lognormvariate(math.log(minutes), 0.5)
        moment = self.t + dt.timedelta(minutes=minutes) if natural else self.clock.add(self.t, minutes)
        self._set(moment)

    # places and problems

    def staffed_place(self, component: bool = False):
        """(grid, category, component, department) where the suggested department has a staff member."""
        rng, cast = self.rng, self.cast
        if component and cast.components:
            c = rng.choice(cast.components)
            suggestion = suggest_department(category=c.category, component=c, grid=c.grid)
            if suggestion and suggestion.department.pk in cast.staff:
                return c.grid, c.category, c, cast.staff[suggestion.department.pk]
        for _ in range(30):
            grid = rng.choice(cast.grids)
            category = self.event()
            suggestion = suggest_department(category=category, grid=grid)
            if suggestion and suggestion.department.pk in cast.staff:
                return grid, category, None, cast.staff[suggestion.department.pk]
        # No lucky draw: the dispatcher sends it to a department that has staff (a legal override).
        return rng.choice(cast.grids), self.event(), None, next(iter(cast.staff.values()))

    def event(self) -> Category:
        return self.rng.choices(self.cast.events, weights=self.cast.event_weights)[0]

    # the services

    def report(
        self,
        actor,
        grid,
        category,
        *,
        component=None,
        source=None,
        self_resolved=False,
        original=None,
        caller: tuple[str, str] | None = None,
    ):
        rng = self.rng
        lng, lat = (component.lng, component.lat) if component else self.cast.point(rng, grid)
        kwargs = {}
        if source in (Source.HOTLINE_12345, Source.HOTLINE_8890, Source.PUBLIC, *CONTACT_CHANNELS):
            kwargs.update(reporter_name=rng.choice(_CALLERS), reporter_phone=f"13{rng.randrange(10**9):09d}")
        if channels.hotline_number(source or ""):
            self.cast.tickets += 1
            kwargs["hotline_ticket_no"] = f"YS{self.t:%y%m%d}{self.cast.tickets:04d}"  # YS: 演示
            # 诉求性质 and the regular callers (repeat callers, cases/caller_history.py), from a stream of
            # their own so that the demo's other choices stay as they were.
            side = random.Random(f"{self.t.isoformat()}|{grid.pk}|caller")
            kwargs["request_nature"] = side.choices(NATURES, weights=NATURE_WEIGHTS)[0]
            if side.random() < REGULAR_SHARE:
                kwargs["reporter_name"], kwargs["reporter_phone"] = side.choice(REGULAR_CALLERS)
        if caller:
            kwargs["reporter_name"], kwargs["reporter_phone"] = caller
        # Everyday words, as the generator writes them; from a stream of their own (seeded by the moment
        # and the place), so the demo's other random choices stay as they were.
        words = random.Random(f"{self.t.isoformat()}|{grid.pk}|{category.pk}")
        text = describe(
            words,
            code=category.code,
            name=category.name,
            kind=category.kind,
            source=source or Source.INSPECTOR,
            component_name=component.name if component else "",
        )
        self.case = s.case_report(
            actor=actor,
            category=category,
            component=component,
            lng=lng,
            lat=lat,
            source=source,
            description=f"{DEMO_TAG}{text}{'，已现场处理' if self_resolved else ''}",
            address=f"{grid.community.name}附近",
            photos=[photo(rng)] if source is None else None,  # inspectors photograph what they report
            self_resolved=self_resolved,
            after_photos=[photo(rng)] if self_resolved else None,
            at=timezone.make_aware(self.t),
            **kwargs,
        )
        return self.case

    def act(self, service, minutes: float | None = None, **kwargs) -> Case:
        """Call `service` on the case after `minutes` of working time; by default after the time its
        current step usually takes: a share of the step's limit, so steps are rarely late."""
        if minutes is None:
            limit = self.step_limit()
            self.wait(limit.minutes * 0.3, natural=limit.natural)
        else:
            self.wait(minutes)
        self.case = service(case=self.case, **kwargs)
        return self.case

    def step_limit(self):
        case = self.case
        step = STEP_FOR_STATUS[case.status]
        return self.cast.limits.get(step, case.category_id, case.urgency, case.variant, case.street_id)

    def inspector(self):
        return self.inspector_of(self.case.grid)

    def inspector_of(self, grid: Grid):
        """The grid's first inspector by username: whom the services send a 核实 to by default."""
        return grid.inspectors.order_by("username").first()

    def photo_files(self) -> list[str]:
        if self.case is None:
            return []
        rows = self.case.photos.values_list("image", "thumbnail", "original")
        return [n for row in rows for n in row if n]


def photo(rng: random.Random) -> SimpleUploadedFile:
    """A small generated JPEG: a street-coloured scene with a marked spot (PIL)."""
    image = Image.new("RGB", (320, 240), tuple(rng.randrange(90, 200) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 160, 320, 240), fill=(110, 110, 115))  # the road
    x, y = rng.randrange(40, 260), rng.randrange(60, 180)
    draw.ellipse((x, y, x + 50, y + 40), outline=(220, 30, 30), width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=70)
    return SimpleUploadedFile("demo.jpg", buffer.getvalue(), content_type="image/jpeg")
