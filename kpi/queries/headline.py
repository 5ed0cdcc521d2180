"""Headline figures of a period (summary, hotline) and their course over time (trend)."""

import calendar
import datetime as dt

from kpi import metrics
from kpi.definitions import AREA_COUNTS, AREA_RATES, HOTLINE_COUNTS, HOTLINE_RATES, hotline_sources
from kpi.models import ROLLUP_SUMS, KpiSettings
from kpi.queries.cells import SUMS, as_percent, cells_for, figures_of, public_filters, source_list
from kpi.queries.drilldown import figure

GRANULARITIES = ("day", "week", "xun", "month")


def summary(period_from: dt.date, period_to: dt.date, **filters) -> dict:
    """Headline counts and rates for the period and filters, each with its target and definition."""
    counts, rates = figures_of(cells_for(period_from, period_to, **filters).aggregate(**SUMS))
    config = KpiSettings.load()
    hot = hotline(period_from, period_to, _config=config, **filters)
    kpis = [figure(k, counts[k], config, period_from, period_to, filters) for k in AREA_COUNTS]
    kpis += [figure(k, rates[k], config, period_from, period_to, filters) for k in AREA_RATES]
    return {
        "period": {"from": period_from, "to": period_to},
        "filters": public_filters(filters),
        "counts": {k: counts[k] for k in AREA_COUNTS},
        "rates": rates,
        "hotline": hot,
        "kpis": kpis,
    }


def hotline(period_from: dt.date, period_to: dt.date, _config: KpiSettings | None = None, **filters) -> dict:
    """响应率, 解决率, 满意率 of the 12345 and 8890 tickets reported in the period."""
    hotline = hotline_sources()
    sources = [s for s in (source_list(filters.pop("source", None)) or hotline) if s in hotline]
    sums = cells_for(period_from, period_to, source=sources or ["-"], **filters).aggregate(**SUMS)
    counts, rates = metrics.hotline_figures(sums)
    rates = as_percent(rates)
    config = _config or KpiSettings.load()
    filters = {**filters, "source": sources} if sources else filters
    kpis = [figure(k, counts[k], config, period_from, period_to, filters) for k in HOTLINE_COUNTS]
    kpis += [figure(k, rates[k], config, period_from, period_to, filters) for k in HOTLINE_RATES]
    return {"counts": counts, "rates": rates, "kpis": kpis}


def periods(period_from: dt.date, period_to: dt.date, granularity: str) -> list[tuple[dt.date, dt.date, str]]:
    """Buckets covering [period_from, period_to], clipped to it: day, week (Mon–Sun), 旬, month."""
    if granularity not in GRANULARITIES:
        raise ValueError(f"granularity must be one of {', '.join(GRANULARITIES)}")
    out, day = [], period_from
    while day <= period_to:
        if granularity == "day":
            end, label = day, day.isoformat()
        elif granularity == "week":
            end = day + dt.timedelta(days=6 - day.weekday())
            iso = day.isocalendar()
            label = f"{iso.year}-W{iso.week:02d}"
        elif granularity == "xun":
            last = calendar.monthrange(day.year, day.month)[1]
            part = min((day.day - 1) // 10, 2)
            end = day.replace(day=(10, 20, last)[part])
            label = f"{day:%Y-%m} {'上中下'[part]}旬"
        else:
            end = day.replace(day=calendar.monthrange(day.year, day.month)[1])
            label = f"{day:%Y-%m}"
        end = min(end, period_to)
        out.append((day, end, label))
        day = end + dt.timedelta(days=1)
    return out


def trend(period_from: dt.date, period_to: dt.date, granularity: str = "day", **filters) -> list[dict]:
    """Counts and rates per day, week, 旬 or month (one aggregate query, bucketed here)."""
    buckets = periods(period_from, period_to, granularity)
    by_day = {
        row.pop("day"): row
        for row in cells_for(period_from, period_to, **filters).order_by().values("day").annotate(**SUMS)
    }
    out = []
    for start, end, label in buckets:
        sums = dict.fromkeys(ROLLUP_SUMS, 0)
        day = start
        while day <= end:
            for k, v in by_day.get(day, {}).items():
                sums[k] += v or 0
            day += dt.timedelta(days=1)
        counts, rates = figures_of(sums)
        out.append(
            {
                "start": start,
                "end": end,
                "label": label,
                "counts": {k: counts[k] for k in AREA_COUNTS},
                "rates": rates,
            }
        )
    return out
