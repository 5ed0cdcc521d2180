"""The figures of one period and filter set, shaped for the dashboard's templates and charts."""

from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.roles import Role
from dispatch.models import Category
from kpi import hotspots, queries
from kpi.definitions import KPIS
from kpi.models import WEIGHTS
from kpi.web.common import (
    DISTRICT_KPI_ROLES,
    MAP_COLOURS,
    TOP_ROWS,
    case_detail_url,
    case_search_url,
    display,
)

# The units of kpi.definitions, as the page says them (a figure's unit is a code there).
UNIT_LABELS = {
    "件": pgettext_lazy("unit of a count of cases", "件"),
    "分": pgettext_lazy("unit of a score", "分"),
}

HEADLINE = (
    "reported",
    "filed",
    "closed",
    "overdue_open",
    "filing_rate",
    "closure_rate",
    "on_time_closure_rate",
    "dispose_on_time_rate",
    "rework_rate",
    "satisfaction_rate",
    "hotline_response_rate",
    "hotline_resolution_rate",
    "hotline_satisfaction_rate",
    "hotline_return_rate",
)
# A rate drills down to its numerator's cases, and shows numerator / denominator with their lists.
RATE_PARTS = {
    "filing_rate": ("r_filed",),  # its denominator (上报 − 不予受理) has no single list
    "closure_rate": ("closed", "due_closure"),
    "on_time_closure_rate": ("closed_on_time", "due_closure"),
    "dispose_on_time_rate": ("disposed_on_time", "due_dispose"),
    "rework_rate": ("reworked", "due_closure"),
    "extension_rate": ("extended", "due_dispose"),
    "overdue_open_rate": ("overdue_open", "due_dispose"),
    "satisfaction_rate": ("r_satisfied", "r_callback"),
    "hotline_response_rate": ("hotline_accepted_on_time", "hotline_reported"),
    "hotline_resolution_rate": ("hotline_closed", "hotline_due"),
    "hotline_satisfaction_rate": ("hotline_satisfied", "hotline_callback"),
    "hotline_return_rate": ("hotline_returned_counted", "hotline_reported"),
}
RANK_COLUMNS = [
    ("filed", _("立案数"), ""),
    ("closed", _("结案数"), ""),
    ("closure_rate", _("结案率"), "%"),
    ("on_time_closure_rate", _("按期结案率"), "%"),
    ("dispose_on_time_rate", _("按期处置率"), "%"),
    ("rework_rate", _("返工率"), "%"),
]
PEOPLE_ROLES = (Role.INSPECTOR, Role.OPERATOR, Role.SHIFT_LEADER, Role.DISPATCHER)
TREND_COUNTS = [("reported", _("上报数")), ("filed", _("立案数")), ("closed", _("结案数"))]
TREND_RATES = [("closure_rate", _("结案率")), ("on_time_closure_rate", _("按期结案率"))]


def _value(row: dict, key: str):
    """A count or rate of a kpi.queries row, top level or under "counts"/"rates"."""
    if key in row:
        return row[key]
    for group in ("counts", "rates"):
        if key in (row.get(group) or {}):
            return row[group][key]
    return None


