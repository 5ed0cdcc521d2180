"""One function per patrol action (docs/domain.md §12), each writing its PatrolEvent in the same transaction.

- `patrol_start`: the inspector starts on the phone; the phone's key makes a retried start harmless.
- `patrol_upload`: a batch of sampled positions, buffered on the phone; a batch sent again (its key) or a
  point sent again (its instant) is stored once.
- `patrol_end`: the inspector ends it (a last batch may still arrive after, and is kept).
- `compute_coverage`: a day's 面积覆盖率, 巡查里程 and time per grid, recomputed whole (idempotent).
"""

from __future__ import annotations

import io
import json
import math
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.roles import Role
from grids.coords import distance_m
from grids.models import Grid
from patrols import coverage
from patrols.models import GridCoverage, Patrol, PatrolEvent, TrackPoint


class PatrolError(Exception):
    """A refused patrol action: `status` 400 (input, naming `field`), 403 (who), 409 (state)."""

    def __init__(self, message: str, *, status: int = 400, field: str | None = None):
        super().__init__(message)
        self.message, self.status, self.field = message, status, field


@dataclass
class UploadResult:
    patrol: Patrol
    received: int
    stored: int
    replayed: bool  # the whole batch was sent before


def _check_inspector(actor) -> None:
    if not actor.has_role(Role.INSPECTOR):
        raise PatrolError("只有监督员可以巡查", status=403)


def _key(value: str, field: str) -> str:
    value = (value or "").strip()
    if len(value) > 64:
        raise PatrolError("键最长 64 个字符", field=field)
    return value


def patrol_start(*, actor, client_key: str = "", at: datetime | None = None) -> Patrol:
    """Start a patrol; an inspector already on patrol gets that one back (a second phone tab, a retry)."""
    _check_inspector(actor)
    client_key = _key(client_key, "client_key")
    at = at or timezone.now()
    with transaction.atomic():
        if client_key and (same := Patrol.objects.filter(inspector=actor, client_key=client_key).first()):
            return same
        active = (
            Patrol.objects.select_for_update().filter(inspector=actor, status=Patrol.Status.ACTIVE).first()
        )
        if active is not None:
            return active
        try:
            with transaction.atomic():
                patrol = Patrol.objects.create(
                    inspector=actor, started_at=at, day=timezone.localdate(at), client_key=client_key
                )
        except IntegrityError:  # a concurrent start won: return its patrol
            return Patrol.objects.get(inspector=actor, status=Patrol.Status.ACTIVE)
        PatrolEvent.objects.create(patrol=patrol, action=PatrolEvent.Action.START, at=at, actor=actor)
    return patrol


def patrol_end(*, patrol: Patrol, actor, at: datetime | None = None) -> Patrol:
    if patrol.inspector_id != actor.pk:
        raise PatrolError("只能结束自己的巡查", status=403)
    at = at or timezone.now()
    with transaction.atomic():
        patrol = Patrol.objects.select_for_update(no_key=True).get(pk=patrol.pk)
        if patrol.status == Patrol.Status.ENDED:
            return patrol  # ended before: the phone retried
        patrol.status, patrol.ended_at = Patrol.Status.ENDED, at
        patrol.save(update_fields=["status", "ended_at"])
        PatrolEvent.objects.create(
            patrol=patrol,
            action=PatrolEvent.Action.END,
            at=at,
            actor=actor,
            payload={"points": patrol.point_count, "distance_m": round(patrol.distance_m, 1)},
        )
    return patrol


def _parse_points(points) -> list[tuple[datetime, float, float, float | None]]:
    if not isinstance(points, list) or not points:
        raise PatrolError("points 必须是非空列表", field="points")
    if len(points) > settings.PATROL_BATCH_MAX_POINTS:
        raise PatrolError(f"一批最多 {settings.PATROL_BATCH_MAX_POINTS} 个点", field="points")
    parsed = []
    for n, point in enumerate(points):
        try:
            at = point["at"]
            at = at if isinstance(at, datetime) else parse_datetime(str(at))
            lng, lat = float(point["lng"]), float(point["lat"])
            accuracy = point.get("accuracy")
            accuracy = None if accuracy in (None, "") else float(accuracy)
        except (KeyError, TypeError, ValueError):
            raise PatrolError(f"第 {n + 1} 个点格式错误（需要 at、lng、lat）", field="points") from None
        if at is None or timezone.is_naive(at):
            raise PatrolError(f"第 {n + 1} 个点的时间须带时区（ISO 8601）", field="points")
        if not (math.isfinite(lng) and math.isfinite(lat) and -180 <= lng <= 180 and -90 <= lat <= 90):
            raise PatrolError(f"第 {n + 1} 个点的坐标无效", field="points")
        parsed.append((at, lng, lat, accuracy))
    return sorted(parsed, key=lambda point: point[0])  # stable: of one instant's repeats, the first sent


