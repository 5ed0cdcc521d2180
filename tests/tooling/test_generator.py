"""generate_cases writes histories that the services could have written.

A small district is generated into with the rare branches turned up, then every case is replayed
through the workflow table and compared with what the real services write: the same payload keys
(and value types) per action, counters that equal their events, timestamps where the services put
them, a consistent 审批台账, well-formed case numbers that the services continue after.
"""

import datetime as dt
import re
from collections import defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from cases import services as s
from cases.models import Case, CaseEvent, CaseNumberCounter, CaseRequest, Light, Source, TimedStep
from cases.rules import _LOOP_ONLY
from cases.sla import sweep
from cases.workflow import LEDGER, STEP_FOR_STATUS, SYSTEM, Action, Status, find, transitions_for
from core.models import User
from dispatch.calendar import get_calendar
from dispatch.models import Category, Department, RoutingRule
from dispatch.routing import suggest_department
from dispatch.time_limits import resolve_limit
from tests.cases.conftest import photo
from tests.factories import (
    CategoryFactory,
    CommunityFactory,
    ComponentFactory,
    DepartmentFactory,
    DistrictFactory,
    GridFactory,
    StreetFactory,
    UserFactory,
)
from tooling.generator import Mix, generate_cases

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")

END = dt.datetime(2025, 6, 18, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Wednesday afternoon at work
# The rare branches turned up, so a few hundred cases show every one of them.
BOOSTED = Mix(
    sources={
        "inspector": 50,
        "hotline_12345": 25,
        "hotline_8890": 10,
        "public": 10,
        "video": 3,
        "leader": 1,
        "media": 1,
    },
    steps=(0.5, 0.6),  # slower desks: more cases caught in each short state, more of them late
    returns=0.12,
    extension=0.1,
    extension_lapsed=0.3,
    suspension=0.08,
    suspension_denied=0.4,
    suspension_days=(0.5, 0.5),
    void=0.08,
    rework=0.15,
    supervise=0.08,
    duplicate=0.25,
    reclassify=0.1,
    co_departments=0.2,
    unreachable=0.2,
    satisfaction={"satisfied": 0.5, "basically_satisfied": 0.2, "unsatisfied": 0.3},
    reopen=1.0,
    urgent=0.08,
    self_resolved=0.3,
)
NUMBER = re.compile(r"^(\d{6})-(\d{8})-(\d{5})$")
# The generator does not play the 12345 centre: it writes no HotlineTicket, so none of its cases is a
# loop ticket, and the actions only a loop ticket can take (签收, 退单 and the centre's decision on it)
# never happen to them, as the services would refuse them (cases/rules.py). tests/cases covers them.
GENERATED_ACTIONS = {a.value for a in Action} - {a.value for a in _LOOP_ONLY}


@pytest.fixture
def district(db):
    """Two streets of six grids, each street with its default unit; routing rules; water-company covers."""
    district = DistrictFactory(code="120103")
    people = {
        "inspectors": [UserFactory(username=f"insp{i}", roles=["inspector"]) for i in range(3)],
        "operator": UserFactory(username="op", roles=["operator"]),
        "shift_leader": UserFactory(username="lead", roles=["shift_leader"]),
        "shift_leader2": UserFactory(username="lead2", roles=["shift_leader"]),
        "dispatcher": UserFactory(username="disp", roles=["dispatcher"]),
        "hotline": UserFactory(username="hot", roles=["hotline"]),
        "supervisor": UserFactory(username="boss", roles=["supervisor"]),
    }
    grids, offices = [], []
    for n in range(2):
        street = StreetFactory(district=district)
        offices.append(
            DepartmentFactory(kind=Department.Kind.STREET_OFFICE, street=street, is_street_default=True)
        )
        for c in range(2):
            community = CommunityFactory(street=street)
            for g in range(3):
                grids.append(
                    GridFactory(community=community, inspectors=[people["inspectors"][(n + c + g) % 3]])
                )
    people["department"] = UserFactory(username="dept", roles=["department"], department=offices[0])
    enforcement = DepartmentFactory(name="综合执法支队")
    water = DepartmentFactory(name="水务集团", kind=Department.Kind.ENTERPRISE)
    events = {
        code: CategoryFactory(kind=Category.Kind.EVENT, code=code, major_code=code[:2], name=name)
        for code, name in (("06010", "暴露垃圾"), ("06012", "道路不洁"), ("09006", "占道经营"), ("07001", "非法小广告"), ("06013", "道路破损"))
    }  # fmt: skip
    cover = CategoryFactory(code="01001", name="供水井盖")
    for grid in grids[::2]:
        ComponentFactory(grid=grid, category=cover, owner=water)
    # A district-wide rule and one narrowed to a community: both routing paths are exercised.
    RoutingRule.objects.create(order=10, category=events["09006"], department=enforcement)
    RoutingRule.objects.create(
        order=20, category=events["07001"], community=grids[0].community, department=enforcement
    )
    return {"grids": grids, "offices": offices, "events": events, "cover": cover, **people}


def _generate(count: int, **kw) -> list[int]:
    before = set(Case.objects.values_list("pk", flat=True))
    result = generate_cases(count, note=lambda line: None, **kw)
    assert result.cases == count
    return sorted(set(Case.objects.values_list("pk", flat=True)) - before)


def test_generated_cases_replay_through_the_workflow_like_service_made_ones(district):
    reference = _service_payload_shapes(district)  # first: its SLA sweep must not touch generated cases
    # Two busy days end in every open state; a quieter month has time for 回访, 重办 and long 挂账.
    recent = _generate(400, days=2, seed=7, end=END, mix=BOOSTED)
    month_end = END - dt.timedelta(days=3)
    month = _generate(300, days=30, seed=8, end=month_end, mix=BOOSTED)

    cases = _load(recent + month)
    for case in cases:
        _assert_history(case, reference)
        _assert_timed_steps(case, END if case.pk in set(recent) else month_end)
    _assert_numbers(cases)
    assert {case.status for case in cases if case.pk in set(recent)} == {status.value for status in Status}
    seen = {e.action for case in cases for e in case.timeline}
    assert seen == GENERATED_ACTIONS, f"never generated: {sorted(GENERATED_ACTIONS - seen)}"
    steps = [t for case in cases for t in case.timed]
    assert {t.step for t in steps} == set(STEP_FOR_STATUS.values())
    assert any(t.overdue_at for t in steps) and any(t.warned_at for t in steps)
    assert any(t.extended_amount for t in steps) and any(t.paused_at for t in steps)


def test_the_insert_path_writes_the_same_kind_of_history(district):
    reference = _service_payload_shapes(district)
    ids = _generate(80, days=5, seed=11, end=END, mix=BOOSTED, method="insert")
    cases = _load(ids)
    for case in cases:
        _assert_history(case, reference)
        _assert_timed_steps(case, END)
    _assert_numbers(cases)


def test_case_numbers_reported_later_continue_after_the_generated_ones(district):
    ids = _generate(40, days=1, seed=3)  # ends now: today's numbers are taken
    today = timezone.localdate()
    taken = [
        int(n[-5:])
        for n in Case.objects.filter(pk__in=ids, number__contains=f"-{today:%Y%m%d}-").values_list(
            "number", flat=True
        )
    ]
    assert taken
    lng, lat = _inside(district["grids"][0])
    case = s.case_report(
        actor=district["inspectors"][0],
        category=district["events"]["06010"],
        lng=lng,
        lat=lat,
        description="路边垃圾",
    )
    assert case.number == f"120103-{today:%Y%m%d}-{max(taken) + 1:05d}"


def test_the_same_seed_and_end_give_the_same_cases(district):
    first = _generate(30, days=2, seed=5, end=END)
    shape = list(
        Case.objects.filter(pk__in=first)
        .order_by("pk")
        .values_list("status", "category_code", "grid_id", "created_at")
    )
    again = _generate(30, days=2, seed=5, end=END)
    assert (
        list(
            Case.objects.filter(pk__in=again)
            .order_by("pk")
            .values_list("status", "category_code", "grid_id", "created_at")
        )
        == shape
    )


# ---------------------------------------------------------------------------- what services write


def _shape(payload: dict) -> frozenset:
    return frozenset((key, type(value).__name__) for key, value in payload.items())


def _inside(grid) -> tuple[float, float]:
    return (grid.min_lng + grid.max_lng) / 2, (grid.min_lat + grid.max_lat) / 2


def _service_payload_shapes(d) -> dict[str, set]:
    """Every action once (and each payload variant) through the real services: action → payload shapes."""
    grid = d["grids"][0]  # street 0, whose default unit has staff
    inspector = grid.inspectors.order_by("username").first()
    lead, lead2, disp, dept = d["shift_leader"], d["shift_leader2"], d["dispatcher"], d["department"]
    lng, lat = _inside(grid)
    tickets = iter(range(1, 100))

    def report(actor=inspector, **kw):
        kw.setdefault("category", d["events"]["06010"])
        if actor == d["hotline"]:
            kw.update(
                source=Source.HOTLINE_12345,
                hotline_ticket_no=f"REF{next(tickets)}",
                reporter_phone="13800000000",
            )
        return s.case_report(actor=actor, lng=lng, lat=lat, description="参照案件", **kw)

    def feedback_and_check(c, passed=True):
        c = s.case_submit_feedback(case=c, actor=dept, result="已处理", photos=[photo()])
        return s.case_check(
            case=c, actor=inspector, passed=passed, note="" if passed else "未处理到位", photos=[photo()]
        )

    made = []
    c = report()
    c = s.case_file(case=s.case_accept(case=c, actor=d["operator"]), actor=lead, variant="engineering")
    c = s.case_dispatch(case=c, actor=disp, co_departments=[d["offices"][1]])
    for kind, extra in (("return", {}), ("extension", {"hours": "8.0"}), ("suspension", {})):
        request, _approve, deny = (getattr(s, f"case_{a}") for a in LEDGER[kind])
        c = deny(case=request(case=c, actor=dept, reason="理由", **extra), actor=disp)
    c = s.case_approve_extension(
        case=s.case_request_extension(case=c, actor=dept, reason="理由", hours="8.0"), actor=disp
    )
    c = s.case_approve_suspension(
        case=s.case_request_suspension(case=c, actor=dept, reason="理由"), actor=disp
    )
    c = s.case_resume(case=c, actor=disp)
    c = s.case_supervise(case=c, actor=d["supervisor"], note="请加快")
    c = s.case_supervise(case=c, actor=SYSTEM, note="超期", automatic=True)
    c = s.case_approve_return(case=s.case_request_return(case=c, actor=dept, reason="理由"), actor=disp)
    c = feedback_and_check(s.case_dispatch(case=c, actor=disp), passed=False)
    c = s.case_close(case=feedback_and_check(c), actor=lead)
    c = s.case_callback(case=c, actor=d["hotline"], satisfaction="unreachable")
    c = s.case_reopen(
        case=s.case_callback(case=c, actor=d["hotline"], satisfaction="unsatisfied"),
        actor=lead,
        reason="不满意",
    )
    made.append(c)
    hot = s.case_send_verify(case=report(d["hotline"]), actor=d["operator"])
    made.append(s.case_verify(case=hot, actor=inspector, confirmed=True, photos=[photo()]))
    made.append(
        s.case_verify(
            case=s.case_send_verify(case=report(d["hotline"]), actor=d["operator"]),
            actor=inspector,
            confirmed=False,
            photos=[photo()],
        )
    )
    made.append(s.case_reject(case=report(), actor=d["operator"], reason="invalid"))
    made.append(
        s.case_reject(case=report(d["hotline"]), actor=d["operator"], reason="duplicate", duplicate_of=c.pk)
    )
    made.append(
        s.case_refuse_filing(
            case=s.case_accept(case=report(), actor=d["operator"]), actor=lead, reason="不属于"
        )
    )
    voided = s.case_deny_void(
        case=s.case_request_void(case=report(), actor=d["operator"], reason="误报"), actor=lead
    )
    made.append(
        s.case_approve_void(
            case=s.case_request_void(case=voided, actor=d["operator"], reason="误报"), actor=lead2
        )
    )
    made.append(s.case_close(case=report(self_resolved=True, after_photos=[photo()]), actor=lead))
    made.append(report(d["supervisor"], source="leader"))
    sweep(now=timezone.now() + dt.timedelta(days=60))  # every open step runs late: the system's 督办
    shapes = defaultdict(set)
    for event in CaseEvent.objects.all():
        shapes[event.action].add(_shape(event.payload))
    assert set(shapes) == GENERATED_ACTIONS
    return shapes


# ---------------------------------------------------------------------------- checks per case


def _load(ids):
    cases = list(
        Case.objects.filter(pk__in=ids)
        .select_related("grid", "category", "component", "department", "duplicate_of")
        .prefetch_related("co_departments")
    )
    events = defaultdict(list)
    for event in CaseEvent.objects.filter(case_id__in=ids).order_by("at", "id"):
        events[event.case_id].append(event)
    requests = defaultdict(dict)
    for request in CaseRequest.objects.filter(case_id__in=ids):
        requests[request.case_id][request.pk] = request
    roles = {u.pk: u.roles for u in User.objects.prefetch_related("groups")}
    steps = defaultdict(list)
    for timed in TimedStep.objects.filter(case_id__in=ids).order_by("started_at", "id"):
        steps[timed.case_id].append(timed)
    for case in cases:
        case.timeline, case.ledger, case.user_roles = events[case.pk], requests[case.pk], roles
        case.timed = steps[case.pk]
    return cases


def _outcome(event) -> str:
    p = event.payload
    if event.action == Action.REPORT:
        return "self_resolved" if p["self_resolved"] else ""
    if event.action == Action.VERIFY:
        return "confirmed" if p["confirmed"] else "not_confirmed"
    if event.action == Action.CHECK:
        return "passed" if p["passed"] else "failed"
    return ""


def _assert_history(case, reference):
    timeline = case.timeline
    assert [e.at for e in timeline] == sorted({e.at for e in timeline}), (
        f"{case}: two steps at one instant or out of order"
    )
    status = None
    for event in timeline:
        edge = find(event.action, status, _outcome(event))
        assert edge is not None, f"{case}: {event.action} from {status} is not a workflow edge"
        target = edge.target.value if edge.target else status
        assert (event.from_status, event.to_status) == (status or "", target), f"{case}: {event.action}"
        assert event.actor_role in edge.roles
        assert (event.actor_id is None) == (event.actor_role == SYSTEM)
        if event.actor_id is not None:
            assert event.actor_role in case.user_roles[event.actor_id]
        assert _shape(event.payload) in reference[event.action], (
            f"{case}: {event.action} payload {event.payload}"
        )
        status = target
    assert status == case.status

    by_action = defaultdict(list)
    for event in timeline:
        by_action[event.action].append(event)

    def count(action, **match):
        return sum(all(e.payload.get(k) == v for k, v in match.items()) for e in by_action[action])

    assert case.rework_count == count("check", passed=False)
    assert case.extension_count == count("approve_extension")
    assert case.return_count == count("approve_return")
    assert case.reopen_count == count("reopen")
    assert case.supervise_count == count("supervise")
    reached = [
        e.payload["satisfaction"] for e in by_action["callback"] if e.payload["satisfaction"] != "unreachable"
    ]
    assert case.satisfaction == (reached[-1] if reached else "")

    assert case.created_at == timeline[0].at and timeline[0].action == "report"
    assert timeline[0].payload["grid"] == case.grid.code
    assert case.filed_at == (by_action["file"][-1].at if by_action["file"] else None)
    assert case.dispatched_at == (by_action["dispatch"][-1].at if by_action["dispatch"] else None)
    closed = by_action["close"][-1].at if by_action["close"] and case.status == Status.CLOSED else None
    assert case.closed_at == closed
    assert case.created_at <= case.updated_at <= timeline[-1].at

    _assert_assignment(case, timeline)
    _assert_ledger(case, timeline)
    if case.hotline_channel:
        assert case.source in (Source.HOTLINE_12345, Source.HOTLINE_8890) and case.hotline_ticket_no
    if case.duplicate_of is not None:
        assert by_action["reject"][0].payload == {
            "reason": "duplicate",
            "duplicate_of": case.duplicate_of.number,
        }
        assert case.duplicate_of.duplicate_of_id is None and case.duplicate_of.created_at <= case.created_at
    for event in by_action["send_verify"]:
        assert event.payload["inspector"] == case.verify_inspector_id
        assert case.grid.inspectors.filter(pk=case.verify_inspector_id).exists()


def _assert_assignment(case, timeline):
    """The department is the last dispatch's unless a 回退 or 重办 cleared it; only its staff act for it."""
    departments = dict(User.objects.filter(department__isnull=False).values_list("pk", "department__code"))
    current = None
    for event in timeline:
        if event.action == "dispatch":
            current = event.payload
        elif event.action in ("approve_return", "reopen"):
            current = None
        if event.actor_role == "department":
            assert current is not None and departments[event.actor_id] == current["department"]
    if current is None:
        assert case.department is None and not case.co_departments.all()
        return
    assert case.department.code == current["department"]
    assert sorted(d.code for d in case.co_departments.all()) == sorted(current["co_departments"])
    suggestion = suggest_department(category=case.category, component=case.component, grid=case.grid)
    assert (current["suggested"], current["suggestion_rule"]) == (
        suggestion.department.code,
        suggestion.reason,
    )


def _assert_ledger(case, timeline):
    requests = dict(case.ledger)
    actions = {a: (kind, i) for kind, trio in LEDGER.items() for i, a in enumerate(trio)}
    for event in timeline:
        if event.action not in actions:
            continue
        kind, step = actions[event.action]
        request = requests[event.payload["request"]]
        assert request.kind == kind
        if step == 0:
            assert (
                request.requested_by_id,
                request.requested_role,
                request.requested_at,
                request.reason,
            ) == (
                event.actor_id,
                event.actor_role,
                event.at,
                event.note,
            )
        else:
            assert request.state == ("approved" if step == 1 else "denied")
            assert (request.decided_by_id, request.decided_at) == (event.actor_id, event.at)
    pending = [r for r in requests.values() if r.state == "pending"]
    assert len({r.kind for r in pending}) == len(pending)
    for request in pending:
        assert case.status in transitions_for(LEDGER[request.kind][1])[0].sources
    changes = {e.at for e in timeline if e.from_status != e.to_status}
    for request in requests.values():
        if request.state == "lapsed":
            assert request.decided_at in changes and request.decided_by_id is None


def _assert_timed_steps(case, end):
    """The timed steps the services' clock would have kept, and the SLA sweep's marks on them by `end`."""
    calendar, timeline, steps = get_calendar(), case.timeline, case.timed
    # A step starts at each change of state (but 挂账 pauses and 恢复 resumes the 处置 step), and ends
    # at the next one.
    changes = [
        e
        for e in timeline
        if e.from_status != e.to_status and e.action not in ("approve_suspension", "resume")
    ]
    expected = [
        (STEP_FOR_STATUS[e.to_status], e.at, nxt.at if nxt else None)
        for e, nxt in zip(changes, [*changes[1:], None], strict=True)
        if e.to_status in STEP_FOR_STATUS
    ]
    assert [(t.step, t.started_at, t.finished_at) for t in steps] == expected, case
    filed = max((e.at for e in timeline if e.action == "file"), default=None)
    overdue = {
        e.payload["timed_step"]: e for e in timeline if e.action == "supervise" and e.actor_role == SYSTEM
    }
    for timed in steps:
        if filed is None or timed.started_at >= filed:  # before 立案 the category or urgency may differ
            limit = resolve_limit(timed.step, case.category, case.urgency, case.variant)
            assert (timed.limit_amount, timed.limit_unit, timed.rule_text) == (
                limit.amount,
                limit.unit,
                limit.describe()[:300],
            )
        if not timed.extended_amount and not _was_paused(timed, timeline):
            assert timed.due_at == calendar.add(timed.started_at, timed.limit_amount, timed.limit_unit)
            assert timed.warn_at == calendar.add(
                timed.started_at, timed.limit_amount * Decimal("0.8"), timed.limit_unit
            )
        over = timed.finished_at or end
        if timed.finished_at and not _was_paused(timed, timeline):
            assert timed.on_time == (timed.finished_at <= timed.due_at)
        if timed.overdue_at is not None:
            assert timed.light == Light.RED and timed.overdue_at <= over
            event = overdue.pop(timed.pk)
            assert event.payload == {"automatic": True, "step": timed.step, "timed_step": timed.pk}
            assert timed.overdue_at <= event.at < timed.overdue_at + dt.timedelta(seconds=1)
        elif timed.paused_at is None and timed.next_check_at is not None:
            assert timed.next_check_at >= over  # the sweep is up to date
        if timed.finished_at is None:
            assert STEP_FOR_STATUS.get(case.status) == timed.step
    assert not overdue, f"{case}: a system 督办 without an overdue step"
    assert any(t.finished_at is None for t in steps) == (case.status in STEP_FOR_STATUS)


def _was_paused(timed, timeline) -> bool:
    return timed.step == "dispose" and any(
        e.action == "approve_suspension" and timed.started_at < e.at <= (timed.finished_at or e.at)
        for e in timeline
    )


def _assert_numbers(cases):
    numbers = [case.number for case in cases]
    assert len(set(numbers)) == len(numbers)
    for case in cases:
        prefix, day, seq = NUMBER.match(case.number).groups()
        assert prefix == case.grid.code[:6]
        assert day == f"{timezone.localtime(case.created_at):%Y%m%d}"
        counter = CaseNumberCounter.objects.get(prefix=prefix, day=dt.datetime.strptime(day, "%Y%m%d").date())
        assert int(seq) <= counter.last
    tickets = [(c.hotline_channel, c.hotline_ticket_no) for c in cases if c.hotline_channel]
    assert len(set(tickets)) == len(tickets)
