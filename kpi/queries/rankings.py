"""Rankings: streets, communities, grids, departments and the people of each scored role, best first."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet, Sum

from core.roles import Role
from dispatch.models import Department
from grids.models import Community, District, Grid, Street
from kpi import metrics
from kpi.dates import is_assessment_period
from kpi.definitions import AREA_COUNTS, not_patrolled
from kpi.models import GridDay, KpiSettings, PersonDay
from kpi.queries.cells import SUMS, cells_for, check_filters, code_of, figures_of, sums_by
from kpi.queries.drilldown import cases_params, list_url

AREA_LEVELS = {
    "street": (Street, "street_id"),
    "community": (Community, "community_id"),
    "grid": (Grid, "grid_id"),
}
PEOPLE = (Role.INSPECTOR, Role.OPERATOR, Role.SHIFT_LEADER, Role.DISPATCHER)
LEVELS = (*AREA_LEVELS, "department", *PEOPLE)


def ranked(out: list[dict]) -> list[dict]:
    out.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), str(r["code"])))
    for n, row in enumerate(out, 1):
        row["rank"] = n
    return out


def _area_rows(level, period_from, period_to, config, filters) -> list[dict]:
    model, column = AREA_LEVELS[level]
    # 监督举报率's numerator rides along in the same GROUP BY: the filed cases from public sources.
    grouped = list(
        cells_for(period_from, period_to, column, "source", **filters)
        .order_by()
        .values(column)
        .annotate(public=Sum("filed", filter=Q(source__in=not_patrolled())), **SUMS)
    )
    public = {g[column]: g["public"] or 0 for g in grouped}
    names = {a.pk: a for a in model.objects.filter(pk__in=[g[column] for g in grouped])}
    out = []
    for g in grouped:
        area = names.get(g[column])
        counts, rates = figures_of(g)
        parts = metrics.area_parts(counts, public.get(g[column], 0), config)
        score = metrics.composite("area", parts, config)
        code = area.code if area else str(g[column])
        out.append(
            {
                "id": g[column],
                "code": code,
                "name": area.name if area else code,
                "counts": {k: counts[k] for k in AREA_COUNTS},
                "rates": rates,
                "parts": shown_parts(parts),
                "score": score,
                "grade": metrics.grade(score, config),
                "cases": (
                    params := cases_params("filed", period_from, period_to, **{**filters, level: code})
                ),
                "cases_url": list_url(params),
            }
        )
    return ranked(out)


def complement(rate: float | None) -> float | None:
    return None if rate is None else 1 - rate


def shown_parts(parts: dict) -> dict:
    """Parts as shown: rates in percent (two decimals), scores as they are."""
    return {
        k: (v if k.endswith("_score") else None if v is None else round(v * 100, 2)) for k, v in parts.items()
    }


def _department_rows(period_from, period_to, config, filters) -> list[dict]:
    grouped = [g for g in sums_by(cells_for(period_from, period_to, "dept", **filters), "dept") if g["dept"]]
    departments = {d.pk: d for d in Department.objects.filter(pk__in=[g["dept"] for g in grouped])}
    out = []
    for g in grouped:
        dept = departments.get(g["dept"])
        counts, rates = figures_of(g)
        parts = metrics.department_parts(counts, config)
        score = metrics.composite("department", parts, config)
        code = dept.code if dept else str(g["dept"])
        shown = shown_parts(parts)
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
                "cases_url": list_url(params),
            }
        )
    return ranked(out)


# Per role: the PersonDay kinds it is scored on, and how they make each part (num, den over kinds).
def people_parts(role: str, k: dict, extra: dict, config=None) -> dict:
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
        # 受理数: every report the operator handled (受理, 派发核实, 不予受理). 核查按时派发率 has no action
        # of ours behind it (处置反馈 goes to the grid's inspector by itself): no data, so the part drops
        # out of the composite (metrics.composite) until a 派发核查 step exists.
        return {
            "accepted_score": metrics.band_score(
                "accepted_score", n("accept", "send_verify", "reject"), config
            ),
            "verify_dispatch_on_time_rate": r(on_time("send_verify"), n("send_verify")),
            "check_dispatch_on_time_rate": None,
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
        GridDay.objects.filter(day__gte=period_from, day__lte=period_to, grid_id__in=every)
        .order_by()
        .values("grid_id", "source")
        .annotate(filed=Sum("filed"))
    )
    outside = not_patrolled()
    for row in rows:
        filed[row["grid_id"]] = filed.get(row["grid_id"], 0) + row["filed"]
        if row["source"] in outside:
            public[row["grid_id"]] = public.get(row["grid_id"], 0) + row["filed"]
    return {
        user_id: metrics.ratio(sum(public.get(g, 0) for g in grids), sum(filed.get(g, 0) for g in grids))
        for user_id, grids in grids_of.items()
    }


def _people_of(district) -> QuerySet:
    """The ids of a district's people (docs/domain.md §13): those whose user names it, and the inspectors
    of its grids. `district` a pk, a code or a District."""
    if isinstance(district, District):
        district = district.pk
    field = "district_id" if isinstance(district, int) else "district__code"
    return (
        get_user_model()
        .objects.filter(Q(**{field: district}) | Q(**{f"grids__community__street__{field}": district}))
        .values("pk")
    )


def _people_rows(role: str, period_from, period_to, config, filters=None) -> list[dict]:
    people = PersonDay.objects.filter(role=role, day__gte=period_from, day__lte=period_to)
    if (filters or {}).get("district"):
        people = people.filter(user_id__in=_people_of(filters["district"]))
    cells = (
        people.order_by().values("user_id", "kind").annotate(n=Sum("n"), on_time=Sum("on_time"), ok=Sum("ok"))
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
        parts = people_parts(role, k, {"missed_rate": missed.get(user_id), "best": best}, config)
        score = metrics.composite(role, parts, config)
        shown = shown_parts(parts)
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
    return ranked(out)


def frozen_rows(level: str, period_from: dt.date, period_to: dt.date) -> list[dict] | None:
    """The rows of a closed 考核 period's current revision, when the dates are exactly that period
    (issue #24.1: later events change only open periods), else None. Drill-down links stay live."""
    from kpi.models import AssessmentPeriod  # noqa: PLC0415 (a model of this app: no cycle, just late)

    if not is_assessment_period(period_from, period_to):
        return None  # no query for a range that no period can be
    period = AssessmentPeriod.objects.filter(start=period_from, end=period_to).first()
    if period is None:
        return None
    revision = period.current
    marker = {"period": period.pk, "revision": revision.number, "cutoff": period.cutoff.isoformat()}
    out = []
    for row in revision.table.get(level, []):
        row = {**row, "frozen": marker, "cases": None, "cases_url": None}
        if level in AREA_LEVELS or level == "department":
            row["cases"] = cases_params("filed", period_from, period_to, **{level: row["code"]})
            row["cases_url"] = list_url(row["cases"])
        out.append(row)
    return out


def rows(level: str, period_from: dt.date, period_to: dt.date, **filters) -> list[dict]:
    """Ranking rows for streets, communities, grids, departments or the people of one role.

    Unfiltered, for exactly a closed 考核 period, they are its frozen table (kpi/periods)."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    check_filters(filters)
    if not filters:
        frozen = frozen_rows(level, period_from, period_to)
        if frozen is not None:
            return frozen
    elif level in AREA_LEVELS and set(filters) == {"district"}:
        # A district's staff see their district's part of the frozen table: an area's code begins with
        # its district's (grids/codes.py), so the frozen rows need no join; ranked within the district.
        frozen = frozen_rows(level, period_from, period_to)
        if frozen is not None:
            prefix = code_of(District, filters["district"]) or ""
            return ranked([r for r in frozen if str(r["code"]).startswith(prefix)])
    config = KpiSettings.load()
    if level in AREA_LEVELS:
        return _area_rows(level, period_from, period_to, config, filters)
    if level == "department":
        return _department_rows(period_from, period_to, config, filters)
    return _people_rows(level, period_from, period_to, config, filters)