def patrol_upload(*, patrol: Patrol, actor, batch_key: str, points) -> UploadResult:
    """Store a batch of positions (WGS-84). The same batch key again stores nothing and says so.

    A phone sends its buffer in time order, so a batch usually continues the track: its points are
    inserted in one statement and the totals grow by the batch's own segments, measured from the last
    fix kept on the patrol row (nothing is read back). A batch overlapping what is stored (the phone
    re-sent its buffer) stores only the instants not stored yet; one holding a fix earlier than the
    last stored one (a batch arriving late) has the track's totals recounted whole.
    """
    if patrol.inspector_id != actor.pk:
        raise PatrolError("只能上传自己的巡查轨迹", status=403)
    batch_key = _key(batch_key, "batch_key")
    if not batch_key:
        raise PatrolError("缺少批次键 batch_key", field="batch_key")
    parsed = _parse_points(points)
    started = patrol.started_at - timedelta(minutes=5)  # the phone's clock may run a little behind
    ended = (patrol.ended_at or timezone.now()) + timedelta(minutes=5)
    if any(not (started <= at <= ended) for at, *_ in parsed):
        raise PatrolError("轨迹点时间不在本次巡查时段内", field="points")
    unique = _unique(parsed)
    if _append(patrol, actor, batch_key, unique, received=len(parsed)):
        return UploadResult(patrol, len(parsed), len(unique), False)
    locked, stored, replayed = _store_locked(patrol.pk, actor, batch_key, unique, received=len(parsed))
    for field in _TOTALS:  # the caller's copy follows, so its next batch can take the one-statement path
        setattr(patrol, field, getattr(locked, field))
    return UploadResult(locked, len(parsed), stored, replayed)


_TOTALS = ("point_count", "distance_m", "last_point_at", "last_lng", "last_lat")


def _store_locked(patrol_id: int, actor, batch_key: str, unique: list, *, received: int):
    """Any batch, under the patrol's row lock: returns the patrol as stored, the points stored, replayed."""
    with transaction.atomic():
        patrol = Patrol.objects.select_for_update(no_key=True).get(pk=patrol_id)
        if PatrolEvent.objects.filter(patrol=patrol, batch_key=batch_key).exists():
            return patrol, 0, True
        last = patrol.last_point_at
        early = [at for at, *_ in unique if last is not None and at <= last]
        known = set(TrackPoint.objects.filter(patrol=patrol, at__in=early).values_list("at", flat=True))
        new = [point for point in unique if point[0] not in known] if known else unique
        _insert_points(patrol.pk, new)
        if len(known) < len(early) or (last is not None and patrol.last_lng is None):
            _refresh_totals(patrol)  # a fix between stored ones: the track changes in the middle
        elif new:
            rows = [(at, lng, lat) for at, lng, lat, _acc in new]
            if last is not None:
                rows.insert(0, (last, patrol.last_lng, patrol.last_lat))
            patrol.point_count += len(new)
            patrol.distance_m += _track_length(rows)
            patrol.last_point_at, patrol.last_lng, patrol.last_lat = rows[-1]
            patrol.save(update_fields=list(_TOTALS))
        PatrolEvent.objects.create(
            patrol=patrol,
            action=PatrolEvent.Action.UPLOAD,
            actor=actor,
            batch_key=batch_key,
            payload={"received": received, "stored": len(new)},
        )
    return patrol, len(new), False


_POINT_COLUMNS = ("patrol_id", "at", "lng", "lat", "accuracy_m")

# The points, the patrol's totals and the upload event in one statement, written only while the patrol's
# last fix is the one the caller saw (its row lock and PostgreSQL's re-check of the WHERE against the row
# as committed make that exact) and the batch key is new; otherwise nothing is written.
_APPEND_SQL = """
WITH moved AS (
    UPDATE patrols_patrol
       SET point_count = point_count + %(count)s, distance_m = distance_m + %(distance)s,
           last_point_at = %(last_at)s, last_lng = %(last_lng)s, last_lat = %(last_lat)s
     WHERE id = %(patrol)s AND last_point_at IS NOT DISTINCT FROM %(seen)s
       AND NOT EXISTS (SELECT 1 FROM patrols_patrolevent WHERE patrol_id = %(patrol)s AND batch_key = %(key)s)
 RETURNING id
), points AS (
    INSERT INTO patrols_trackpoint (patrol_id, at, lng, lat, accuracy_m)
    SELECT moved.id, p.at, p.lng, p.lat, p.acc FROM moved,
           unnest(%(ats)s::timestamptz[], %(lngs)s::float8[], %(lats)s::float8[], %(accs)s::float8[])
           AS p (at, lng, lat, acc)
)
INSERT INTO patrols_patrolevent (patrol_id, action, at, actor_id, batch_key, payload)
SELECT id, %(action)s, %(now)s, %(actor)s, %(key)s, %(payload)s::jsonb FROM moved
RETURNING id
"""


