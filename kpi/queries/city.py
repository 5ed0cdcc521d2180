"""The city's ranking of its districts (docs/domain.md §13): the area figures of docs/domain.md §7 per district.

The coarse rollup keys on streets (kpi/models.py StreetDay), and a district is its streets: the cells are summed
per street in one GROUP BY, then per district here. Counts add up, so every rate and the composite are
computed from the district's sums exactly as a street's are (rankings._area_rows).
"""

import datetime as dt

from django.db.models import Q, Sum

from grids.models import District, Street
from kpi import metrics
from kpi.definitions import AREA_COUNTS, not_patrolled
from kpi.models import ROLLUP_SUMS, KpiSettings
from kpi.queries.cells import SUMS, cells_for, check_filters, figures_of, pk_of
from kpi.queries.drilldown import cases_params, list_url
from kpi.queries.rankings import ranked, shown_parts

# What the districts can be ranked by: the composite (default) or one rate, best first.
DISTRICT_ORDERS = (
    "score",
    "closure_rate",
    "on_time_closure_rate",
    "satisfaction_rate",
    "filing_rate",
    "dispose_on_time_rate",
)


def district_rows(period_from: dt.date, period_to: dt.date, *, by: str = "score", **filters) -> list[dict]:
    """One row per district, best first by `by` (a district without data comes last, by code, with no
    score and no grade: `has_data` False).

    Each row: {"rank", "id", "code", "name", "counts", "rates", "parts", "score", "grade", "has_data",
    "cases", "cases_url"}, as kpi.queries.rows gives for streets. `filters` are kpi.queries' (a `district`
    filter leaves one row)."""
    if by not in DISTRICT_ORDERS:
        raise ValueError(f"by must be one of {', '.join(DISTRICT_ORDERS)}")
    check_filters(filters)
    config = KpiSettings.load()
    grouped = (
        cells_for(period_from, period_to, "street_id", "source", **filters)
        .order_by()
        .values("street_id")
        .annotate(public=Sum("filed", filter=Q(source__in=not_patrolled())), **SUMS)
    )
    district_of = dict(Street.objects.values_list("pk", "district_id"))
    keys = (*ROLLUP_SUMS, "public")
    sums: dict[int, dict] = {}
    for g in grouped:
        acc = sums.setdefault(district_of.get(g["street_id"]), dict.fromkeys(keys, 0))
        for key in keys:
            acc[key] += g[key] or 0
    districts = District.objects.defer("geometry").order_by("code")
    if filters.get("district"):
        districts = districts.filter(pk=pk_of(District, filters["district"]))
    out = []
    for district in districts:
        acc = sums.get(district.pk, dict.fromkeys(keys, 0))
        counts, rates = figures_of(acc)
        parts = metrics.area_parts(counts, acc["public"], config)
        # A district with nothing in the period has no score: the bands would give its 立案数 of 0 full
        # marks and rank an idle (or not yet live) district first with an A. It comes last, 无数据.
        has_data = any(acc[key] for key in keys)
        score = metrics.composite("area", parts, config) if has_data else None
        params = cases_params("filed", period_from, period_to, **{**filters, "district": district.code})
        out.append(
            {
                "id": district.pk,
                "code": district.code,
                "name": district.name,
                "counts": {k: counts[k] for k in AREA_COUNTS},
                "rates": rates,
                "parts": shown_parts(parts),
                "score": score,
                "grade": metrics.grade(score, config),
                "has_data": has_data,
                "cases": params,
                "cases_url": list_url(params),
            }
        )
    if by == "score":
        return ranked(out)
    out.sort(key=lambda r: (r["rates"][by] is None, -(r["rates"][by] or 0), r["code"]))
    for n, row in enumerate(out, 1):
        row["rank"] = n
    return out
