"""The formulas of docs/domain.md §7 over summed rollup columns: counts, rates, composite scores and grades.

Pure functions of plain dicts, so the API, the dashboard and the reports compute every figure the
same way. Rates are fractions (0.0–1.0) or None when the denominator is 0; scores are 0–100.
"""

from kpi.models import BAND_PARTS, WEIGHTS, KpiSettings

# Bumped when a formula (not a weight or band: those are stored with a frozen table) changes meaning.
FORMULA_VERSION = "DOMAIN-7-ref-2026.12"


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
        # 应解决: a 退单 the 12345 centre counts against the district stays in, unsolved (docs/domain.md §13).
        "hotline_due": int(s.get("r_hotline_due") or 0),
        "hotline_closed": int(s.get("r_closed") or 0),
        "hotline_callback": int(s.get("r_callback") or 0),
        "hotline_satisfied": int(s.get("r_satisfied") or 0),
        "hotline_returned": int(s.get("r_returned") or 0),
        "hotline_returned_counted": int(s.get("r_returned_counted") or 0),
    }
    rates = {
        "hotline_response_rate": ratio(c["hotline_accepted_on_time"], c["hotline_reported"]),
        "hotline_resolution_rate": ratio(c["hotline_closed"], c["hotline_due"]),
        "hotline_satisfaction_rate": ratio(c["hotline_satisfied"], c["hotline_callback"]),
        "hotline_return_rate": ratio(c["hotline_returned_counted"], c["hotline_reported"]),
    }
    return c, rates


def formula(config: KpiSettings | dict | None = None) -> dict:
    """The weights, bands and grade lines in force: a KpiSettings row, or the snapshot a frozen table
    stored (so a closed period is recomputed with what it was closed with, docs/domain.md §7 / issue #24)."""
    if isinstance(config, dict):
        return config
    return (config or KpiSettings.load()).snapshot()


def composite(kind: str, parts: dict, config: KpiSettings | dict | None = None) -> float | None:
    """Σ weight × part-score over the parts that have data, rescaled to the weights present.

    `parts` maps part keys (kpi/models.py WEIGHTS) to fractions (rates) or 0–100 scores (keys ending
    in "_score"). A part without data (None) drops out rather than counting as 0: a new inspector
    with no 核查 yet is not punished for it.
    """
    weights = formula(config)["weights"]
    total = weight = 0.0
    for field, part in WEIGHTS[kind]:
        value = parts.get(part)
        if value is None:
            continue
        w = weights[field]
        total += w * (value if part.endswith("_score") else value * 100)
        weight += w
    return round(total / weight, 2) if weight else None


def grade(score: float | None, config: KpiSettings | dict | None = None) -> str | None:
    if score is None:
        return None
    grades = formula(config)["grades"]
    for field, letter in (("grade_a", "A"), ("grade_b", "B"), ("grade_c", "C"), ("grade_d", "D")):
        if score >= grades[field]:
            return letter
    return "E"


def band_score(part: str, value: float | None, config: KpiSettings | dict | None = None) -> float | None:
    """A count (or a percentage) as a 0–100 score by the band table of `part` (kpi/models.py BAND_PARTS)."""
    if value is None:
        return None
    table = formula(config)["bands"][BAND_PARTS[part]]
    for threshold, score in table["bands"]:
        if (value > threshold) if table["direction"] == "higher" else (value <= threshold):
            return float(score)
    return float(table.get("otherwise", 0))


def area_parts(counts: dict, public_filed: int, config=None) -> dict:
    """区域 composite parts (docs/domain.md §7): 监督举报率 = public reports verified true (filed) / 立案数,
    lower is better; 立案数 by bands (fewer is better); 结案率; 按期结案率."""
    public_rate = ratio(public_filed, counts["filed"])
    return {
        "public_report_score": band_score(
            "public_report_score", None if public_rate is None else public_rate * 100, config
        ),
        "filed_score": band_score("filed_score", counts["filed"], config),
        "closure_rate": ratio(counts["closed"], counts["due_closure"]),
        "on_time_closure_rate": ratio(counts["closed_on_time"], counts["due_closure"]),
    }


def department_parts(counts: dict, config=None) -> dict:
    """部门 composite parts (docs/domain.md §7): the 派遣数 score falls as the department's cases rise."""
    rework = ratio(counts["reworked"], counts["due_closure"])
    return {
        "dispatched_score": band_score("dispatched_score", counts["filed"], config),
        "closure_rate": ratio(counts["closed"], counts["due_closure"]),
        "dispose_on_time_rate": ratio(counts["disposed_on_time"], counts["due_dispose"]),
        "no_rework_rate": None if rework is None else 1 - rework,
    }


def relative_score(value: int, best: int) -> float | None:
    """A count as a score against the best in the period (派遣数得分): best = 100."""
    return round(100 * value / best, 2) if best else None
