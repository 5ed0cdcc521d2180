"""The demo district that `manage.py load_demo` builds: what a demo user relies on being there."""

import pytest
import shapely
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from shapely.geometry import Polygon, shape

from core.roles import Role
from dispatch.models import Category, Component, Department
from grids.codes import code_errors
from grids.models import Community, District, Grid, Street
from notices.models import Channel, SmsProvider
from tooling.demo.district import plan_district

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup, django_db_blocker):
    """Load once for the module inside a transaction that is rolled back afterwards.

    Each test's own transaction nests inside it as a savepoint, so the tests see the demo and the
    rest of the suite does not.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", verbosity=0)
        yield
        transaction.set_rollback(True)


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (District, Street, Community, Grid, Department, Category, Component, User)
    } | {"grid inspectors": Grid.inspectors.through.objects.count()}


def test_the_district_has_its_fourteen_streets_in_code_order():
    district = District.objects.get(code="120103")
    streets = list(district.streets.order_by("code").values_list("code", "name"))
    assert len(streets) == 14
    assert streets[0] == ("120103001", "大营门街道")
    assert streets[-1] == ("120103014", "太湖路街道")
    assert all(street.communities.count() >= 3 for street in district.streets.all())


def test_grids_tile_the_district_without_gaps_or_overlaps():
    polygons = [shape(geometry) for geometry in Grid.objects.values_list("geometry", flat=True)]
    assert len(polygons) >= 1500
    union = shapely.union_all(polygons)
    total = sum(p.area for p in polygons)
    assert union.area == pytest.approx(total, rel=1e-6)  # any overlap would make the sum larger
    assert isinstance(union, Polygon)  # one piece …
    assert len(union.interiors) == 0  # … with no holes: no gaps inside the district
    district = shape(District.objects.get(code="120103").geometry)
    assert district.symmetric_difference(union).area == pytest.approx(0, abs=1e-12)


def test_every_grid_code_is_valid_and_under_its_community():
    for code, community_code, area in Grid.objects.values_list("code", "community__code", "area_m2"):
        assert code_errors("grid", code, community_code) == [], code
        assert area > 0


def test_components_lie_inside_their_grids():
    polygons = {pk: shape(geometry) for pk, geometry in Grid.objects.values_list("pk", "geometry")}
    rows = list(Component.objects.values_list("code", "grid_id", "lng", "lat"))
    assert len(rows) >= 5000
    outside = [
        code for code, grid_id, lng, lat in rows if not shapely.contains_xy(polygons[grid_id], lng, lat)
    ]
    assert outside == []


def test_components_go_to_their_owner_first():
    lamp = Component.objects.filter(category__code="01037").select_related("owner").first()
    water = Component.objects.filter(category__code="01001").select_related("owner").first()
    assert lamp.owner.name == "区路灯管理所"
    assert water.owner.name.startswith("天津水务集团")
    assert not Component.objects.filter(owner__isnull=True).exists()


def test_each_street_has_one_default_unit_for_events():
    for street in Street.objects.all():
        defaults = Department.objects.filter(street=street, is_street_default=True)
        assert [d.name for d in defaults] == [f"{street.name}公共管理办（市容环卫）"]


def test_one_user_per_role_with_its_group():
    for role in Role:
        user = User.objects.get(username=role.value)
        assert user.has_role(role), role
        assert user.get_full_name()
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser


def test_the_inspector_holds_grids_and_every_grid_has_an_inspector():
    assert User.objects.get(username="inspector").grids.count() >= 20
    assert not Grid.objects.filter(inspectors__isnull=True).exists()


def test_the_department_user_works_in_a_street_office():
    department = User.objects.get(username="department").department
    assert department.kind == Department.Kind.STREET_OFFICE
    assert department.street is not None


def test_the_demo_department_hears_of_work_by_sms_and_the_leader_gets_the_digest():
    department = User.objects.get(username="department").department
    sms = Channel.objects.filter(department=department, kind=Channel.Kind.SMS, is_active=True)
    assert sms.filter(escalation=False).exists() and sms.filter(escalation=True).exists()
    assert Channel.objects.filter(user__username="supervisor", digest=True).exists()
    # The admin shows the SMS provider the demo uses: the log, until a district enters its 腾讯云 keys.
    assert SmsProvider.objects.get(is_active=True).kind == SmsProvider.Kind.LOG


def test_a_second_load_changes_nothing():
    before = _counts()
    last_edit = max(Grid.objects.values_list("updated_at", flat=True))
    passwords = dict(User.objects.values_list("username", "password"))
    channels = Channel.objects.count()
    call_command("load_demo", verbosity=0)
    assert _counts() == before
    assert Channel.objects.count() == channels
    assert max(Grid.objects.values_list("updated_at", flat=True)) == last_edit
    assert dict(User.objects.values_list("username", "password")) == passwords


def test_the_plan_is_deterministic():
    first, second = plan_district(), plan_district()
    assert [(g.code, g.geometry.wkb) for g in first.grids] == [(g.code, g.geometry.wkb) for g in second.grids]


def test_the_demo_has_contractors_with_an_assessed_month_and_inspections_to_do():
    from assessment.models import Contractor, Inspection, MonthlyAssessment

    assert Contractor.objects.count() == 3
    assert MonthlyAssessment.objects.count() == 3
    assert all(m.inspections > 0 and m.grade for m in MonthlyAssessment.objects.all())
    assert Inspection.objects.filter(state="assigned").count() == 9


def test_the_base_map_roads_carry_the_gazetteer_names():
    from grids.models import Place, Road
    from tooling.demo.gazetteer import ROADS

    assert set(Road.objects.values_list("name", flat=True)) == {name for name, *_ in ROADS}
    assert set(Place.objects.filter(kind="road").values_list("name", flat=True)) <= set(
        Road.objects.values_list("name", flat=True)
    )


def test_patrols_yesterday_and_today_with_coverage_and_missed_grids():
    from datetime import timedelta

    from django.utils import timezone

    from patrols.models import GridCoverage, GridPatrolPlan, Patrol
    from patrols.selectors import missed_patrols

    today = timezone.localdate()
    # Yesterday's patrols are whole days; today's exist only once the morning round has begun, so a test
    # run just after midnight finds none yet.
    yesterday = today - timedelta(days=1)
    assert Patrol.objects.filter(day=yesterday).exists()
    assert not Patrol.objects.filter(status="active").exists()
    covered = GridCoverage.objects.filter(day=yesterday)
    assert covered.count() > 10 and max(covered.values_list("coverage", flat=True)) > 0.8
    assert GridPatrolPlan.objects.filter(grid_class=2).exists()
    assert missed_patrols(today)  # most grids' inspectors did not walk them all
    before = Patrol.objects.count()
    from tooling.demo.patrols import save_patrol_demo

    assert save_patrol_demo("120103") == 0 and Patrol.objects.count() == before


def test_demo_password_set_on_an_existing_database_reaches_every_demo_account(settings):
    """The banner prints DEMO_PASSWORD; before, an existing database kept the old one (issue 16.9)."""
    settings.DEMO_PASSWORD, settings.DEMO_PASSWORD_GIVEN = "another-demo-pw", True
    call_command("load_demo", verbosity=0)

    for username in ("inspector", "operator", "admin", "inspector_001"):
        assert User.objects.get(username=username).check_password("another-demo-pw"), username
