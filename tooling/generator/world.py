"""What the generator draws from: grids with their points and weights, categories, components,
departments, routing and the people who act — loaded once, kept as plain tuples and lists.

Nothing here is per case, so memory depends on the size of the district, never on how many cases
are generated.
"""

import random
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from itertools import accumulate
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from cases import rules
from cases.workflow import SYSTEM, Transition
from core.roles import Role
from dispatch.models import Category, Component, Department, RoutingRule
from dispatch.routing import suggest_department
from grids.locator import get_locator
from grids.models import Grid

POINTS_PER_GRID = 6
# A city with 10 million components does not need them all in memory: the first 200,000 by id will do.
MAX_COMPONENTS = 200_000

# The everyday 事项 of a Chinese district dominate its case load; the long tail shares what is left.
EVENT_WEIGHTS = {
    "06010": 14, "06012": 10, "09006": 9, "07001": 9, "09005": 5, "06036": 5, "09010": 4, "06042": 3,
    "06011": 3, "09009": 3, "06007": 2, "06001": 2, "06027": 1.5, "06028": 1.5, "06029": 1.5,
    "08004": 1.5, "09011": 1.5, "06013": 1.5, "07003": 1, "09001": 1, "06035": 1, "06034": 0.8,
    "08006": 0.8, "06040": 0.8, "06020": 0.5, "10001": 0.5,
}  # fmt: skip
TAIL_WEIGHT = 0.05
# Month factors (index 0 = January): barbecues in summer, snow in winter, burnt leaves in autumn.
SEASONAL = {
    "06029": (0.2, 0.2, 0.4, 0.8, 1.5, 2.5, 3, 3, 2, 0.8, 0.3, 0.2),
    "10001": (6, 5, 1, 0, 0, 0, 0, 0, 0, 0, 2, 6),
    "06020": (0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 1, 3, 3, 1),
    "06027": (0.8, 0.8, 0.8, 1, 1.2, 1.5, 1.6, 1.6, 1.3, 1, 0.8, 0.8),
}
# How often a type of component breaks, relative to how many there are.
COMPONENT_FACTORS = {"01037": 2.0, "03005": 2.0, "04002": 1.5, "02021": 1.5, "01004": 1.3}
# What an inspector fixes on the spot (自行处置), and what usually needs works (工程性).
TRIVIAL_EVENTS = frozenset({"06010", "06012", "07001", "06036", "09010"})
ENGINEERING_EVENTS = frozenset({"06001", "06013", "06023", "06048", "06049", "06050", "06051", "08003"})

ROADS = (
    "友谊路", "围堤道", "解放南路", "马场道", "大沽南路", "黑牛城道", "南京路", "浦口道", "珠江道", "紫金山路",
    "广东路", "琼州道", "洞庭路", "平山道", "气象台路", "宾水道", "永安道", "绍兴道", "郁江道", "泰山路",
)  # fmt: skip


class Picker:
    """Weighted choice by bisection over cumulative weights: far cheaper than random.choices per call."""

    def __init__(self, items: Sequence, weights: Sequence[float]):
        pairs = [(item, w) for item, w in zip(items, weights, strict=True) if w > 0]
        self.items = [item for item, _ in pairs]
        self.cumulative = list(accumulate(w for _, w in pairs))
        self.total = self.cumulative[-1] if self.cumulative else 0.0

    def __bool__(self) -> bool:
        return bool(self.items)

    def pick(self, rng: random.Random):
        return self.items[bisect_right(self.cumulative, rng.random() * self.total)]


@dataclass(frozen=True)
class GridInfo:
    id: int
    code: str
    community_id: int
    street_id: int
    district_code: str
    district_id: int
    place: str  # community name, for addresses
    inspectors: tuple[int, ...]  # user ids by username: services' send_verify picks the first
    points: tuple[tuple[float, float], ...]
    hot_category: int | None  # a hot spot's signature problem (a market's 占道经营)


@dataclass(frozen=True)
class CategoryInfo:
    id: int
    code: str
    name: str
    kind: str
    major_code: str


@dataclass(frozen=True)
class ComponentInfo:
    id: int
    code: str
    name: str
    category: int  # index into World.categories
    grid: int  # index into World.grids
    lng: float
    lat: float
    stub: object  # what suggest_department reads: code and its owner/maintainer/regulator


