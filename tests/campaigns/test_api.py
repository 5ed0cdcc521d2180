"""The API: set up a campaign, tasks, 挂号/销号, 回头看 and hazards; refusals are 400/403/409 naming why."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns.models import FollowUp, Hazard
from tests.campaigns.conftest import case_in, photo

pytestmark = pytest.mark.django_db


def test_a_campaign_is_set_up_and_worked_through_the_api(api, ctx):
    api.force_authenticate(ctx.p.supervisor)
    today = timezone.localdate()
    response = api.post(
        "/api/v1/campaigns/",
        {
            "name": "金桥街 2026 年环境整治",
            "period_start": str(today),
            "period_end": str(today + timedelta(days=30)),
            "departments": [ctx.w.office.pk],
            "goals": [{"metric": "tasks_done", "target": "2", "label": "完成任务"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    late = api.post(
        f"/api/v1/campaigns/{pk}/tasks/",
        {
            "content": "道路环境清整",
            "deadline": str(today + timedelta(days=31)),
            "department": ctx.w.office.pk,
        },
        format="json",
    )
    assert late.status_code == 400 and late.json()["field"] == "deadline"
    assert "不在专项行动期间" in late.json()["detail"]
    task = api.post(
        f"/api/v1/campaigns/{pk}/tasks/",
        {
            "content": "道路环境清整",
            "deadline": str(today + timedelta(days=5)),
            "department": ctx.w.office.pk,
        },
        format="json",
    ).json()
    api.force_authenticate(ctx.p.department)
    done = api.post(
        f"/api/v1/campaign-tasks/{task['id']}/report/", {"progress": 100, "note": "完成"}, format="json"
    )
    assert done.status_code == 200 and done.json()["status"] == "done"
    again = api.post(
        f"/api/v1/campaign-tasks/{task['id']}/report/", {"progress": 100, "note": "x"}, format="json"
    )
    assert again.status_code == 409
    api.force_authenticate(ctx.p.other_department)
    assert api.get("/api/v1/campaign-tasks/").json()["count"] == 0  # another unit's task is not theirs
    api.force_authenticate(ctx.p.supervisor)
    figures = api.get(f"/api/v1/campaigns/{pk}/figures/").json()
    assert figures["figures"]["tasks_done"] == 1 and figures["goals"][0]["actual"] == 1


def test_register_and_clear_needs_a_check_photo(api, ctx, media_root):
    api.force_authenticate(ctx.p.inspector)
    lng, lat = ctx.w.inside
    created = api.post(
        "/api/v1/register-items/",
        {
            "title": "占道经营",
            "lng": lng,
            "lat": lat,
            "department": ctx.w.office.pk,
            "deadline": str(timezone.localdate()),
            "photos": [photo()],
        },
        format="multipart",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    refused = api.post(f"/api/v1/register-items/{pk}/clear/", {"note": "已清"}, format="multipart")
    assert refused.status_code == 400 and refused.json()["field"] == "photos"
    assert "核查照片" in refused.json()["detail"]
    cleared = api.post(f"/api/v1/register-items/{pk}/clear/", {"photos": [photo()]}, format="multipart")
    assert cleared.status_code == 200 and cleared.json()["status"] == "cleared"
    assert api.get("/api/v1/register-items/?status=cleared").json()["count"] == 1
    assert api.get("/api/v1/register-items/?overdue=true").json()["count"] == 0


def test_followup_back_through_the_api_links_a_new_case(api, ctx, media_root):
    api.force_authenticate(ctx.p.supervisor)
    rule = api.post("/api/v1/followup-rules/", {"name": "全部回头看", "days_after": 2}, format="json")
    assert rule.status_code == 201, rule.json()
    case = case_in(ctx.w, "closed")
    followup = FollowUp.objects.get(case=case)
    FollowUp.objects.filter(pk=followup.pk).update(state=FollowUp.State.OPEN)
    api.force_authenticate(ctx.p.inspector)
    mine = api.get("/api/v1/followups/?state=open").json()
    assert [f["case_number"] for f in mine["results"]] == [case.number]
    back = api.post(
        f"/api/v1/followups/{followup.pk}/record/",
        {"held": "false", "note": "又有垃圾", "photos": [photo()]},
        format="multipart",
    )
    assert back.status_code == 200, back.json()
    assert back.json()["state"] == "back" and back.json()["new_case_number"]


def test_hazards_through_the_api(api, ctx, media_root):
    api.force_authenticate(ctx.p.inspector)
    lng, lat = ctx.w.inside
    data = {
        "kind": "manhole",
        "level": "large",
        "title": "井盖缺失",
        "lng": lng,
        "lat": lat,
        "department": ctx.w.office.pk,
        "person_name": "王工",
        "plan": "当日设置围挡，三日内更换",
        "deadline": str(timezone.localdate() + timedelta(days=3)),
    }
    bad = api.post("/api/v1/hazards/", {**data, "level": "extreme"}, format="json")
    assert bad.status_code == 400 and "level" in bad.json()
    pk = api.post("/api/v1/hazards/", data, format="json").json()["id"]
    early = api.post(
        f"/api/v1/hazards/{pk}/verify/", {"passed": True, "photos": [photo()]}, format="multipart"
    )
    assert early.status_code == 409
    api.force_authenticate(ctx.p.department)
    assert (
        api.post(
            f"/api/v1/hazards/{pk}/submit/", {"note": "已更换", "photos": [photo()]}, format="multipart"
        ).status_code
        == 200
    )
    api.force_authenticate(ctx.p.inspector)
    closed = api.post(
        f"/api/v1/hazards/{pk}/verify/", {"passed": True, "photos": [photo()]}, format="multipart"
    )
    assert closed.json()["status"] == Hazard.Status.CLOSED and closed.json()["on_time"] is True
    api.force_authenticate(ctx.p.other_department)
    assert api.get("/api/v1/hazards/").json()["count"] == 0


def test_the_openapi_schema_describes_the_new_endpoints(api, ctx):
    api.force_authenticate(ctx.p.supervisor)
    schema = api.get("/api/schema/?format=json").json()
    for path in ("/api/v1/campaigns/", "/api/v1/hazards/{id}/verify/", "/api/v1/followups/{id}/record/"):
        assert path in schema["paths"]
