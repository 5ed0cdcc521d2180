"""Patrol services: start, batches uploaded once, end, and a day's coverage stored (docs/domain.md §12)."""

from datetime import timedelta

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
