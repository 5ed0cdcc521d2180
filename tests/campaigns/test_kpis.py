"""回潮率, 隐患整改率 and 按期整改率, and their sections in the 日/周/旬/月 reports."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns import kpis
from campaigns.models import FollowUp, Hazard
from campaigns.services import followups as followup_svc
from campaigns.services import hazards as hazard_svc
from kpi import reports
from tests.campaigns.conftest import case_in, photo

pytestmark = pytest.mark.django_db


def _hazard(ctx, **kw):
    lng, lat = ctx.w.inside
    return hazard_svc.hazard_register(
        actor=ctx.p.inspector,
        kind="manhole",
        level="general",
        title="井盖松动",
        lng=lng,
        lat=lat,
        department=ctx.w.office,
        person_name="王工",
        plan="更换",
        deadline=timezone.localdate() + timedelta(days=1),
        **kw,
    )


def _close(ctx, hazard):
    hazard_svc.hazard_submit(hazard=hazard, actor=ctx.p.department, note="完成", photos=[photo()])
    return hazard_svc.hazard_verify(hazard=hazard, actor=ctx.p.inspector, passed=True, photos=[photo()])


def test_hazard_fix_and_on_time_rates(ctx, media_root):
    on_time = _close(ctx, _hazard(ctx))
    late = _hazard(ctx)
    Hazard.objects.filter(pk=late.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    _close(ctx, late)
    _hazard(ctx)  # still open
    today = timezone.localdate()
    (row,) = kpis.hazard_rows(today, today)
    assert (row["found"], row["closed"], row["on_time"]) == (3, 2, 1)
    assert row["url"] == f"/hazards/?department={ctx.w.office.pk}"  # the report row drills down to them
    assert row["fix_rate"] == pytest.approx(2 / 3, abs=1e-4) and row["on_time_rate"] == 0.5
    assert on_time.on_time is True


def test_relapse_rate_per_street_department_and_category(ctx, media_root):
    followup_svc.rule_create(actor=ctx.p.supervisor, name="回头看", days_after=1)
    results = []
    for held in (True, False, True, True):
        case = case_in(ctx.w, "closed")
        followup = FollowUp.objects.get(case=case)
        FollowUp.objects.filter(pk=followup.pk).update(state=FollowUp.State.OPEN)
        results.append(
            followup_svc.followup_record(
                followup=followup, actor=ctx.p.inspector, held=held, photos=[photo()]
            )
        )
    today = timezone.localdate()
    for by in ("street", "department", "category"):
        (row,) = kpis.relapse_rows(today, today, by)
        assert (row["done"], row["back"], row["relapse_rate"]) == (4, 1, 0.25)
    assert kpis.relapse_rows(today, today, "department")[0]["name"] == ctx.w.office.name


def test_the_reports_carry_the_campaign_sections(ctx, media_root):
    _close(ctx, _hazard(ctx))
    report = reports.build_report("daily", timezone.localdate(), user=ctx.p.supervisor)
    keys = [s.key for s in report.sections]
    assert "campaigns" in keys and "hazards" in keys
    hazards = report.section("hazards")
    assert hazards.rows[0]["fix_rate"] == 1.0
    assert report.section("campaigns").rows[0]["name"] == ctx.c.name


def test_the_dashboard_shows_relapse_and_hazard_rates_linking_to_their_lists(ctx, media_root, client):
    followup_svc.rule_create(actor=ctx.p.supervisor, name="回头看", days_after=1)
    for held in (True, False):
        case = case_in(ctx.w, "closed")
        followup = FollowUp.objects.get(case=case)
        FollowUp.objects.filter(pk=followup.pk).update(state=FollowUp.State.OPEN)
        followup_svc.followup_record(followup=followup, actor=ctx.p.inspector, held=held, photos=[photo()])
    _close(ctx, _hazard(ctx))
    for _ in range(3):
        _hazard(ctx)  # still open
    today = timezone.localdate().isoformat()
    client.force_login(ctx.p.supervisor)
    page = client.get("/kpi/", {"date_from": today, "date_to": today}).content.decode()
    assert 'id="card-campaigns-relapse_rate"' in page and "50.0%" in page  # 1 回潮 of 2
    assert 'id="card-campaigns-hazard_fix_rate"' in page and "25.0%" in page  # 1 销号 of 4
    assert "/followups/" in page and "/hazards/" in page
