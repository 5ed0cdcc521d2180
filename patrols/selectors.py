"""Reads for the patrol pages, the API and the KPI report: tracks, coverage summaries, missed patrols."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db.models import Avg, Count, Max, Q, QuerySet, Sum
from django.utils import timezone

from grids.models import Grid
from patrols.models import GridCoverage, GridPatrolPlan, Patrol, TrackPoint


def patrols_on(day: date) -> QuerySet[Patrol]:
    return (
        Patrol.objects.filter(day=day)
        .select_related("inspector")
        .order_by("inspector__username", "started_at")
    )


def track_features(patrols) -> list[dict]:
    """One GeoJSON LineString per patrol (its points in time order), with who and how far."""
    patrols = list(patrols)
    coords: dict[int, list] = {p.pk: [] for p in patrols}
    rows = (
        TrackPoint.objects.filter(patrol__in=patrols)
        .order_by("patrol_id", "at")
        .values_list("patrol_id", "lng", "lat")
    )
    for patrol_id, lng, lat in rows.iterator(chunk_size=20000):
        coords[patrol_id].append([lng, lat])
    out = []
    for p in patrols:
        line = coords[p.pk]
        if len(line) < 2:
            line = line * 2 if line else []
        if not line:
            continue
        out.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": line},
                "properties": {
                    "patrol": p.pk,
                    "inspector": p.inspector.username,
                    "inspector_name": p.inspector.get_full_name() or p.inspector.username,
                    "status": p.status,
                    "started_at": timezone.localtime(p.started_at).isoformat(),
                    "ended_at": timezone.localtime(p.ended_at).isoformat() if p.ended_at else None,
                    "distance_m": round(p.distance_m, 1),
                    "points": p.point_count,
                },
            }
        )
    return out


def _grid_scope(
    street: str | None = None,
    community: str | None = None,
    grid: str | None = None,
    *,
    prefix: str = "grid__",
) -> Q:
    """Rows of grids in a street, community or grid; `prefix=""` for the Grid table itself."""
    q = Q()
    if street:
        q &= Q(**{f"{prefix}community__street__code": street})
    if community:
        q &= Q(**{f"{prefix}community__code": community})
    if grid:
        q &= Q(**{f"{prefix}code": grid})
    return q


def coverage_by_grid(start: date, end: date, **scope) -> list[dict]:
    """Per grid over [start, end]: days patrolled, mean 面积覆盖率 over the period's days, mileage, time."""
    days = (end - start).days + 1
    rows = (
        GridCoverage.objects.filter(_grid_scope(**scope), day__range=(start, end))
        .values("grid__code", "grid__name")
        .annotate(
            days_patrolled=Count("id", filter=Q(coverage__gte=settings.PATROL_MIN_COVERAGE_PERCENT / 100)),
            coverage_sum=Sum("coverage"),
            best=Max("coverage"),
            mileage=Sum("mileage_m"),
            seconds=Sum("patrol_seconds"),
        )
        .order_by("grid__code")
    )
    return [
        {
            "grid": r["grid__code"],
            "grid_name": r["grid__name"],
            "days_patrolled": r["days_patrolled"],
            "coverage": (r["coverage_sum"] or 0) / days,
            "best_coverage": r["best"] or 0,
            "mileage_km": round((r["mileage"] or 0) / 1000, 2),
            "patrol_hours": round((r["seconds"] or 0) / 3600, 2),
        }
        for r in rows
    ]


def district_coverage(day: date) -> dict:
    """The district's figures of one day: mean coverage over all grids, mileage, time, patrols."""
    grids = Grid.objects.count()
    agg = GridCoverage.objects.filter(day=day).aggregate(
        total=Sum("coverage"), mileage=Sum("mileage_m"), seconds=Sum("patrol_seconds"), n=Count("id")
    )
    return {
        "day": day,
        "grids": grids,
        "grids_patrolled": agg["n"] or 0,
        "coverage": (agg["total"] or 0) / grids if grids else 0,
        "coverage_percent": round(100 * (agg["total"] or 0) / grids, 1) if grids else 0,
        "mileage_km": round((agg["mileage"] or 0) / 1000, 2),
        "patrol_hours": round((agg["seconds"] or 0) / 3600, 2),
        "patrols": Patrol.objects.filter(day=day).count(),
        "mean_coverage": GridCoverage.objects.filter(day=day).aggregate(a=Avg("coverage"))["a"] or 0,
    }


def missed_patrols(day: date, **scope) -> list[dict]:
    """Grids not patrolled as often as their class asks (一类 daily, 二类 every two days …), as of `day`:
    no day with coverage ≥ PATROL_MIN_COVERAGE_PERCENT in the last `every_days` days up to `day`.
    A grid without a plan is 一类."""
    threshold = settings.PATROL_MIN_COVERAGE_PERCENT / 100
    plans = dict(GridPatrolPlan.objects.values_list("grid_id", "grid_class"))
    grid_q = Q()
    if scope.get("street"):
        grid_q &= Q(community__street__code=scope["street"])
    if scope.get("community"):
        grid_q &= Q(community__code=scope["community"])
    if scope.get("grid"):
        grid_q &= Q(code=scope["grid"])
    longest = max([1, *plans.values()])
    last = dict(
        GridCoverage.objects.filter(
            day__range=(day - timedelta(days=longest - 1), day), coverage__gte=threshold
        )
        .values("grid_id")
        .annotate(last=Max("day"))
        .values_list("grid_id", "last")
    )
    missed = []
    for grid in Grid.objects.filter(grid_q).only("code", "name").order_by("code"):
        every = plans.get(grid.pk, 1)
        seen = last.get(grid.pk)
        if seen is None or (day - seen).days >= every:
            missed.append(
                {"grid": grid.code, "grid_name": grid.name, "every_days": every, "last_patrolled": seen}
            )
    return missed
