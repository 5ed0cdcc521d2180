"""The wall's full state (指挥大屏, issue #23 point 1): what a screen loads when it opens or reconnects.

`last_id` is read before anything else, so every change after it comes as a feed event and a change
that is both in the snapshot and in a later event is simply applied twice (the wall keys cases by id).
The rates come from the KPI rollups (month to date, each against its target in 评价参数); the counts
of today and the open cases are read live.
"""

import datetime as dt

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from cases.models import OPEN_STATES, Light, TimedStep
from cases.selectors import with_open_step
from kpi import hotspots
from kpi.queries import headline
from live.models import LiveEvent
from live.selectors import district_of, wall_cases

MAP_CAP = 3000  # the most urgent open cases on the map
LATEST = 30
TREND_DAYS = 14
RATE_KEYS = (
    "filing_rate",
    "closure_rate",
    "on_time_closure_rate",
    "dispose_on_time_rate",
    "satisfaction_rate",
)


def _start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def build(user) -> dict:
    last_id = LiveEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    today = timezone.localdate()
    start = _start(today)
    district = district_of(user)  # a district's wall: its own cases and figures (docs/domain.md §13)
    cases = wall_cases(district)
    counts = cases.aggregate(
        reported=Count("id", filter=Q(created_at__gte=start)),
        filed=Count("id", filter=Q(filed_at__gte=start)),
        dispatched=Count("id", filter=Q(dispatched_at__gte=start)),
        closed=Count("id", filter=Q(closed_at__gte=start)),
        open=Count("id", filter=Q(status__in=OPEN_STATES)),
    )
    running = TimedStep.objects.filter(finished_at__isnull=True)
    if district is not None:
        running = running.filter(case__district_id=district)
    lights = dict(running.values_list("light").annotate(n=Count("id")).values_list("light", "n"))
    counts["red"] = lights.get(Light.RED, 0)
    counts["yellow"] = lights.get(Light.YELLOW, 0)
    return {
        "last_id": last_id,
        "generated_at": timezone.now().isoformat(),
        "today": today.isoformat(),
        "counts": counts,
        "rates": _rates(today, district),
        "trend": _trend(today, cases),
        "departments": _departments(cases),
        "hotspots": _hotspots(user, today),
        "latest": _latest(cases),
        "map": _map(cases),
    }


def _rates(today: dt.date, district: int | None) -> list[dict]:
    filters = {} if district is None else {"district": district}
    kpis = {k["key"]: k for k in headline.summary(today.replace(day=1), today, **filters)["kpis"]}
    return [
        {"key": k, "label": str(kpis[k]["label"]), "value": kpis[k]["value"], "target": kpis[k]["target"]}
        for k in RATE_KEYS
        if k in kpis
    ]


def _trend(today: dt.date, cases) -> dict:
    first = today - dt.timedelta(days=TREND_DAYS - 1)
    days = [first + dt.timedelta(days=i) for i in range(TREND_DAYS)]

    def per_day(field):
        rows = (
            cases.filter(**{f"{field}__gte": _start(first)})
            .annotate(day=TruncDate(field))
            .values("day")
            .annotate(n=Count("id"))
            .values_list("day", "n")
        )
        found = dict(rows)
        return [found.get(d, 0) for d in days]

    return {
        "days": [f"{d:%m-%d}" for d in days],
        "reported": per_day("created_at"),
        "closed": per_day("closed_at"),
    }


def _departments(cases, limit: int = 8) -> list[dict]:
    """Departments by their open cases, with how many of those are overdue (red)."""
    rows = (
        cases.filter(status__in=OPEN_STATES, department__isnull=False)
        .values("department__name")
        .annotate(
            # distinct: the join with the steps repeats a case once per step
            open=Count("id", distinct=True),
            red=Count(
                "steps", filter=Q(steps__finished_at__isnull=True, steps__light=Light.RED), distinct=True
            ),
        )
        .order_by("-red", "-open")[:limit]
    )
    return [{"name": r["department__name"], "open": r["open"], "red": r["red"]} for r in rows]


def _hotspots(user, today: dt.date, limit: int = 6) -> list[dict]:
    cells = hotspots.hot_cells(hotspots.visible_cases(user), as_of=today, recent_days=7, limit=limit)
    return [
        {
            "grid": c.grid_name or c.grid_code,
            "street": c.street_name,
            "category": c.category_name,
            "recent": c.recent,
            "ratio": round(c.ratio, 1) if c.ratio is not None else None,
            "lng": c.lng,
            "lat": c.lat,
        }
        for c in cells.cells
    ]


def _latest(cases) -> list[dict]:
    rows = cases.order_by("-created_at", "-id").values_list(
        "pk", "number", "category_name", "address", "status", "created_at"
    )[:LATEST]
    return [
        {"case": pk, "number": n, "category": c, "address": a, "status": s, "at": at.isoformat()}
        for pk, n, c, a, s, at in rows
    ]


def _map(cases) -> list[list]:
    """[case id, lng, lat, light] of the open cases, worst light first, capped."""
    rank = {Light.RED: 0, Light.YELLOW: 1, Light.GREEN: 2}
    rows = list(
        with_open_step(cases.filter(status__in=OPEN_STATES)).values_list("pk", "lng", "lat", "light")[
            : MAP_CAP * 2
        ]
    )
    rows.sort(key=lambda r: rank.get(r[3], 3))
    return [[pk, lng, lat, light or ""] for pk, lng, lat, light in rows[:MAP_CAP]]
