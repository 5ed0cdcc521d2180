"""面积覆盖率, 巡查里程 and time on a small square grid, checked by hand (patrols/coverage.py).

The grid is a 200 m × 200 m square; tracks walk at 1 m/s with a point every 10 s (every 10 m); the
coverage distance is 50 m. A walk along the middle from edge to edge covers a 100 m band: 200 × 100 /
200 × 200 = 50 %. A second walk across it adds a 100 m band the other way, minus their 100 × 100 overlap:
(20 000 + 20 000 − 10 000) / 40 000 = 75 %.

Each hand-checked figure is checked both ways the platform computes it: the exact geometric union
(cell_m=0) and the counted cells (cell_m=2.5, the default); and the counted coverage is checked against
the exact one on random walks over irregular grids (within 1 percentage point).
"""

import math
import random

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


@pytest.fixture(params=[0, 2.5], ids=["exact", "cells"])
def RULES(request):
    return {"distance_m": 50, "max_gap_s": 120, "max_speed_mps": 8, "cell_m": request.param}


def test_one_walk_along_the_middle_covers_half(RULES):
    f = compute([walk(across("x"))], {7: square()}, **RULES)[7]
    assert f.area_m2 == pytest.approx(40_000, rel=0.005)
    assert f.coverage == pytest.approx(0.50, abs=0.005)
    assert f.mileage_m == pytest.approx(200, rel=0.005)
    assert f.patrol_seconds == 200
    assert f.inspectors == 1


def test_two_crossing_walks_cover_three_quarters_and_count_two_inspectors(RULES):
    tracks = [walk(across("x"), inspector=1), walk(across("y"), inspector=2)]
    f = compute(tracks, {7: square()}, **RULES)[7]
    assert f.coverage == pytest.approx(0.75, abs=0.005)
    assert f.mileage_m == pytest.approx(400, rel=0.005)
    assert f.inspectors == 2


def test_the_same_walk_twice_covers_nothing_more(RULES):
    tracks = [walk(across("x")), walk(across("x"), start=10_000)]
    f = compute(tracks, {7: square()}, **RULES)[7]
    assert f.coverage == pytest.approx(0.50, abs=0.005)
    assert f.mileage_m == pytest.approx(400, rel=0.005)  # but it was walked twice


def test_a_gap_and_a_jump_are_not_patrol(RULES):
    # Walk west half (−100…0), phone asleep 5 minutes, then a jump of 100 m in 10 s (36 km/h).
    points = [(x, 0.0) for x in range(-100, 1, 10)]
    track = walk(points)
    late = walk([(0.0, 50.0), (0.0, -50.0)], start=track.times[-1] + 300)
    f = compute([track, late], {7: square()}, **RULES)[7]
    assert f.mileage_m == pytest.approx(100, rel=0.005)
    assert f.patrol_seconds == 100
    # The west half of the band: 100 m × 100 m plus the round cap's half disc (π·50²/2) east of x = 0.
    assert f.covered_m2 == pytest.approx(10_000 + 3.14159 * 50**2 / 2, rel=0.02)


def test_tracks_outside_touch_only_their_grid(RULES):
    east = square()
    east["coordinates"][0] = [[lng + 0.005, lat] for lng, lat in east["coordinates"][0]]
    figures = compute([walk(across("x"))], {1: square(), 2: east}, **RULES)
    assert figures[2].coverage == 0 and figures[2].mileage_m == 0
    assert figures[1].coverage > 0


def test_no_tracks_no_coverage(RULES):
    assert compute([], {1: square()}, **RULES)[1].coverage == 0


def street_walk(rng: random.Random, n: int, area_m: float) -> list[tuple[float, float]]:
    """On foot along a street grid, turning every 100–300 m, turning back at the area's edge."""
    x = y = 0.0
    heading, left, points = rng.choice((0, 90, 180, 270)), rng.uniform(100, 300), []
    for _ in range(n):
        points.append((x, y))
        step = 12 + rng.uniform(-2, 2)
        left -= step
        if left <= 0:
            heading, left = (heading + rng.choice((-90, 90, 180))) % 360, rng.uniform(100, 300)
        nx, ny = x + step * math.sin(math.radians(heading)), y + step * math.cos(math.radians(heading))
        if abs(nx) > area_m or abs(ny) > area_m:
            heading, left = (heading + 180) % 360, rng.uniform(100, 300)
            continue
        x, y = nx, ny
    return points


def irregular(rng: random.Random, cx: float, cy: float) -> dict:
    """A 9-sided grid of 80–140 m radius around (cx, cy) m, as grids are drawn along streets."""
    ring = []
    for k in range(9):
        angle, radius = 2 * math.pi * k / 9, rng.uniform(80, 140)
        ring.append(list(offset(cx + radius * math.cos(angle), cy + radius * math.sin(angle))))
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_counted_cells_are_within_one_point_of_the_exact_geometry(seed):
    rng = random.Random(seed)
    grids = {
        n: irregular(rng, x, y) for n, (x, y) in enumerate([(-250, -250), (0, 0), (250, 250), (250, -250)])
    }
    tracks = [walk(street_walk(rng, 300, 400), inspector=i, start=i * 5000) for i in range(4)]
    rules = {"distance_m": 50, "max_gap_s": 120, "max_speed_mps": 8}
    exact = compute(tracks, grids, **rules, cell_m=0)
    counted = compute(tracks, grids, **rules, cell_m=2.5)
    shares = [exact[n].coverage for n in grids]
    assert any(0.05 < share < 0.95 for share in shares), shares  # partly covered grids: a real test
    for n in grids:
        assert counted[n].coverage == pytest.approx(exact[n].coverage, abs=0.01), n
        assert counted[n].area_m2 == exact[n].area_m2
        assert counted[n].mileage_m == exact[n].mileage_m


def test_a_grid_smaller_than_a_cell_is_covered_or_not_by_its_point():
    rules = {"distance_m": 50, "max_gap_s": 120, "max_speed_mps": 8, "cell_m": 2.5}
    tiny = square(half=0.5)
    assert compute([walk(across("x"))], {1: tiny}, **rules)[1].coverage == 1.0
    far = square(half=0.5)
    far["coordinates"][0] = [[lng, lat + 0.005] for lng, lat in far["coordinates"][0]]  # 550 m north
    assert compute([walk(across("x"))], {1: far}, **rules)[1].coverage == 0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_scanline_fill_agrees_with_point_in_polygon(seed):
    """The cells counted inside a grid (`_inside_centres`) are those GEOS finds inside: a ragged outline,
    a hole and a second part, on a lattice not aligned with any of them."""
    import numpy as np
    import shapely

    from patrols.coverage import _inside_centres, _segments

    rng = random.Random(seed)
    ring = [
        (math.cos(a) * r, math.sin(a) * r)
        for a, r in ((2 * math.pi * k / 40, rng.uniform(60, 120)) for k in range(40))
    ]
    hole = [(-20, -20), (25, -15), (20, 20), (-15, 25)]
    polygon = shapely.MultiPolygon(
        [shapely.Polygon(ring, [hole]), shapely.box(150, 0, 190.3, 37.1), shapely.box(150, -50, 170, -20)]
    )
    cell = 2.5
    x0, y0 = -130 + rng.random(), -130 + rng.random()
    gx, gy = np.meshgrid(x0 + cell * np.arange(140), y0 + cell * np.arange(110))
    expected = shapely.contains_xy(polygon, gx, gy)
    assert expected.sum() > 1000
    assert (_inside_centres(_segments(polygon), x0, y0, cell, gx.shape) == expected).all()
