"""KPI pages (issue #7 points 3–5): the supervisors' dashboard, the report pages and the glossary.

Every figure comes from kpi.queries (the rollup tables) or kpi.hotspots (bounded windows of cases), so
a page costs a fixed number of queries whatever the size of the history. Each number links to the
cases behind it: the figure's "cases" parameters opened in the case search page (the same
CaseFilterSet as /api/v1/cases/). Charts are drawn by cityops/static/cityops/kpi_dashboard.js from a
json_script block; every chart has its numbers in a table too.
"""

import calendar
from datetime import date, timedelta
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Source
from core.roles import Role
from dispatch.models import Category, Department
from grids.models import Street
from kpi import hotspots, queries, reports
from kpi.dates import validate_kpi_date
from kpi.definitions import KPIS
from kpi.models import WEIGHTS

# Who may open the KPI pages. Department staff see their own department only (queries.scope_filters).
KPI_ROLES = (Role.SUPERVISOR, Role.SHIFT_LEADER, Role.ADMIN, Role.DEPARTMENT)
DISTRICT_KPI_ROLES = (Role.SUPERVISOR, Role.SHIFT_LEADER, Role.ADMIN)
MAX_SPAN_DAYS = 366

GRANULARITIES = [("day", _("按日")), ("week", _("按周")), ("xun", _("按旬")), ("month", _("按月"))]
CADENCES = [
    ("daily", _("日报（日巡查）")),
    ("weekly", _("周报（周统计）")),
    ("xun", _("旬报（旬反馈）")),
    ("monthly", _("月报（月总结）")),
]
# Sequential single-hue classes for the choropleth (ColorBrewer Blues): the legend prints the ranges,
# so the map is read by value, not by hue alone.
MAP_COLOURS = ["#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c"]
TOP_ROWS = 15  # rows of a long table shown before "more"


# ---------------------------------------------------------------------------------- helpers


def require_kpi_access(user) -> None:
    if not user.has_role(*KPI_ROLES):
        raise PermissionDenied(_("综合评价仅对领导/督查、值班长、管理员和专业部门开放"))


def case_search_url(params: dict | None) -> str:
    """The case search page listing the cases behind a figure (None when a figure has no list)."""
    if params is None:
        return ""
    try:
        base = reverse("case-search")
    except NoReverseMatch:  # the case search page is another module's; keep the link shape meanwhile
        base = "/cases/"
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")}, doseq=True)
    return f"{base}?{query}" if query else base


def case_detail_url(pk: int) -> str:
    try:
        return reverse("case-detail", args=[pk])
    except NoReverseMatch:
        return f"/cases/{pk}/"


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def xun_bounds(day: date) -> tuple[date, date]:
    """The 旬 of `day`: 1–10, 11–20, 21–end of month."""
    if day.day <= 10:
        return day.replace(day=1), day.replace(day=10)
    if day.day <= 20:
        return day.replace(day=11), day.replace(day=20)
    return day.replace(day=21), month_end(day)


def quick_periods(today: date) -> list[tuple[str, str, date, date]]:
    """(key, label, from, to) of the quick picks; the current ones end today."""
    month_start = today.replace(day=1)
    last_month_end = month_start - timedelta(days=1)
    return [
        ("today", _("本日"), today, today),
        ("week", _("本周"), today - timedelta(days=today.weekday()), today),
        ("xun", _("本旬"), xun_bounds(today)[0], today),
        ("month", _("本月"), month_start, today),
        ("last_month", _("上月"), last_month_end.replace(day=1), last_month_end),
    ]


def display(value, unit: str = "") -> str:
    """A figure for people: kpi.queries gives rates as percentages (0–100), counts as integers."""
    if value is None:
        return "—"
    if unit == "%":
        return f"{value:.1f}%"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}"
    return str(int(value))


# ---------------------------------------------------------------------------------- the filters


ALL = _("全部")


def _choices_with_all(choices):
    return [("", ALL), *choices]


