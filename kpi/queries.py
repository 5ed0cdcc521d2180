"""KPI reads for the dashboard, the reports, the exports and the API: plain Python, no HTTP.

Every function reads the rollup tables (kpi/models.py), never the case tables, so its cost follows
the length of the period asked for, not the size of the history. Dates are local calendar days
(Asia/Shanghai), both ends inclusive. Counts are cohort-based (docs/domain.md §7): 上报数 and the hotline
figures belong to the report day, everything else to the filing (立案) day. The figures are as
fresh as the last rollup (kpi/rollup.py: every few minutes, and whole days nightly).

Filters (keyword-only, all optional, the same for every function):
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
    scope_filters(user, **filters) -> dict
        the filters a user may use: district-wide roles pass; a department user is held to their
        department (PermissionDenied when asking for another); anyone else is refused.
    periods(period_from, period_to, granularity) -> list[tuple[date, date, str]]
        the buckets trend() uses.
"""

import calendar
import datetime as dt
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q, Sum

from cases.models import Source
from cases.workflow import Status
from core.roles import DISTRICT_WIDE_ROLES, Role
from dispatch.models import Category, Department
from grids.models import Community, Grid, Street
from kpi import metrics
from kpi.definitions import (
    AREA_COUNTS,
    AREA_RATES,
    HOTLINE,
    HOTLINE_COUNTS,
    HOTLINE_RATES,
    KPIS,
    NOT_PATROLLED,
)
from kpi.definitions import glossary as _glossary
from kpi.models import ROLLUP_SUMS, AreaDay, KpiSettings, PersonDay

CASES_URL = "/api/v1/cases/"
GRANULARITIES = ("day", "week", "xun", "month")
AREA_LEVELS = {
    "street": (Street, "street_id"),
    "community": (Community, "community_id"),
    "grid": (Grid, "grid_id"),
}
PEOPLE = (Role.INSPECTOR, Role.OPERATOR, Role.SHIFT_LEADER, Role.DISPATCHER)
LEVELS = (*AREA_LEVELS, "department", *PEOPLE)
FILTERS = ("street", "community", "grid", "department", "kind", "category", "major", "source")


# ---------------------------------------------------------------------------------- filters


def _pk(model, value) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, model):
        return value.pk
    if isinstance(value, int):
        return value
    pk = model.objects.filter(code=value).values_list("pk", flat=True).first()
    return pk if pk is not None else -1  # an unknown code matches nothing, like the case list's filter


def _code(model, value) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, model):
        return value.code
    if isinstance(value, int):
        return model.objects.filter(pk=value).values_list("code", flat=True).first()
    return str(value)


def _sources(source) -> list[str] | None:
    if source in (None, "", []):
        return None
    return [source] if isinstance(source, str) else [str(s) for s in source]


def _check(filters: dict) -> None:
    unknown = set(filters) - set(FILTERS)
    if unknown:
        raise TypeError(f"unknown KPI filter(s): {', '.join(sorted(unknown))}")


def _cells(period_from, period_to, **filters):
    _check(filters)
    q = Q(day__gte=period_from, day__lte=period_to)
    for name, model, column in (
        ("street", Street, "street_id"),
        ("community", Community, "community_id"),
        ("grid", Grid, "grid_id"),
        ("department", Department, "dept"),
    ):
        pk = _pk(model, filters.get(name))
        if pk is not None:
            q &= Q(**{column: pk})
    if filters.get("category"):
        q &= Q(category_code=filters["category"])
    if filters.get("major"):
        q &= Q(major_code=filters["major"])
    if filters.get("kind"):
        q &= Q(category_kind=filters["kind"])
    sources = _sources(filters.get("source"))
    if sources:
        q &= Q(source__in=sources)
    return AreaDay.objects.filter(q)


_SUMS = {name: Sum(name) for name in ROLLUP_SUMS}


def _figures(sums: dict) -> tuple[dict, dict]:
    counts = metrics.area_counts({k: sums.get(k) for k in ROLLUP_SUMS})
    return counts, _percent(metrics.area_rates(counts))


def _percent(rates: dict) -> dict:
    return {k: None if v is None else round(v * 100, 2) for k, v in rates.items()}


