"""A 考核 table from facts: every figure, composite and grade for areas, departments and people.

The same formulas as the live rankings (kpi/queries/rankings.py, kpi/metrics.py), summed in Python
from case and person facts — the rollup's (kpi/replay.py stored_facts) or a replay as of a moment
(kpi/replay.py facts_as_of) — so a frozen table and the live ranking of the same moment agree.
"""

import datetime as dt
from collections import defaultdict

from django.contrib.auth import get_user_model

from core.roles import Role
from dispatch.models import Department
from grids.models import Community, Grid, Street
from kpi import metrics
from kpi.definitions import AREA_COUNTS, not_patrolled
from kpi.models import FILED_FLAGS, REPORT_FLAGS, ROLLUP_SUMS
from kpi.queries.cells import as_percent
from kpi.queries.rankings import people_parts, ranked, shown_parts

AREAS = {"street": (Street, "street_id"), "community": (Community, "community_id"), "grid": (Grid, "grid_id")}
PEOPLE = (Role.INSPECTOR, Role.OPERATOR, Role.SHIFT_LEADER, Role.DISPATCHER)
LEVELS = (*AREAS, "department", *PEOPLE)


def _in(day, period) -> bool:
    return day is not None and period[0] <= day <= period[1]


def _sums(facts, period) -> dict:
    """AreaDay-style sums of case facts over a period (report-day and filing-day cohorts)."""
    s = dict.fromkeys(ROLLUP_SUMS, 0)
    for f in facts:
        if _in(f["report_day"], period):
            s["reported"] += 1
            for k in REPORT_FLAGS:
                s[k] += f[k]
        if _in(f["filed_day"], period):
            s["filed"] += 1
            for k in FILED_FLAGS:
                s[k] += f[k]
    return s


def _public_filed(facts, period) -> int:
    outside = not_patrolled()
    return sum(1 for f in facts if _in(f["filed_day"], period) and f["source"] in outside)


def _row(key, obj, counts, rates, parts, score, config) -> dict:
    code = getattr(obj, "code", None) or getattr(obj, "username", None) or str(key)
    name = (
        getattr(obj, "name", None) or (obj.get_full_name() if hasattr(obj, "get_full_name") else "") or code
    )
    return {
        "id": key,
        "code": code,
        "name": name,
        "counts": counts,
        "rates": rates,
        "parts": shown_parts(parts),
        "score": score,
        "grade": metrics.grade(score, config),
    }


def build_table(case_facts: dict, person_facts: list, period: tuple[dt.date, dt.date], config: dict) -> dict:
    """{level: ranked rows} for every level of LEVELS; `config` is a KpiSettings snapshot."""
    facts = list(case_facts.values())
    table = {}
    for level, (model, column) in AREAS.items():
        groups = defaultdict(list)
        for f in facts:
            groups[f[column]].append(f)
        objects = model.objects.in_bulk(list(groups))
        rows = []
        for key, members in groups.items():
            s = _sums(members, period)
            if not s["reported"] and not s["filed"]:
                continue
            counts = metrics.area_counts(s)
            parts = metrics.area_parts(counts, _public_filed(members, period), config)
            score = metrics.composite("area", parts, config)
            rates = as_percent(metrics.area_rates(counts))
            rows.append(
                _row(key, objects.get(key), {k: counts[k] for k in AREA_COUNTS}, rates, parts, score, config)
            )
        table[level] = ranked(rows)

    groups = defaultdict(list)
    for f in facts:
        if f["dept"]:
            groups[f["dept"]].append(f)
    objects = Department.objects.in_bulk(list(groups))
    rows = []
    for key, members in groups.items():
        s = _sums(members, period)
        if not s["reported"] and not s["filed"]:
            continue
        counts = metrics.area_counts(s)
        parts = metrics.department_parts(counts, config)
        score = metrics.composite("department", parts, config)
        rates = as_percent(metrics.area_rates(counts))
        rows.append(
            _row(key, objects.get(key), {k: counts[k] for k in AREA_COUNTS}, rates, parts, score, config)
        )
    table["department"] = ranked(rows)

    for role in PEOPLE:
        table[role.value] = _people(role, facts, person_facts, period, config)
    return table


def _people(role, facts, person_facts, period, config) -> list[dict]:
    kinds: dict[int, dict] = defaultdict(dict)
    for p in person_facts:
        if p["role"] != role or not _in(p["day"], period):
            continue
        cell = kinds[p["user_id"]].setdefault(p["kind"], {"kind": p["kind"], "n": 0, "on_time": 0, "ok": 0})
        cell["n"] += 1
        cell["on_time"] += p["on_time"]
        cell["ok"] += p["ok"]
    missed = _missed_rates(list(kinds), facts, period) if role == Role.INSPECTOR else {}
    best = max((k.get("dispatch", {}).get("n", 0) for k in kinds.values()), default=0)
    users = get_user_model().objects.in_bulk(list(kinds))
    rows = []
    for user_id, k in kinds.items():
        parts = people_parts(role, k, {"missed_rate": missed.get(user_id), "best": best}, config)
        score = metrics.composite(role, parts, config)
        row = _row(
            user_id,
            users.get(user_id),
            {kind: v["n"] for kind, v in sorted(k.items())},
            {},
            parts,
            score,
            config,
        )
        if role == Role.INSPECTOR:
            m = missed.get(user_id)
            row["parts"]["missed_rate"] = None if m is None else round(m * 100, 2)
        rows.append(row)
    return ranked(rows)


def _missed_rates(user_ids, facts, period) -> dict:
    """漏报率 over each inspector's grids (Grid.inspectors), as kpi/queries/rankings.py."""
    grids_of = defaultdict(set)
    for user_id, grid_id in Grid.inspectors.through.objects.filter(user_id__in=user_ids).values_list(
        "user_id", "grid_id"
    ):
        grids_of[user_id].add(grid_id)
    filed, public = defaultdict(int), defaultdict(int)
    outside = not_patrolled()
    for f in facts:
        if _in(f["filed_day"], period):
            filed[f["grid_id"]] += 1
            if f["source"] in outside:
                public[f["grid_id"]] += 1
    return {
        user_id: metrics.ratio(sum(public[g] for g in grids), sum(filed[g] for g in grids))
        for user_id, grids in grids_of.items()
    }


def counted_cases(case_facts: dict, period) -> list[int]:
    """The cases a table counted: reported or filed in the period (its case list, for appeals)."""
    return sorted(
        pk for pk, f in case_facts.items() if _in(f["report_day"], period) or _in(f["filed_day"], period)
    )
