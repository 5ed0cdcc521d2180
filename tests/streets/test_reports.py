"""二级派遣 in the KPI reports (streets/reports.py) and on the street dashboard: one count, worked out by
hand from four tasks, shown alike in both (docs/domain.md §13)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.workflow import Status
from kpi import reports
from streets import dashboard, services
from streets.models import SubDispatch
from streets.reports import sub_dispatch_section
from tests.cases.conftest import case_in

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")


@pytest.fixture
def four(world, streets):
    """A: 社区, reported on time, accepted. B: 社区, reported late, returned; then sent on to the
    作业单位, not yet due. C: 作业单位, its deadline passed with no report."""
    d = world.p.street_dispatcher
    a, b, c = (case_in(world, Status.IN_PROGRESS) for _ in range(3))
    sub_a = services.sub_dispatch(case=a, unit=streets.community, hours=1, actor=d)
    services.sub_report(sub=sub_a, actor=streets.community_user, at=sub_a.due_at - timedelta(minutes=5))
    services.sub_accept(sub=sub_a, actor=d)
    sub_b = services.sub_dispatch(case=b, unit=streets.community, hours=1, actor=d)
    services.sub_report(sub=sub_b, actor=streets.community_user, at=sub_b.due_at + timedelta(minutes=5))
    services.sub_return(sub=sub_b, actor=d, note="未清理干净")
    services.sub_dispatch(case=b, unit=streets.contractor, hours=1, actor=d)
    sub_c = services.sub_dispatch(case=c, unit=streets.contractor, hours=1, actor=d)
    # The unit's deadline passes (rather than wait an hour): overdue, never reported.
    SubDispatch.objects.filter(pk=sub_c.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    today = timezone.localdate()
    return (today - timedelta(days=1), today)


def test_the_report_section_counts_each_unit_by_hand(world, streets, four):
    section = sub_dispatch_section(*four, {}, None)

    assert section.key == "sub_dispatches"
    total, community, contractor = section.rows  # 合计, then the best 按期率 first
    assert {k: total[k] for k in ("total", "on_time", "overdue", "open", "accepted", "returned")} == {
        "total": 4,  # A, B, B again, C
        "on_time": 1,  # A
        "overdue": 2,  # B reported late, C past its deadline unreported
        "open": 2,  # B's second task (not yet due), C
        "accepted": 1,  # A
        "returned": 1,  # B's first
    }
    assert total["on_time_rate"] == pytest.approx(1 / 3)  # 1 ÷ (1 + 2)
    assert (community["unit"], community["total"], community["on_time"], community["overdue"]) == (
        "友谊社区居委会",
        2,
        1,
        1,
    )
    assert community["on_time_rate"] == 0.5  # 1 ÷ (1 + 1)
    assert (contractor["unit"], contractor["total"], contractor["on_time"], contractor["overdue"]) == (
        "环卫作业公司",
        2,
        0,
        1,
    )
    assert contractor["on_time_rate"] == 0.0  # 0 ÷ (0 + 1); B's second task is not due yet
    assert "别街社区" not in {r["unit"] for r in section.rows}  # sent nothing


def test_the_street_dashboard_shows_the_same_figures(world, streets, four):
    figures = dashboard.street_figures(world.street.pk, four)
    total = sub_dispatch_section(*four, {"street": world.street.code}, None).rows[0]

    assert (
        (figures.sub_dispatches, figures.sub_on_time, figures.sub_overdue)
        == (
            total["total"],
            total["on_time"],
            total["overdue"],
        )
        == (4, 1, 2)
    )
    assert figures.sub_on_time_rate == pytest.approx(total["on_time_rate"])
    from django.test import Client

    client = Client()
    client.force_login(world.p.street_leader)
    page = client.get("/streets/dashboard/")
    assert page.context["figures"].sub_on_time_rate == pytest.approx(1 / 3)
    assert 'data-figure="sub-on-time"' in page.content.decode() and "33%" in page.content.decode()


def test_a_filter_the_section_cannot_honour_leaves_it_out(world, streets, four):
    assert sub_dispatch_section(*four, {"department": world.office.code}, None) is None
    assert sub_dispatch_section(*four, {"street": streets.other_street.code}, None) is None


def test_the_daily_and_monthly_reports_carry_the_section(world, streets, four):
    today = timezone.localdate()
    daily = reports.build_report("daily", today)
    assert daily.section("sub_dispatches").rows[0]["total"] == 4
    monthly = reports.build_report("monthly", today)
    assert monthly.section("sub_dispatches").rows[0]["on_time"] == 1
    body = reports.report_to_json(monthly)
    assert any(s["key"] == "sub_dispatches" for s in body["sections"])