class KpiFilters(forms.Form):
    """The dashboard's GET form: period, area, department, 大类/category, source."""

    date_from = forms.DateField(
        label=_("起始日期"), widget=forms.DateInput(attrs={"type": "date"}), validators=[validate_kpi_date]
    )
    date_to = forms.DateField(
        label=_("截止日期"), widget=forms.DateInput(attrs={"type": "date"}), validators=[validate_kpi_date]
    )
    street = forms.ChoiceField(label=_("街道"), required=False)
    department = forms.ChoiceField(label=_("主办部门"), required=False)
    major = forms.ChoiceField(label=_("大类"), required=False)
    category = forms.ChoiceField(label=_("小类"), required=False)
    source = forms.ChoiceField(label=_("来源"), required=False, choices=_choices_with_all(Source.choices))
    granularity = forms.ChoiceField(
        label=_("趋势粒度"), required=False, choices=GRANULARITIES, widget=forms.HiddenInput
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # Instances, not codes, go to kpi.queries: it then needs no lookup of its own per function.
        self.streets = {s.code: s for s in Street.objects.order_by("code").only("code", "name")}
        self.fields["street"].choices = _choices_with_all(
            [(code, s.name) for code, s in self.streets.items()]
        )
        departments = Department.objects.filter(is_active=True).order_by("kind", "code").only("code", "name")
        if not user.has_role(*DISTRICT_KPI_ROLES):
            # A department user reads their own department: the only choice, already chosen.
            departments = departments.filter(pk=user.department_id)
        self.departments = {d.code: d for d in departments}
        choices = [(code, d.name) for code, d in self.departments.items()]
        if user.has_role(*DISTRICT_KPI_ROLES):
            self.fields["department"].choices = _choices_with_all(choices)
        else:
            self.fields["department"].choices = choices
            self.fields["department"].required = True
            if self.is_bound and choices and not self.data.get("department"):
                self.data = self.data.copy()
                self.data["department"] = choices[0][0]
        majors, categories = {}, {}
        kinds = dict(Category.Kind.choices)
        for kind, code, major_code, major_name, name in (
            Category.objects.filter(is_active=True)
            .order_by("kind", "code", "standard")
            .values_list("kind", "code", "major_code", "major_name", "name")
        ):
            group = f"{kinds.get(kind, kind)} {major_code} {major_name}"
            majors.setdefault(f"{kind}:{major_code}", group)
            categories.setdefault(group, {}).setdefault(f"{kind}:{code}", f"{code} {name}")
        self.fields["major"].choices = _choices_with_all(list(majors.items()))
        self.fields["category"].choices = _choices_with_all(
            [(group, list(options.items())) for group, options in categories.items()]
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if start > end:
                self.add_error("date_from", _("起始日期不能晚于截止日期"))
            elif (end - start).days >= MAX_SPAN_DAYS:
                self.add_error("date_from", _("时间跨度不能超过 %(days)s 天") % {"days": MAX_SPAN_DAYS})
        if not data.get("granularity"):  # readable by default: days for a month, weeks, then months
            span = (end - start).days if start and end else 0
            data["granularity"] = "day" if span <= 45 else "week" if span <= 180 else "month"
        return data

    def query_filters(self) -> dict:
        """The cleaned filters as kpi.queries takes them (codes), held to what the user may see."""
        data = self.cleaned_data
        filters = {"source": data["source"]} if data.get("source") else {}
        if data.get("street"):
            filters["street"] = self.streets[data["street"]]
        if data.get("department"):
            filters["department"] = self.departments[data["department"]]
        # 部件 and 事项 share codes (部件 01 ≠ 事项 01): the choice carries the kind.
        self.kind = ""
        if data.get("category"):
            self.kind, filters["category"] = data["category"].split(":", 1)
        elif data.get("major"):
            self.kind, filters["major"] = data["major"].split(":", 1)
        if self.kind:
            filters["kind"] = self.kind
        scoped = queries.scope_filters(self.user, **filters)
        own = scoped.get("department")
        if isinstance(own, str) and own in self.departments:  # a department user's own, as a code
            scoped["department"] = self.departments[own]
        return scoped


def default_filter_data(get, today: date) -> dict:
    """The GET parameters with the period defaulting to 本月 (the first of the month to today)."""
    data = get.copy()
    if not data.get("date_from") and not data.get("date_to"):
        data["date_from"] = today.replace(day=1).isoformat()
        data["date_to"] = today.isoformat()
    elif not data.get("date_to"):
        data["date_to"] = today.isoformat()
    elif not data.get("date_from"):
        data["date_from"] = data["date_to"]
    return data


# ---------------------------------------------------------------------------------- the figures

# The headline cards: the volume of work, then the rates a district is judged by (docs/domain.md §7).
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
            "unit_label": "" if unit == "%" else unit,
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
        People work district-wide, so only the period applies, and only district roles see them."""
        start, end = self.period
        labels = {g["key"]: (g["label"], g["unit"]) for g in self.glossary}
        out = []
        for role in PEOPLE_ROLES:
            rows = queries.rows(role.value, start, end)
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


# ---------------------------------------------------------------------------------- the pages


@login_required
def dashboard(request):
    require_kpi_access(request.user)
    today = timezone.localdate()
    form = KpiFilters(default_filter_data(request.GET, today), user=request.user)
    context = {"form": form, "granularities": GRANULARITIES}
    valid = form.is_valid()
    if valid:
        period = (form.cleaned_data["date_from"], form.cleaned_data["date_to"])
        granularity = form.cleaned_data["granularity"]
        figures = Figures(request.user, form.query_filters(), period, kind=form.kind, granularity=granularity)
        context.update(figures.context(), period=period, granularity=granularity, figures=True)
    query = request.GET.copy()
    context["quick"] = []
    for key, label, start, end in quick_periods(today):
        query["date_from"], query["date_to"] = start.isoformat(), end.isoformat()
        current = valid and period == (start, end)
        context["quick"].append({"key": key, "label": label, "query": query.urlencode(), "current": current})
    return render(request, "kpi/dashboard.html", {**context, **page_links()})


class ReportForm(forms.Form):
    cadence = forms.ChoiceField(label=_("报表类型"), choices=CADENCES)
    date = forms.DateField(
        label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}), help_text=_("报表周期内的任一天")
    )

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("不能晚于今天"))
        validate_kpi_date(day)  # the previous period of 0001-01-01 is off the calendar
        return day


def report_cell(column: reports.Column, row: dict) -> dict:
    """One cell of a report table as text (rates in reports are fractions), with a sort key."""
    value = row.get(column.key)
    kind = column.type
    if kind == "figure":
        kind = "percent" if row.get("unit") == "%" else "number"
    if value is None or value == "":
        return {"text": "—", "sort": ""}
    if kind == "percent" and isinstance(value, int | float):
        return {"text": f"{value * 100:.1f}%", "sort": value}
    if kind in ("int", "number") and isinstance(value, int | float):
        text = str(value) if isinstance(value, int) or float(value).is_integer() else f"{value:.2f}"
        if column.key == "change" and value > 0:
            text = f"+{text}"
        return {"text": text.removesuffix(".0"), "sort": value}
    if kind == "datetime" and hasattr(value, "strftime"):
        return {"text": value.strftime("%Y-%m-%d %H:%M"), "sort": value.isoformat()}
    if kind == "date" and hasattr(value, "isoformat"):
        return {"text": value.isoformat(), "sort": value.isoformat()}
    text = str(value)
    cell = {"text": text, "sort": text}
    if column.key == "met" and row.get("met_flag") is not None:
        cell["verdict"] = "met" if row["met_flag"] else "missed"
    return cell


# Report sections whose rows are areas or departments: the row's code narrows the drill-down.
SECTION_FILTER = {"streets": "street", "departments": "department"}


def report_sections(report: reports.Report, figures: Figures) -> list[dict]:
    out = []
    for section in report.sections:
        # The definition goes under the KPI's name (a <details>), not in a column of long text.
        columns = [c for c in section.columns if c.key != "definition"]
        rows = []
        for row in section.rows:
            cells = [{"key": c.key, **report_cell(c, row)} for c in columns]
            url = ""
            if section.key == "headline":
                metric = RATE_PARTS.get(row.get("key"), (row.get("key"),))[0]
                url = figures.cases_url(metric)
            elif section.key in SECTION_FILTER and row.get("code"):
                url = figures.cases_url("filed", **{SECTION_FILTER[section.key]: row["code"]})
            rows.append({"cells": cells, "url": url, "definition": row.get("definition", "")})
        out.append({"section": section, "columns": columns, "rows": rows})
    return out


@login_required
def report_page(request):
    require_kpi_access(request.user)
    today = timezone.localdate()
    data = request.GET.copy()
    data.setdefault("cadence", "daily")
    data.setdefault("date", (today - timedelta(days=1)).isoformat())
    form = ReportForm(data)
    context = {"form": form}
    if form.is_valid():
        cadence, day = form.cleaned_data["cadence"], form.cleaned_data["date"]
        report = reports.build_report(cadence, day, user=request.user)
        figures = Figures(request.user, report.filters, (report.period_from, report.period_to))
        try:
            api = reverse("kpi-report", args=[cadence])
        except NoReverseMatch:
            api = f"/api/v1/kpi/reports/{cadence}/"
        query = {"date": day.isoformat()}
        following = report.period_to + timedelta(days=1)
        context.update(
            report=report,
            sections=report_sections(report, figures),
            xlsx_url=f"{api}?{urlencode({**query, 'format': 'xlsx'})}",
            csv_url=f"{api}?{urlencode({**query, 'format': 'csv'})}",
            previous_url="?" + urlencode({"cadence": cadence, "date": report.previous_from.isoformat()}),
            next_url="?" + urlencode({"cadence": cadence, "date": following.isoformat()})
            if following <= today
            else "",
        )
    return render(request, "kpi/reports.html", {**context, **page_links()})


@login_required
def glossary(request):
    require_kpi_access(request.user)
    return render(request, "kpi/glossary.html", {"entries": queries.glossary(), **page_links()})


def page_links() -> dict:
    return {"glossary_url": reverse("kpi-glossary")}


urlpatterns = [
    path("kpi/", dashboard, name="kpi-dashboard"),
    path("kpi/reports/", report_page, name="kpi-reports"),
    path("kpi/glossary/", glossary, name="kpi-glossary"),
]
