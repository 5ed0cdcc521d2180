"""面积覆盖率, 巡查里程 and time on a small square grid, checked by hand (patrols/coverage.py).

The grid is a 200 m × 200 m square; tracks walk at 1 m/s with a point every 10 s (every 10 m); the
coverage distance is 50 m. A walk along the middle from edge to edge covers a 100 m band: 200 × 100 /
200 × 200 = 50 %. A second walk across it adds a 100 m band the other way, minus their 100 × 100 overlap:
(20 000 + 20 000 − 10 000) / 40 000 = 75 %.
"""

import pytest
from pyproj import Geod

from patrols.coverage import Track, compute

GEOD = Geod(ellps="WGS84")
CENTRE = (117.22, 39.09)


def offset(east_m: float, north_m: float) -> tuple[float, float]:
    lng, lat, _ = GEOD.fwd(*CENTRE, 90, east_m)
    lng, lat, _ = GEOD.fwd(lng, lat, 0, north_m)
    return lng, lat


def square(half: float = 100) -> dict:
    w, s = offset(-half, -half)
    e, n = offset(half, half)
    return {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}


def walk(points_m, *, inspector=1, start=0.0, step_s=10.0) -> Track:
    lngs, lats = zip(*(offset(x, y) for x, y in points_m), strict=True)
    return Track(inspector, [start + i * step_s for i in range(len(points_m))], lngs, lats)


def across(axis: str) -> list[tuple[float, float]]:
    return [(x, 0.0) if axis == "x" else (0.0, x) for x in range(-100, 101, 10)]


RULES = {"distance_m": 50, "max_gap_s": 120, "max_speed_mps": 8}


def test_one_walk_along_the_middle_covers_half():
    f = compute([walk(across("x"))], {7: square()}, **RULES)[7]
    assert f.area_m2 == pytest.approx(40_000, rel=0.005)
    assert f.coverage == pytest.approx(0.50, abs=0.005)
    assert f.mileage_m == pytest.approx(200, rel=0.005)
    assert f.patrol_seconds == 200
    assert f.inspectors == 1


def test_two_crossing_walks_cover_three_quarters_and_count_two_inspectors():
    tracks = [walk(across("x"), inspector=1), walk(across("y"), inspector=2)]
    f = compute(tracks, {7: square()}, **RULES)[7]
    assert f.coverage == pytest.approx(0.75, abs=0.005)
    assert f.mileage_m == pytest.approx(400, rel=0.005)
    assert f.inspectors == 2


def test_the_same_walk_twice_covers_nothing_more():
    tracks = [walk(across("x")), walk(across("x"), start=10_000)]
    f = compute(tracks, {7: square()}, **RULES)[7]
    assert f.coverage == pytest.approx(0.50, abs=0.005)
    assert f.mileage_m == pytest.approx(400, rel=0.005)  # but it was walked twice


def test_a_gap_and_a_jump_are_not_patrol():
    # Walk west half (−100…0), phone asleep 5 minutes, then a jump of 100 m in 10 s (36 km/h).
    points = [(x, 0.0) for x in range(-100, 1, 10)]
    track = walk(points)
    late = walk([(0.0, 50.0), (0.0, -50.0)], start=track.times[-1] + 300)
    f = compute([track, late], {7: square()}, **RULES)[7]
    assert f.mileage_m == pytest.approx(100, rel=0.005)
    assert f.patrol_seconds == 100
    # The west half of the band: 100 m × 100 m plus the round cap's half disc (π·50²/2) east of x = 0.
    assert f.covered_m2 == pytest.approx(10_000 + 3.14159 * 50**2 / 2, rel=0.02)


def test_tracks_outside_touch_only_their_grid():
    east = square()
    east["coordinates"][0] = [[lng + 0.005, lat] for lng, lat in east["coordinates"][0]]
    figures = compute([walk(across("x"))], {1: square(), 2: east}, **RULES)
    assert figures[2].coverage == 0 and figures[2].mileage_m == 0
    assert figures[1].coverage > 0


def test_no_tracks_no_coverage():
    assert compute([], {1: square()}, **RULES)[1].coverage == 0
