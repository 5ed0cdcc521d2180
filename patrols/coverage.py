"""面积覆盖率, 巡查里程 and on-patrol time per grid and day, from the day's tracks (docs/domain.md §12).

- A track is cut into segments between consecutive points of one patrol. A segment longer than
  `max_gap_s` in time (signal lost, phone asleep) or faster than `max_speed_mps` (a GPS jump, a bus) is
  not patrol: it counts for nothing.
- 面积覆盖率 = area of (grid ∩ the union of the kept segments buffered by `distance_m`) / grid area.
  The red-bridge rule (红桥) assesses "the share of the grid's area within a set distance of the day's
  tracks": this is that definition, in a local metric projection (transverse Mercator on the district),
  where areas are within 0.1 % of the geodesic ones at city scale.
- How it is computed (chosen by measurement, `make bench`, a district's day of 300 inspectors): the
  geometric union of the buffered tracks grid by grid took 197 s (about 60 ms a grid: every grid is
  crossed dozens of times and the union of overlapping buffers is the cost, which vectorising the
  buffer calls does not remove); counting cells of PATROL_COVERAGE_CELL_M (2.5 m) within the distance
  of the tracks (`_covered_raster`: a raster, a distance transform, exact distances only at the band's
  edge) took 7.7 s for the same day (measured alone; the bench's figure on a loaded machine is higher)
  and stays within 1 percentage point of the geometry: 0.62 points at most over the 823 grids of a
  30-inspector day, 0.06 on 40 grids of the 300-inspector day (checked in
  tests/patrols/test_coverage.py).
  Profiled since (`make bench`, 2026-12-07 21:05 UTC, load average about 25 on 2 cores): 14.6 s for
  the day, after counting a grid's inside cells by a scanline fill (`_inside_centres`), placing the
  midpoints without point geometries (`_points_within`) and one tiled distance transform for the
  district (`_near_distances`); the same figures as before to the last digit on that day.
  `cell_m=0` keeps the exact union (`_covered_exact`), which the hand-checked tests also run.
- 巡查里程 and on-patrol time: each kept segment's length and duration go to the grid holding its
  midpoint (a segment is at most `max_gap_s` long, so the split at a grid edge is metres).

Pure functions on plain data, so the figures can be checked by hand (tests/patrols/test_coverage.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Transformer
from scipy import ndimage
from shapely.geometry import shape


@dataclass
class GridFigures:
    coverage: float = 0.0
    covered_m2: float = 0.0
    area_m2: float = 0.0
    mileage_m: float = 0.0
    patrol_seconds: float = 0.0
    inspectors: int = 0


@dataclass(frozen=True)
class Track:
    """One patrol's points: `times` in seconds (any origin), `lngs`/`lats` WGS-84, sorted by time."""

    inspector: int
    times: Sequence[float]
    lngs: Sequence[float]
    lats: Sequence[float]


def projector(grids: Mapping[int, dict]) -> Transformer:
    """WGS-84 → metres on a transverse Mercator centred on the grids (a district fits in its sweet spot)."""
    bounds = np.array([shape(g).bounds for g in grids.values()]) if grids else np.array([[0, 0, 0, 0]])
    lng0 = float((bounds[:, 0].min() + bounds[:, 2].max()) / 2)
    lat0 = float((bounds[:, 1].min() + bounds[:, 3].max()) / 2)
    return Transformer.from_crs(
        "EPSG:4326",
        f"+proj=tmerc +lat_0={lat0} +lon_0={lng0} +k=1 +x_0=0 +y_0=0 +ellps=WGS84",
        always_xy=True,
    )


