"""Patrol services: start, batches uploaded once, end, and a day's coverage stored (docs/domain.md §12)."""

from datetime import datetime, timedelta

import pytest
import time_machine

from patrols import services
from patrols.models import GridCoverage, Patrol, PatrolEvent, TrackPoint
from patrols.services import PatrolError
from tests.patrols.conftest import points_along

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_patrol(world, morning):
    with time_machine.travel(morning, tick=False):
        return services.patrol_start(actor=world.p.inspector, client_key="phone-1")


def test_start_is_idempotent_and_one_patrol_at_a_time(world, on_patrol, morning):
    again = services.patrol_start(actor=world.p.inspector, client_key="phone-1")
    other_tab = services.patrol_start(actor=world.p.inspector, client_key="phone-2")
    assert again.pk == other_tab.pk == on_patrol.pk
    assert on_patrol.day == morning.date()
    assert list(PatrolEvent.objects.values_list("action", flat=True)) == ["start"]


def test_only_inspectors_patrol(world):
    with pytest.raises(PatrolError) as refused:
        services.patrol_start(actor=world.p.operator)
    assert refused.value.status == 403


def test_a_batch_sent_twice_is_stored_once(world, on_patrol, morning):
    points = points_along(117.2001, 39.0505, at=morning + timedelta(minutes=1))
    with time_machine.travel(morning + timedelta(minutes=5), tick=False):
        first = services.patrol_upload(
            patrol=on_patrol, actor=world.p.inspector, batch_key="b1", points=points
        )
        again = services.patrol_upload(
            patrol=on_patrol, actor=world.p.inspector, batch_key="b1", points=points
        )
    assert (first.stored, first.replayed) == (9, False)
    assert (again.stored, again.replayed) == (0, True)
    assert TrackPoint.objects.count() == 9
    patrol = Patrol.objects.get()
    assert patrol.point_count == 9
    # 8 steps of 0.0001° of longitude at 39.05°N: 8 × 8.64 m
    assert patrol.distance_m == pytest.approx(69.1, abs=0.3)
    assert PatrolEvent.objects.filter(action="upload").count() == 1


def test_overlapping_batches_keep_one_point_per_instant(world, on_patrol, morning):
    points = points_along(117.2001, 39.0505, at=morning + timedelta(minutes=1), n=12)
    with time_machine.travel(morning + timedelta(minutes=5), tick=False):
        services.patrol_upload(patrol=on_patrol, actor=world.p.inspector, batch_key="b1", points=points[:8])
        # The phone lost the answer and re-sent its buffer with new points, under a new key.
        second = services.patrol_upload(
            patrol=on_patrol, actor=world.p.inspector, batch_key="b2", points=points[4:]
        )
    assert second.stored == 4
    patrol = Patrol.objects.get()
    assert patrol.point_count == TrackPoint.objects.count() == 12
    assert patrol.distance_m == pytest.approx(11 * 8.64, abs=0.4)


def test_a_late_batch_from_earlier_counts_again(world, on_patrol, morning):
    points = points_along(117.2001, 39.0505, at=morning + timedelta(minutes=1), n=10)
    with time_machine.travel(morning + timedelta(minutes=5), tick=False):
        services.patrol_upload(patrol=on_patrol, actor=world.p.inspector, batch_key="b2", points=points[5:])
        services.patrol_upload(patrol=on_patrol, actor=world.p.inspector, batch_key="b1", points=points[:5])
    patrol = Patrol.objects.get()
    assert patrol.point_count == 10
    assert patrol.distance_m == pytest.approx(9 * 8.64, abs=0.4)


def test_uploads_are_checked(world, on_patrol, morning):
    good = points_along(117.2001, 39.0505, at=morning + timedelta(minutes=1), n=2)
    with time_machine.travel(morning + timedelta(minutes=5), tick=False):
        with pytest.raises(PatrolError) as refused:
            services.patrol_upload(
                patrol=on_patrol, actor=world.p.other_inspector, batch_key="x", points=good
            )
        assert refused.value.status == 403
        yesterday = points_along(117.2001, 39.0505, at=morning - timedelta(days=1), n=2)
        with pytest.raises(PatrolError, match="不在本次巡查时段内"):
            services.patrol_upload(patrol=on_patrol, actor=world.p.inspector, batch_key="x", points=yesterday)
        with pytest.raises(PatrolError, match="第 2 个点"):
            services.patrol_upload(
                patrol=on_patrol,
                actor=world.p.inspector,
                batch_key="x",
                points=[good[0], {"at": good[1]["at"]}],
            )
        with pytest.raises(PatrolError, match="batch_key"):
            services.patrol_upload(patrol=on_patrol, actor=world.p.inspector, batch_key="", points=good)
    assert not TrackPoint.objects.exists()


