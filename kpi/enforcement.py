"""The enforcement figures in the 日/周/旬/月 reports (issue #20.4): kpi.reports.EXTRA_SECTIONS entries.

Per street and per department (主办), with a 合计 row; each name links to the outcomes behind it
(the enforcement outcomes page, filtered to that street or department and the report's period).
"""

from datetime import date
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext

from enforcement import figures
from kpi.reports import Column, Section

_COLUMNS = (
    ("checks", "int"),
    ("orders", "int"),
    ("on_time_rate", "percent"),
    ("penalties", "int"),
    ("fines", "number"),
    ("waivers", "int"),
    ("transfers", "int"),
    ("persuasions", "int"),
    ("repeat_rate", "percent"),
)


def _section(key: str, title: str, by: str, start: date, end: date, filters: dict) -> Section | None:
    narrowed = {k: getattr(v, "code", v) for k, v in filters.items() if k in figures.FILTERS}
    rows = figures.figures(start, end, by=by, **narrowed)
    if not rows:
        return None
    (total,) = figures.figures(start, end, **narrowed)
    base = reverse("enforcement-outcomes")
    period = {"issued_after": start.isoformat(), "issued_before": end.isoformat()}
    out = []
    for row in [*rows, {**total, "code": "", "name": gettext("合计")}]:
        cells = {"code": row["code"], "name": row["name"]}
        cells |= {k: (float(row[k]) if k == "fines" else row[k]) for k, _type in _COLUMNS}
        query = {**period, **narrowed, **({by: row["code"]} if row["code"] else {})}
        cells["url"] = f"{base}?{urlencode(query)}"
        out.append(cells)
    columns = [Column("code", gettext("编码")), Column("name", gettext("名称"))]
    columns += [Column(k, gettext(figures.LABELS[k]), t) for k, t in _COLUMNS]
    note = gettext("罚款以元计；按期改正率：期限在本期内的责令改正通知书中，期限内复查已改正的比例。")
    return Section(key, title, columns, out, note=note)


def by_street(start: date, end: date, filters: dict, user) -> Section | None:
    return _section("enforcement_streets", gettext("执法统计（按街道）"), "street", start, end, filters)


def by_department(start: date, end: date, filters: dict, user) -> Section | None:
    return _section(
        "enforcement_departments", gettext("执法统计（按部门）"), "department", start, end, filters
    )