def compute(
    tracks: Iterable[Track],
    grids: Mapping[int, dict],
    *,
    distance_m: float,
    max_gap_s: float,
    max_speed_mps: float,
    cell_m: float = 0.0,
) -> dict[int, GridFigures]:
    """The figures of every grid in `grids` (id → GeoJSON polygon) for the given tracks."""
    to_m = projector(grids)
    ids = list(grids)
    polygons = np.array(
        [
            shapely.transform(shape(grids[i]), lambda xy: np.column_stack(to_m.transform(xy[:, 0], xy[:, 1])))
            for i in ids
        ]
    )
    figures = {i: GridFigures(area_m2=float(shapely.area(p))) for i, p in zip(ids, polygons, strict=True)}
    if not ids:
        return figures

    lines = []  # runs of kept segments, for the buffer
    mids, lengths, durations, owners = [], [], [], []
    for track in tracks:
        if len(track.times) < 2:
            continue
        x, y = to_m.transform(np.asarray(track.lngs, float), np.asarray(track.lats, float))
        t = np.asarray(track.times, float)
        dx, dy, dt = np.diff(x), np.diff(y), np.diff(t)
        length = np.hypot(dx, dy)
        keep = (dt > 0) & (dt <= max_gap_s) & (length <= max_speed_mps * np.maximum(dt, 1e-9))
        if not keep.any():
            continue
        mids.append(np.column_stack(((x[:-1] + x[1:]) / 2, (y[:-1] + y[1:]) / 2))[keep])
        lengths.append(length[keep])
        durations.append(dt[keep])
        owners.append(np.full(int(keep.sum()), track.inspector))
        # Runs of consecutive kept segments become one line each (a cut where a segment was dropped).
        edges = np.flatnonzero(np.diff(np.concatenate(([0], keep.astype(np.int8), [0]))))
        for start, end in zip(edges[::2], edges[1::2], strict=True):  # segments start..end-1
            coords = np.column_stack((x[start : end + 1], y[start : end + 1]))
            lines.append(shapely.linestrings(coords))
    if not lines:
        return figures

    if cell_m > 0:
        covered = _covered_raster(lines, polygons, distance_m, cell_m)
    else:
        covered = _covered_exact(lines, polygons, distance_m)

    # 巡查里程 and time: by the grid holding each segment's midpoint.
    point_index, grid_index = _points_within(np.concatenate(mids), polygons)
    lengths_all, durations_all, owners_all = map(np.concatenate, (lengths, durations, owners))
    mileage = np.bincount(grid_index, weights=lengths_all[point_index], minlength=len(ids))
    seconds = np.bincount(grid_index, weights=durations_all[point_index], minlength=len(ids))
    people: dict[int, set] = defaultdict(set)
    for g, owner in zip(grid_index.tolist(), owners_all[point_index].tolist(), strict=True):
        people[g].add(owner)

    for n, grid_id in enumerate(ids):
        f = figures[grid_id]
        f.covered_m2 = float(covered[n])
        f.coverage = min(1.0, f.covered_m2 / f.area_m2) if f.area_m2 else 0.0
        f.mileage_m = float(mileage[n])
        f.patrol_seconds = float(seconds[n])
        f.inspectors = len(people.get(n, ()))
    return figures