def _append(patrol: Patrol, actor, batch_key: str, unique: list, *, received: int) -> bool:
    """The usual batch in one round trip (PostgreSQL): it continues the track the caller holds.

    True when stored (and `patrol` updated to match); False when the batch is not simply the next
    piece of the track as the caller knows it (an overlap, a late batch, a key sent before, another
    upload in between, another database): the locked path below then decides. Measured: a 120-point
    batch had eight round trips (begin, lock, key check, insert, read of the last point, update, event,
    commit), and on a busy machine each costs milliseconds of waiting for the server's turn.
    """
    seen = patrol.last_point_at
    if connection.vendor != "postgresql" or (
        seen is not None and (unique[0][0] <= seen or patrol.last_lng is None)
    ):
        return False
    rows = [(at, lng, lat) for at, lng, lat, _acc in unique]
    if seen is not None:
        rows.insert(0, (seen, patrol.last_lng, patrol.last_lat))
    distance = _track_length(rows)
    last_at, last_lng, last_lat = rows[-1]
    params = {
        "patrol": patrol.pk,
        "seen": seen,
        "key": batch_key,
        "count": len(unique),
        "distance": distance,
        "last_at": last_at,
        "last_lng": last_lng,
        "last_lat": last_lat,
        "ats": [p[0] for p in unique],
        "lngs": [p[1] for p in unique],
        "lats": [p[2] for p in unique],
        "accs": [p[3] for p in unique],
        "action": PatrolEvent.Action.UPLOAD.value,
        "now": timezone.now(),
        "actor": actor.pk,
        "payload": json.dumps({"received": received, "stored": len(unique)}),
    }
    try:
        # Outside a transaction the statement is its own; inside one, a savepoint keeps a refused
        # statement (the batch key's unique constraint, a race the NOT EXISTS cannot see) from
        # breaking the caller's transaction.
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            with connection.cursor() as cursor:
                cursor.execute(_APPEND_SQL, params)
                stored = cursor.fetchone() is not None
    except IntegrityError:
        return False
    if stored:
        patrol.point_count += len(unique)
        patrol.distance_m += distance
        patrol.last_point_at, patrol.last_lng, patrol.last_lat = last_at, last_lng, last_lat
    return stored


def _insert_points(patrol_id: int, points) -> None:
    """INSERT the points in as few statements as the database takes (one on PostgreSQL).

    Plain SQL rather than bulk_create: building a model and preparing each field per point was most
    of an upload's time (`make bench`). The instants are new (the caller holds the patrol's lock and
    left out the stored ones), so a clash is a bug and raises.
    """
    if not points:
        return
    ops = connection.ops
    rows = [(patrol_id, ops.adapt_datetimefield_value(at), lng, lat, acc) for at, lng, lat, acc in points]
    size = ops.bulk_batch_size(_POINT_COLUMNS, rows) or len(rows)
    head = "INSERT INTO {} ({}) VALUES ".format(
        ops.quote_name(TrackPoint._meta.db_table), ", ".join(map(ops.quote_name, _POINT_COLUMNS))
    )
    placeholder = "(" + ", ".join(["%s"] * len(_POINT_COLUMNS)) + ")"
    with connection.cursor() as cursor:
        for n in range(0, len(rows), size):
            chunk = rows[n : n + size]
            cursor.execute(head + ", ".join([placeholder] * len(chunk)), [v for row in chunk for v in row])


def _unique(parsed) -> list:
    """Time-sorted points with one per instant (a batch may repeat one: the first sent is kept)."""
    kept, seen = [], None
    for point in parsed:
        if point[0] != seen:
            seen = point[0]
            kept.append(point)
    return kept


def _track_length(rows) -> float:
    """Metres over the kept segments (the same rule as the coverage: no gaps, no jumps)."""
    total = 0.0
    gap, speed = settings.PATROL_MAX_GAP_SECONDS, settings.PATROL_MAX_SPEED_MPS
    for (t0, x0, y0), (t1, x1, y1) in zip(rows, rows[1:], strict=False):
        dt = (t1 - t0).total_seconds()
        d = distance_m(x0, y0, x1, y1)
        if 0 < dt <= gap and d <= speed * dt:
            total += d
    return total


def _refresh_totals(patrol: Patrol) -> None:
    """Point count, last fix and distance recounted from the stored track."""
    rows = list(TrackPoint.objects.filter(patrol=patrol).order_by("at").values_list("at", "lng", "lat"))
    patrol.point_count = len(rows)
    patrol.distance_m = _track_length(rows)
    patrol.last_point_at, patrol.last_lng, patrol.last_lat = rows[-1] if rows else (None, None, None)
    patrol.save(update_fields=list(_TOTALS))


