"""A gap-free, overlap-free tiling of a district outline by jittered lattice cells (no Django here).

Every cell is a quadrilateral over four lattice nodes, and neighbouring cells share the very same
(jittered, rounded) node coordinates. That is what makes the tiling exact: shared edges are identical
segments, so the union has no slivers and the areas add up. Streets and communities are grown as
contiguous groups of cells, so their unions are single pieces too.
"""

import heapq
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from shapely.geometry import Point, Polygon

Cell = tuple[int, int]  # (column, row); row 0 is the southernmost
Node = tuple[int, int]
LngLat = tuple[float, float]

_METRES_PER_DEGREE_LAT = 111_320.0
_JITTER = 0.22  # of a cell side: small enough that every quadrilateral stays simple (never self-crossing)
_DIGITS = 7  # ≈1 cm; rounding once per node keeps shared coordinates bit-identical across cells
_NEIGHBOURS = ((1, 0), (-1, 0), (0, 1), (0, -1))


@dataclass
class Lattice:
    """Cells of side `cell_m` metres laid over `outline`, with their jittered corner nodes."""

    outline: Polygon
    cell_m: float
    seed: int
    cells: set[Cell] = field(init=False)
    nodes: dict[Node, LngLat] = field(init=False)

    def __post_init__(self):
        min_lng, min_lat, _, _ = self.outline.bounds
        mid_lat = self.outline.centroid.y
        self.dy = self.cell_m / _METRES_PER_DEGREE_LAT
        self.dx = self.cell_m / (_METRES_PER_DEGREE_LAT * math.cos(math.radians(mid_lat)))
        # One spare cell around the outline, so jittered boundary nodes never leave the lattice's frame.
        self.lng0, self.lat0 = min_lng - self.dx, min_lat - self.dy
        self.cells = _tidy(self._cells_inside())
        self.nodes = self._jittered_nodes()

    def _cells_inside(self) -> set[Cell]:
        _, _, max_lng, max_lat = self.outline.bounds
        cols = int((max_lng - self.lng0) / self.dx) + 2
        rows = int((max_lat - self.lat0) / self.dy) + 2
        return {
            (c, r)
            for c in range(cols)
            for r in range(rows)
            if self.outline.contains(Point(self.centre((c, r))))
        }

    def _jittered_nodes(self) -> dict[Node, LngLat]:
        rng = random.Random(self.seed)
        used = sorted({(c + i, r + j) for c, r in self.cells for i in (0, 1) for j in (0, 1)})
        nodes = {}
        for i, j in used:
            lng = self.lng0 + (i + rng.uniform(-_JITTER, _JITTER)) * self.dx
            lat = self.lat0 + (j + rng.uniform(-_JITTER, _JITTER)) * self.dy
            nodes[(i, j)] = (round(lng, _DIGITS), round(lat, _DIGITS))
        return nodes

    def centre(self, cell: Cell) -> LngLat:
        """The centre of the un-jittered cell: good enough for distances and seeding."""
        c, r = cell
        return (self.lng0 + (c + 0.5) * self.dx, self.lat0 + (r + 0.5) * self.dy)

    def polygon(self, cell: Cell) -> Polygon:
        c, r = cell
        corners = [(c, r), (c + 1, r), (c + 1, r + 1), (c, r + 1)]  # counter-clockwise (GeoJSON exterior)
        return Polygon([self.nodes[n] for n in corners])

    def metres(self, a: LngLat, b: LngLat) -> float:
        """Planar distance; the district is small enough that an equirectangular scale is exact enough."""
        return math.hypot((a[0] - b[0]) / self.dx, (a[1] - b[1]) / self.dy) * self.cell_m

    def nearest_cell(self, point: LngLat, cells: Iterable[Cell]) -> Cell:
        return min(cells, key=lambda cell: (self.metres(self.centre(cell), point), cell))

    def grow(self, cells: set[Cell], seeds: Sequence[LngLat]) -> dict[Cell, int]:
        """Split `cells` among `seeds`: each cell goes to the nearest seed whose region can reach it.

        Regions grow outward from each seed's cell, claiming a cell only next to one they already hold,
        so each region is one connected piece, even where a plain nearest-seed (Voronoi) split would
        cut a region in two around a bend of the outline.
        """
        starts = []
        for index, point in enumerate(seeds):
            start = self.nearest_cell(point, cells - {s for s, _ in starts})
            starts.append((start, index))
        owner: dict[Cell, int] = {}
        heap = [(0.0, index, cell) for cell, index in starts]
        heapq.heapify(heap)
        while heap:
            _, index, cell = heapq.heappop(heap)
            if cell in owner:
                continue
            owner[cell] = index
            for dc, dr in _NEIGHBOURS:
                nxt = (cell[0] + dc, cell[1] + dr)
                if nxt in cells and nxt not in owner:
                    heapq.heappush(heap, (self.metres(self.centre(nxt), seeds[index]), index, nxt))
        return owner

    def spread_seeds(self, cells: set[Cell], k: int, rounds: int = 12) -> list[LngLat]:
        """`k` well-spread points over `cells` (Lloyd's k-means on cell centres, deterministic start)."""
        ordered = sorted(cells, key=lambda cell: (-cell[1], cell[0]))
        centres = [self.centre(ordered[(2 * i + 1) * len(ordered) // (2 * k)]) for i in range(k)]
        points = [self.centre(cell) for cell in ordered]
        for _ in range(rounds):
            groups: list[list[LngLat]] = [[] for _ in range(k)]
            for p in points:
                groups[min(range(k), key=lambda i: self.metres(p, centres[i]))].append(p)
            centres = [
                (sum(x for x, _ in g) / len(g), sum(y for _, y in g) / len(g)) if g else centres[i]
                for i, g in enumerate(groups)
            ]
        return centres


def _tidy(cells: set[Cell]) -> set[Cell]:
    """Make the cells one solid piece: a single polygon without holes and without corner-only contacts."""
    while True:
        before = set(cells)
        cells = _largest_component(cells)
        cells |= _holes(cells)
        cells |= _pinch_fillers(cells)
        if cells == before:
            return cells


def _largest_component(cells: set[Cell]) -> set[Cell]:
    components, seen = [], set()
    for start in sorted(cells):
        if start in seen:
            continue
        component, stack = set(), [start]
        seen.add(start)
        while stack:
            c, r = stack.pop()
            component.add((c, r))
            for dc, dr in _NEIGHBOURS:
                nxt = (c + dc, r + dr)
                if nxt in cells and nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        components.append(component)
    return max(components, key=len) if components else set()


def _holes(cells: set[Cell]) -> set[Cell]:
    """Empty cells that cannot reach the outside of the bounding frame."""
    cols = [c for c, _ in cells]
    rows = [r for _, r in cells]
    lo_c, hi_c, lo_r, hi_r = min(cols) - 1, max(cols) + 1, min(rows) - 1, max(rows) + 1
    outside, stack = {(lo_c, lo_r)}, [(lo_c, lo_r)]
    while stack:
        c, r = stack.pop()
        for dc, dr in _NEIGHBOURS:
            nxt = (c + dc, r + dr)
            if lo_c <= nxt[0] <= hi_c and lo_r <= nxt[1] <= hi_r and nxt not in cells and nxt not in outside:
                outside.add(nxt)
                stack.append(nxt)
    return {(c, r) for c in range(lo_c, hi_c + 1) for r in range(lo_r, hi_r + 1)} - cells - outside


def _pinch_fillers(cells: set[Cell]) -> set[Cell]:
    """Cells that close diagonal-only contacts, where the union would touch itself at a single node."""
    fillers = set()
    for c, r in cells:
        for dc in (-1, 1):
            diagonal, side_a, side_b = (c + dc, r + 1), (c + dc, r), (c, r + 1)
            if diagonal in cells and side_a not in cells and side_b not in cells:
                fillers.add(side_a)
    return fillers
