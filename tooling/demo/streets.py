"""The demo district's street sub-centre (docs/domain.md §13), made through the services (streets/):

- in 大营门街道, a unit per community (社区), a 物业 and a 作业单位, each with a sign-in for its staff;
- the street's 指挥 (`street_dispatcher`) and 领导 (`street_leader`);
- a few 二级派遣 on the street's cases in progress: one out, one reported waiting for 验收, one accepted;
  and one 提级 waiting in the district's queue.

Idempotent: nothing is made when the street's units exist. Run after `load_demo` and `demo_cases`.
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from cases.errors import ActionError
from cases.models import Case
from cases.workflow import Status
from core.roles import Role
from grids.models import Community, Street
from streets import services
from streets.models import Unit
from tooling.demo.users import DAYINGMEN

# The street's 指挥 and 领导 come with the demo's users (tooling/demo/users.py); made here too for a
# district loaded without them (the tests' small district).
STREET_USERS = (
    ("street_dispatcher", Role.STREET_DISPATCHER, "钱进"),
    ("street_leader", Role.STREET_LEADER, "冯雪"),
)
PROPERTY, CONTRACTOR = "大营门物业服务中心", "河西环卫作业三公司"


def _user(username: str, full_name: str, *, role=None, street=None, password: str):
    users = get_user_model().objects
    user, made = users.get_or_create(
        username=username,
        defaults={"first_name": full_name, "password": password, "street": street},
    )
    if role is not None:
        user.groups.add(Group.objects.get_or_create(name=role.value)[0])
    return user


def create_demo_streets(note: Callable[[str], None] = print) -> int:
    """The units, users and 二级派遣 above; returns how many 二级派遣 were made (0 when present)."""
    street = Street.objects.filter(code=DAYINGMEN).first() or Street.objects.order_by("code").first()
    if street is None:
        raise LookupError("请先运行 load_demo：没有街道")
    if Unit.objects.filter(street=street).exists():
        note("演示街道单位已存在，未重复生成")
        return 0
    password = make_password(settings.DEMO_PASSWORD)
    staff = {
        username: _user(username, name, role=role, street=street, password=password)
        for username, role, name in STREET_USERS
    }
    communities = list(Community.objects.filter(street=street).order_by("code"))
    units = []
    for i, community in enumerate(communities, start=1):
        unit = Unit.objects.create(
            name=f"{community.name}居委会", kind=Unit.Kind.COMMUNITY, street=street, community=community
        )
        unit.staff.add(
            _user(f"community{i}" if i > 1 else "community", f"{community.name}网格员", password=password)
        )
        units.append(unit)
    for name, kind, username in (
        (PROPERTY, Unit.Kind.PROPERTY, "property"),
        (CONTRACTOR, Unit.Kind.CONTRACTOR, "contractor"),
    ):
        unit = Unit.objects.create(name=name, kind=kind, street=street, contact="值班电话")
        unit.staff.add(_user(username, f"{name}负责人", password=password))
        units.append(unit)
    note(f"{street.name}：{len(units)} 个下属单位，街道指挥 street_dispatcher、街道领导 street_leader")

    dispatcher, leader = staff["street_dispatcher"], staff["street_leader"]
    made = 0
    cases = Case.objects.filter(street=street, status=Status.IN_PROGRESS).order_by("-created_at")[:40]
    plan = ["dispatched", "reported", "accepted", "dispatched", "accepted"]
    for case in cases:
        if made == len(plan):
            break
        unit = units[made % len(units)]
        try:
            sub = services.sub_dispatch(
                case=case, unit=unit, hours=2, actor=dispatcher, note="请尽快处置并反馈"
            )
        except ActionError:
            continue  # the street's own deadline is past or too near: not a case to send on
        if plan[made] in ("reported", "accepted"):
            services.sub_report(sub=sub, actor=unit.staff.first(), note="已处置完毕")
        if plan[made] == "accepted":
            services.sub_accept(sub=sub, actor=dispatcher, note="现场已核验")
        made += 1
    hard = Case.objects.filter(street=street, status=Status.IN_PROGRESS, sub_dispatches__isnull=True).first()
    if hard is not None:
        services.escalate(case=hard, actor=leader, reason="涉及多个产权单位，街道协调不下，请区级统筹")
        note(f"提级：{hard.number}")
    note(f"二级派遣 {made} 件")
    return made
