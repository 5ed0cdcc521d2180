"""Facts *as of* a past moment, by replaying the append-only case log (issue #24.1, docs/domain.md §7).

The rollup (kpi/rollup.py) computes each case's facts from the case row as it is now; a 考核 table
needs them as they were at a period's cut-off. Here they come from what cannot change afterwards:

- the CaseEvents up to the moment (append-only): the status (the last event's to_status), 立案 (the
  file event), the 主办 department (派遣 sets it, 回退 and 重办 clear it), 返工 / 延期 / 回退 / 重办
  (their events), the 回访 answer;
- the TimedSteps' start and finish times, which are written once: a step that finished before the
  moment keeps the on_time it finished with; one still running at the moment was red if the SLA sweep
  had lit it red by then (overdue_at: red stays red, cases/timing.py `_keep_worst`).

The facts have the columns of CaseFact and PersonFact (kpi/models.py), so the same table code reads
either, and at the moment of the last rollup the replay equals the rollup (tests/kpi/test_periods.py).
"""

import datetime as dt
from collections import defaultdict

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KT
from django.utils import timezone

from cases.models import Case, CaseEvent, Satisfaction, TimedStep
from cases.workflow import Action, SideEvent, Status
from core.roles import Role
from dispatch.models import Department
from kpi.rollup import NOT_DUE, REACHED, SCORED_STEP

GOOD = (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED)


def relevant_cases(period_from: dt.date, period_to: dt.date, at: dt.datetime) -> list[int]:
    """Cases a period's table can count as of `at`: reported in the period, or with an event in it
    (立案, or an action people are scored on). Local days, both ends inclusive."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(period_from, dt.time.min, tzinfo=tz)
    end = min(dt.datetime.combine(period_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz), at)
    reported = Case.objects.filter(created_at__gte=start, created_at__lt=end).values_list("pk", flat=True)
    acted = CaseEvent.objects.filter(at__gte=start, at__lt=end).values_list("case_id", flat=True).distinct()
    return sorted(set(reported) | set(acted))


def _ids(ids: list[int]):
    """`ids` for an IN: one array parameter on PostgreSQL (a month's thousands of ids would otherwise be
    as many parameters, compiled and sent one by one), the plain list elsewhere."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [ids])
    return ids


def facts_as_of(case_ids, at: dt.datetime) -> tuple[dict[int, dict], list[dict]]:
    """(case facts by case id, person facts) of `case_ids` as of `at`, from events at or before it."""
    tz = timezone.get_current_timezone()
    case_ids = list(case_ids)
    cases = {
        c["pk"]: c
        for c in Case.objects.filter(pk__in=_ids(case_ids), created_at__lte=at).values(
            "pk", "created_at", "grid_id", "community_id", "street_id", "source", "self_resolved"
        )
    }
    events = defaultdict(list)
    # Only four payload keys matter here: read them as text rather than decoding every payload.
    for e in (
        CaseEvent.objects.filter(case_id__in=_ids(list(cases)), at__lte=at)
        .order_by("at", "id")
        .values("id", "case_id", "action", "from_status", "to_status", "actor_id", "actor_role", "at")
        .annotate(
            department=KT("payload__department"),
            counted=KT("payload__counted"),
            satisfaction=KT("payload__satisfaction"),
            passed=KT("payload__passed"),
        )
    ):
        e["day"] = e["at"].astimezone(tz).date()
        events[e["case_id"]].append(e)
    steps = defaultdict(list)
    for s in TimedStep.objects.filter(case_id__in=_ids(list(cases)), started_at__lte=at).values(
        "case_id", "step", "finished_at", "on_time", "overdue_at"
    ):
        if s["finished_at"] is not None and s["finished_at"] > at:
            s = {**s, "finished_at": None, "on_time": None}  # still running at the moment
        steps[s["case_id"]].append(s)
    departments = dict(Department.objects.values_list("code", "pk"))
    case_facts, person_facts = {}, []
    for pk, case in cases.items():
        if not events[pk]:
            continue  # written after the moment (the report event is in the case's own transaction)
        fact = _case_fact(case, events[pk], steps[pk], at, departments, tz)
        case_facts[pk] = fact
        person_facts.extend(_person_facts(fact, events[pk], steps[pk]))
    return case_facts, person_facts


def _red(step, at) -> bool:
    return step["finished_at"] is None and step["overdue_at"] is not None and step["overdue_at"] <= at