def day_tracks(day: date) -> list[coverage.Track]:
    """Every patrol's points of a local day, as plain arrays (one query, streamed)."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
    if connection.vendor == "postgresql":
        return _day_tracks_pg(start, start + timedelta(days=1))
    return _day_tracks_rows(start, start + timedelta(days=1))


def _day_tracks_rows(start: datetime, end: datetime) -> list[coverage.Track]:
    """Point by point, on any database."""
    rows = (
        TrackPoint.objects.filter(at__gte=start, at__lt=end)
        .order_by("patrol_id", "at")
        .values_list("patrol_id", "patrol__inspector_id", "at", "lng", "lat")
    )
    tracks, current, buffer = [], None, ([], [], [])
    owner = None
    for patrol_id, inspector_id, at, lng, lat in rows.iterator(chunk_size=20000):
        if patrol_id != current:
            if current is not None:
                tracks.append(coverage.Track(owner, *buffer))
            current, owner, buffer = patrol_id, inspector_id, ([], [], [])
        buffer[0].append(at.timestamp())
        buffer[1].append(lng)
        buffer[2].append(lat)
    if current is not None:
        tracks.append(coverage.Track(owner, *buffer))
    return tracks


_DAY_TRACKS_COPY = """
COPY (SELECT patrol_id::float8, extract(epoch FROM at)::float8, lng, lat
        FROM patrols_trackpoint WHERE at >= '{start}' AND at < '{end}') TO STDOUT (FORMAT binary)
"""
# PostgreSQL's binary COPY: a 19-byte header, then per row a field count (int16) and per field its length
# (int32) and value (float8 here), all big-endian; a 2-byte trailer.
_COPY_ROW = np.dtype(
    [("fields", ">i2")] + [(f"{name}{k}", t) for k in range(4) for name, t in (("len", ">i4"), ("v", ">f8"))]
)


def _day_tracks_pg(start: datetime, end: datetime) -> list[coverage.Track]:
    """The same tracks read as plain numbers (times as epoch seconds) by a binary COPY, sorted and cut per
    patrol with numpy: a datetime object per point, a join per point and the database's sort of a
    district's day (spilled to disk) took longer than the coverage itself (`make bench`)."""
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        # The bounds are datetimes formatted here (no user input): COPY takes no parameters.
        sql = _DAY_TRACKS_COPY.format(start=start.isoformat(), end=end.isoformat())
        cursor.cursor.copy_expert(sql, buffer)
    data = buffer.getbuffer()
    count = (len(data) - 21) // _COPY_ROW.itemsize
    table = np.frombuffer(data, dtype=_COPY_ROW, count=count, offset=19)
    if not all((table[f"len{k}"] == 8).all() for k in range(4)) or not (table["fields"] == 4).all():
        raise ValueError("unexpected COPY layout")  # every column is NOT NULL float8: never seen
    rows = np.column_stack([table[f"v{k}"].astype(float) for k in range(4)])
    rows = rows[np.lexsort((rows[:, 1], rows[:, 0]))]
    patrols = np.unique(rows[:, 0]).astype(int).tolist()
    owners = dict(Patrol.objects.filter(pk__in=patrols).values_list("pk", "inspector_id"))
    cuts = np.flatnonzero(np.diff(rows[:, 0])) + 1
    return [
        coverage.Track(owners[int(part[0, 0])], part[:, 1], part[:, 2], part[:, 3])
        for part in np.split(rows, cuts)
        if len(part)
    ]


def compute_coverage(day: date) -> int:
    """Recompute `day`'s GridCoverage rows for every grid (replacing the old ones); returns the grids patrolled."""
    grids = dict(Grid.objects.values_list("id", "geometry"))
    figures = coverage.compute(
        day_tracks(day),
        grids,
        distance_m=settings.PATROL_COVERAGE_DISTANCE_M,
        max_gap_s=settings.PATROL_MAX_GAP_SECONDS,
        max_speed_mps=settings.PATROL_MAX_SPEED_MPS,
        cell_m=settings.PATROL_COVERAGE_CELL_M or 0,
    )
    now = timezone.now()
    rows = [
        GridCoverage(
            grid_id=grid_id,
            day=day,
            coverage=round(f.coverage, 4),
            covered_m2=round(f.covered_m2, 1),
            mileage_m=round(f.mileage_m, 1),
            patrol_seconds=round(f.patrol_seconds),
            inspectors=f.inspectors,
            distance_m=settings.PATROL_COVERAGE_DISTANCE_M,
            computed_at=now,
        )
        for grid_id, f in figures.items()
        if f.covered_m2 > 0 or f.mileage_m > 0
    ]
    with transaction.atomic():
        GridCoverage.objects.filter(day=day).delete()
        GridCoverage.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