def _public_filters(filters: dict) -> dict:
    out = {}
    for name, model in (
        ("street", Street),
        ("community", Community),
        ("grid", Grid),
        ("department", Department),
    ):
        code = _code(model, filters.get(name))
        if code:
            out[name] = code
    for name in ("kind", "category", "major"):
        if filters.get(name):
            out[name] = str(filters[name])
    if _sources(filters.get("source")):
        out["source"] = _sources(filters.get("source"))
    return out


# ---------------------------------------------------------------------------------- drill-down

_ALL_BUT_NOT_DUE = [s.value for s in Status if s not in (Status.VOIDED, Status.SUSPENDED)]
_REACHED = ["satisfied", "basically_satisfied", "unsatisfied"]
_METRIC_PARAMS = {
    "reported": {},
    "r_rejected": {"status": [Status.REJECTED.value], "reached_filing": "false"},
    "r_filed": {"filed_after": "2000-01-01"},
    "filed": {},
    "voided": {"status": [Status.VOIDED.value]},
    "suspended": {"status": [Status.SUSPENDED.value]},
    "due_closure": {"status": _ALL_BUT_NOT_DUE},
    "closed": {"status": [Status.CLOSED.value]},
    "closed_on_time": {"closed_on_time": "true"},
    "due_dispose": {"dispatched": "true", "status": _ALL_BUT_NOT_DUE},
    "disposed_on_time": {"disposed_on_time": "true", "status": _ALL_BUT_NOT_DUE},
    "overdue_open": {"status": [Status.IN_PROGRESS.value], "overdue": "true"},
    "overdue": {"dispose_overdue": "true"},
    "reworked": {"reworked": "true"},
    "extended": {"extended": "true"},
    "r_callback": {"satisfaction": _REACHED},
    "r_satisfied": {"satisfaction": _REACHED[:2]},
    "hotline_reported": {},
    "hotline_accepted_on_time": {"accepted_on_time": "true"},
    "hotline_closed": {"status": [Status.CLOSED.value]},
    "hotline_callback": {"satisfaction": _REACHED},
    "hotline_satisfied": {"satisfaction": _REACHED[:2]},
}


def cases_params(metric: str, period_from, period_to, **filters) -> dict | None:
    """Query parameters for /api/v1/cases/ that list exactly the cases counted by `metric`."""
    _check(filters)
    if metric not in _METRIC_PARAMS:
        return None
    basis = "created" if KPIS[metric].basis == "report" else "filed"
    params = {f"{basis}_after": period_from.isoformat(), f"{basis}_before": period_to.isoformat()}
    public = _public_filters(filters)
    for name in ("street", "community", "grid", "department", "kind", "category"):
        if name in public:
            params[name] = public[name]
    if "major" in public:
        params["major_code"] = public["major"]
    sources = public.get("source")
    if metric.startswith("hotline_"):
        sources = [s for s in (sources or HOTLINE) if s in HOTLINE]
        if not sources:
            return None  # the source filter excludes every hotline: nothing to list
    if sources:
        params["source"] = sources
    params.update(_METRIC_PARAMS[metric])
    return params


def cases_url(metric: str, period_from, period_to, **filters) -> str | None:
    return _url(cases_params(metric, period_from, period_to, **filters))


def _url(params: dict | None) -> str | None:
    return f"{CASES_URL}?{urlencode(params, doseq=True)}" if params is not None else None


def _figure(key: str, value, config: KpiSettings, period_from, period_to, filters) -> dict:
    kpi = KPIS[key]
    target = getattr(config, kpi.target) if kpi.target else None
    met = None
    if target is not None and value is not None:
        met = value >= target if kpi.higher_is_better else value <= target
    return {
        "key": key,
        "label": kpi.label,
        "value": value,
        "unit": kpi.unit,
        "target": target,
        "met": met,
        "formula": kpi.formula,
        "definition": kpi.definition,
        "cases": (
            params := cases_params(key, period_from, period_to, **filters) if kpi.unit == "件" else None
        ),
        "cases_url": _url(params),
    }


# ---------------------------------------------------------------------------------- area figures


