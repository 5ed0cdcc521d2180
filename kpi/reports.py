"""Periodic reports (日巡查、周统计、旬反馈、月总结, docs/domain.md §7; issue #7 point 4).

A report is a list of tables (sections) for one period, assembled from kpi.queries (headline KPIs
against their targets, street and department rankings, breakdowns by 大类 and by source) and from
kpi.hotspots (hot cells and repeated places). kpi/exports.py turns one into xlsx or CSV; the API and
the report pages render the same `Report`.

Periods are local calendar days, both ends inclusive:
    daily    the day
    weekly   Monday to Sunday (ISO week), so a week may straddle two months
    xun      旬: days 1–10 (上旬), 11–20 (中旬), 21 to the month's end (下旬: 8 to 11 days)
    monthly  the calendar month

Hot spots in a report look at the period itself, but at least the 7 days ending its last day (a
one-day window has no stable weekday mix), never past today.
"""

import calendar
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from cases import channels
from cases.models import Case
from dispatch.models import Category
from kpi import hotspots, queries

CADENCES: dict[str, str] = {"daily": "日巡查", "weekly": "周统计", "xun": "旬反馈", "monthly": "月总结"}
XUN_NAMES = ("上旬", "中旬", "下旬")
WEEKDAYS = "一二三四五六日"
FILTER_NAMES = ("street", "community", "grid", "department", "category", "major", "source")