@dataclass
class World:
    grids: list[GridInfo]
    grid_picker: Picker
    categories: list[CategoryInfo]
    event_pickers: list[Picker]  # one per month
    component_picker: Picker  # over ComponentInfo
    components: dict[int, ComponentInfo]
    loose_component_picker: Picker  # 部件 categories, for reports without an inventoried component
    models: dict[int, Category]  # category id → instance, for routing
    departments: dict[int, Department]
    dispatch_pool: list[int]  # active departments a dispatcher might pick by hand
    role_users: dict[str, list[int]]
    user_roles: dict[int, set[str]]
    department_staff: dict[int, list[int]]
    rule_scopes: dict[int, str]  # category id → "street" / "community" where routing rules apply
    limits: object = None  # timed.Limits, set by generate_cases
    zone: object = None  # the local time zone the story times are in
    note: Callable[[str], None] = print
    created: list[str] = field(default_factory=list)  # gen_department_* users made on the way
    _routes: dict = field(default_factory=dict)
    _roles: dict = field(default_factory=dict)
    _category_index: dict = field(default_factory=dict)

    # ------------------------------------------------------------------ who acts

    def role_for(self, user_id: int | None, transition: Transition) -> str | None:
        """The role a user takes an edge in: the services' own rule, cached per user and edge."""
        key = (user_id, transition)
        if key not in self._roles:
            held = {SYSTEM} if user_id is None else self.user_roles.get(user_id, set())
            actor = SYSTEM if user_id is None else SimpleNamespace(is_active=True, roles=held)
            self._roles[key] = rules._pick_role(actor, transition)
        return self._roles[key]

    def someone(self, rng: random.Random, role: str, besides: int | None = None) -> int:
        users = self.role_users[role]
        if besides is not None and len(users) > 1:
            users = [u for u in users if u != besides]
        return users[rng.randrange(len(users))]

    def staff_of(self, rng: random.Random, department_id: int) -> int:
        """A staff member of the department; one `gen_department_<code>` is created where it has none."""
        staff = self.department_staff.get(department_id)
        if not staff:
            department = self.departments[department_id]
            user = _ensure_user(f"gen_department_{department.code}", Role.DEPARTMENT, department=department)
            staff = self.department_staff[department_id] = [user.pk]
            self.user_roles[user.pk] = {Role.DEPARTMENT.value}
            self.created.append(user.username)
        return staff[rng.randrange(len(staff))]

    # ------------------------------------------------------------------ where it goes

    def route(self, category: int, component: ComponentInfo | None, grid: GridInfo):
        """(department id, code, reason) from dispatch.routing.suggest_department, or None.

        Cached per what the answer can depend on, so a district needs a few hundred lookups rather
        than one per category × community: an owned component decides alone (先属主); a category no
        routing rule mentions goes to its street's default unit; rules narrowed to communities make
        the community matter.
        """
        info = self.categories[category]
        if component is not None and _owned(component.stub):
            key = ("component", component.id)
        else:
            component = None
            scope = self.rule_scopes.get(info.id)
            where = grid.community_id if scope == "community" else grid.street_id
            key = ("street", where) if scope is None else (info.id, where)
        if key not in self._routes:
            place = SimpleNamespace(
                community_id=grid.community_id, community=SimpleNamespace(street_id=grid.street_id)
            )
            suggestion = suggest_department(
                category=self.models[info.id], component=component.stub if component else None, grid=place
            )
            department = suggestion.department if suggestion else None
            self._routes[key] = (department.pk, department.code, suggestion.reason) if department else None
        return self._routes[key]

    def category_index(self, category_id: int) -> int:
        return self._category_index[category_id]

    def component_by_id(self, component_id: int | None) -> ComponentInfo | None:
        return self.components.get(component_id) if component_id else None


# ---------------------------------------------------------------------------- loading


class EmptyWorld(Exception):
    """The database lacks what cases need (grids, categories, departments): load the district first."""


