"""The data the API fuzzer runs against: a small district with cases in every state, a duplicate
suspect, notifications, hotline tickets and KPI rollups, plus the people (and machine) it calls as.

Everything is made through the services (tests/cases/conftest.py helpers), so the fuzzer meets the
rows a real district has, not hand-set ones.
"""

from types import SimpleNamespace

from django.utils import timezone
from rest_framework.authtoken.models import Token

from cases.intake import duplicates
from cases.models import ApiClient, Case, HotlineTicket, Notification
from cases.workflow import Status
from dispatch.models import Category, Department
from grids.models import District
from kpi import rollup
from tests.cases.conftest import case_in, hotline_report, report
from tests.factories import (
    CategoryFactory,
    CommunityFactory,
    ComponentFactory,
    DepartmentFactory,
    GridFactory,
    StreetFactory,
    UserFactory,
)

HOTLINE_KEY = "fuzz-hotline-12345-key"

# Who the fuzzer calls as. `chief` holds every district-wide role, so most actions are allowed and the
# deepest code paths run; `operator` is an ordinary centre user; `department` sees only its own cases;
# `hotline_system` is the 12345 machine client. Role lists are core/roles.py codes.
PERSONA_ROLES = {
    "chief": ["operator", "shift_leader", "dispatcher", "supervisor", "admin", "hotline"],
    "operator": ["operator"],
    "department": ["department"],
}


def build() -> SimpleNamespace:
    """Create the district, walk cases through the loop, and return what the fuzzer needs to know."""
    street = StreetFactory()
    community = CommunityFactory(street=street)
    office = DepartmentFactory(
        name="街道公共管理办", kind=Department.Kind.STREET_OFFICE, street=street, is_street_default=True
    )
    inspector = UserFactory(username="insp", roles=["inspector"])
    grid = GridFactory(community=community, west=117.20, south=39.05, inspectors=[inspector])
    other_grid = GridFactory(community=community, west=117.21, south=39.05)
    event_cat = CategoryFactory(
        kind=Category.Kind.EVENT, major_code="06", major_name="市容环境类", name="暴露垃圾"
    )
    component_cat = CategoryFactory(name="污水井盖")
    component = ComponentFactory(grid=grid, category=component_cat, owner=office)
    people = SimpleNamespace(
        inspector=inspector,
        operator=UserFactory(username="op", roles=["operator"]),
        shift_leader=UserFactory(username="lead", roles=["shift_leader"]),
        dispatcher=UserFactory(username="disp", roles=["dispatcher"]),
        department=UserFactory(username="dept", roles=["department"], department=office),
        hotline=UserFactory(username="hot", roles=["hotline"]),
    )
    world = SimpleNamespace(
        street=street,
        community=community,
        grid=grid,
        other_grid=other_grid,
        office=office,
        event_cat=event_cat,
        component_cat=component_cat,
        component=component,
        inside=(117.2005, 39.0505),
        other_inside=(117.2105, 39.0505),
        p=people,
    )

    cases = [case_in(world, status) for status in Status]
    cases.append(case_in(world, Status.IN_PROGRESS, pending="extension"))
    cases.append(case_in(world, Status.PENDING_DISPATCH, pending="void"))
    # Two reports at the same spot: the second is a suspected duplicate of the first.
    first = report(world, description="井盖缺失", category=component_cat)
    second = report(world, description="井盖丢了", category=component_cat)
    assert duplicates.find_suspects(second.pk), "the fuzzer needs a suspected duplicate to confirm or dismiss"
    cases += [first, second, hotline_report(world)]

    client = ApiClient.objects.create(
        name="12345 热线", kind=ApiClient.Kind.HOTLINE, channel="12345", api_key=HOTLINE_KEY
    )
    waiting = HotlineTicket.objects.create(
        channel="12345",
        ticket_no="H-0001",
        received_at=timezone.now(),
        description="小区门口垃圾无人清运",
        address="无法识别的地址",
        state=HotlineTicket.State.NEEDS_LOCATION,
        raw={},
    )

    personas = {
        name: UserFactory(
            username=f"fuzz_{name}", roles=roles, department=office if name == "department" else None
        )
        for name, roles in PERSONA_ROLES.items()
    }
    for user in personas.values():
        Notification.objects.create(user=user, case=cases[0], kind=Notification.Kind.INFO, title="测试")
    today = timezone.localdate()
    rollup.rollup_day(today)  # so the KPI endpoints read real fact and rollup rows

    return SimpleNamespace(
        world=world,
        personas=personas,
        tokens={name: Token.objects.create(user=user).key for name, user in personas.items()},
        hotline_client=client,
        case_ids=sorted(Case.objects.values_list("pk", flat=True)),
        suspect_case_id=second.pk,
        ticket=waiting,
        district_code=District.objects.get().code,
        today=today,
    )
