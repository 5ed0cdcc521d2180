"""二级派遣 in the KPI reports (kpi.reports.EXTRA_SECTIONS, docs/domain.md §13): per unit of the streets in
scope, the 二级派遣 sent in the period, reported on time or overdue, and the 按期率 — the same rows the street
dashboard ranks (streets/dashboard.py `unit_rows`), with a 合计 row first. Registered in StreetsConfig.ready().
"""

from datetime import date

from django.utils.translation import gettext as _

from grids.models import District, Street
from kpi.queries.cells import pk_of
from kpi.reports import Column, Section
from streets.dashboard import rate, unit_rows

# Filters the section cannot honour: 二级派遣 are by street and unit, not by department, category,
# channel or grid. A report filtered by one of these leaves the section out rather than show wrong rows.
NOT_BY = ("department", "category", "major", "kind", "source", "grid", "community")


def sub_dispatch_section(start: date, end: date, filters: dict, user) -> Section | None:
    if any(filters.get(name) for name in NOT_BY):
        return None
    rows = unit_rows(
        pk_of(Street, filters.get("street")),
        (start, end),
        district_id=pk_of(District, filters.get("district")),
        sent_only=True,
    )
    if not rows:
        return None
    total = {
        "total": sum(r.total for r in rows),
        "on_time": sum(r.on_time for r in rows),
        "overdue": sum(r.overdue for r in rows),
        "open": sum(r.open for r in rows),
        "accepted": sum(r.accepted for r in rows),
        "returned": sum(r.returned for r in rows),
    }
    out = [
        {
            "street": _("合计"),
            "unit": "",
            "kind": "",
            **total,
            "on_time_rate": rate(total["on_time"], total["on_time"] + total["overdue"]),
        }
    ]
    for r in rows:
        out.append(
            {
                "street": r.unit.street.name,
                "unit": r.unit.name,
                "kind": r.unit.get_kind_display(),
                "total": r.total,
                "on_time": r.on_time,
                "overdue": r.overdue,
                "open": r.open,
                "accepted": r.accepted,
                "returned": r.returned,
                "on_time_rate": r.on_time_rate,
            }
        )
    columns = [
        Column("street", _("街道")),
        Column("unit", _("单位")),
        Column("kind", _("类型")),
        Column("total", _("二级派遣数"), "int"),
        Column("on_time", _("按期反馈"), "int"),
        Column("overdue", _("超期"), "int"),
        Column("open", _("未办结"), "int"),
        Column("accepted", _("已验收"), "int"),
        Column("returned", _("已退回"), "int"),
        Column("on_time_rate", _("按期率"), "percent"),
    ]
    return Section(
        "sub_dispatches",
        _("街道二级派遣"),
        columns,
        out,
        note=_(
            "按派遣时间计入统计期。按期率 = 按期反馈 ÷ (按期反馈 + 超期)；超期：反馈晚于单位期限，或过了期限仍未反馈。"
            "与街道看板的单位排名同一口径。"
        ),
    )