def _case_fact(case, events, steps, at, departments, tz) -> dict:
    status = events[-1]["to_status"]
    filed = next((e for e in events if e["action"] == Action.FILE), None)
    dept = None
    satisfaction = ""
    counted = None  # the centre's word on an approved 退单: None = no 退单
    counts = defaultdict(int)
    for e in events:
        action = e["action"]
        if action == Action.DISPATCH:
            dept = departments.get(e["department"])
        elif action in (Action.APPROVE_RETURN, Action.REOPEN):
            dept = None
        elif action == SideEvent.ESCALATION_TAKEN and e["to_status"] != e["from_status"]:
            dept = None  # the district took the case over from the street (cases/workflow.py SIDE_MOVES)
        elif action == Action.APPROVE_HOTLINE_RETURN:
            counted = str(e["counted"]).lower() in ("true", "1")  # PG text, SQLite 1
        elif action == Action.CALLBACK and e["satisfaction"] != Satisfaction.UNREACHABLE:
            satisfaction = e["satisfaction"] or ""
        elif action == Action.CHECK and str(e["passed"]).lower() in ("false", "0"):  # PG text, SQLite 0
            counts["rework"] += 1
        counts[action] += 1
    dispose = [s for s in steps if s["step"] == "dispose"]
    late = sum(1 for s in dispose if s["on_time"] is False)
    unfinished = sum(1 for s in dispose if s["finished_at"] is None)
    due = bool(dispose) and status not in NOT_DUE
    rejected = status == Status.REJECTED and not any(s["step"] == "file" for s in steps)
    returned = status == Status.REJECTED and counted is not None
    flags = {
        "r_rejected": rejected,
        "r_filed": filed is not None,
        "r_accepted_on_time": any(s["step"] == "accept" and s["on_time"] is True for s in steps),
        "r_closed": status == Status.CLOSED,
        "r_voided": status == Status.VOIDED,
        "r_callback": satisfaction in REACHED,
        "r_satisfied": satisfaction in GOOD,
        "r_returned": returned,
        "r_returned_counted": returned and counted,
        "r_hotline_due": status != Status.VOIDED
        and not (rejected and not counted)
        and not (returned and not counted),
        "voided": status == Status.VOIDED,
        "suspended": status == Status.SUSPENDED,
        "closed": status == Status.CLOSED,
        "closed_on_time": status == Status.CLOSED and late == 0,
        "due_dispose": due,
        "disposed_on_time": due and unfinished == 0 and late == 0,
        "overdue": late > 0 or any(_red(s, at) for s in dispose),
        "overdue_open": status == Status.IN_PROGRESS and any(_red(s, at) for s in steps),
        "reworked": counts["rework"] > 0,
        "extended": counts[Action.APPROVE_EXTENSION] > 0,
        "returned": counts[Action.APPROVE_RETURN] > 0,
        "reopened": counts[Action.REOPEN] > 0,
    }
    return {
        "case_id": case["pk"],
        "report_day": case["created_at"].astimezone(tz).date(),
        "filed_day": filed["day"] if filed else None,
        "events": len(events),
        "grid_id": case["grid_id"],
        "community_id": case["community_id"],
        "street_id": case["street_id"],
        "dept": dept or 0,
        "source": case["source"],
        "status": status,
        "self_resolved": case["self_resolved"],
        **{k: int(v) for k, v in flags.items()},
    }


def _person_facts(fact, events, steps) -> list[dict]:
    """The scored actions of one case (kpi/rollup.py person_facts_select, replayed)."""
    out = []
    on_time_finishes = {(s["step"], s["finished_at"]) for s in steps if s["on_time"] is True}
    for i, e in enumerate(events):
        action = e["action"]
        if e["actor_id"] is None:
            continue
        if action not in SCORED_STEP and not (action == Action.REPORT and e["actor_role"] == Role.INSPECTOR):
            continue
        ok = 1
        if action == Action.REPORT:
            ok = int(bool(fact["r_filed"]) or bool(fact["self_resolved"]))
        elif action == Action.ACCEPT:
            ok = int(not (fact["status"] in (Status.REJECTED, Status.VOIDED) and not fact["r_filed"]))
        elif action == Action.FILE:
            ok = int(fact["status"] != Status.VOIDED)
        elif action == Action.DISPATCH:
            # Wrong when a 回退 was approved after it and before any later 派遣 (kpi/rollup.py).
            for later in events[i + 1 :]:
                if later["action"] == Action.DISPATCH:
                    break
                if later["action"] == Action.APPROVE_RETURN and later["at"] > e["at"]:
                    ok = 0
                    break
        out.append(
            {
                "event_id": e["id"],
                "case_id": fact["case_id"],
                "day": e["day"],
                "user_id": e["actor_id"],
                "role": e["actor_role"],
                "kind": action,
                "on_time": int((SCORED_STEP.get(action), e["at"]) in on_time_finishes),
                "ok": ok,
            }
        )
    return out


def stored_facts(case_ids) -> tuple[dict[int, dict], list[dict]]:
    """The rollup's facts of `case_ids` (as of the last rollup), in the replay's shape."""
    from kpi.models import CaseFact, PersonFact  # noqa: PLC0415

    case_ids = list(case_ids)
    extra = {c["pk"]: c for c in Case.objects.filter(pk__in=case_ids).values("pk", "status", "self_resolved")}
    case_facts = {}
    for f in CaseFact.objects.filter(case_id__in=case_ids).values():
        f.pop("category_id"), f.pop("category_code"), f.pop("category_kind"), f.pop("major_code")
        case_facts[f["case_id"]] = {
            **f,
            "status": extra[f["case_id"]]["status"],
            "self_resolved": extra[f["case_id"]]["self_resolved"],
        }
    person_facts = list(PersonFact.objects.filter(Q(case_id__in=case_ids)).values())
    return case_facts, person_facts