def summary(period_from: dt.date, period_to: dt.date, **filters) -> dict:
    """Headline counts and rates for the period and filters, each with its target and definition."""
    counts, rates = _figures(_cells(period_from, period_to, **filters).aggregate(**_SUMS))
    config = KpiSettings.load()
    hot = hotline(period_from, period_to, _config=config, **filters)
    kpis = [_figure(k, counts[k], config, period_from, period_to, filters) for k in AREA_COUNTS]
    kpis += [_figure(k, rates[k], config, period_from, period_to, filters) for k in AREA_RATES]
    return {
        "period": {"from": period_from, "to": period_to},
        "filters": _public_filters(filters),
        "counts": {k: counts[k] for k in AREA_COUNTS},
        "rates": rates,
        "hotline": hot,
        "kpis": kpis,
    }


def hotline(period_from: dt.date, period_to: dt.date, _config: KpiSettings | None = None, **filters) -> dict:
    """响应率, 解决率, 满意率 of the 12345 and 8890 tickets reported in the period."""
    sources = [s for s in (_sources(filters.pop("source", None)) or HOTLINE) if s in HOTLINE]
    sums = _cells(period_from, period_to, source=sources or ["-"], **filters).aggregate(**_SUMS)
    counts, rates = metrics.hotline_figures(sums)
    rates = _percent(rates)
    config = _config or KpiSettings.load()
    filters = {**filters, "source": sources} if sources else filters
    kpis = [_figure(k, counts[k], config, period_from, period_to, filters) for k in HOTLINE_COUNTS]
    kpis += [_figure(k, rates[k], config, period_from, period_to, filters) for k in HOTLINE_RATES]
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
        for row in _cells(period_from, period_to, **filters).order_by().values("day").annotate(**_SUMS)
    }
    out = []
    for start, end, label in buckets:
        sums = dict.fromkeys(ROLLUP_SUMS, 0)
        day = start
        while day <= end:
            for k, v in by_day.get(day, {}).items():
                sums[k] += v or 0
            day += dt.timedelta(days=1)
        counts, rates = _figures(sums)
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


def _grouped(qs, *fields) -> list[dict]:
    return list(qs.order_by().values(*fields).annotate(**_SUMS))


def _ranked(out: list[dict]) -> list[dict]:
    out.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), str(r["code"])))
    for n, row in enumerate(out, 1):
        row["rank"] = n
    return out


def _area_rows(level, period_from, period_to, config, filters) -> list[dict]:
    model, column = AREA_LEVELS[level]
    grouped = _grouped(_cells(period_from, period_to, **filters), column)
    names = {a.pk: a for a in model.objects.filter(pk__in=[g[column] for g in grouped])}
    out = []
    for g in grouped:
        area = names.get(g[column])
        counts, rates = _figures(g)
        parts = {
            "closure_rate": metrics.ratio(counts["closed"], counts["due_closure"]),
            "on_time_closure_rate": metrics.ratio(counts["closed_on_time"], counts["due_closure"]),
            "no_rework_rate": _complement(metrics.ratio(counts["reworked"], counts["due_closure"])),
        }
        score = metrics.composite("area", parts, config)
        code = area.code if area else str(g[column])
        out.append(
            {
                "id": g[column],
                "code": code,
                "name": area.name if area else code,
                "counts": {k: counts[k] for k in AREA_COUNTS},
                "rates": rates,
                "parts": _percent(parts),
                "score": score,
                "grade": metrics.grade(score, config),
                "cases": (
                    params := cases_params("filed", period_from, period_to, **{**filters, level: code})
                ),
                "cases_url": _url(params),
            }
        )
    return _ranked(out)


def _complement(rate: float | None) -> float | None:
    return None if rate is None else 1 - rate


