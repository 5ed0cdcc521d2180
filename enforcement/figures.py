"""The figures districts report (issue #20.4), per street, department, category or month.

For a period [start, end] (local dates, both included):

- 检查次数 checks: 责令改正 follow-up checks done in the period;
- 责令改正数 orders: 《责令限期改正通知书》 issued; 按期改正率 on_time_rate: of the orders whose deadline fell in
  the period, the share checked as rectified on or before the deadline (an unchecked one is not on time);
- 处罚数 penalties, 罚款金额 fines (yuan) and 已缴 paid (yuan): 《行政处罚决定书》 issued;
- 首违免罚数 waivers, 移送数 transfers, 劝导数 persuasions;
- 屡犯率 repeat_rate: of the parties with a confirmed violation in the period, the share with at least the
  policy's repeat threshold (2) of them.

Grouped by the case's street, department (主办) or category, or by month of the outcome. `filters` (street,
department, category codes, or model instances) narrow everything to those cases.
"""

from collections import defaultdict
from datetime import date, datetime, time
from decimal import Decimal

from django.utils import timezone

from core.dates import local_days
from enforcement.models import CaseParty, CreditPolicy, Outcome

GROUPS = ("street", "department", "category", "month")
METRICS = (
    "checks",
    "orders",
    "on_time_rate",
    "penalties",
    "fines",
    "paid",
    "waivers",
    "transfers",
    "persuasions",
    "repeat_rate",
)
LABELS = {
    "checks": "检查次数",
    "orders": "责令改正数",
    "on_time_rate": "按期改正率",
    "penalties": "处罚数",
    "fines": "罚款金额（元）",
    "paid": "已缴罚款（元）",
    "waivers": "首违免罚数",
    "transfers": "移送数",
    "persuasions": "劝导数",
    "repeat_rate": "屡犯率",
}
FILTERS = ("street", "department", "category")


def _code(value):
    return getattr(value, "code", value)


def _narrow(qs, filters: dict, prefix: str = "case__"):
    if filters.get("district") is not None:  # a district's staff: their district's (docs/domain.md §13)
        qs = qs.filter(**{prefix + "district_id": filters["district"]})
    for name in FILTERS:
        value = _code(filters.get(name))
        if value:
            field = {"street": "street__code", "department": "department__code", "category": "category_code"}[
                name
            ]
            qs = qs.filter(**{prefix + field: value})
    return qs


def _key(case, by: str | None, when: datetime | None) -> tuple[str, str]:
    if by == "street":
        return (case.street.code, case.street.name) if case.street_id else ("", "—")
    if by == "department":
        return (case.department.code, case.department.name) if case.department_id else ("", "—")
    if by == "category":
        return case.category_code, case.category_name
    if by == "month":
        month = timezone.localtime(when).strftime("%Y-%m")
        return month, month
    return "", "合计"


def figures(start: date, end: date, *, by: str | None = None, **filters) -> list[dict]:
    """One row per group (by=None: one total row), each with `code`, `name` and every metric.
    `filters`: FILTERS' codes, and `district` (a pk; None: every district)."""
    if by not in (None, *GROUPS):
        raise ValueError(f"unknown grouping {by!r}")
    lo, hi = local_days(start, end)
    rows: dict[tuple, dict] = defaultdict(
        lambda: {m: 0 for m in METRICS} | {"fines": Decimal(0), "paid": Decimal(0)}
    )
    due: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])  # [due, rectified on time]
    related = ("case__street", "case__department")
    issued = _narrow(Outcome.objects.filter(issued_at__gte=lo, issued_at__lt=hi), filters).select_related(
        *related
    )
    count = {
        Outcome.Kind.RECTIFICATION: "orders",
        Outcome.Kind.PENALTY: "penalties",
        Outcome.Kind.WAIVER: "waivers",
        Outcome.Kind.TRANSFER: "transfers",
        Outcome.Kind.PERSUASION: "persuasions",
    }
    for o in issued:
        row = rows[_key(o.case, by, o.issued_at)]
        row[count[o.kind]] += 1
        if o.kind == Outcome.Kind.PENALTY:
            row["fines"] += o.fine or 0
            if o.paid:
                row["paid"] += o.fine or 0
    checked = _narrow(Outcome.objects.filter(checked_at__gte=lo, checked_at__lt=hi), filters).select_related(
        *related
    )
    for o in checked:
        rows[_key(o.case, by, o.checked_at)]["checks"] += 1
    deadlines = _narrow(
        Outcome.objects.filter(kind=Outcome.Kind.RECTIFICATION, deadline__gte=start, deadline__lte=end),
        filters,
    ).select_related(*related)
    for o in deadlines:
        key = _key(o.case, by, datetime.combine(o.deadline, time(12), timezone.get_current_timezone()))
        rows[key]  # the group shows even with nothing else in it
        due[key][0] += 1
        on_time = o.checked_at and timezone.localtime(o.checked_at).date() <= o.deadline
        if on_time and o.check_result == Outcome.CheckResult.RECTIFIED:
            due[key][1] += 1
    threshold = CreditPolicy.current().repeat_threshold
    violations = _narrow(
        CaseParty.objects.filter(state=CaseParty.State.CONFIRMED, occurred_at__gte=lo, occurred_at__lt=hi),
        filters,
    ).select_related(*related)
    per_party: dict[tuple, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for link in violations:
        key = _key(link.case, by, link.occurred_at)
        rows[key]
        per_party[key][link.party_id] += 1
    out = []
    for key, row in rows.items():
        n_due, n_on_time = due[key]
        row["on_time_rate"] = round(n_on_time / n_due, 4) if n_due else None
        parties = per_party[key]
        row["repeat_rate"] = (
            round(sum(1 for n in parties.values() if n >= threshold) / len(parties), 4) if parties else None
        )
        out.append({"code": key[0], "name": key[1], **row})
    if by is None and not out:
        out.append(
            {"code": "", "name": "合计", **{m: 0 for m in METRICS}, "on_time_rate": None, "repeat_rate": None}
        )
    return sorted(out, key=lambda r: r["code"])
