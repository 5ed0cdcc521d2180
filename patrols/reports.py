"""巡查覆盖 in the KPI reports (kpi.reports.EXTRA_SECTIONS): per grid, the period's 面积覆盖率, days
patrolled, 巡查里程 and time (docs/domain.md §12). Registered in PatrolsConfig.ready()."""

from datetime import date

from django.utils.translation import gettext as _

from kpi.reports import Column, Section
from patrols.selectors import _grid_scope, coverage_by_grid, district_of


def _scope(filters: dict, user) -> dict:
    """The place filters as codes, held to the user's district (docs/domain.md §13) whatever they asked."""
    scope = {k: str(v) for k in ("district", "street", "community", "grid") if (v := filters.get(k))}
    if (own := district_of(user)) is not None:
        scope["district"] = own
    return scope


def patrol_section(start: date, end: date, filters: dict, user) -> Section | None:
    if filters.get("department") or filters.get("category") or filters.get("major") or filters.get("source"):
        return None  # patrols are by place, not by department or category
    rows = coverage_by_grid(start, end, **_scope(filters, user))
    if not rows:
        return None
    columns = [
        Column("grid", _("网格编码")),
        Column("grid_name", _("网格")),
        Column("coverage", _("平均面积覆盖率"), "percent"),
        Column("best_coverage", _("最高日覆盖率"), "percent"),
        Column("days_patrolled", _("巡查达标天数"), "int"),
        Column("mileage_km", _("巡查里程（公里）"), "number"),
        Column("patrol_hours", _("巡查时长（小时）"), "number"),
    ]
    return Section(
        "patrol_coverage",
        _("网格巡查覆盖"),
        columns,
        rows,
        note=_("面积覆盖率：网格面积中距当天巡查轨迹不超过设定距离的部分所占比例，按期内天数平均。"),
    )


def dashboard_cards(user, period: tuple[date, date], filters: dict) -> list | None:
    """The period's 面积覆盖率 (mean over the grids in scope and the period's days), 巡查里程 and time,
    for those who may see patrols (a track is a person's whereabouts: core/roles.py)."""
    from django.urls import reverse

    from core.roles import PATROL_SUPERVISOR_ROLES
    from grids.models import Grid
    from kpi.web.dashboard_sections import Card, percent

    if not user.has_role(*PATROL_SUPERVISOR_ROLES):
        return None
    if filters.get("department") or filters.get("category") or filters.get("major") or filters.get("source"):
        return None  # patrols are by place, not by department or category
    scope = _scope(filters, user)
    rows = coverage_by_grid(*period, **scope)
    if not rows:
        return None
    grids = Grid.objects.filter(_grid_scope(**scope, prefix="")).count() or len(rows)
    url = reverse("patrol-map")
    return [
        Card("coverage", _("平均面积覆盖率"), percent(sum(r["coverage"] for r in rows) / grids), url),
        Card("grids_patrolled", _("有巡查的网格"), f"{len(rows)} / {grids}", url),
        Card("mileage", _("巡查里程（公里）"), f"{sum(r['mileage_km'] for r in rows):.1f}", url),
        Card("hours", _("巡查时长（小时）"), f"{sum(r['patrol_hours'] for r in rows):.1f}", url),
    ]
