"""Issue #8, part c: every URL of the site, as every role, a user with no role and an anonymous visitor.

The table is `endpoints()` and `ADMIN_MODELS` in tests/security/permission_matrix.py. Every route the
resolver knows must have an entry there (and every entry a route): a new page or API route fails
`test_every_route_is_in_the_table` until someone writes down who may open it.

What is public, and why (everything else needs a sign-in: pages redirect to it, the API answers 401):
- /login/ and the language switch (/i18n/setlang/): needed before signing in.
- Open311 GeoReport v2 reads (docs/domain.md §9): public by the standard; reporter contact never appears.
  Posting a request needs an application's api_key, signed in or not.
- report photos under /media/: Open311 publishes a case's first report photo as its media_url. Every
  other photo (核实, 处置, 核查) only to those who may see the case.
- /healthz for orchestrators (says up or down, nothing else); /metrics only from private networks or
  with its bearer token (these requests come from a public address, so 403).
- /api/schema/ and /api/docs/: the interface description, no data; hotline systems integrate with an
  API key and have no user account to read it with.
- static files (served by WhiteNoise, outside the URL patterns).
"""

from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.utils import timezone

from cases import services
from cases.models import CasePhoto, CaseRequest, DuplicateSuspect, HotlineTicket, Notification
from enforcement.models import Agency, Outcome, Party
from tests.cases.conftest import case_in, hotline_report, photo, report
from tests.factories import ComponentFactory
from tests.security.permission_matrix import (
    ADMIN_LOGIN,
    ADMIN_MODELS,
    ANONYMOUS,
    LOGIN,
    PRINCIPALS,
    PUBLIC_ROUTES,
    STAFF,
    admin_expect,
    endpoints,
    walk_patterns,
)
from tests.security.permission_world import (  # noqa: F401 (fixtures)
    attempt,
    clients,
    closed_hotline_case,
    fast_passwords,
    is_login_redirect,
    media_root,
    principals,
    world,
)

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")


def campaign_targets(w, case):
    """A campaign with a task, a 挂号 item, a 回头看 rule and an open 回头看 of `case`, a hazard: all
    the responsibility of w.office (the department persona's)."""
    from datetime import timedelta

    from campaigns.models import FollowUp
    from campaigns.services import campaigns as campaign_svc
    from campaigns.services import followups as followup_svc
    from campaigns.services import hazards as hazard_svc
    from campaigns.services import registry as registry_svc

    p, today, (lng, lat) = w.p, timezone.localdate(), w.inside
    campaign = campaign_svc.campaign_create(
        actor=p.supervisor, name="专项", period_start=today, period_end=today + timedelta(days=30)
    )
    task = campaign_svc.task_add(
        campaign=campaign, actor=p.supervisor, content="清整", deadline=today, department=w.office
    )
    common = dict(lng=lng, lat=lat, department=w.office, deadline=today)
    item = registry_svc.item_register(actor=p.inspector, title="堆物", photos=[photo()], **common)
    rule = followup_svc.rule_create(actor=p.supervisor, name="回头看")
    now = timezone.now()
    followup = FollowUp.objects.create(
        rule=rule, case=case, inspector=p.inspector, state=FollowUp.State.OPEN, opens_at=now, due_at=now
    )
    hazard = hazard_svc.hazard_register(
        actor=p.inspector,
        kind="tree",
        level="general",
        title="树木倾斜",
        person_name="王",
        plan="加固",
        **common,
    )
    return campaign, task, item, rule, followup, hazard


@pytest.fixture
def targets(world):  # noqa: F811
    """The objects the URL table points at."""
    s, p = services, world.p
    case = report(world, photos=[photo()])
    case = s.case_accept(case=case, actor=p.operator)
    case = s.case_file(case=case, actor=p.shift_leader)
    case = s.case_dispatch(case=case, actor=p.dispatcher, department=world.office)
    case = s.case_submit_feedback(case=case, actor=p.department, result="已清理", photos=[photo()])
    fresh = hotline_report(world)
    pending = case_in(world, "in_progress", pending="return")
    component = ComponentFactory(grid=world.grid)
    photos = {ph.stage: ph.image.url for ph in CasePhoto.objects.filter(case=case)}
    assessed = assessment_targets(world)
    campaign, task, item, rule, followup, hazard = campaign_targets(world, case)
    return SimpleNamespace(
        **assessed,
        campaign=campaign,
        task=task,
        item=item,
        rule=rule,
        followup=followup,
        hazard=hazard,
        case=case,
        fresh=fresh,
        suspect=DuplicateSuspect.objects.get_or_create(case=fresh, original=case, defaults={"distance_m": 0})[
            0
        ],
        return_request=CaseRequest.objects.get(case=pending, kind="return"),
        closed_hotline=closed_hotline_case(world),
        notice=Notification.objects.create(
            user=p.department, case=case, kind=Notification.Kind.REMIND, title="【催办】测试"
        ),
        ticket=HotlineTicket.objects.create(
            channel="12345",
            ticket_no="PERM-0001",
            received_at=timezone.now(),
            description="某路口有垃圾",
            state=HotlineTicket.State.NEEDS_LOCATION,
        ),
        report_photo_url=photos[CasePhoto.Stage.REPORT],
        feedback_photo_url=photos[CasePhoto.Stage.FEEDBACK],
        lng=world.inside[0],
        lat=world.inside[1],
        district_code=world.street.district.code,
        street_code=world.street.code,
        community_code=world.community.code,
        grid_code=world.grid.code,
        category_pk=world.event_cat.pk,
        department_pk=world.office.pk,
        component_code=component.code,
        party_pk=Party.objects.create(name="门前三包测试店", street=world.street).pk,
        transfer_pk=Outcome.objects.create(
            case=case, kind=Outcome.Kind.TRANSFER, year=2026, agency=Agency.objects.first()
        ).pk,
    )


