"""What the platform knows about a place beyond the words: its grid, and the nearest 管理部件 (its type).

The same functions serve one request and a training run of many cases, so the model sees its clues
the same way in both. The nearest component is looked for among the components of the position's own
grid (the grid index makes that one small query; a training run reads 500 grids at a time); one just across a grid border is not seen.
"""

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings

from dispatch.models import Component
from grids.locator import find_many

_M_PER_DEG_LAT = 111_320.0
_GONE = [Component.Status.ABANDONED, Component.Status.REMOVED]
_GRIDS_AT_ONCE = 500  # grids whose components are read in one query during a training run


@dataclass(frozen=True)
class Place:
    grid_id: int | None
    near_category_id: int | None  # the category of the nearest component within the radius


def places(
    points: Sequence[tuple[float | None, float | None]], *, radius_m: float | None = None
) -> list[Place]:
    """The clues at each point (lng, lat); a point without a position, or outside every grid, has none."""
    radius = settings.SUGGEST_NEAR_RADIUS_M if radius_m is None else radius_m
    located = [k for k, (lng, lat) in enumerate(points) if lng is not None and lat is not None]
    refs = find_many([points[k] for k in located]) if located else []
    by_grid: dict[int, list[int]] = defaultdict(list)
    for k, ref in zip(located, refs, strict=True):
        if ref is not None:
            by_grid[ref.id].append(k)
    found = [Place(None, None)] * len(points)
    grid_ids = sorted(by_grid)
    for start in range(0, len(grid_ids), _GRIDS_AT_ONCE):
        chunk = grid_ids[start : start + _GRIDS_AT_ONCE]
        components = defaultdict(list)
        rows = (
            Component.objects.filter(grid_id__in=chunk, category__is_active=True)
            .exclude(status__in=_GONE)
            .values_list("grid_id", "category_id", "lng", "lat")
        )
        for grid_id, category_id, lng, lat in rows:
            components[grid_id].append((category_id, lng, lat))
        for grid_id in chunk:
            for k in by_grid[grid_id]:
                lng, lat = points[k]
                found[k] = Place(grid_id, _nearest(components[grid_id], lng, lat, radius))
    return found


def place(lng: float | None, lat: float | None) -> Place:
    return places([(lng, lat)])[0]


def _nearest(
    components: Iterable[tuple[int, float, float]], lng: float, lat: float, radius: float
) -> int | None:
    best, best_d = None, radius
    scale = math.cos(math.radians(lat))
    for category_id, c_lng, c_lat in components:
        d = math.hypot((c_lng - lng) * scale, c_lat - lat) * _M_PER_DEG_LAT
        if d <= best_d:
            best, best_d = category_id, d
    return best