def _points_within(xy: np.ndarray, polygons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (point index, polygon index) of each point strictly inside a polygon (as the "within"
    predicate). The points sorted by x once, each grid asks only those in its bounding box: building a
    point geometry for each of a day's 860,000 midpoints and querying a tree cost 6 s of the day's 27."""
    order = np.argsort(xy[:, 0], kind="stable")
    xs, ys = xy[order, 0], xy[order, 1]
    shapely.prepare(polygons)
    found_points, found_grids = [], []
    for n, (xmin, ymin, xmax, ymax) in enumerate(shapely.bounds(polygons)):
        lo, hi = int(np.searchsorted(xs, xmin, side="left")), int(np.searchsorted(xs, xmax, side="right"))
        candidates = lo + np.flatnonzero((ys[lo:hi] >= ymin) & (ys[lo:hi] <= ymax))
        inside = candidates[shapely.contains_xy(polygons[n], xs[candidates], ys[candidates])]
        found_points.append(order[inside])
        found_grids.append(np.full(len(inside), n))
    if not found_points:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(found_points), np.concatenate(found_grids)


def _covered_exact(lines: list, polygons: np.ndarray, distance_m: float) -> np.ndarray:
    """The covered area of each grid, geometrically: the union of the buffered track pieces near it.

    The buffered tracks are simplified first (a 10 s point is metres from the line through its
    neighbours; a tolerance of a tenth of the distance changes the area by less than that). Grid by
    grid, only the track pieces within `distance_m` of its bounding box are buffered (a point outside
    the box grown by the distance is further than that from the grid): small unions instead of one
    district-wide polygon with hundreds of thousands of vertices. About 60 ms a grid on a district's
    day (the union of dozens of overlapping buffers), hence the raster below.
    """
    lines_arr = shapely.simplify(np.array(lines), tolerance=max(distance_m / 10, 0.5))
    tree_lines = shapely.STRtree(lines_arr)
    covered = np.zeros(len(polygons))
    for n, polygon in enumerate(polygons):
        xmin, ymin, xmax, ymax = polygon.bounds
        xmin, ymin, xmax, ymax = xmin - distance_m, ymin - distance_m, xmax + distance_m, ymax + distance_m
        near = tree_lines.query(shapely.box(xmin, ymin, xmax, ymax))
        if not len(near):
            continue
        pieces = shapely.clip_by_rect(lines_arr[near], xmin, ymin, xmax, ymax)
        pieces = pieces[~shapely.is_empty(pieces)]
        if not len(pieces):
            continue
        band = shapely.union_all(shapely.buffer(pieces, distance_m, quad_segs=4))
        covered[n] = shapely.area(shapely.intersection(polygon, band))
    return covered


def _covered_raster(lines: list, polygons: np.ndarray, distance_m: float, cell_m: float) -> np.ndarray:
    """The covered area of each grid, by counting cells of `cell_m` metres on one district lattice:
    covered area = (covered part of the grid's cells / the grid's part of them) × the grid's exact area.

    1. The tracks are densified to a vertex every 2 cells and the cells holding a vertex marked on one
       district raster (a boolean array, 15 MB for 9 × 10 km at 2.5 m).
    2. A Euclidean distance transform of the marked raster (scipy.ndimage, tile by tile: `_near_distances`)
       gives each cell's distance to the nearest marked cell. A vertex is within h = cell_m/√2 of its
       cell's centre, so a cell well inside the band (distance − h − cell_m/2) is wholly covered and
       one well outside not at all.
    3. Only the cells in between (a shell a few metres wide at the band's edge) are asked for their
       nearest vertex exactly (a KD-tree, one query for all grids); such a cell counts the part of it
       inside the band (1/2 + s/cell_m for a centre s metres inside), and a cell on the grid's outline
       the part of it inside the grid (`_inside_share`): an edge along the lattice then counts no row
       of cells too many or too few.
    A vertex is at most one cell along the track from the line's nearest point, so a distance is over
    by at most (2·cell_m)²/(8·distance) (6 cm for 2.5 m cells and 50 m). Within 1 percentage point of
    the exact geometry (tests/patrols/test_coverage.py checks it on random walks over irregular grids
    and on hand-computed ones; `make bench` prints the largest difference on 20 grids of the day).
    """
    from scipy.spatial import cKDTree

    step = 2 * cell_m  # a vertex every 2 cells: distances over by at most step²/(8·distance)
    vertices = shapely.get_coordinates(shapely.segmentize(np.array(lines), max_segment_length=step))
    bounds = shapely.bounds(polygons)
    x0, y0 = bounds[:, 0].min() - distance_m, bounds[:, 1].min() - distance_m
    nx = int(np.ceil((bounds[:, 2].max() + distance_m - x0) / cell_m)) + 1
    ny = int(np.ceil((bounds[:, 3].max() + distance_m - y0) / cell_m)) + 1
    col = np.floor((vertices[:, 0] - x0) / cell_m).astype(np.int64)
    row = np.floor((vertices[:, 1] - y0) / cell_m).astype(np.int64)
    on = (col >= 0) & (col < nx) & (row >= 0) & (row < ny)
    vertices = vertices[on]
    marked = np.zeros((ny, nx), dtype=bool)
    marked[row[on], col[on]] = True

    half = cell_m / np.sqrt(2)  # a vertex is within this of its marked cell's centre
    sure_in, sure_out = distance_m - half - cell_m / 2, distance_m + half + cell_m / 2
    pad = int(np.ceil(sure_out / cell_m)) + 1
    hits = np.zeros(len(polygons))
    weight_sum = np.zeros(len(polygons))
    shell, shell_weight, shell_owner = [], [], []
    far_all = _near_distances(marked, cell_m, pad)
    for n, polygon in enumerate(polygons):
        xmin, ymin, xmax, ymax = bounds[n]
        c0, c1 = int((xmin - x0) // cell_m), int((xmax - x0) // cell_m) + 1
        r0, r1 = int((ymin - y0) // cell_m), int((ymax - y0) // cell_m) + 1
        far = far_all[r0:r1, c0:c1]
        if not (far < sure_out).any():
            continue  # no track within reach
        gx, gy = np.meshgrid(x0 + (np.arange(c0, c1) + 0.5) * cell_m, y0 + (np.arange(r0, r1) + 0.5) * cell_m)
        weight = _inside_share(polygon, gx, gy, cell_m, x0 + c0 * cell_m, y0 + r0 * cell_m)
        cells = weight > 0
        far = far[cells]
        weight = weight[cells]
        weight_sum[n] = weight.sum()
        hits[n] = weight[far <= sure_in].sum()
        edge = (far > sure_in) & (far < sure_out)
        if edge.any():
            shell.append(np.column_stack((gx[cells][edge], gy[cells][edge])))
            shell_weight.append(weight[edge])
            shell_owner.append(np.full(int(edge.sum()), n))
    if shell:
        # The edge cells' covered share: a cell whose centre is s metres inside a straight edge has
        # 1/2 + s/cell_m of it inside (when the edge runs along its side; near enough otherwise).
        reach = distance_m + cell_m / 2
        nearest = cKDTree(vertices).query(np.concatenate(shell), k=1, distance_upper_bound=reach)[0]
        share = np.clip(0.5 + (distance_m - nearest) / cell_m, 0, 1)  # inf (none in reach) → 0
        hits += np.bincount(
            np.concatenate(shell_owner), weights=share * np.concatenate(shell_weight), minlength=len(polygons)
        )
    share = np.divide(hits, weight_sum, out=np.zeros(len(polygons)), where=weight_sum > 0)
    return share * shapely.area(polygons)


def _near_distances(marked: np.ndarray, cell_m: float, pad: int, tile: int = 512) -> np.ndarray:
    """Each cell's distance to the nearest marked cell, exact up to `pad` cells (further: some value
    beyond that, or inf with none within reach): a Euclidean distance transform tile by tile, each tile
    with `pad` cells of its neighbours around it. Once for the district rather than once per grid with
    its own margin, which did most cells two or three times over (`make bench`)."""
    far = np.full(marked.shape, np.inf, dtype=np.float32)
    rows, cols = marked.shape
    for r in range(0, rows, tile):
        for c in range(0, cols, tile):
            wr, wc = max(r - pad, 0), max(c - pad, 0)
            window = marked[wr : r + tile + pad, wc : c + tile + pad]
            if window.any():
                d = ndimage.distance_transform_edt(~window, sampling=cell_m)
                far[r : r + tile, c : c + tile] = d[r - wr : r - wr + tile, c - wc : c - wc + tile]
    return far


def _inside_share(
    polygon, gx: np.ndarray, gy: np.ndarray, cell_m: float, left: float, bottom: float
) -> np.ndarray:
    """How much of each cell (centres gx, gy; lattice from (left, bottom)) lies in the grid: 1 or 0 away
    from its outline; along it, 1/2 + s/cell_m for a centre s metres inside (negative outside), so that a
    grid's edge along the lattice counts no whole row of cells too many or too few."""
    segments = _segments(polygon)
    weight = _inside_centres(segments, gx[0, 0], gy[0, 0], cell_m, gx.shape).astype(float)
    outline = shapely.boundary(polygon)
    points = shapely.get_coordinates(shapely.segmentize(outline, max_segment_length=cell_m / 2))
    cols = np.clip(((points[:, 0] - left) // cell_m).astype(np.int64), 0, gx.shape[1] - 1)
    rows = np.clip(((points[:, 1] - bottom) // cell_m).astype(np.int64), 0, gx.shape[0] - 1)
    touched = np.zeros(gx.shape, dtype=bool)
    touched[rows, cols] = True
    # A centre within half a diagonal of the outline has the outline in its cell or a neighbour.
    near = ndimage.binary_dilation(touched, structure=np.ones((3, 3), dtype=bool))
    s = _distance_to_segments(gx[near], gy[near], segments)
    s = np.where(weight[near] > 0, s, -s)
    weight[near] = np.clip(0.5 + s / cell_m, 0, 1)
    if not weight.any():  # a grid smaller than a cell: the cell under its representative point
        px, py = shapely.get_coordinates(shapely.point_on_surface(polygon))[0]
        weight.flat[np.argmin(np.hypot(gx - px, gy - py))] = 1.0
    return weight


def _inside_centres(
    seg: np.ndarray, x0: float, y0: float, cell_m: float, shape: tuple[int, int]
) -> np.ndarray:
    """Which cell centres (the first at x0, y0; `shape` rows × columns) lie inside the outline `seg`: a
    scanline fill by the even–odd rule, so holes and separate parts come out right. Each row's centre
    line is crossed by the edges spanning it; a centre is inside when an odd number of crossings lie to
    its left. (GEOS's point-in-polygon cell by cell was a fifth of the coverage's time, `make bench`.)"""
    rows, cols = shape
    ax, ay, bx, by = (seg[:, k][:, None] for k in range(4))
    y = y0 + cell_m * np.arange(rows)[None, :]
    # Half-open in y, so a vertex on a row's line counts once; horizontal edges cross nothing.
    spans = (np.minimum(ay, by) <= y) & (y < np.maximum(ay, by))
    edge, row = np.nonzero(spans)
    ax, ay, bx, by, yy = ax[edge, 0], ay[edge, 0], bx[edge, 0], by[edge, 0], y[0, row]
    x = ax + (yy - ay) * (bx - ax) / (by - ay)
    first_right = np.clip(np.floor((x - x0) / cell_m).astype(np.int64) + 1, 0, cols)  # centres right of it
    toggles = np.bincount(row * (cols + 1) + first_right, minlength=rows * (cols + 1)).reshape(rows, cols + 1)
    return (np.cumsum(toggles, axis=1)[:, :cols] % 2).astype(bool)


def _segments(polygon) -> np.ndarray:
    """The outline's segments (x0, y0, x1, y1), every ring's (of every part of a multipolygon)."""
    rings = shapely.get_rings(shapely.get_parts(polygon))
    return np.concatenate(
        [np.column_stack((c[:-1], c[1:])) for c in (shapely.get_coordinates(r) for r in rings)]
    )


def _distance_to_segments(px: np.ndarray, py: np.ndarray, seg: np.ndarray) -> np.ndarray:
    """Each point's distance to the nearest segment (points × segments in numpy: a few hundred each)."""
    ax, ay, bx, by = (seg[:, k][None, :] for k in range(4))
    dx, dy = bx - ax, by - ay
    length2 = np.maximum(dx * dx + dy * dy, 1e-12)
    t = np.clip(((px[:, None] - ax) * dx + (py[:, None] - ay) * dy) / length2, 0, 1)
    return np.hypot(px[:, None] - (ax + t * dx), py[:, None] - (ay + t * dy)).min(axis=1)