class Figures:
    """The figures of one period and set of filters, shaped for the templates and the charts."""

    def __init__(self, user, filters: dict, period: tuple[date, date], *, kind: str = "", granularity="day"):
        self.user, self.filters, self.period, self.kind = user, filters, period, kind
        self.granularity = granularity

    def cases_url(self, metric: str, **extra) -> str:
        return case_search_url(queries.cases_params(metric, *self.period, **{**self.filters, **extra}))

    # ---- headline

    def cards(self, summary: dict) -> tuple[list[dict], list[dict]]:
        """(headline cards, every figure) of the summary, the hotline's included."""
        figures = [*summary.get("kpis", []), *summary.get("hotline", {}).get("kpis", [])]
        counts = {**summary.get("counts", {}), **summary.get("hotline", {}).get("counts", {})}
        by_key = {f["key"]: self.figure(f, counts) for f in figures}
        return [by_key[k] for k in HEADLINE if k in by_key], list(by_key.values())

    def figure(self, figure: dict, counts: dict) -> dict:
        unit = figure.get("unit", "")
        parts = []
        url = case_search_url(figure.get("cases"))
        if figure["key"] in RATE_PARTS:
            glossary = {g["key"]: g["label"] for g in self.glossary}
            for metric in RATE_PARTS[figure["key"]]:
                if metric in counts:
                    parts.append(
                        {
                            "label": glossary.get(metric, metric),
                            "value": counts[metric],
                            "url": self.cases_url(metric),
                        }
                    )
            url = url or (parts[0]["url"] if parts else "")
        return {
            **figure,
            "display": display(figure.get("value"), unit),
            "unit_label": "" if unit == "%" else str(UNIT_LABELS.get(unit, unit)),
            "target_display": display(figure.get("target"), unit) if figure.get("target") is not None else "",
            "target_op": "≥" if getattr(KPIS.get(figure["key"]), "higher_is_better", True) else "≤",
            "url": url,
            "parts": parts,
        }

    @property
    def glossary(self) -> list[dict]:
        if not hasattr(self, "_glossary"):
            self._glossary = queries.glossary()
        return self._glossary

    # ---- tables

    def table(self, rows: list[dict]) -> list[dict]:
        """Ranking / breakdown rows as the tables show them, each with the link to its cases."""
        return [
            {
                "rank": row.get("rank") or n,
                "code": row.get("code") or row.get("key") or "",
                "name": row.get("name") or row.get("code") or row.get("key") or "",
                "score": row.get("score"),
                "grade": row.get("grade") or "",
                "cells": [
                    {"key": key, "raw": _value(row, key), "display": display(_value(row, key), unit)}
                    for key, _label, unit in RANK_COLUMNS
                ],
                "filed": _value(row, "filed") or 0,
                "url": case_search_url(row.get("cases")),
            }
            for n, row in enumerate(rows, 1)
        ]

    # ---- trend

    def trend(self, rows: list[dict]) -> tuple[dict, list[dict]]:
        def series(keys):
            return [
                {"key": key, "label": str(label), "data": [_value(r, key) for r in rows]}
                for key, label in keys
                if any(_value(r, key) is not None for r in rows)
            ]

        chart = {
            "labels": [r["label"] for r in rows],
            "counts": series(TREND_COUNTS),
            "rates": series(TREND_RATES),
            "countAxis": str(_("件")),
            "rateAxis": str(_("比率")),
        }
        table = [
            {
                "label": r["label"],
                "values": [display(_value(r, s["key"])) for s in chart["counts"]]
                + [display(_value(r, s["key"]), "%") for s in chart["rates"]],
            }
            for r in rows
        ]
        return chart, table

    # ---- hot spots

    def hotspots(self) -> dict:
        """Hot cells: the 7 days ending the period's last day (never past today) against the 8 weeks
        before: whole weeks, so both sides have the same weekday mix, and a bounded read however long
        the period. Repeated places: the period, at least its last 30 days (at most 92). The weekday ×
        hour pattern: the period, at least its last 28 days."""
        start, end = self.period
        as_of = min(end, timezone.localdate())
        span = (as_of - start).days + 1
        scope = hotspots.CaseScope(
            **{
                k: str(getattr(v, "code", v))
                for k, v in self.filters.items()
                if k in hotspots.CaseScope.__dataclass_fields__
            },
        )
        cases = hotspots.visible_cases(self.user, scope)
        cells = hotspots.hot_cells(cases, as_of=as_of, recent_days=7, limit=20)
        places = hotspots.repeated_places(cases, as_of=as_of, days=min(92, max(30, span)), limit=50)
        pattern_from = min(start, as_of - timedelta(days=27))
        patterns = hotspots.weekday_hour_pattern(cases, date_from=pattern_from, date_to=as_of)[:8]
        weekdays = [_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日")]
        kinds = dict(Category.Kind.choices)
        place_rows = [
            {
                "place": p,
                "title": _("%(n)s 件 · %(what)s")
                % {"n": p.count, "what": "、".join(c["name"] for c in p.categories[:3])},
                "cases": [
                    {"number": number, "url": case_detail_url(pk)}
                    for pk, number in zip(p.case_ids, p.case_numbers, strict=True)
                ],
            }
            for p in places.places
        ]
        return {
            "cells": cells,
            "recent_days": (cells.as_of - cells.recent_from).days + 1,
            "cell_rows": [
                {"cell": c, "url": case_search_url(c.case_filter), "kind": kinds.get(c.kind, c.kind)}
                for c in cells.cells
            ],
            "places": places,
            "place_rows": place_rows,
            "hours": range(24),
            "pattern_from": pattern_from,
            "pattern_to": as_of,
            "patterns": [
                {
                    "pattern": p,
                    "kind": kinds.get(p.kind, p.kind),
                    "rows": [
                        {
                            "day": weekdays[i],
                            "cells": [{"n": n, "cls": heat_class(n, max(map(max, p.matrix)))} for n in row],
                            "total": sum(row),
                        }
                        for i, row in enumerate(p.matrix)
                    ],
                }
                for p in patterns
            ],
        }

    # ---- people

    def people(self) -> list[dict]:
        """Scores and grades of inspectors, operators, shift leaders and dispatchers (docs/domain.md §7).
        People work district-wide, so only the period and the district apply (a district's staff: their
        district's people, docs/domain.md §13), and only district roles see them."""
        start, end = self.period
        labels = {g["key"]: (g["label"], g["unit"]) for g in self.glossary}
        district = {"district": self.filters["district"]} if self.filters.get("district") else {}
        out = []
        for role in PEOPLE_ROLES:
            rows = queries.rows(role.value, start, end, **district)
            parts = [part for _field, part in WEIGHTS[role.value]]
            if role == Role.INSPECTOR:
                parts.insert(2, "missed_rate")
            out.append(
                {
                    "role": role,
                    "label": role.label,
                    "columns": [labels.get(p, (p, ""))[0] for p in parts],
                    "rows": [
                        {
                            "rank": row.get("rank") or n,
                            "name": row.get("name") or row.get("code"),
                            "score": row.get("score"),
                            "grade": row.get("grade") or "",
                            "cells": [
                                {
                                    "raw": (row.get("parts") or {}).get(p),
                                    "display": display(
                                        (row.get("parts") or {}).get(p),
                                        "%" if labels.get(p, ("", ""))[1] == "%" else "",
                                    ),
                                }
                                for p in parts
                            ],
                        }
                        for n, row in enumerate(rows, 1)
                    ],
                }
            )
        return out

    # ---- everything

    def context(self) -> dict:
        start, end = self.period
        f = self.filters
        summary = queries.summary(start, end, **f)
        cards, all_figures = self.cards(summary)
        streets = self.table(queries.rows("street", start, end, **f))
        departments = self.table(queries.rows("department", start, end, **f))
        majors = self.table(queries.breakdown("major", start, end, **f))
        kinds = dict(Category.Kind.choices)
        for row in majors:  # 部件 01 市政公用设施 and 事项 01 市政公用设施类 both exist: say which
            kind = str(row["code"]).partition(":")[0]
            row["name"] = f"{kinds.get(kind, '')} {row['name']}".strip()
        categories = self.table(queries.breakdown("category", start, end, **f))
        sources = self.table(queries.breakdown("source", start, end, **f))
        grids = queries.grid_counts(start, end, metric="filed", **f)
        trend, trend_table = self.trend(queries.trend(start, end, self.granularity, **f))
        hot = self.hotspots()
        values = {g["code"]: g["value"] for g in grids}
        bins = map_bins(list(values.values()))
        chart_data = {
            "trend": trend,
            "majors": bar_data(majors, horizontal=True),
            "categories": bar_data(categories[:TOP_ROWS], horizontal=True),
            "sources": {
                "labels": [r["name"] for r in sources],
                "data": [r["filed"] for r in sources],
                "urls": [r["url"] for r in sources],
            },
            "map": {
                "values": values,
                "bins": bins,
                "casesUrl": self.cases_url("filed"),
                "metricLabel": str(_("立案数")),
            },
            "places": [
                {
                    "lat": r["place"].lat,
                    "lng": r["place"].lng,
                    "count": r["place"].count,
                    "title": str(r["title"]),
                    "address": r["place"].address,
                    "cases": r["cases"],
                }
                for r in hot["place_rows"]
            ],
        }
        top_grids = sorted(grids, key=lambda g: (-g["value"], g["code"]))[:TOP_ROWS]
        return {
            "summary": summary,
            "cards": cards,
            "all_figures": all_figures,
            "trend": trend,
            "trend_table": trend_table,
            "streets": streets,
            "departments": departments,
            "majors": majors,
            "categories": categories,
            "sources": sources,
            "top_grids": [{**g, "url": case_search_url(g.get("cases"))} for g in top_grids if g["value"]],
            "grid_count": sum(1 for v in values.values() if v),
            "bins": bins,
            "hot": hot,
            "chart_data": chart_data,
            "rank_columns": [(key, label) for key, label, _unit in RANK_COLUMNS],
            "people": self.people() if self.user.has_role(*DISTRICT_KPI_ROLES) else [],
        }


def bar_data(rows: list[dict], *, horizontal: bool = False) -> dict:
    return {
        "labels": [r["name"] for r in rows],
        "series": [{"label": str(_("立案数")), "data": [r["filed"] for r in rows]}],
        "urls": [r["url"] for r in rows],
        "horizontal": horizontal,
    }


def map_bins(values: list[int]) -> list[dict]:
    """The zero class, then up to five classes over the non-zero values (quantile breaks, merged when
    equal): a few busy grids do not wash every other grid out, as equal-width classes would."""
    positive = sorted(v for v in values if v > 0)
    bins = [{"min": 0, "max": 0, "colour": "#ffffff", "label": "0"}]
    cuts: list[int] = []
    for i in range(1, len(MAP_COLOURS) + 1):
        if not positive:
            break
        cut = positive[max(0, round(i * len(positive) / len(MAP_COLOURS)) - 1)]
        if not cuts or cut > cuts[-1]:
            cuts.append(cut)
    colours = MAP_COLOURS[len(MAP_COLOURS) - len(cuts) :]
    low = 1
    for cut, colour in zip(cuts, colours, strict=True):
        bins.append(
            {"min": low, "max": cut, "colour": colour, "label": f"{low}–{cut}" if cut > low else str(low)}
        )
        low = cut + 1
    return bins


def heat_class(value: int, top: int) -> str:
    """heat-0 (none) … heat-5 (the busiest hour of that 大类): the cell also prints its count."""
    if not value or not top:
        return "heat-0"
    return f"heat-{1 + min(4, (value * 5 - 1) // top)}"
