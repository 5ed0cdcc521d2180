"""create_demo_cases fills a small district with cases in every state, made by the personas, once."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from cases.models import Case, CaseEvent, CasePhoto, CaseRequest
from cases.workflow import Status
from dispatch.models import Category, Department
from tests.factories import (
    CategoryFactory,
    CommunityFactory,
    ComponentFactory,
    DepartmentFactory,
    GridFactory,
    StreetFactory,
    UserFactory,
)
from tooling.demo.cases import DEMO_TAG, create_demo_cases

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")


@pytest.fixture
def small_district(db):
    """One street of four grids, its default unit and a water company, each with one staff member."""
    street = StreetFactory()
    inspector = UserFactory(username="inspector", roles=["inspector"])
    grids = [GridFactory(community=CommunityFactory(street=street), inspectors=[inspector]) for _ in range(4)]
    office = DepartmentFactory(kind=Department.Kind.STREET_OFFICE, street=street, is_street_default=True)
    water = DepartmentFactory(name="水务集团", kind=Department.Kind.ENTERPRISE)
    UserFactory(username="department", roles=["department"], department=office)
    UserFactory(username="department2", roles=["department"], department=water)
    for role in ("operator", "shift_leader", "dispatcher", "hotline", "supervisor"):
        UserFactory(username=role, roles=[role])
    for code, name in (("06010", "暴露垃圾"), ("06012", "道路不洁"), ("09006", "占道经营")):
        CategoryFactory(kind=Category.Kind.EVENT, code=code, major_code=code[:2], name=name)
    cover = CategoryFactory(code="01001", name="供水井盖")
    for grid in grids:
        ComponentFactory(grid=grid, category=cover, owner=water)
    return grids


def test_demo_cases_cover_every_state_and_are_made_once(small_district):
    started = timezone.now()
    made = create_demo_cases(60, note=lambda line: None)

    cases = Case.objects.filter(description__startswith=DEMO_TAG)
    assert made == cases.count() == 60
    assert {c.status for c in cases} == {s.value for s in Status}
    branches = {e.action for e in CaseEvent.objects.all()}
    assert branches >= {
        "approve_return",
        "approve_extension",
        "approve_suspension",
        "resume",
        "reopen",
        "callback",
    }
    assert cases.filter(rework_count__gt=0).exists() and cases.filter(self_resolved=True).exists()
    assert cases.filter(duplicate_of__isnull=False).exists()
    assert cases.exclude(hotline_ticket_no="").values("hotline_channel").distinct().count() == 2
    assert create_demo_cases(60, note=lambda line: None) == 0
    assert Case.objects.count() == 60
    # The simulated clock is gone again once the cases are made.
    assert abs(timezone.now() - started) < dt.timedelta(minutes=5)


def test_demo_has_channels_as_data_natures_and_a_repeat_caller(small_district):
    from django.db.models import Count

    from cases.caller_history import caller_history
    from tooling.demo.cast import REGULAR_CALLERS

    create_demo_cases(60, note=lambda line: None)
    cases = Case.objects.filter(description__startswith=DEMO_TAG)
    assert {"zmljl", "community"} <= set(cases.values_list("source", flat=True))
    hotline = cases.exclude(hotline_ticket_no="")
    assert hotline.exists() and not hotline.filter(request_nature="").exists()
    repeated = hotline.values("reporter_phone").annotate(n=Count("id")).filter(n__gte=2)
    assert REGULAR_CALLERS[0][1] in {row["reporter_phone"] for row in repeated}
    latest = hotline.filter(reporter_phone=REGULAR_CALLERS[0][1]).latest("created_at")
    assert caller_history(latest.reporter_phone, before=latest.created_at).earlier >= 1


def test_demo_histories_are_spread_over_the_past_month_in_order(small_district):
    create_demo_cases(60, note=lambda line: None)
    now = timezone.now()
    events = list(CaseEvent.objects.order_by("case_id", "id"))
    assert all(e.at <= now for e in events)
    by_case = {}
    for event in events:
        by_case.setdefault(event.case_id, []).append(event.at)
    assert all(times == sorted(times) for times in by_case.values())
    created = sorted(Case.objects.values_list("created_at", flat=True))
    assert created[0] < now - dt.timedelta(days=10) and created[-1] > now - dt.timedelta(days=2)
    # Ledger rows and photos carry the time of their own step, not the moment the demo was loaded.
    for request in CaseRequest.objects.all():
        asked = CaseEvent.objects.get(action=f"request_{request.kind}", payload__request=request.pk)
        assert request.requested_at == asked.at
    photos = CasePhoto.objects.select_related("event")
    assert photos.exists() and all(p.created_at == p.event.at for p in photos)


def test_the_command_reports_what_it_did(small_district, capsys):
    call_command("demo_cases", "--count", "45")
    call_command("demo_cases", "--count", "45")
    out = capsys.readouterr().out
    assert "已生成 45 个演示案件" in out and "已有 45 个演示案件" in out
