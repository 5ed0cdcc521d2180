"""KPI reads for the dashboard, the reports, the exports and the API: plain Python, no HTTP.

Every function reads the rollup tables (kpi/models.py), never the case tables, so its cost follows
the length of the period asked for, not the size of the history. Dates are local calendar days
(Asia/Shanghai), both ends inclusive. Counts are cohort-based (docs/domain.md §7): 上报数 and the hotline
figures belong to the report day, everything else to the filing (立案) day. The figures are as
fresh as the last rollup (kpi/rollup.py: every few minutes, and whole days nightly).

Filters (keyword-only, all optional, the same for every function):
    district                  区 code (several districts in one deployment, docs/domain.md §13)
    street, community, grid   area codes (a Street/Community/Grid instance or a pk works too)
    department                主办部门 code (or instance / pk)
    category                  小类 category code, e.g. "06010"
    major                     大类 code, e.g. "06"
    kind                      "component" (部件) or "event" (事项): 部件 and 事项 share codes, so a
                              大类 or 小类 code names one category only together with its kind
    source                    a cases.models.Source value, or a list of them

Public functions:
    summary(period_from, period_to, **filters) -> dict
        {"period", "filters", "counts": {key: int}, "rates": {key: percent | None},
         "hotline": {...as hotline()}, "kpis": [figure…]}. A figure is {"key", "label", "value",
         "unit", "target", "met", "formula", "definition", "cases": {query params for
         /api/v1/cases/} | None}; rates are percentages (0–100, two decimals).
    trend(period_from, period_to, granularity="day", **filters) -> list[dict]
        one row per day / "week" / "xun" (旬: 1–10, 11–20, 21–end) / "month":
        {"start", "end", "label", "counts": {…}, "rates": {…}}.
    rows(level, period_from, period_to, **filters) -> list[dict]
        ranking rows, best first, each {"rank", "id", "code", "name", "counts", "rates", "parts",
        "score", "grade", "cases"}. level: "street", "community", "grid", "department" (counts and
        rates of the area/department, composite score and grade) or "inspector", "operator",
        "shift_leader", "dispatcher" (the role's parts, score and grade; area filters do not apply
        to people, who work district-wide).
    breakdown(by, period_from, period_to, **filters) -> list[dict]
        by "major", "category" or "source": {"key", "name", "counts", "rates", "cases"}, most filed first.
    grid_counts(period_from, period_to, *, metric="filed", **filters) -> list[dict]
        [{"grid", "code", "name", "value", "cases"}] for the choropleth; metric is any count key.
    hotline(period_from, period_to, **filters) -> dict
        {"counts", "rates", "kpis"}: 响应率, 解决率, 满意率 of 12345 / 8890 tickets.
    glossary() -> list[dict]
        every KPI's key, label, unit, formula and definition (kpi/definitions.py).
    cases_params(metric, period_from, period_to, **filters) -> dict | None
        the /api/v1/cases/ query parameters listing exactly the cases behind a count (values are
        strings or lists of strings: urlencode(params, doseq=True)).
    cases_url(metric, period_from, period_to, **filters) -> str | None
        the same as a relative URL.
    district_rows(period_from, period_to, *, by="score", **filters) -> list[dict]
        the city's ranking of its districts (docs/domain.md §13), rows as rows() gives, best first by
        the area composite or by one rate (DISTRICT_ORDERS).
    scope_filters(user, **filters) -> dict
        the filters a user may use: district-wide roles pass; a department user is held to their
        department (PermissionDenied when asking for another); anyone else is refused.
    periods(period_from, period_to, granularity) -> list[tuple[date, date, str]]
        the buckets trend() uses.
"""

from kpi.definitions import glossary
from kpi.queries.breakdowns import breakdown, grid_counts
from kpi.queries.cells import FILTERS
from kpi.queries.city import DISTRICT_ORDERS, district_rows
from kpi.queries.drilldown import CASES_URL, cases_params, cases_url
from kpi.queries.headline import GRANULARITIES, hotline, periods, summary, trend
from kpi.queries.rankings import AREA_LEVELS, LEVELS, PEOPLE, rows
from kpi.queries.scope import scope_filters

__all__ = [
    "AREA_LEVELS",
    "CASES_URL",
    "DISTRICT_ORDERS",
    "FILTERS",
    "GRANULARITIES",
    "LEVELS",
    "PEOPLE",
    "breakdown",
    "cases_params",
    "cases_url",
    "district_rows",
    "glossary",
    "grid_counts",
    "hotline",
    "periods",
    "rows",
    "scope_filters",
    "summary",
    "trend",
]
