"""巡查覆盖 in the KPI reports (kpi.reports.EXTRA_SECTIONS)."""

from datetime import timedelta

import pytest
import time_machine

from kpi.reports import build_report
from patrols import services
from tests.patrols.conftest import points_along

pytestmark = pytest.mark.django_db


def test_the_daily_report_has_the_grid_coverage_section(world, morning):
    with time_machine.travel(morning, tick=False):
        patrol = services.patrol_start(actor=world.p.inspector)
    with time_machine.travel(morning + timedelta(minutes=5), tick=False):
        services.patrol_upload(
            patrol=patrol,
            actor=world.p.inspector,
            batch_key="b",
            points=points_along(117.2000, 39.0505, at=morning + timedelta(minutes=1), n=11),
        )
    services.compute_coverage(morning.date())
    report = build_report("daily", morning.date(), user=world.p.supervisor)
    section = report.section("patrol_coverage")
    row = section.rows[0]
    assert row["grid"] == world.grid.code
    assert row["coverage"] == pytest.approx(0.90, abs=0.01)
    assert row["days_patrolled"] == 1 and row["patrol_hours"] == pytest.approx(100 / 3600, abs=0.01)
    # a department's report is about its cases, not about patrols
    by_department = build_report("daily", morning.date(), department=world.office.code)
    assert "patrol_coverage" not in [s.key for s in by_department.sections]


def test_the_dashboard_shows_the_periods_coverage_to_supervisors_only(world, morning, client):
    """The day's 面积覆盖率 on the KPI dashboard (kpi/web/dashboard_sections.py), linking to the patrol map;
    a department's dashboard is about its cases, and tracks are not its business."""
    with time_machine.travel(morning, tick=False):
        patrol = services.patrol_start(actor=world.p.inspector)
    with time_machine.travel(morning + timedelta(minutes=5), tick=False):
        services.patrol_upload(
            patrol=patrol,
            actor=world.p.inspector,
            batch_key="b",
            points=points_along(117.2000, 39.0505, at=morning + timedelta(minutes=1), n=11),
        )
    services.compute_coverage(morning.date())
    day = morning.date().isoformat()
    client.force_login(world.p.supervisor)
    page = client.get("/kpi/", {"date_from": day, "date_to": day}).content.decode()
    grids = world.grid.__class__.objects.count()
    assert 'id="card-patrols-coverage"' in page and "/patrols/map/" in page
    assert f"{0.90 / grids * 100:.1f}%" in page  # one grid of `grids` patrolled, 90 % of it covered
    assert f"1 / {grids}" in page
    client.force_login(world.p.department)
    assert (
        'id="card-patrols-coverage"'
        not in client.get("/kpi/", {"date_from": day, "date_to": day}).content.decode()
    )
