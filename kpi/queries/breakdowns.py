"""Breakdowns of the period's figures by 大类, category or source, and per grid for the choropleth."""

import datetime as dt

from cases import channels
from dispatch.models import Category
from grids.models import Grid
from kpi import metrics
from kpi.definitions import AREA_COUNTS
from kpi.models import ROLLUP_SUMS
from kpi.queries.cells import cells_for, figures_of, sums_by
from kpi.queries.drilldown import cases_params, list_url


def breakdown(by: str, period_from: dt.date, period_to: dt.date, **filters) -> list[dict]:
    """Counts and rates per 大类, per category (小类) or per source."""
    columns = {"major": ("category_kind", "major_code"), "category": ("category_id", "category_code")}
    cells = cells_for(period_from, period_to, *columns.get(by, (by,)), **filters)
    out = []
    if by == "major":
        names = {
            (kind, major): name
            for kind, major, name in Category.objects.order_by()
            .values_list("kind", "major_code", "major_name")
            .distinct()
        }
        for g in sums_by(cells, "category_kind", "major_code"):
            key = (g["category_kind"], g["major_code"])
            label = names.get(key, g["major_code"])
            counts, rates = figures_of(g)
            out.append(
                _break_row(
                    f"{g['category_kind']}:{g['major_code']}",
                    label,
                    counts,
                    rates,
                    "major",
                    g["major_code"],
                    period_from,
                    period_to,
                    {**filters, "kind": g["category_kind"]},
                )
            )
    elif by == "category":
        grouped = sums_by(cells, "category_id", "category_code")
        names = dict(
            Category.objects.filter(pk__in=[g["category_id"] for g in grouped]).values_list("pk", "name")
        )
        for g in grouped:
            counts, rates = figures_of(g)
            label = f"{g['category_code']} {names.get(g['category_id'], '')}".strip()
            out.append(
                _break_row(
                    str(g["category_id"]),
                    label,
                    counts,
                    rates,
                    "category",
                    g["category_code"],
                    period_from,
                    period_to,
                    filters,
                )
            )
    elif by == "source":
        labels = channels.labels()
        for g in sums_by(cells, "source"):
            counts, rates = figures_of(g)
            out.append(
                _break_row(
                    g["source"],
                    str(labels.get(g["source"], g["source"])),
                    counts,
                    rates,
                    "source",
                    g["source"],
                    period_from,
                    period_to,
                    filters,
                )
            )
    else:
        raise ValueError("by must be one of major, category, source")
    out.sort(key=lambda r: (-r["counts"]["filed"], -r["counts"]["reported"], r["key"]))
    return out


def _break_row(key, name, counts, rates, filter_name, value, period_from, period_to, filters) -> dict:
    return {
        "key": key,
        "name": name,
        "counts": {k: counts[k] for k in AREA_COUNTS},
        "rates": rates,
        "cases": (params := cases_params("filed", period_from, period_to, **{**filters, filter_name: value})),
        "cases_url": list_url(params),
    }


def grid_counts(period_from: dt.date, period_to: dt.date, *, metric: str = "filed", **filters) -> list[dict]:
    """One value per grid (the choropleth), with the drill-down of each."""
    if metric not in AREA_COUNTS:
        raise ValueError(f"metric must be one of {', '.join(AREA_COUNTS)}")
    out = []
    grouped = sums_by(cells_for(period_from, period_to, "grid_id", **filters), "grid_id")
    grids = {
        g.pk: g for g in Grid.objects.filter(pk__in=[g["grid_id"] for g in grouped]).only("code", "name")
    }
    for g in grouped:
        counts = metrics.area_counts({k: g.get(k) for k in ROLLUP_SUMS})
        grid = grids.get(g["grid_id"])
        code = grid.code if grid else str(g["grid_id"])
        out.append(
            {
                "grid": g["grid_id"],
                "code": code,
                "name": grid.name if grid else code,
                "value": counts[metric],
                "cases": (
                    params := cases_params(metric, period_from, period_to, **{**filters, "grid": code})
                ),
                "cases_url": list_url(params),
            }
        )
    out.sort(key=lambda r: r["code"])
    return out
