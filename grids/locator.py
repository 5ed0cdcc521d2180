"""Position (WGS84 lng/lat) → the one unit grid it belongs to (docs/domain.md §4).

The index is an in-memory shapely STRtree over every grid's polygon, built once per process and
rebuilt when the grids change. The database is only asked for a cheap version stamp (count and latest
`updated_at`), at most every `RECHECK_SECONDS`, or right away after a Grid is saved or deleted in this
process; so an import done by another process is seen within seconds, without a restart.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import numpy as np
import shapely
from django.db.models import Count, Max
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from shapely.geometry import shape

from grids.models import Grid

RECHECK_SECONDS = 5.0


class InvalidPosition(ValueError):
    """Coordinates that are not a WGS84 position at all (not numbers, NaN, out of range)."""


class PointOutsideGrids(ValueError):
    """A valid position that no unit grid covers: the reporter must see this, not a random grid."""

    def __init__(self, lng: float, lat: float):
        self.lng, self.lat = lng, lat
        super().__init__(f"位置 ({lng:g}, {lat:g}) 不在本区任何单元网格内")


class GridRef(NamedTuple):
    id: int
    code: str


def check_position(lng: object, lat: object) -> tuple[float, float]:
    """`(lng, lat)` as floats, or InvalidPosition saying which one is wrong and why."""
    values = []
    for label, value, limit in (("经度 lng", lng, 180.0), ("纬度 lat", lat, 90.0)):
        if value is None or (isinstance(value, str) and not value.strip()):
            raise InvalidPosition(f"缺少{label}")
        if isinstance(value, bool):  # float(True) == 1.0 would pass silently
            raise InvalidPosition(f"{label} 必须是数字，收到 {value!r}")
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise InvalidPosition(f"{label} 必须是数字，收到 {value!r}") from None
        if not math.isfinite(number):
            raise InvalidPosition(f"{label} {value!r} 不是有限数值")
        if not -limit <= number <= limit:
            raise InvalidPosition(f"{label} {number:g} 超出范围 [-{limit:g}, {limit:g}]")
        values.append(number)
    return values[0], values[1]


class GridLocator:
    """An immutable point-in-grid index.

    Containment is `covers`, so a point on a grid's boundary belongs to it. A point on an edge or vertex
    shared by several grids is covered by all of them; the grid with the **lowest code** wins, so the
    answer never depends on load order or floating-point luck in the index. A grid's code begins with
    its district's, so on an edge between two districts the lower district code wins (docs/domain.md §13). Only prepared polygons and
    ids/codes are kept (no model instances): 40,000 grids take about 50 MB and build in about a second.
    """

    def __init__(self, grids: Iterable[tuple[int, str, dict]]):
        ids: list[int] = []
        codes: list[str] = []
        polygons: list = []
        # Streamed: only the shapely polygon is kept, never all the GeoJSON dicts at once.
        for grid_id, code, geojson in grids:
            ids.append(grid_id)
            codes.append(code)
            polygons.append(shape(geojson))
        # Sorted by code so that "lowest code" is simply "lowest index" among the hits.
        order = sorted(range(len(codes)), key=codes.__getitem__)
        self._ids = np.array([ids[i] for i in order], dtype=np.int64)
        self._codes = [codes[i] for i in order]
        self._polygons = np.empty(len(order), dtype=object)
        self._polygons[:] = [polygons[i] for i in order]
        shapely.prepare(self._polygons)
        # GEOS prepared geometries build their point-in-area index lazily and are not thread-safe
        # (libgeos/geos#825), while shapely releases the GIL in `covers`: one query at a time per index.
        # A lookup takes microseconds, so threaded web workers barely wait on this.
        self._query_lock = threading.Lock()
        self._tree = shapely.STRtree(self._polygons)

    @classmethod
    def from_database(cls) -> GridLocator:
        rows = Grid.objects.order_by().values_list("id", "code", "geometry").iterator(chunk_size=2000)
        return cls(rows)

    def __len__(self) -> int:
        return len(self._codes)

    def find(self, lng: object, lat: object) -> GridRef:
        """The grid covering the position; InvalidPosition or PointOutsideGrids otherwise."""
        x, y = check_position(lng, lat)
        (hit,) = self._hits([(x, y)])
        if hit < 0:
            raise PointOutsideGrids(x, y)
        return GridRef(int(self._ids[hit]), self._codes[hit])

    def find_many(self, points: Sequence[tuple[float, float]]) -> list[GridRef | None]:
        """One answer per already-checked position, in order: the grid, or None when outside every grid."""
        return [GridRef(int(self._ids[h]), self._codes[h]) if h >= 0 else None for h in self._hits(points)]

    def _hits(self, points: Sequence[tuple[float, float]]) -> np.ndarray:
        """Index of the winning grid per point, -1 where none covers it (vectorised for bulk imports)."""
        none = len(self._codes)
        best = np.full(len(points), none, dtype=np.int64)
        if len(points) and none:
            geoms = shapely.points(np.asarray(points, dtype=float))
            with self._query_lock:
                point_idx, grid_idx = self._tree.query(geoms)  # bounding-box candidates only
                # The exact test, on the prepared polygons.
                covered = shapely.covers(self._polygons[grid_idx], geoms[point_idx])
            # Lowest index = lowest code, whatever order the tree reports its hits in.
            np.minimum.at(best, point_idx[covered], grid_idx[covered])
        best[best == none] = -1
        return best


# --- one index per process ------------------------------------------------------------------------

_lock = threading.Lock()
_locator: GridLocator | None = None
_stamp: tuple | None = None
_checked_at = -math.inf


def current_stamp() -> tuple:
    """A cheap version of the grid table: changes whenever a grid is added, changed or removed."""
    row = Grid.objects.order_by().aggregate(n=Count("id"), latest=Max("updated_at"), top=Max("id"))
    return row["n"], row["latest"], row["top"]


def get_locator() -> GridLocator:
    """The process-wide index, rebuilt if the grids changed since it was built."""
    global _locator, _stamp, _checked_at
    now = time.monotonic()
    if _locator is not None and now - _checked_at < RECHECK_SECONDS:
        return _locator
    with _lock:
        stamp = current_stamp()
        if _locator is None or stamp != _stamp:
            _locator, _stamp = GridLocator.from_database(), stamp
        _checked_at = time.monotonic()
        return _locator


def invalidate() -> None:
    """Make the next lookup compare the version stamp (bulk writes fire no signals: call this after them)."""
    global _checked_at
    _checked_at = -math.inf


@receiver(post_save, sender=Grid, dispatch_uid="grids.locator.invalidate_on_save")
@receiver(post_delete, sender=Grid, dispatch_uid="grids.locator.invalidate_on_delete")
def _grid_changed(**kwargs) -> None:
    invalidate()


def find_many(points: Sequence[tuple[float, float]]) -> list[GridRef | None]:
    """Grid refs for already-checked positions (None when outside every grid), never pointing at a vanished grid."""
    for _attempt in range(2):
        refs = get_locator().find_many(points)
        ids = {ref.id for ref in refs if ref is not None}
        if Grid.objects.filter(id__in=ids).count() == len(ids):
            return refs
        # A grid vanished under us (deleted, or a rolled-back import): rebuild once and ask again.
        invalidate()
    raise RuntimeError("单元网格在定位期间发生变化，请重试")  # pragma: no cover - two changes in a row


def locate(lng: object, lat: object) -> Grid:
    """The Grid at a position. Raises InvalidPosition or PointOutsideGrids (both ValueError)."""
    return locate_many([(lng, lat)])[0]


def locate_many(points: Iterable[tuple[object, object]]) -> list[Grid]:
    """Grids for many positions with one index pass and one query; raises for the first bad position."""
    checked = [check_position(lng, lat) for lng, lat in points]
    for _attempt in range(2):
        ids = []
        for (lng, lat), ref in zip(checked, get_locator().find_many(checked), strict=True):
            if ref is None:
                raise PointOutsideGrids(lng, lat)
            ids.append(ref.id)
        grids = (
            Grid.objects.select_related("community__street__district")
            # Outlines of a whole street or district can be megabytes of JSON; nobody locating needs them.
            .defer(
                "geometry",
                "community__geometry",
                "community__street__geometry",
                "community__street__district__geometry",
            )
            .in_bulk(set(ids))
        )
        if all(i in grids for i in ids):
            return [grids[i] for i in ids]
        invalidate()  # see find_many
    raise RuntimeError("单元网格在定位期间发生变化，请重试")  # pragma: no cover
