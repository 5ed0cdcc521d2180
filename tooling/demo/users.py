"""Demo users: one login per role (username = role code), plus street inspectors so every grid has one.

docs/domain.md §4: each grid has its responsible inspector, and a public report is sent to that inspector for
核实. The showcase `inspector` and `inspector2` hold two communities each; one street inspector per
street (inspector_001 …) holds the rest of the street, so a report anywhere in the district has
someone to verify it.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from core.roles import Role
from dispatch.models import Department
from grids.models import Grid, Street
from tooling.demo.departments import STREET_DEFAULT_UNIT, owner_code, street_office_code
from tooling.demo.district import DISTRICT_CODE, STREETS, street_code

DAYINGMEN, MEIJIANG = street_code(0), street_code(12)
MIN_INSPECTOR_GRIDS = 20


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: Role
    full_name: str
    note: str = ""
    department: str | None = None  # department code (department staff are bound to one, docs/domain.md §1)
    street: str | None = None  # inspectors: the street whose grids they hold
    showcase: bool = False  # inspectors: the first two communities (≥20 grids) instead of the rest


# Centre roles are staff so they can use the admin too; field roles work only in the app.
_STAFF = {Role.OPERATOR, Role.SHIFT_LEADER, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN}

USERS: tuple[DemoUser, ...] = (
    DemoUser("inspector", Role.INSPECTOR, "张伟", "大营门街道北部两社区", street=DAYINGMEN, showcase=True),
    DemoUser("inspector2", Role.INSPECTOR, "王磊", "梅江街道北部两社区", street=MEIJIANG, showcase=True),
    DemoUser("operator", Role.OPERATOR, "李娜", "监督中心"),
    DemoUser("shift_leader", Role.SHIFT_LEADER, "刘洋", "监督中心"),
    DemoUser("dispatcher", Role.DISPATCHER, "陈静", "指挥中心"),
    DemoUser(
        "department",
        Role.DEPARTMENT,
        "杨帆",
        "大营门街道公共管理办",
        street_office_code(DAYINGMEN, STREET_DEFAULT_UNIT),
    ),
    DemoUser("department2", Role.DEPARTMENT, "赵敏", "天津水务集团（供水井盖等）", owner_code("SW")),
    DemoUser("hotline", Role.HOTLINE, "黄丽", "12345 热线"),
    DemoUser("supervisor", Role.SUPERVISOR, "周建国", "区城管委领导"),
    DemoUser("admin", Role.ADMIN, "吴刚", "系统管理员（超级用户）"),
    # The city above the district (docs/domain.md §13): reads every case and ranks the districts.
    DemoUser("city_supervisor", Role.CITY_SUPERVISOR, "钱立新", "市城管委（市级监督）"),
    # 大营门街道's sub-centre (docs/domain.md §13); its units and their staff: demo_streets.
    DemoUser("street_dispatcher", Role.STREET_DISPATCHER, "钱进", "大营门街道指挥", street=DAYINGMEN),
    DemoUser("street_leader", Role.STREET_LEADER, "冯雪", "大营门街道领导", street=DAYINGMEN),
)
_STREET_ROLES = {Role.STREET_DISPATCHER, Role.STREET_LEADER}

# Deterministic invented names for the street inspectors, one per street in street-code order.
_STREET_INSPECTOR_NAMES = (
    "孙浩", "马超", "朱丽", "胡军", "郭婷", "何勇", "高洁", "林峰", "罗欣", "郑凯", "梁爽", "谢涛", "宋佳", "唐亮",
)  # fmt: skip
STREET_INSPECTORS: tuple[DemoUser, ...] = tuple(
    DemoUser(
        f"inspector_{street_code(i)[-3:]}",
        Role.INSPECTOR,
        name,
        f"{spec.name}网格监督员",
        street=street_code(i),
    )
    for i, (spec, name) in enumerate(zip(STREETS, _STREET_INSPECTOR_NAMES, strict=True))
)


def save_users() -> None:
    """Create the users that do not exist yet; existing accounts keep their details, and their password
    unless DEMO_PASSWORD is set, which every demo account then gets (so the banner is true)."""
    user_model = get_user_model()
    # Every demo account has the same published password, so one hash (one salt) serves them all:
    # hashing it per user would cost a second or more of PBKDF2 each, for no gain.
    password = make_password(settings.DEMO_PASSWORD)
    groups = {role: Group.objects.get_or_create(name=role.value)[0] for role in Role}
    departments = dict(Department.objects.filter(code__startswith=DISTRICT_CODE).values_list("code", "pk"))
    taken: set[int] = set()
    # Showcase inspectors first: the street inspectors get what they leave.
    for spec in sorted(USERS + STREET_INSPECTORS, key=lambda u: not u.showcase):
        user = user_model.objects.filter(username=spec.username).first()
        if user is None:
            user = user_model(
                username=spec.username,
                password=password,
                # The whole Chinese name in first_name: get_full_name() joins "first last" with a space,
                # which would print 伟 张 for a split name.
                first_name=spec.full_name,
                is_staff=spec.role in _STAFF,
                is_superuser=spec.role == Role.ADMIN,
                department_id=departments[spec.department] if spec.department else None,
                street=Street.objects.filter(code=spec.street).first()
                if spec.role in _STREET_ROLES
                else None,
            )
            user.save()
        elif settings.DEMO_PASSWORD_GIVEN:
            user.password = password
            user.save(update_fields=["password"])
        user.groups.add(groups[spec.role])  # a no-op when already a member
        if spec.street and spec.role == Role.INSPECTOR:
            taken |= _assign_grids(user, spec, taken)


def _assign_grids(user, spec: DemoUser, taken: set[int]) -> set[int]:
    grids = list(
        Grid.objects.filter(code__startswith=spec.street).order_by("code").values_list("pk", "community_id")
    )
    if spec.showcase:
        chosen, communities = [], []
        for pk, community in grids:
            if community not in communities:
                if len(communities) >= 2 and len(chosen) >= MIN_INSPECTOR_GRIDS:
                    break
                communities.append(community)
            chosen.append(pk)
    else:
        chosen = [pk for pk, _ in grids if pk not in taken]
    through = Grid.inspectors.through
    through.objects.bulk_create(
        [through(grid_id=pk, user_id=user.pk) for pk in chosen], ignore_conflicts=True, batch_size=500
    )
    return set(chosen)