def test_end_then_the_last_batch_still_arrives(world, on_patrol, morning):
    with time_machine.travel(morning + timedelta(minutes=30), tick=False):
        ended = services.patrol_end(patrol=on_patrol, actor=world.p.inspector)
        assert services.patrol_end(patrol=on_patrol, actor=world.p.inspector).ended_at == ended.ended_at
        last = points_along(117.2001, 39.0505, at=morning + timedelta(minutes=29), n=3)
        services.patrol_upload(patrol=ended, actor=world.p.inspector, batch_key="last", points=last)
    assert ended.status == Patrol.Status.ENDED
    assert Patrol.objects.get().point_count == 3
    # and a new patrol may start
    assert services.patrol_start(actor=world.p.inspector).pk != on_patrol.pk


def test_compute_coverage_stores_the_patrolled_grids_only(world, on_patrol, morning):
    # Along the middle of world.grid (117.200–117.201 × 39.050–39.051), west to east edge.
    points = points_along(117.2000, 39.0505, at=morning + timedelta(minutes=1), n=11)
    with time_machine.travel(morning + timedelta(minutes=5), tick=False):
        services.patrol_upload(patrol=on_patrol, actor=world.p.inspector, batch_key="b1", points=points)
    assert services.compute_coverage(morning.date()) == 1
    row = GridCoverage.objects.get()
    assert row.grid == world.grid
    # The grid is 86 m × 111 m; the 50 m band either side of the middle line leaves 5.5 m at the top and
    # at the bottom: 100 / 111 covered.
    assert row.coverage == pytest.approx(100 / 111.0, abs=0.005)
    assert row.mileage_m == pytest.approx(86.4, abs=1)
    assert row.patrol_seconds == 100
    assert row.inspectors == 1
    # Recomputed: replaced, not doubled.
    assert services.compute_coverage(morning.date()) == 1
    assert GridCoverage.objects.count() == 1


STEP_M = 8.64  # 0.0001° of longitude at 39.05°N


@pytest.fixture(params=["one statement", "locked"])
def upload_path(request, monkeypatch):
    """Each scenario below runs through the one-statement path (PostgreSQL, a batch continuing the track)
    and through the locked path alone (other databases, overlaps, late batches): the same figures."""
    if request.param == "locked":
        monkeypatch.setattr(services, "_append", lambda *args, **kwargs: False)
    return request.param


def test_batches_in_order_continue_the_track(world, on_patrol, morning, upload_path):
    points = points_along(117.2001, 39.0505, at=morning + timedelta(minutes=1), n=30)
    with time_machine.travel(morning + timedelta(minutes=10), tick=False):
        for k in range(3):
            result = services.patrol_upload(
                patrol=on_patrol,
                actor=world.p.inspector,
                batch_key=f"b{k}",
                points=points[10 * k : 10 * k + 10],
            )
            assert (result.stored, result.replayed) == (10, False)
    patrol = Patrol.objects.get()
    assert patrol.point_count == TrackPoint.objects.count() == 30
    # The steps between batches count too: 29 steps.
    assert patrol.distance_m == pytest.approx(29 * STEP_M, abs=0.5)
    assert (patrol.last_lng, patrol.last_lat) == (points[-1]["lng"], points[-1]["lat"])
    assert patrol.last_point_at == datetime.fromisoformat(points[-1]["at"])
    # The caller's patrol follows what was stored.
    assert (on_patrol.point_count, on_patrol.distance_m) == (patrol.point_count, patrol.distance_m)
    payloads = list(PatrolEvent.objects.filter(action="upload").values_list("payload", flat=True))
    assert payloads == [{"received": 10, "stored": 10}] * 3


def test_a_caller_holding_an_old_copy_of_the_patrol_still_counts_right(
    world, on_patrol, morning, upload_path
):
    points = points_along(117.2001, 39.0505, at=morning + timedelta(minutes=1), n=20)
    old_copy = Patrol.objects.get()  # read before the first batch (another request, another worker)
    with time_machine.travel(morning + timedelta(minutes=10), tick=False):
        services.patrol_upload(patrol=on_patrol, actor=world.p.inspector, batch_key="b1", points=points[:10])
        result = services.patrol_upload(
            patrol=old_copy, actor=world.p.inspector, batch_key="b2", points=points[10:]
        )
    assert result.stored == 10
    patrol = Patrol.objects.get()
    assert patrol.point_count == 20
    assert patrol.distance_m == pytest.approx(19 * STEP_M, abs=0.5)


def test_a_batch_key_used_again_for_new_points_stores_nothing(world, on_patrol, morning, upload_path):
    points = points_along(117.2001, 39.0505, at=morning + timedelta(minutes=1), n=20)
    with time_machine.travel(morning + timedelta(minutes=10), tick=False):
        services.patrol_upload(patrol=on_patrol, actor=world.p.inspector, batch_key="b1", points=points[:10])
        again = services.patrol_upload(
            patrol=on_patrol, actor=world.p.inspector, batch_key="b1", points=points[10:]
        )
    assert (again.stored, again.replayed) == (0, True)
    assert Patrol.objects.get().point_count == TrackPoint.objects.count() == 10


