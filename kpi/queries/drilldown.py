"""Drill-down: the case-list query behind a count, and a figure with its target, definition and cases."""

from urllib.parse import urlencode

from cases.workflow import Status
from kpi.definitions import KPIS, hotline_sources
from kpi.models import KpiSettings
from kpi.queries.cells import check_filters, public_filters

CASES_URL = "/api/v1/cases/"

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
    "hotline_returned": {"hotline_returned": "true"},
    "hotline_returned_counted": {"return_counted": "true"},
}


def cases_params(metric: str, period_from, period_to, **filters) -> dict | None:
    """Query parameters for /api/v1/cases/ that list exactly the cases counted by `metric`."""
    check_filters(filters)
    if metric not in _METRIC_PARAMS:
        return None
    basis = "created" if KPIS[metric].basis == "report" else "filed"
    params = {f"{basis}_after": period_from.isoformat(), f"{basis}_before": period_to.isoformat()}
    public = public_filters(filters)
    for name in ("district", "street", "community", "grid", "department", "kind", "category"):
        if name in public:
            params[name] = public[name]
    if "major" in public:
        params["major_code"] = public["major"]
    sources = public.get("source")
    if metric.startswith("hotline_"):
        hotline = hotline_sources()
        sources = [s for s in (sources or hotline) if s in hotline]
        if not sources:
            return None  # the source filter excludes every hotline: nothing to list
    if sources:
        params["source"] = sources
    params.update(_METRIC_PARAMS[metric])
    return params


def cases_url(metric: str, period_from, period_to, **filters) -> str | None:
    return list_url(cases_params(metric, period_from, period_to, **filters))


def list_url(params: dict | None) -> str | None:
    return f"{CASES_URL}?{urlencode(params, doseq=True)}" if params is not None else None


def figure(key: str, value, config: KpiSettings, period_from, period_to, filters) -> dict:
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
        "cases_url": list_url(params),
    }