def _department_rows(period_from, period_to, config, filters) -> list[dict]:
    grouped = [g for g in _grouped(_cells(period_from, period_to, **filters), "dept") if g["dept"]]
    # 派遣数得分 is relative to the busiest department in the period, whatever the department filter.
    unfiltered = {k: v for k, v in filters.items() if k != "department"}
    best = max(
        (
            g["due_dispose"] or 0
            for g in _grouped(_cells(period_from, period_to, **unfiltered), "dept")
            if g["dept"]
        ),
        default=0,
    )
    departments = {d.pk: d for d in Department.objects.filter(pk__in=[g["dept"] for g in grouped])}
    out = []
    for g in grouped:
        dept = departments.get(g["dept"])
        counts, rates = _figures(g)
        parts = {
            "dispatched_score": metrics.relative_score(counts["due_dispose"], best),
            "closure_rate": metrics.ratio(counts["closed"], counts["due_closure"]),
            "dispose_on_time_rate": metrics.ratio(counts["disposed_on_time"], counts["due_dispose"]),
            "no_rework_rate": _complement(metrics.ratio(counts["reworked"], counts["due_closure"])),
        }
        score = metrics.composite("department", parts, config)
        code = dept.code if dept else str(g["dept"])
        shown = {
            k: (v if k.endswith("_score") else None if v is None else round(v * 100, 2))
            for k, v in parts.items()
        }
        out.append(
            {
                "id": g["dept"],
                "code": code,
                "name": dept.name if dept else code,
                "counts": {k: counts[k] for k in AREA_COUNTS},
                "rates": rates,
                "parts": shown,
                "score": score,
                "grade": metrics.grade(score, config),
                "cases": (
                    params := cases_params("filed", period_from, period_to, **{**filters, "department": code})
                ),
                "cases_url": _url(params),
            }
        )
    return _ranked(out)


# Per role: the PersonDay kinds it is scored on, and how they make each part (num, den over kinds).
def _people_parts(role: str, k: dict, extra: dict) -> dict:
    def n(*kinds):
        return sum(k.get(x, {}).get("n", 0) for x in kinds)

    def on_time(*kinds):
        return sum(k.get(x, {}).get("on_time", 0) for x in kinds)

    def ok(*kinds):
        return sum(k.get(x, {}).get("ok", 0) for x in kinds)

    r = metrics.ratio
    if role == Role.INSPECTOR:
        missed = extra.get("missed_rate")
        return {
            "valid_report_rate": r(ok("report"), n("report")),
            "missed_score": None if missed is None else round((1 - missed) * 100, 2),
            "verify_on_time_rate": r(on_time("verify"), n("verify")),
            "check_on_time_rate": r(on_time("check"), n("check")),
        }
    if role == Role.OPERATOR:
        handled = ("accept", "send_verify", "reject")
        return {
            "accept_on_time_rate": r(on_time(*handled), n(*handled)),
            "accept_accuracy": r(ok("accept"), n("accept")),
        }
    if role == Role.SHIFT_LEADER:
        return {
            "file_on_time_rate": r(on_time("file"), n("file")),
            "file_accuracy": r(ok("file"), n("file")),
            "close_on_time_rate": r(on_time("close"), n("close")),
        }
    return {
        "dispatch_count_score": metrics.relative_score(n("dispatch"), extra["best"]),
        "dispatch_on_time_rate": r(on_time("dispatch"), n("dispatch")),
        "dispatch_accuracy": r(ok("dispatch"), n("dispatch")),
    }


def _missed_rates(user_ids, period_from, period_to) -> dict[int, float | None]:
    """漏报率 per inspector over their grids (Grid.inspectors), from the area rollup."""
    links = Grid.inspectors.through.objects.filter(user_id__in=user_ids).values_list("user_id", "grid_id")
    grids_of: dict[int, set[int]] = {}
    for user_id, grid_id in links:
        grids_of.setdefault(user_id, set()).add(grid_id)
    every = set().union(*grids_of.values()) if grids_of else set()
    filed, public = {}, {}
    rows = (
        AreaDay.objects.filter(day__gte=period_from, day__lte=period_to, grid_id__in=every)
        .order_by()
        .values("grid_id", "source")
        .annotate(filed=Sum("filed"))
    )
    for row in rows:
        filed[row["grid_id"]] = filed.get(row["grid_id"], 0) + row["filed"]
        if row["source"] in NOT_PATROLLED:
            public[row["grid_id"]] = public.get(row["grid_id"], 0) + row["filed"]
    return {
        user_id: metrics.ratio(sum(public.get(g, 0) for g in grids), sum(filed.get(g, 0) for g in grids))
        for user_id, grids in grids_of.items()
    }