def assessment_targets(world):  # noqa: F811
    """A contractor with a road in the world's street, an inspection given to `inspector`, a done one
    with a failed item, and an assessed month."""
    from datetime import date
    from decimal import Decimal

    from assessment import services as a
    from assessment.models import (
        AreaType,
        Checklist,
        ChecklistItem,
        Contract,
        Contractor,
        Inspection,
        WorkArea,
    )

    contractor = Contractor.objects.create(name="权限测试环卫公司", kind="sanitation")
    contract = Contract.objects.create(
        contractor=contractor,
        number="PERM-1",
        starts_on=date(2026, 1, 1),
        ends_on=date(2027, 12, 31),
        monthly_fee=1000,
    )
    area = WorkArea.objects.create(
        contract=contract,
        name="测试路",
        street=world.street,
        area_type=AreaType.ROAD,
        road_class="1",
        lng=world.inside[0],
        lat=world.inside[1],
    )
    checklist = Checklist.objects.create(name="道路", area_type=AreaType.ROAD)
    item = ChecklistItem.objects.create(
        checklist=checklist, text="路面废弃物", deduction=Decimal("1"), category=world.event_cat
    )
    given = {
        "area": area,
        "checklist": checklist,
        "inspector": world.p.inspector,
        "planned_on": date(2026, 11, 3),
    }
    inspection = Inspection.objects.create(**given)
    done = a.inspection_record(
        inspection=Inspection.objects.create(**given),
        actor=world.p.inspector,
        findings=[a.FindingInput(item, 1)],
    )
    month = a.month_assess(contractor=contractor, month=date(2026, 11, 1), actor=world.p.supervisor)
    return {
        "contractor": contractor,
        "work_area": area,
        "inspection": inspection,
        "finding": done.findings[0],
        "month": month,
    }


def verdict(out, expected) -> bool:
    if expected == LOGIN:
        return is_login_redirect(out)
    if expected == ADMIN_LOGIN:
        return is_login_redirect(out, "/admin/login/")
    return out.status == expected


def shown(out) -> str:
    return f"{out.status} {out.location}".strip()


def run(probes, clients) -> list[str]:  # noqa: F811
    problems = []
    for probe in probes:
        for who in probe.sample or PRINCIPALS:
            expected = probe.expect[who]
            try:
                out = attempt(clients[who], probe.method, probe.url, probe.data)
            except Exception as exc:  # a 500: the test client re-raises the view's exception
                problems.append(f"{probe.method.upper()} {probe.url} as {who}: raised {exc!r}")
                continue
            if not verdict(out, expected):
                problems.append(
                    f"{probe.method.upper()} {probe.url} as {who}: expected {expected}, got {shown(out)}"
                    + (f" ({probe.why})" if probe.why else "")
                )
    return problems


class Stub:
    """Stands for every object the table points at when only its routes are read: "/cases/1/" …"""

    def __getattr__(self, name):
        return self

    def __format__(self, spec) -> str:
        return "1"


def test_every_route_is_in_the_table():
    routes, admin_routes = walk_patterns()
    listed = {probe.route for probe in endpoints(Stub())}
    assert routes - listed == set(), "routes nobody decided about: add them to endpoints()"
    assert listed - routes == set(), "entries for routes that no longer exist"
    assert admin_routes, "the admin is mounted"
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered == set(ADMIN_MODELS), "every model in the admin needs a row in ADMIN_MODELS"


def test_anonymous_visitors_reach_only_the_public_routes():
    """The table itself may open a route to strangers only through PUBLIC_ROUTES, with its reason."""
    closed = (LOGIN, 401, 403, 404, 405)
    reached = {probe.route for probe in endpoints(Stub()) if probe.expect[ANONYMOUS] not in closed}
    assert reached == set(PUBLIC_ROUTES)


def test_every_route_answers_each_principal_as_the_table_says(world, targets, clients):  # noqa: F811
    problems = run(endpoints(targets), clients)
    assert not problems, f"{len(problems)} cells disagree:\n" + "\n".join(problems)


def test_the_admin_site_opens_to_staff_by_their_roles(world, clients):  # noqa: F811
    from tests.security.permission_matrix import Probe

    probes = [Probe("admin:index", "/admin/", admin_expect(STAFF))]
    for label, (view, add) in ADMIN_MODELS.items():
        path = "/admin/{}/{}/".format(*label.split("."))
        probes += [
            Probe(f"admin:{label}", path, admin_expect(view)),
            Probe(f"admin:{label}", f"{path}add/", admin_expect(add)),
        ]
    problems = run(probes, clients)
    assert not problems, f"{len(problems)} cells disagree:\n" + "\n".join(problems)