class ReportError(ValueError):
    """A request we cannot make a report for; `field` names the parameter at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


# ---------------------------------------------------------------- periods


def check_cadence(cadence: str) -> str:
    if cadence not in CADENCES:
        choices = "、".join(f"{key}（{label}）" for key, label in CADENCES.items())
        raise ReportError("cadence", f"未知的报表周期“{cadence}”，可选：{choices}")
    return cadence


def report_period(cadence: str, day: date) -> tuple[date, date]:
    """The period of `cadence` that contains `day`, as (first day, last day)."""
    check_cadence(cadence)
    if cadence == "daily":
        return day, day
    if cadence == "weekly":
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=6)
    last = calendar.monthrange(day.year, day.month)[1]
    if cadence == "monthly":
        return day.replace(day=1), day.replace(day=last)
    if day.day <= 10:
        return day.replace(day=1), day.replace(day=10)
    if day.day <= 20:
        return day.replace(day=11), day.replace(day=20)
    return day.replace(day=21), day.replace(day=last)


def previous_period(cadence: str, start: date) -> tuple[date, date]:
    """The period just before the one starting `start` (for 环比, change on the previous period)."""
    return report_period(cadence, start - timedelta(days=1))


def period_label(cadence: str, start: date, end: date) -> str:
    """How the period is named on the report: 2026年3月下旬, 2026年第14周（3月30日—4月5日）…"""
    check_cadence(cadence)
    if cadence == "daily":
        return f"{start.year}年{start.month}月{start.day}日（星期{WEEKDAYS[start.weekday()]}）"
    if cadence == "weekly":
        year, week, _ = start.isocalendar()
        return f"{year}年第{week}周（{start.month}月{start.day}日—{end.month}月{end.day}日）"
    if cadence == "xun":
        return f"{start.year}年{start.month}月{XUN_NAMES[(start.day - 1) // 10]}"
    return f"{start.year}年{start.month}月"


# ---------------------------------------------------------------- the report


@dataclass
class Column:
    key: str
    label: str
    # text | int | number | percent | date | datetime; "figure" = a number whose row's `unit` says
    # what it is ("%" → a percentage).
    type: str = "text"


@dataclass
class Section:
    key: str
    title: str
    columns: list[Column]
    rows: list[dict]
    note: str = ""


@dataclass
class Report:
    cadence: str
    cadence_label: str
    title: str
    period_from: date
    period_to: date
    period_label: str
    previous_from: date
    previous_to: date
    complete: bool  # False while the period has not ended yet
    generated_at: datetime
    filters: dict
    sections: list[Section] = field(default_factory=list)

    def section(self, key: str) -> Section:
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)


# Sections from the work beyond one case (campaigns, patrols, enforcement …), after the case figures: each
# is `section(start, end, filters, user) -> Section | None` (None: nothing to show for this period and
# scope), defined in a module of its own under kpi/ and listed here in the order the reports show them.
# The pages, the JSON and the xlsx/CSV downloads show every section of a report alike.
EXTRA_SECTIONS: list[Callable[[date, date, dict, object], "Section | None"]] = []


def build_report(cadence: str, day: date, *, user=None, top: int = 20, **filters) -> Report:
    """The `cadence` report for the period containing `day`, as `user` may see it (None: everything).

    `filters` are kpi.queries' (street, community, grid, department, category, major, source). A
    department user is held to their department (queries.scope_filters raises PermissionDenied).
    `top` caps the hot-spot sections.
    """
    check_cadence(cadence)
    unknown = set(filters) - set(FILTER_NAMES)
    if unknown:
        raise ReportError(sorted(unknown)[0], f"未知的筛选条件：{'、'.join(sorted(unknown))}")
    filters = {k: v for k, v in filters.items() if v not in (None, "")}
    if user is not None:
        filters = queries.scope_filters(user, **filters)
    start, end = report_period(cadence, day)
    prev_from, prev_to = previous_period(cadence, start)
    today = timezone.localdate()
    report = Report(
        cadence=cadence,
        cadence_label=CADENCES[cadence],
        title=f"{CADENCES[cadence]} {period_label(cadence, start, end)}",
        period_from=start,
        period_to=end,
        period_label=period_label(cadence, start, end),
        previous_from=prev_from,
        previous_to=prev_to,
        complete=end < today,
        generated_at=timezone.localtime().replace(microsecond=0),
        filters={k: _code(v) for k, v in filters.items()},
    )
    labels = _glossary_labels()
    report.sections = [
        headline_section(start, end, prev_from, prev_to, filters),
        ranking_section(
            "streets", gettext("街道排名"), queries.rows("street", start, end, **filters), labels
        ),
        ranking_section(
            "departments", gettext("部门排名"), queries.rows("department", start, end, **filters), labels
        ),
        ranking_section(
            "majors",
            gettext("大类分布"),
            _major_rows(queries.breakdown("major", start, end, **filters)),
            labels,
        ),
        ranking_section(
            "sources",
            gettext("来源分布"),
            queries.breakdown("source", start, end, **filters),
            labels,
            hidden=("key",),
        ),
    ]
    cases = _hotspot_cases(user, report.filters)
    as_of = min(end, today)
    recent_days = max(7, (end - start).days + 1)
    report.sections += [
        hot_cells_section(hotspots.hot_cells(cases, as_of=as_of, recent_days=recent_days, limit=top)),
        places_section(hotspots.repeated_places(cases, as_of=as_of, days=max(30, recent_days), limit=top)),
    ]
    report.sections += [s for section in EXTRA_SECTIONS if (s := section(start, end, filters, user))]
    return report


# ---------------------------------------------------------------- sections


def headline_section(start: date, end: date, prev_from: date, prev_to: date, filters: dict) -> Section:
    """主要指标: each KPI with its target, whether it is met, the previous period and the change."""
    now, then = queries.summary(start, end, **filters), queries.summary(prev_from, prev_to, **filters)
    before = {k["key"]: k for k in _kpis(then)}
    rows = []
    for kpi in _kpis(now):
        unit = kpi.get("unit") or ""
        value = _figure(kpi.get("value"), unit)
        previous = _figure(before.get(kpi["key"], {}).get("value"), unit)
        met = kpi.get("met")
        rows.append(
            {
                "key": kpi["key"],
                "label": kpi.get("label", kpi["key"]),
                "value": value,
                "unit": unit,
                "target": _figure(kpi.get("target"), unit),
                "met": "—" if met is None else (gettext("达标") if met else gettext("未达标")),
                "met_flag": met,  # the verdict itself, for pages that mark it (the text is for sheets)
                "previous": previous,
                "change": None if value is None or previous is None else value - previous,
                "definition": kpi.get("definition", ""),
                "cases_url": kpi.get("cases_url"),
            }
        )
    columns = [
        Column("label", gettext("指标")),
        Column("value", gettext("本期"), "figure"),
        Column("target", gettext("目标"), "figure"),
        Column("met", gettext("是否达标")),
        Column("previous", gettext("上期"), "figure"),
        Column("change", gettext("环比变化"), "figure"),
        Column("definition", gettext("口径说明")),
    ]
    note = gettext("上期：%(from)s 至 %(to)s") % {"from": prev_from, "to": prev_to}
    return Section("headline", gettext("主要指标"), columns, rows, note=note)


# Row keys that name what a row is about, with their column heading; everything else numeric is a figure.
IDENTITY = {
    "rank": pgettext_lazy("report column", "排名"),
    "code": _("编码"),
    "key": _("编码"),
    "kind": _("部件/事项"),
    "major": _("大类编码"),
    "major_code": _("大类编码"),
    "category": _("类别编码"),
    "source": _("来源"),
    "name": _("名称"),
    "label": _("名称"),
    "major_name": _("大类名称"),
    "street": _("街道"),
    "department": _("部门"),
    "role": _("角色"),
}
SKIPPED = {"id", "pk", "grid", "cases", "cases_url", "filters", "definition"}
SCORE_COLUMNS = {"score": (_("综合得分"), "number"), "grade": (_("等级"), "text")}
# Channel names come from their rows (cases/channels.py), read when a report is made.
CHOICE_LABELS = {"source": channels.labels, "kind": lambda: dict(Category.Kind.choices)}


def ranking_section(
    key: str,
    title: str,
    rows: list[dict],
    labels: dict[str, tuple[str, str]],
    *,
    hidden: tuple[str, ...] = (),
) -> Section:
    """A table from kpi.queries rows: rank and identity, counts and rates (glossary order), score, grade.
    `hidden`: identity columns left out (a source's internal code: people read its name)."""
    flat = [_flatten(row) for row in rows]
    seen: dict[str, None] = {}
    for row in flat:
        seen.update(dict.fromkeys(row))
    identity = [
        k
        for k in IDENTITY
        if k in seen and k != "rank" and k not in hidden and not (k == "label" and "name" in seen)
    ]
    numeric = [
        k
        for k in seen
        if k not in IDENTITY
        and k not in SKIPPED
        and k not in SCORE_COLUMNS
        and all(_is_number(r.get(k)) for r in flat)
    ]
    # Glossary order first (the order the KPIs are defined in), then whatever else is numeric.
    figures = [k for k in labels if k in numeric] + [k for k in numeric if k not in labels]
    columns = [
        Column("rank", pgettext("report column", "排名"), "int"),
        *(Column(k, str(IDENTITY[k])) for k in identity),
    ]
    for k in figures:
        label, unit = labels.get(k, (k, ""))
        columns.append(Column(k, label, _type(k, unit, flat)))
    columns += [Column(k, str(SCORE_COLUMNS[k][0]), SCORE_COLUMNS[k][1]) for k in SCORE_COLUMNS if k in seen]
    out = []
    for n, row in enumerate(flat, 1):
        cells = {c.key: row.get(c.key) for c in columns}
        if cells["rank"] is None:
            cells["rank"] = n
        for c in columns:
            if c.type == "percent":
                cells[c.key] = _figure(cells[c.key], "%")
            elif c.key in CHOICE_LABELS and cells[c.key] is not None:
                cells[c.key] = str(CHOICE_LABELS[c.key]().get(cells[c.key], cells[c.key]))
        out.append(cells)
    return Section(key, title, columns, out)


def hot_cells_section(result: hotspots.HotCellResult) -> Section:
    columns = [
        Column("street_name", gettext("街道")),
        Column("grid_code", gettext("网格编码")),
        Column("grid_name", gettext("网格名称")),
        Column("category_code", gettext("类别编码")),
        Column("category_name", gettext("类别名称")),
        Column("recent", gettext("近期案件数"), "int"),
        Column("baseline_mean", gettext("基线每期均值"), "number"),
        Column("ratio", gettext("倍数"), "number"),
        Column("q_value", gettext("q 值（BH 校正）"), "number"),
    ]
    rows = [{c.key: getattr(cell, c.key) for c in columns} for cell in result.cells]
    note = gettext(
        "近期 %(recent_from)s 至 %(as_of)s，对比此前 %(baseline_from)s 至 %(baseline_to)s；"
        "检验 %(tested)s 个网格×类别（条件二项检验，BH 校正）"
    ) % {
        "recent_from": result.recent_from,
        "as_of": result.as_of,
        "baseline_from": result.baseline_from,
        "baseline_to": result.baseline_to,
        "tested": result.tested,
    }
    return Section("hot_cells", gettext("热点网格"), columns, rows, note)


def places_section(result: hotspots.RepeatedPlaceResult) -> Section:
    columns = [
        Column("grid_code", gettext("网格编码")),
        Column("address", gettext("地址")),
        Column("count", gettext("案件数"), "int"),
        Column("categories", gettext("类别")),
        Column("first_at", gettext("首次上报"), "datetime"),
        Column("last_at", gettext("最近上报"), "datetime"),
        Column("lng", gettext("经度"), "number"),
        Column("lat", gettext("纬度"), "number"),
        Column("case_numbers", gettext("案件编号")),
    ]
    rows = [
        {
            "grid_code": p.grid_code,
            "address": p.address,
            "count": p.count,
            "categories": "、".join(f"{c['name']}×{c['count']}" for c in p.categories),
            "first_at": timezone.localtime(p.first_at).replace(tzinfo=None),
            "last_at": timezone.localtime(p.last_at).replace(tzinfo=None),
            "lng": p.lng,
            "lat": p.lat,
            "case_numbers": " ".join(p.case_numbers),
        }
        for p in result.places
    ]
    note = gettext("%(date_from)s 至 %(date_to)s，%(radius)s 米内 ≥ %(min_cases)s 件（共 %(total)s 处）") % {
        "date_from": result.date_from,
        "date_to": result.date_to,
        "radius": f"{result.radius_m:g}",
        "min_cases": result.min_cases,
        "total": result.total,
    }
    return Section("repeated_places", gettext("重复发生地点"), columns, rows, note)


# ---------------------------------------------------------------- JSON


def report_to_json(report: Report) -> dict:
    """The report as JSON-ready data (dates as ISO strings)."""
    return {
        "cadence": report.cadence,
        "cadence_label": report.cadence_label,
        "title": report.title,
        "period": {"from": report.period_from, "to": report.period_to, "label": report.period_label},
        "previous": {"from": report.previous_from, "to": report.previous_to},
        "complete": report.complete,
        "generated_at": report.generated_at,
        "filters": report.filters,
        "sections": [
            {
                "key": s.key,
                "title": s.title,
                "note": s.note,
                "columns": [{"key": c.key, "label": c.label, "type": c.type} for c in s.columns],
                "rows": [{k: _jsonable(v) for k, v in row.items()} for row in s.rows],
            }
            for s in report.sections
        ],
    }


# ---------------------------------------------------------------- helpers


def _kpis(summary: dict) -> list[dict]:
    """The area figures, then the hotline's (响应率, 解决率, 满意率 and their counts)."""
    return [*summary.get("kpis", []), *summary.get("hotline", {}).get("kpis", [])]


def _major_rows(rows: list[dict]) -> list[dict]:
    """kpi.queries keys a 大类 as "event:06" (部件 01 ≠ 事项 01): shown as two columns."""
    out = []
    for row in rows:
        row = dict(row)
        kind, _sep, major = str(row.pop("key", "")).rpartition(":")
        out.append({"kind": kind, "major": major, **row})
    return out


def _hotspot_cases(user, filters: dict):
    scope = hotspots.CaseScope(**{k: v for k, v in filters.items() if k in FILTER_NAMES})
    if user is None:
        return scope.apply(Case.objects.all())
    return hotspots.visible_cases(user, scope)


def _glossary_labels() -> dict[str, tuple[str, str]]:
    """KPI key → (label, unit), in glossary order."""
    return {g["key"]: (g.get("label", g["key"]), g.get("unit") or "") for g in queries.glossary()}


def _flatten(row: dict) -> dict:
    """A ranking row with nested {"counts": {…}, "rates": {…}} (if any) lifted to the top level."""
    flat = {}
    for k, v in row.items():
        if isinstance(v, dict) and k in ("counts", "rates", "parts", "scores"):
            flat.update(v)
        else:
            flat[k] = v
    return flat


def _is_number(value) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


def _type(key: str, unit: str, rows: list[dict]) -> str:
    if unit == "%" or key.endswith("_rate"):
        return "percent"
    if all(isinstance(r.get(key), int | type(None)) for r in rows):
        return "int"
    return "number"


def _figure(value, unit: str):
    """A rate as a fraction (0.935): kpi.queries gives "%" figures as percentages (93.5)."""
    if unit == "%" and isinstance(value, int | float) and not isinstance(value, bool):
        return value / 100
    return value


def _code(value):
    return getattr(value, "code", value)


def _jsonable(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