def _people_rows(role: str, period_from, period_to, config) -> list[dict]:
    cells = (
        PersonDay.objects.filter(role=role, day__gte=period_from, day__lte=period_to)
        .order_by()
        .values("user_id", "kind")
        .annotate(n=Sum("n"), on_time=Sum("on_time"), ok=Sum("ok"))
    )
    kinds: dict[int, dict] = {}
    for c in cells:
        kinds.setdefault(c["user_id"], {})[c["kind"]] = c
    missed = _missed_rates(list(kinds), period_from, period_to) if role == Role.INSPECTOR else {}
    best = max((k.get("dispatch", {}).get("n", 0) for k in kinds.values()), default=0)
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=list(kinds))}
    out = []
    for user_id, k in kinds.items():
        user = users.get(user_id)
        parts = _people_parts(role, k, {"missed_rate": missed.get(user_id), "best": best})
        score = metrics.composite(role, parts, config)
        shown = {
            p: (v if p.endswith("_score") else None if v is None else round(v * 100, 2))
            for p, v in parts.items()
        }
        if role == Role.INSPECTOR:
            m = missed.get(user_id)
            shown["missed_rate"] = None if m is None else round(m * 100, 2)
        out.append(
            {
                "id": user_id,
                "code": user.username if user else str(user_id),
                "name": (user.get_full_name() or user.username) if user else str(user_id),
                "counts": {kind: v["n"] for kind, v in sorted(k.items())},
                "rates": {},
                "parts": shown,
                "score": score,
                "grade": metrics.grade(score, config),
                "cases": None,
                "cases_url": None,
            }
        )
    return _ranked(out)


def rows(level: str, period_from: dt.date, period_to: dt.date, **filters) -> list[dict]:
    """Ranking rows for streets, communities, grids, departments or the people of one role."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    _check(filters)
    config = KpiSettings.load()
    if level in AREA_LEVELS:
        return _area_rows(level, period_from, period_to, config, filters)
    if level == "department":
        return _department_rows(period_from, period_to, config, filters)
    return _people_rows(level, period_from, period_to, config)


def breakdown(by: str, period_from: dt.date, period_to: dt.date, **filters) -> list[dict]:
    """Counts and rates per 大类, per category (小类) or per source."""
    cells = _cells(period_from, period_to, **filters)
    out = []
    if by == "major":
        names = {
            (kind, major): name
            for kind, major, name in Category.objects.order_by()
            .values_list("kind", "major_code", "major_name")
            .distinct()
        }
        for g in _grouped(cells, "category_kind", "major_code"):
            key = (g["category_kind"], g["major_code"])
            label = names.get(key, g["major_code"])
            counts, rates = _figures(g)
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
        grouped = _grouped(cells, "category_id", "category_code")
        names = dict(
            Category.objects.filter(pk__in=[g["category_id"] for g in grouped]).values_list("pk", "name")
        )
        for g in grouped:
            counts, rates = _figures(g)
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
        labels = dict(Source.choices)
        for g in _grouped(cells, "source"):
            counts, rates = _figures(g)
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
        "cases_url": _url(params),
    }


def grid_counts(period_from: dt.date, period_to: dt.date, *, metric: str = "filed", **filters) -> list[dict]:
    """One value per grid (the choropleth), with the drill-down of each."""
    if metric not in AREA_COUNTS:
        raise ValueError(f"metric must be one of {', '.join(AREA_COUNTS)}")
    out = []
    grouped = _grouped(_cells(period_from, period_to, **filters), "grid_id")
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
                "cases_url": _url(params),
            }
        )
    out.sort(key=lambda r: r["code"])
    return out


def glossary() -> list[dict]:
    return _glossary()


def scope_filters(user, **filters) -> dict:
    """The filters `user` may apply. District-wide roles see all; a department user only theirs."""
    _check(filters)
    roles = getattr(user, "roles", set())
    if roles & DISTRICT_WIDE_ROLES or getattr(user, "is_superuser", False):
        return filters
    if Role.DEPARTMENT in roles and user.department_id:
        own = user.department.code
        asked = _code(Department, filters.get("department"))
        if asked and asked != own:
            raise PermissionDenied("专业部门用户只能查看本部门的数据")
        return {**filters, "department": own}
    raise PermissionDenied("无权查看综合评价数据")
