"""The live feed behind the wall (issue #23 point 1): published on commit, replayed by id, polled."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import transaction
from django.urls import reverse

from cases import services
from live import hub as hubs
from live.models import LiveEvent
from tests.cases.conftest import report

pytestmark = pytest.mark.django_db


def test_a_report_becomes_a_feed_row_only_when_its_transaction_commits(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        case = report(world)
    assert not LiveEvent.objects.exists()  # nothing before the commit
    for callback in callbacks:
        callback()
    row = LiveEvent.objects.get()
    assert row.case_id == case.pk
    message = row.as_message()
    assert message["new"] is True and message["number"] == case.number and message["open"] is True
    assert message["url"] == reverse("case-detail", args=[case.pk])


def test_a_rolled_back_report_never_reaches_the_feed(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                report(world)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert not LiveEvent.objects.exists()


def test_polling_returns_the_events_after_an_id_and_resync_when_they_are_gone(
    world, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = report(world)
        second = report(world, description="又一处暴露垃圾")
    client.force_login(world.p.shift_leader)
    ids = list(LiveEvent.objects.values_list("id", flat=True))
    answer = client.get(reverse("live-events"), {"after": ids[0], "scope": "wall"}).json()
    assert [e["case"] for e in answer["events"]] == [second.pk]
    assert answer["last_id"] == ids[-1] and answer["resync"] is False
    LiveEvent.objects.filter(id=ids[0]).delete()  # pruned: a screen that saw nothing since must reload
    assert client.get(reverse("live-events"), {"after": ids[0] - 1}).json()["resync"] is True
    assert first.pk


def test_a_staff_page_hears_only_its_own_departments_cases(world, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = report(world)
        services.case_accept(case=case, actor=world.p.operator)
    client.force_login(world.p.other_department)
    assert client.get(reverse("live-events"), {"scope": "staff"}).json()["events"] == []


def test_the_wall_is_for_the_command_centre(world, client):
    client.force_login(world.p.inspector)
    assert client.get(reverse("wall")).status_code == 403
    assert client.get(reverse("wall-snapshot")).status_code == 403
    client.force_login(world.p.supervisor)
    assert client.get(reverse("wall")).status_code == 200


def test_the_snapshot_names_the_feed_position_it_reflects(world, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = report(world)
    client.force_login(world.p.supervisor)
    snap = client.get(reverse("wall-snapshot")).json()
    assert snap["last_id"] == LiveEvent.objects.get().pk
    assert snap["counts"]["reported"] == 1 and snap["counts"]["open"] == 1
    assert snap["latest"][0]["number"] == case.number
    assert [row[0] for row in snap["map"]] == [case.pk]
    assert {r["key"] for r in snap["rates"]} >= {"filing_rate", "closure_rate"}


def test_under_wsgi_the_stream_refuses_at_once_so_the_page_polls(world, client):
    client.force_login(world.p.supervisor)
    response = client.get(reverse("live-stream"), {"scope": "wall"})
    assert response.status_code == 503


def test_the_hub_hands_out_rows_in_order_and_waits_for_a_missing_id(monkeypatch, settings):
    settings.REDIS_URL = ""
    monkeypatch.setattr(hubs, "GAP_SECONDS", 0.3)
    base = 40
    rows = [{"id": base + 1}, {"id": base + 3}]  # base+2 not committed yet

    async def fake_read(after, limit=500):
        return [r for r in rows if r["id"] > after]

    async def fake_last_id():
        return base

    monkeypatch.setattr(hubs, "read_after", fake_read)
    monkeypatch.setattr(hubs, "last_id", fake_last_id)

    async def scenario():
        hub = hubs.Hub()
        await hub.start()
        hub.task.cancel()  # driven by hand below
        await hub.fetch()
        assert [r["id"] for r in hub.ring] == [base + 1]
        rows.insert(1, {"id": base + 2})  # it commits
        await hub.fetch()
        assert [r["id"] for r in hub.ring] == [base + 1, base + 2, base + 3]
        assert await hub.after(base + 1, timeout=0.1) == [{"id": base + 2}, {"id": base + 3}]
        rows.append({"id": base + 5})  # base+4 rolled back: given up after GAP_SECONDS
        await hub.fetch()
        assert hub.cursor == base + 3
        await asyncio.sleep(0.35)
        await hub.fetch()
        assert hub.cursor == base + 5

    # On a thread of its own: Playwright's loop may be running on this one (tests/live/test_asgi.py).
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, scenario()).result()