def load_world(rng: random.Random, note: Callable[[str], None] = print) -> World:
    grids = _load_grids(rng, note)
    categories, models = _load_categories()
    if not any(c.kind == Category.Kind.EVENT for c in categories):
        raise EmptyWorld("没有启用的事项类别：请先运行 manage.py load_categories 或 load_demo")
    index = {c.id: i for i, c in enumerate(categories)}
    _mark_hot_spots(rng, grids, categories)
    departments = {d.pk: d for d in Department.objects.all()}
    parents = {d.parent_id for d in departments.values()}
    if not any(d.is_active for d in departments.values()):
        raise EmptyWorld("没有启用的部门：请先运行 manage.py load_demo 或导入部门")
    components, loose = _load_components(grids, categories, index, departments)
    role_users, user_roles, staff = _load_people(note)
    weights = [rng.lognormvariate(0, 0.7) * (8 if g.hot_category is not None else 1) for g in grids]
    return World(
        grids=grids,
        grid_picker=Picker(range(len(grids)), weights),
        categories=categories,
        event_pickers=[_event_picker(categories, month) for month in range(12)],
        component_picker=Picker(components, [c.stub.weight * weights[c.grid] for c in components]),
        components={c.id: c for c in components},
        loose_component_picker=loose,
        models=models,
        departments=departments,
        # A dispatcher picks a working unit, not an umbrella office with sections under it.
        dispatch_pool=[pk for pk, d in departments.items() if d.is_active and pk not in parents]
        or list(departments),
        role_users=role_users,
        user_roles=user_roles,
        department_staff=staff,
        rule_scopes=_rule_scopes(categories),
        note=note,
        _category_index=index,
    )


def _load_grids(rng: random.Random, note) -> list[GridInfo]:
    rows = list(
        Grid.objects.order_by("code").values_list(
            "id", "code", "community_id", "community__street_id", "community__street__district__code",
            "community__street__district_id", "community__name", "min_lng", "min_lat", "max_lng", "max_lat",
        )
    )  # fmt: skip
    if not rows:
        raise EmptyWorld("没有单元网格：请先运行 manage.py load_demo 或导入网格")
    inspectors = _grid_inspectors([r[0] for r in rows], note)
    points = _sample_points(rng, rows)
    return [
        GridInfo(pk, code, community, street, district, district_id, place, inspectors[pk], points[pk], None)
        for pk, code, community, street, district, district_id, place, *_bbox in rows
    ]


def _grid_inspectors(grid_ids: list[int], note) -> dict[int, tuple[int, ...]]:
    """Each grid's inspectors by username. A grid without one gets `gen_inspector`: 核实 and 核查 need one."""
    through = Grid.inspectors.through
    rows = (
        through.objects.filter(user__is_active=True)
        .order_by("user__username")
        .values_list("grid_id", "user_id")
    )
    found: dict[int, list[int]] = {}
    for grid_id, user_id in rows:
        found.setdefault(grid_id, []).append(user_id)
    missing = [pk for pk in grid_ids if pk not in found]
    if missing:
        user = _ensure_user("gen_inspector", Role.INSPECTOR)
        through.objects.bulk_create(
            [through(grid_id=pk, user_id=user.pk) for pk in missing], ignore_conflicts=True, batch_size=1000
        )
        for pk in missing:
            found[pk] = [user.pk]
        note(f"{len(missing)} 个网格没有责任监督员，已指派 {user.username}")
    return {pk: tuple(users) for pk, users in found.items()}


def _sample_points(rng: random.Random, rows) -> dict[int, tuple]:
    """A few positions per grid that the locator itself puts in that grid (a bbox corner may not be)."""
    tries = POINTS_PER_GRID * 2
    candidates, owners = [], []
    for pk, *_, min_lng, min_lat, max_lng, max_lat in rows:
        for _ in range(tries):
            candidates.append(
                (round(rng.uniform(min_lng, max_lng), 6), round(rng.uniform(min_lat, max_lat), 6))
            )
            owners.append(pk)
    points: dict[int, list] = {pk: [] for pk, *_ in rows}
    for point, owner, ref in zip(candidates, owners, get_locator().find_many(candidates), strict=True):
        if ref is not None and ref.id == owner and len(points[owner]) < POINTS_PER_GRID:
            points[owner].append(point)
    for pk, found in points.items():
        if not found:  # a sliver no random point hit: its representative point is inside by definition
            from shapely.geometry import shape

            p = shape(Grid.objects.get(pk=pk).geometry).representative_point()
            found.append((round(p.x, 6), round(p.y, 6)))
    return {pk: tuple(found) for pk, found in points.items()}


def _load_categories():
    models = {c.pk: c for c in Category.objects.filter(is_active=True).order_by("kind", "code", "pk")}
    infos = [CategoryInfo(c.pk, c.code, c.name, c.kind, c.major_code) for c in models.values()]
    return infos, models


