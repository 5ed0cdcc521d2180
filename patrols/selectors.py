"""Reads for the patrol pages, the API and the KPI report: tracks, coverage summaries, missed patrols."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db.models import Avg, Count, Exists, Max, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from cases.selectors import district_limit
from grids.models import Grid
from patrols.models import GridCoverage, GridPatrolPlan, Patrol, TrackPoint


def district_of(user) -> int | None:
    """The district whose patrols `user` reads (docs/domain.md §13), or None: every district (also for no
    user: a report built by the system)."""
    return None if user is None else district_limit(user)


def in_district(district: int | str | None, *, prefix: str = "grid__") -> Q:
    """Rows of grids in `district`, a pk or (from the KPI filters) a code — a grid's district is its
    community's street's; everything for None."""
    if district in (None, ""):
        return Q()
    field = "district_id" if isinstance(district, int) else "district__code"
    return Q(**{f"{prefix}community__street__{field}": district})


def patrols_in(patrols: QuerySet[Patrol], district: int | None) -> QuerySet[Patrol]:
    """The patrols of `district`'s inspectors: those whose user names the district or who answer for one
    of its grids. An inspector walks where they are posted, so the patrol belongs where its inspector
    does; EXISTS, not a join, so an inspector of several grids does not repeat their patrols."""
    if district is None:
        return patrols
    posted = Grid.inspectors.through.objects.filter(
        user_id=OuterRef("inspector_id"), grid__community__street__district_id=district
    )
    return patrols.filter(Q(inspector__district_id=district) | Exists(posted))


def patrols_on(day: date, district: int | None = None) -> QuerySet[Patrol]:
    return (
        patrols_in(Patrol.objects.filter(day=day), district)
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
    district: int | str | None = None,
    prefix: str = "grid__",
) -> Q:
    """Rows of grids in a district, street, community or grid; `prefix=""` for the Grid table itself."""
    q = in_district(district, prefix=prefix)
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


def district_coverage(day: date, district: int | None = None) -> dict:
    """The district's figures of one day: mean coverage over all grids, mileage, time, patrols.
    `district` None: every grid of the deployment."""
    grids = Grid.objects.filter(in_district(district, prefix="")).count()
    day_rows = GridCoverage.objects.filter(in_district(district), day=day)
    agg = day_rows.aggregate(
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
        "patrols": patrols_in(Patrol.objects.filter(day=day), district).count(),
        "mean_coverage": day_rows.aggregate(a=Avg("coverage"))["a"] or 0,
    }


def missed_patrols(day: date, **scope) -> list[dict]:
    """Grids not patrolled as often as their class asks (一类 daily, 二类 every two days …), as of `day`:
    no day with coverage ≥ PATROL_MIN_COVERAGE_PERCENT in the last `every_days` days up to `day`.
    A grid without a plan is 一类. `scope`: district (a pk), street, community, grid (codes)."""
    threshold = settings.PATROL_MIN_COVERAGE_PERCENT / 100
    plans = dict(GridPatrolPlan.objects.values_list("grid_id", "grid_class"))
    grid_q = _grid_scope(**scope, prefix="")
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
