"""Demo patrols (docs/domain.md §12): grid classes, and yesterday's and today's patrols of the inspectors
who hold grids, walked up and down each of their grids, so the supervisor's track map and the coverage
figures have something to show. Idempotent: a day already patrolled is left alone."""

from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from grids.models import Grid
from patrols.models import GridPatrolPlan, Patrol
from patrols.services import compute_coverage, patrol_end, patrol_start, patrol_upload

SPACING_DEG = 0.0006  # ≈ 55–65 m between the passes: with 50 m either side, most of a grid is covered
STEP_S = 10
STEP_DEG = 0.0001  # ≈ 9–11 m per point: a walk at about 1 m/s
MAX_GRIDS = 4  # per inspector and day


def save_patrol_demo(district_code: str) -> int:
    grids = Grid.objects.filter(code__startswith=district_code).order_by("code")
    existing = set(GridPatrolPlan.objects.values_list("grid_id", flat=True))
    # Grid classes: the first grid of every ten is 二类 (every two days), the rest 一类 (daily).
    GridPatrolPlan.objects.bulk_create(
        [
            GridPatrolPlan(grid=grid, grid_class=2 if n % 10 == 0 else 1)
            for n, grid in enumerate(grids.only("id"))
            if grid.pk not in existing
        ]
    )
    today = timezone.localdate()
    made = 0
    inspectors = get_user_model().objects.filter(groups__name="inspector", grids__isnull=False).distinct()
    # Today's round starts at 09:00, or an hour ago when the demo is loaded earlier; just after midnight
    # there is no time yet today for one (it would start yesterday), so today is left out.
    days = [today - timedelta(days=1)]
    if timezone.localtime() - timedelta(hours=1) >= datetime.combine(
        today, time.min, tzinfo=timezone.get_current_timezone()
    ):
        days.append(today)
    for day in days:
        for n, inspector in enumerate(inspectors.order_by("username")):
            if Patrol.objects.filter(inspector=inspector, day=day).exists():
                continue
            # Not everyone patrols every grid every day: leave some for the missed-patrol list.
            mine = list(inspector.grids.order_by("code")[: MAX_GRIDS - (n + day.day) % 2])
            if mine:
                _walk(inspector, day, mine)
                made += 1
        compute_coverage(day)
    return made


def _walk(inspector, day, grids) -> None:
    tz = timezone.get_current_timezone()
    start = datetime.combine(day, datetime.min.time(), tzinfo=tz) + timedelta(hours=9)
    if day == timezone.localdate():
        start = min(start, timezone.now() - timedelta(hours=1))
    points = []
    for grid in grids:
        lng = grid.min_lng + SPACING_DEG / 2
        going_up = True
        while lng < grid.max_lng:
            lat, end, step = (
                (grid.min_lat, grid.max_lat, STEP_DEG)
                if going_up
                else (grid.max_lat, grid.min_lat, -STEP_DEG)
            )
            while (lat <= end) if going_up else (lat >= end):
                points.append((round(lng, 6), round(lat, 6)))
                lat += step
            lng += SPACING_DEG
            going_up = not going_up
    patrol = patrol_start(actor=inspector, client_key=f"demo-{day}", at=start)
    stamped = [
        {"at": start + timedelta(seconds=STEP_S * i), "lng": lng, "lat": lat}
        for i, (lng, lat) in enumerate(points)
    ]
    stamped = [p for p in stamped if p["at"] < timezone.now()]
    for k in range(0, len(stamped), 500):
        patrol_upload(patrol=patrol, actor=inspector, batch_key=f"demo-{k}", points=stamped[k : k + 500])
    end = stamped[-1]["at"] + timedelta(seconds=STEP_S) if stamped else start
    patrol_end(patrol=patrol, actor=inspector, at=min(end, timezone.now()))
