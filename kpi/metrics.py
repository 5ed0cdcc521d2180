"""The formulas of docs/domain.md §7 over summed rollup columns: counts, rates, composite scores and grades.

Pure functions of plain dicts, so the API, the dashboard and the reports compute every figure the
same way. Rates are fractions (0.0–1.0) or None when the denominator is 0; scores are 0–100.
"""

from kpi.models import GRADES, WEIGHTS, KpiSettings


def ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def area_counts(s: dict) -> dict:
    """Counts from the summed AreaDay columns `s` (reported, filed, closed, … as in kpi/models.py)."""
    c = {key: int(s.get(key) or 0) for key in s}
    c["due_closure"] = c["filed"] - c["voided"] - c["suspended"]
    return c


def area_rates(c: dict) -> dict:
    return {
        "filing_rate": ratio(c["r_filed"], c["reported"] - c["r_rejected"]),
        "closure_rate": ratio(c["closed"], c["due_closure"]),
        "on_time_closure_rate": ratio(c["closed_on_time"], c["due_closure"]),
        "dispose_on_time_rate": ratio(c["disposed_on_time"], c["due_dispose"]),
        "rework_rate": ratio(c["reworked"], c["due_closure"]),
        "extension_rate": ratio(c["extended"], c["due_dispose"]),
        "overdue_open_rate": ratio(c["overdue_open"], c["due_dispose"]),
        "satisfaction_rate": ratio(c["r_satisfied"], c["r_callback"]),
    }


def hotline_figures(s: dict) -> tuple[dict, dict]:
    """Counts and rates of hotline tickets from AreaDay sums restricted to the hotline sources."""
    c = {
        "hotline_reported": int(s.get("reported") or 0),
        "hotline_accepted_on_time": int(s.get("r_accepted_on_time") or 0),
        "hotline_due": int(s.get("reported") or 0)
        - int(s.get("r_rejected") or 0)
        - int(s.get("r_voided") or 0),
        "hotline_closed": int(s.get("r_closed") or 0),
        "hotline_callback": int(s.get("r_callback") or 0),
        "hotline_satisfied": int(s.get("r_satisfied") or 0),
    }
    rates = {
        "hotline_response_rate": ratio(c["hotline_accepted_on_time"], c["hotline_reported"]),
        "hotline_resolution_rate": ratio(c["hotline_closed"], c["hotline_due"]),
        "hotline_satisfaction_rate": ratio(c["hotline_satisfied"], c["hotline_callback"]),
    }
    return c, rates


def composite(kind: str, parts: dict, config: KpiSettings | None = None) -> float | None:
    """Σ weight × part-score over the parts that have data, rescaled to the weights present.

    `parts` maps part keys (kpi/models.py WEIGHTS) to fractions (rates) or 0–100 scores (keys ending
    in "_score"). A part without data (None) drops out rather than counting as 0: a new inspector
    with no 核查 yet is not punished for it.
    """
    config = config or KpiSettings.load()
    total = weight = 0.0
    for field, part in WEIGHTS[kind]:
        value = parts.get(part)
        if value is None:
            continue
        w = getattr(config, field)
        total += w * (value if part.endswith("_score") else value * 100)
        weight += w
    return round(total / weight, 2) if weight else None


def grade(score: float | None, config: KpiSettings | None = None) -> str | None:
    if score is None:
        return None
    config = config or KpiSettings.load()
    for field, letter in GRADES:
        if score >= getattr(config, field):
            return letter
    return "E"


def relative_score(value: int, best: int) -> float | None:
    """A count as a score against the best in the period (派遣数得分): best = 100."""
    return round(100 * value / best, 2) if best else None
