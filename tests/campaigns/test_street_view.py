"""A street's sub-centre on the campaign pages (docs/domain.md §13, campaigns/selectors.py): its 街道指挥 and
街道领导 read the campaigns their street takes part in, with their street's tasks and 挂号 items only, and
act on none; another street's staff find none of it."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from campaigns import selectors
from campaigns.services import campaigns as svc
from campaigns.services import registry
from tests.cases.conftest import photo
from tests.factories import StreetFactory, UserFactory

pytestmark = pytest.mark.usefixtures("media_root")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def plan(ctx):
    today = timezone.localdate()
    ours = svc.task_add(
        campaign=ctx.c,
        actor=ctx.p.supervisor,
        content="清理背街小巷堆物",
        deadline=today,
        department=ctx.w.office,
    )
    theirs = svc.task_add(
        campaign=ctx.c,
        actor=ctx.p.supervisor,
        content="园林补植",
        deadline=today,
        department=ctx.w.other_dept,
    )
    lng, lat = ctx.w.inside
    item = registry.item_register(
        actor=ctx.p.inspector,
        campaign=ctx.c,
        title="人行道乱堆物料",
        lng=lng,
        lat=lat,
        department=ctx.w.office,
        deadline=today + timedelta(days=3),
        photos=[photo()],
    )
    elsewhere = svc.campaign_create(
        actor=ctx.p.supervisor, name="别街专项", period_start=today, period_end=today + timedelta(days=5)
    )
    return ours, theirs, item, elsewhere


def test_street_staff_see_their_streets_campaign_tasks_and_items(ctx, plan):
    ours, theirs, item, elsewhere = plan
    for user in (ctx.p.street_dispatcher, ctx.p.street_leader):
        client = _client(user)
        listed = client.get("/campaigns/")
        assert listed.status_code == 200
        assert [r["campaign"] for r in listed.context["rows"]] == [ctx.c]  # not 别街专项
        page = client.get(f"/campaigns/{ctx.c.pk}/")
        assert page.status_code == 200
        assert page.context["tasks"] == [ours]  # the 园林中心's task is not the street's
        body = page.content.decode()
        assert "清理背街小巷堆物" in body and "园林补植" not in body and "人行道乱堆物料" in body
        assert "布置任务" not in body and "报告进度" not in body  # they read; they do not act
        assert client.get(f"/campaigns/{elsewhere.pk}/").status_code == 404
        assert client.get(f"/register/{item.pk}/").status_code == 200
        # Acting stays with the office and the departments.
        assert client.get(f"/campaigns/{ctx.c.pk}/tasks/new/").status_code == 403
        assert client.get(f"/campaigns/tasks/{ours.pk}/report/").status_code == 403
    assert set(selectors.tasks_for(ctx.p.street_dispatcher)) == {ours}


def test_another_streets_staff_find_none_of_it(ctx, plan):
    ours, _theirs, item, _elsewhere = plan
    stranger = UserFactory(username="sdisp9", roles=["street_dispatcher"], street=StreetFactory())
    client = _client(stranger)
    assert client.get("/campaigns/").context["rows"] == []
    assert client.get(f"/campaigns/{ctx.c.pk}/").status_code == 404
    assert client.get(f"/register/{item.pk}/").status_code == 404
    assert not selectors.tasks_for(stranger).exists()


def test_the_overdue_list_holds_the_streets_overdue_tasks(ctx, plan):
    ours, theirs, _item, _elsewhere = plan
    yesterday = timezone.localdate() - timedelta(days=1)
    type(ours).objects.filter(pk__in=[ours.pk, theirs.pk]).update(deadline=yesterday)
    page = _client(ctx.p.street_leader).get("/campaigns/overdue/")
    assert page.status_code == 200
    assert list(page.context["tasks"]) == [ours]


def test_the_api_lists_the_streets_tasks(ctx, plan, api):
    ours, _theirs, _item, _elsewhere = plan
    api.force_authenticate(ctx.p.street_dispatcher)
    rows = api.get("/api/v1/campaign-tasks/").json()["results"]
    assert [r["id"] for r in rows] == [ours.pk]