def test_one_instant_twice_in_a_batch_keeps_the_first_sent(world, on_patrol, morning, upload_path):
    points = points_along(117.2001, 39.0505, at=morning + timedelta(minutes=1), n=5)
    repeat = {**points[2], "lng": points[2]["lng"] + 0.01, "accuracy": 5}
    with time_machine.travel(morning + timedelta(minutes=10), tick=False):
        result = services.patrol_upload(
            patrol=on_patrol, actor=world.p.inspector, batch_key="b1", points=[*points, repeat]
        )
    assert (result.received, result.stored) == (6, 5)
    assert TrackPoint.objects.filter(lng=points[2]["lng"], accuracy_m=None).count() == 1
    assert Patrol.objects.get().distance_m == pytest.approx(4 * STEP_M, abs=0.3)


def test_duplicates_across_batches_and_a_late_batch(world, on_patrol, morning, upload_path):
    points = points_along(117.2001, 39.0505, at=morning + timedelta(minutes=1), n=30)
    with time_machine.travel(morning + timedelta(minutes=10), tick=False):
        first = services.patrol_upload(
            patrol=on_patrol, actor=world.p.inspector, batch_key="b2", points=points[10:20]
        )
        # Re-sent with more: points 15–19 are stored already, 20–24 are new.
        resent = services.patrol_upload(
            patrol=on_patrol, actor=world.p.inspector, batch_key="b3", points=points[15:25]
        )
        # The phone's oldest buffer arrives last, overlapping the first batch by one point.
        late = services.patrol_upload(
            patrol=on_patrol, actor=world.p.inspector, batch_key="b1", points=points[:11]
        )
    assert (first.stored, resent.stored, late.stored) == (10, 5, 10)
    patrol = Patrol.objects.get()
    assert patrol.point_count == TrackPoint.objects.count() == 25
    assert patrol.distance_m == pytest.approx(24 * STEP_M, abs=0.8)
    assert patrol.last_lng == points[24]["lng"]
    assert patrol.last_point_at == datetime.fromisoformat(points[24]["at"])
    # And the track continues after the late batch.
    with time_machine.travel(morning + timedelta(minutes=10), tick=False):
        services.patrol_upload(patrol=patrol, actor=world.p.inspector, batch_key="b4", points=points[25:])
    patrol.refresh_from_db()
    assert patrol.point_count == 30
    assert patrol.distance_m == pytest.approx(29 * STEP_M, abs=0.8)


def test_a_batch_straddling_two_grids_counts_in_each(world, on_patrol, morning):
    # East along 39.0505 from inside world.grid (117.200–117.201) to inside world.other_grid
    # (117.210–117.211): 115 points, 8.64 m apart, one batch.
    points = points_along(117.2005, 39.0505, at=morning + timedelta(minutes=1), n=115)
    with time_machine.travel(morning + timedelta(minutes=30), tick=False):
        services.patrol_upload(patrol=on_patrol, actor=world.p.inspector, batch_key="b1", points=points)
    assert services.compute_coverage(morning.date()) == 2
    rows = {row.grid_id: row for row in GridCoverage.objects.all()}
    # Segments go to the grid holding their midpoint: 5 in the first grid, 10 crossing the second.
    assert rows[world.grid.pk].mileage_m == pytest.approx(5 * STEP_M, abs=1)
    assert rows[world.other_grid.pk].mileage_m == pytest.approx(10 * STEP_M, abs=1)
    assert rows[world.grid.pk].coverage > 0.3 and rows[world.other_grid.pk].coverage > 0.8
    assert Patrol.objects.get().distance_m == pytest.approx(114 * STEP_M, abs=3)


@pytest.mark.postgres  # the binary COPY read is PostgreSQL's
def test_a_days_tracks_read_whole_per_patrol_match_the_point_by_point_read(world, on_patrol, morning):
    points = points_along(117.2001, 39.0505, at=morning + timedelta(minutes=1), n=12)
    with time_machine.travel(morning + timedelta(minutes=10), tick=False):
        services.patrol_upload(patrol=on_patrol, actor=world.p.inspector, batch_key="b2", points=points[6:])
        services.patrol_upload(patrol=on_patrol, actor=world.p.inspector, batch_key="b1", points=points[:6])
        other = services.patrol_start(actor=world.p.other_inspector)
        services.patrol_upload(
            patrol=other,
            actor=world.p.other_inspector,
            batch_key="b1",
            points=points_along(117.2101, 39.0505, at=morning + timedelta(minutes=11), n=4),
        )
    start = morning.replace(hour=0)
    whole = services._day_tracks_pg(start, start + timedelta(days=1))
    by_point = services._day_tracks_rows(start, start + timedelta(days=1))
    assert [len(t.times) for t in whole] == [12, 4]
    assert [(t.inspector, list(t.times), list(t.lngs), list(t.lats)) for t in whole] == [
        (t.inspector, pytest.approx(t.times, abs=1e-6), t.lngs, t.lats) for t in by_point
    ]