def _mark_hot_spots(rng: random.Random, grids: list[GridInfo], categories: list[CategoryInfo]) -> None:
    """About 3 % of grids are hot spots (a market, a school gate), each with its signature problem."""
    common = [
        i for i, c in enumerate(categories) if c.kind == Category.Kind.EVENT and c.code in EVENT_WEIGHTS
    ]
    common = common or [i for i, c in enumerate(categories) if c.kind == Category.Kind.EVENT]
    for i, grid in enumerate(grids):
        if rng.random() < 0.03:
            grids[i] = replace(grid, hot_category=common[rng.randrange(len(common))])


def _owned(stub) -> bool:
    """Whether suggest_department answers from the component alone (an active owner, maintainer or regulator)."""
    return any(d is not None and d.is_active for d in (stub.owner, stub.maintainer, stub.regulator))


def _rule_scopes(categories: list[CategoryInfo]) -> dict[int, str]:
    rules = list(
        RoutingRule.objects.filter(is_active=True, department__is_active=True).values_list(
            "category_id", "kind", "major_code", "community_id"
        )
    )
    scopes = {}
    for c in categories:
        hits = [
            r for r in rules if r[0] == c.id or (r[0] is None and r[1] == c.kind and r[2] == c.major_code)
        ]
        if hits:
            scopes[c.id] = "community" if any(r[3] for r in hits) else "street"
    return scopes


def _event_picker(categories: list[CategoryInfo], month: int) -> Picker:
    items, weights = [], []
    for i, c in enumerate(categories):
        if c.kind != Category.Kind.EVENT:
            continue
        weight = EVENT_WEIGHTS.get(c.code, TAIL_WEIGHT)
        items.append(i)
        weights.append(weight * SEASONAL.get(c.code, (1,) * 12)[month])
    return Picker(items, weights)


def _load_components(grids, categories, index, departments):
    grid_index = {g.id: i for i, g in enumerate(grids)}
    rows = (
        Component.objects.filter(category__is_active=True)
        .exclude(status__in=[Component.Status.ABANDONED, Component.Status.REMOVED])
        .order_by("id")
        .values_list(
            "id",
            "code",
            "name",
            "category_id",
            "grid_id",
            "lng",
            "lat",
            "owner_id",
            "maintainer_id",
            "regulator_id",
        )
    )
    components = []
    for pk, code, name, category, grid, lng, lat, owner, maintainer, regulator in rows[:MAX_COMPONENTS]:
        if grid not in grid_index or category not in index:
            continue
        stub = SimpleNamespace(
            code=code,
            owner=departments.get(owner),
            maintainer=departments.get(maintainer),
            regulator=departments.get(regulator),
            weight=COMPONENT_FACTORS.get(categories[index[category]].code, 1.0),
        )
        components.append(
            ComponentInfo(
                pk,
                code,
                name or categories[index[category]].name,
                index[category],
                grid_index[grid],
                lng,
                lat,
                stub,
            )
        )
    kinds = [i for i, c in enumerate(categories) if c.kind == Category.Kind.COMPONENT]
    counts = {i: 0 for i in kinds}
    for component in components:
        counts[component.category] += 1
    # A report about a component not in the inventory: types with many components break more often.
    loose = Picker(kinds, [1 + counts[i] for i in kinds])
    return components, loose


def _load_people(note):
    user_model = get_user_model()
    role_users: dict[str, list[int]] = {}
    user_roles: dict[int, set[str]] = {}
    staff: dict[int, list[int]] = {}
    memberships = (
        user_model.objects.filter(is_active=True, groups__name__in=[r.value for r in Role])
        .order_by("username")
        .values_list("id", "groups__name", "department_id")
    )
    for user_id, role, department_id in memberships:
        user_roles.setdefault(user_id, set()).add(role)
        role_users.setdefault(role, []).append(user_id)
        if role == Role.DEPARTMENT and department_id:
            staff.setdefault(department_id, []).append(user_id)
    for role in (Role.OPERATOR, Role.SHIFT_LEADER, Role.DISPATCHER, Role.HOTLINE, Role.SUPERVISOR):
        if not role_users.get(role):
            user = _ensure_user(f"gen_{role.value}", role)
            role_users[role] = [user.pk]
            user_roles.setdefault(user.pk, set()).add(role.value)
            note(f"没有{role.label}用户，已创建 {user.username}")
    return role_users, user_roles, staff


def _ensure_user(username: str, role: Role, department=None):
    with transaction.atomic():
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"first_name": f"生成{role.label}", "department": department}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get_or_create(name=role.value)[0])
    return user
