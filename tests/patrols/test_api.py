"""The patrol API: the phone's calls (start, batches, end) and the supervisor's reads (docs/domain.md §12)."""

from datetime import timedelta

import pytest
import time_machine
from rest_framework.test import APIClient

from patrols import services
from patrols.models import GridCoverage, GridPatrolPlan, TrackPoint
from tests.patrols.conftest import points_along

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_phone_starts_uploads_twice_and_ends(world, morning):
    phone = api(world.p.inspector)
    with time_machine.travel(morning, tick=False):
        started = phone.post("/api/v1/patrols/", {"client_key": "k1"}, format="json")
    assert started.status_code == 201 and started.json()["status"] == "active"
    pk = started.json()["id"]
    batch = {"batch_key": "b1", "points": points_along(117.2001, 39.0505, at=morning + timedelta(minutes=1))}
    with time_machine.travel(morning + timedelta(minutes=3), tick=False):
        first = phone.post(f"/api/v1/patrols/{pk}/points/", batch, format="json").json()
        again = phone.post(f"/api/v1/patrols/{pk}/points/", batch, format="json").json()
        ended = phone.post(f"/api/v1/patrols/{pk}/end/")
    assert (first["stored"], first["replayed"]) == (9, False)
    assert (again["stored"], again["replayed"]) == (0, True)
    assert TrackPoint.objects.count() == 9
    assert ended.json()["status"] == "ended" and ended.json()["point_count"] == 9
    track = phone.get(f"/api/v1/patrols/{pk}/track/").json()
    assert len(track["features"][0]["geometry"]["coordinates"]) == 9


def test_bad_points_are_400_naming_the_field(world, morning):
    phone = api(world.p.inspector)
    with time_machine.travel(morning, tick=False):
        pk = phone.post("/api/v1/patrols/", {}, format="json").json()["id"]
        answer = phone.post(
            f"/api/v1/patrols/{pk}/points/", {"batch_key": "b", "points": [{"lng": 1}]}, format="json"
        )
    assert answer.status_code == 400 and "points" in answer.json()


def test_who_sees_what(world, morning):
    with time_machine.travel(morning, tick=False):
        mine = services.patrol_start(actor=world.p.inspector)
        services.patrol_start(actor=world.p.other_inspector)
    assert [p["id"] for p in api(world.p.inspector).get("/api/v1/patrols/").json()["results"]] == [mine.pk]
    assert api(world.p.supervisor).get("/api/v1/patrols/").json()["count"] == 2
    assert api(world.p.supervisor).get("/api/v1/patrols/", {"inspector": "insp"}).json()["count"] == 1
    assert api(world.p.other_inspector).post(f"/api/v1/patrols/{mine.pk}/end/").status_code == 404
    assert api(world.p.operator).get("/api/v1/patrols/").status_code == 403
    assert api(world.p.operator).post("/api/v1/patrols/", {}, format="json").status_code == 403
    assert api(world.p.inspector).get("/api/v1/patrol-coverage/").status_code == 403


def test_coverage_and_missed_patrols(world, morning):
    GridPatrolPlan.objects.create(grid=world.other_grid, grid_class=2)
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
    boss = api(world.p.supervisor)
    rows = boss.get("/api/v1/patrol-coverage/", {"day": morning.date().isoformat()}).json()["results"]
    assert [(r["grid"], round(r["coverage"], 2)) for r in rows] == [(world.grid.code, 0.9)]
    assert boss.get("/api/v1/patrol-coverage/", {"min_coverage": 0.95}).json()["count"] == 0
    # world.grid patrolled today; other_grid (二类) never: missed.
    missed = boss.get("/api/v1/patrols/missed/", {"day": morning.date().isoformat()}).json()
    assert [(m["grid"], m["every_days"]) for m in missed] == [(world.other_grid.code, 2)]
    assert GridCoverage.objects.count() == 1
