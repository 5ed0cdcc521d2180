"""One case's history written the way the services (cases/services/) write it, without the database.

`Story` has one method per service, and each method changes the same fields, counters and
timestamps and records the same event (action, from/to status, actor, role, note, payload keys) as
its service does. Every step is looked up in the workflow table and the actor's role is picked by the
rules module, so an edge the table lacks, a role that may not take it, a department touching another
department's case or a ledger decision without a pending request fails loudly here, before anything
is written.

Keep this file in step with cases/services/ (the payloads come from the same builders, cases/events.py):
tests/tooling/test_generator.py compares the two.
"""

import datetime as dt

from cases import events, rules
from cases.models import RejectReason, Satisfaction
from cases.workflow import LEDGER, SYSTEM, TRANSITIONS, Action, transitions_for
from core.roles import Role
from tooling.generator.timed import Clockwork

_EDGES = {(t.action.value, source, t.outcome): t for t in TRANSITIONS for source in t.sources}
# A pending request lapses when the case enters a state from which it could no longer be approved.
_APPROVABLE_FROM = {kind: transitions_for(actions[1])[0].sources for kind, actions in LEDGER.items()}
LAPSE_NOTE = "案件状态已变化，申请自动失效"  # the services' wording
_TICK = dt.timedelta(seconds=1)
_MICROSECOND = dt.timedelta(microseconds=1)


class Cutoff(Exception):
    """The next step would happen after the end of the period: the case stays where it is."""


class IllegalStep(AssertionError):
    """The generator tried something the services would refuse: a bug in the generator."""


class Request:
    """A CaseRequest row (审批台账) before it has an id."""

    __slots__ = (
        "id", "kind", "state", "reason", "extension_hours", "requested_by_id", "requested_role",
        "requested_department_id", "requested_at", "decided_by_id", "decided_at", "decision_note", "reason_code",
    )  # fmt: skip

    def __init__(self, kind, reason, actor, role, department, at, hours=None):
        self.id = None
        self.kind, self.reason, self.extension_hours = kind, reason, hours
        self.state = "pending"
        self.requested_by_id, self.requested_role, self.requested_department_id = actor, role, department
        self.requested_at = at
        self.decided_by_id = self.decided_at = None
        self.decision_note = ""
        self.reason_code = ""  # only a 12345 退单 or a coded 延期 has one; the generator writes neither


class CaseRef:
    """What outlives a written batch: the id and number a later duplicate links to."""

    __slots__ = ("id", "number")

    def __init__(self):
        self.id = self.number = None


class Story:
    """A case being played forward in time. `t` is when the next step happens; `end` is the present."""

    __slots__ = (
        "world",
        "grid",
        "case",
        "ref",
        "events",
        "requests",
        "co",
        "status",
        "t",
        "end",
        "pending",
        "original",
        "repeats",
        "last",
        "clockwork",
        "truth",
    )

    def __init__(self, world, grid, case: dict, at: dt.datetime, end: dt.datetime):
        self.world, self.grid, self.case = world, grid, case
        self.ref = CaseRef()
        self.events: list[tuple] = []
        self.requests: list[Request] = []
        self.co: list[int] = []
        self.status: str | None = None
        self.pending: dict[str, Request] = {}
        self.original: CaseRef | None = None  # the case this one was rejected as a duplicate of
        self.repeats: CaseRef | None = None  # the earlier case this report repeats (for the operator to spot)
        self.t, self.end, self.last = at, end, None
        self.clockwork = Clockwork(world.limits, world.zone)
        self.truth = None  # the category the description describes, when the reporter chose another

    # ------------------------------------------------------------------ the machinery

    def _begin(self, action: Action, actor: int | None, outcome: str = ""):
        if self.t > self.end:
            raise Cutoff
        self.sweep(self.t)  # the sweep ran while the case waited for this step
        at = max(self.t, self.last + _TICK)  # services write one event at a time, never two at one instant
        if at > self.end:
            raise Cutoff
        transition = _EDGES.get((action.value, self.status, outcome))
        if transition is None:
            raise IllegalStep(f"{action} ({outcome or '-'}) from {self.status} is not in the workflow table")
        role = self.world.role_for(actor, transition)
        if role is None:
            raise IllegalStep(f"user {actor} may not {action}")
        self._check_scope(action, actor, role)
        for kind, (request_action, approve_action, deny_action) in LEDGER.items():
            if action == request_action and kind in self.pending:
                raise IllegalStep(f"a {kind} request is already pending")
            if action in (approve_action, deny_action) and kind not in self.pending:
                raise IllegalStep(f"no pending {kind} request to decide")
        return transition, role, at

    def _check_scope(self, action: Action, actor: int | None, role: str) -> None:
        case = self.case
        if role == Role.DEPARTMENT and actor not in self.world.department_staff.get(
            case["department_id"], ()
        ):
            raise IllegalStep(f"user {actor} is not staff of department {case['department_id']}")
        if role == Role.INSPECTOR and action in (Action.VERIFY, Action.CHECK):
            if actor not in self.grid.inspectors:
                raise IllegalStep(f"user {actor} is not an inspector of grid {self.grid.code}")
            if action == Action.VERIFY and case["verify_inspector_id"] not in (None, actor):
                raise IllegalStep("the 核实 task belongs to another inspector")

    def _commit(
        self, transition, action: Action, actor, role, at, note="", payload=None, changed=False
    ) -> dt.datetime:
        source = self.status
        if transition.target is not None and transition.target != source:
            self.status = transition.target.value
        if self.status != source or changed:
            self.case["updated_at"] = at  # services save the row (auto_now) only when something changed
        self.case["status"] = self.status
        if action == Action.REPORT:
            self.events.append((action.value, "", self.status, actor, role, at, note, payload))
            self.clockwork.start_step(self.case, at)
        else:
            hours = events.extension_hours(payload)
            self.clockwork.on_change(self.case, action, source, at, hours)
            self.events.append((action.value, source, self.status, actor, role, at, note, payload or {}))
        if self.status != source:
            for kind, request in list(self.pending.items()):
                if self.status not in _APPROVABLE_FROM[kind]:
                    request.state, request.decided_at, request.decision_note = "lapsed", at, LAPSE_NOTE
                    del self.pending[kind]
        self.last = at
        return at

    def finish(self) -> None:
        """The sweep up to the present, for a case still waiting in a timed step."""
        self.sweep(self.end)

    def sweep(self, until: dt.datetime) -> None:
        """What the SLA sweep did before `until`: lights, and a system 督办 for each step that ran late."""
        for timed in self.clockwork.sweep(until):
            at = max(timed.overdue_at, self.last + _MICROSECOND)  # never two events at one instant
            if (Action.SUPERVISE.value, self.status, "") not in _EDGES:
                raise IllegalStep(f"the sweep cannot supervise a {self.status} case")
            self.case["supervise_count"] += 1  # an UPDATE of the counter alone: updated_at stays
            payload = events.supervised(automatic=True, step=timed.step, timed_step=timed)
            self.events.append(
                (
                    Action.SUPERVISE.value,
                    self.status,
                    self.status,
                    None,
                    SYSTEM,
                    at,
                    Clockwork.overdue_note(timed),
                    payload,
                )
            )
            self.last = at

    def _step(
        self, action: Action, actor, *, outcome="", note="", payload=None, changed=False
    ) -> dt.datetime:
        transition, role, at = self._begin(action, actor, outcome)
        return self._commit(transition, action, actor, role, at, note, payload, changed)

    # ------------------------------------------------------------------ one method per service

    def report(self, actor: int | None, *, self_resolved: bool, note: str = "") -> None:
        at = self.t
        transition = _EDGES[(Action.REPORT.value, None, "self_resolved" if self_resolved else "")]
        role = self.world.role_for(actor, transition)
        if role is None:
            raise IllegalStep(f"user {actor} may not report")
        case = self.case
        if rules.source_for(role, case["source"]) != case["source"]:  # raises for a source the role lacks
            raise IllegalStep(f"{role} may not report as {case['source']}")
        if self_resolved and actor not in self.grid.inspectors:  # rules.self_resolve_scope_error
            raise IllegalStep(f"user {actor} may not self-resolve outside their grids")
        case.update(created_at=at, reporter_id=actor, self_resolved=self_resolved)
        payload = events.reported(source=case["source"], self_resolved=self_resolved, grid=self.grid.code)
        self._commit(transition, Action.REPORT, actor, role, at, note, payload, changed=True)

    def accept(self, actor: int, note: str = "") -> None:
        self._step(Action.ACCEPT, actor, note=note)

    def send_verify(self, actor: int, inspector: int, note: str = "") -> None:
        transition, role, at = self._begin(Action.SEND_VERIFY, actor)
        self.case["verify_inspector_id"] = inspector
        payload = events.sent_to_verify(inspector=inspector)
        self._commit(transition, Action.SEND_VERIFY, actor, role, at, note, payload)

    def verify(self, actor: int, confirmed: bool, note: str = "") -> None:
        transition, role, at = self._begin(
            Action.VERIFY, actor, "confirmed" if confirmed else "not_confirmed"
        )
        if not confirmed:
            self.case["reject_reason"] = RejectReason.NOT_A_PROBLEM.value
        self._commit(transition, Action.VERIFY, actor, role, at, note, events.verified(confirmed=confirmed))

    def reject(self, actor: int, reason: str, original: CaseRef | None = None, note: str = "") -> None:
        transition, role, at = self._begin(Action.REJECT, actor)
        duplicate_of = None
        if reason == RejectReason.DUPLICATE:
            self.original = original  # the writer turns it into the FK and the number
            duplicate_of = original
        payload = events.rejected(reason=reason, duplicate_of=duplicate_of)
        self.case["reject_reason"] = reason
        self._commit(transition, Action.REJECT, actor, role, at, note, payload)

    def file(self, actor: int, *, category=None, variant: str | None = None, note: str = "") -> None:
        transition, role, at = self._begin(Action.FILE, actor)
        case = self.case
        if category is not None:
            case.update(
                category_id=category.id,
                category_code=category.code,
                category_name=category.name,
                category_kind=category.kind,
                major_code=category.major_code,
            )
        if variant is not None:
            case["variant"] = variant
        case["filed_at"] = at
        payload = events.filed(
            category=case["category_code"], urgency=case["urgency"], variant=case["variant"]
        )
        self._commit(transition, Action.FILE, actor, role, at, note, payload, changed=True)

    def refuse_filing(self, actor: int, reason: str) -> None:
        transition, role, at = self._begin(Action.REFUSE_FILING, actor)
        self.case["reject_reason"] = RejectReason.OUT_OF_SCOPE.value
        self._commit(transition, Action.REFUSE_FILING, actor, role, at, reason)

    def dispatch(self, actor: int, department: tuple, co: list[tuple], suggestion, note: str = "") -> None:
        """`department` and each of `co` are (id, code); `suggestion` is (id, code, reason) or None."""
        transition, role, at = self._begin(Action.DISPATCH, actor)
        self.case.update(department_id=department[0], dispatched_at=at)
        self.co = [pk for pk, _code in co]
        payload = events.dispatched(
            department=department[1],
            co_departments=[code for _pk, code in co],
            suggested=suggestion[1] if suggestion else None,
            suggestion_rule=suggestion[2] if suggestion else None,
        )
        self._commit(transition, Action.DISPATCH, actor, role, at, note, payload, changed=True)

    def request(self, kind: str, actor: int, reason: str, hours: str | None = None) -> None:
        action = LEDGER[kind][0]
        transition, role, at = self._begin(action, actor)
        department = self.case["department_id"] if role == Role.DEPARTMENT else None
        request = Request(kind, reason, actor, role, department, at, hours)
        self.requests.append(request)
        self.pending[kind] = request
        if hours is None:
            payload = events.requested(request=request)
        else:
            payload = events.extension_requested(request=request, hours=hours)
        self._commit(transition, action, actor, role, at, reason, payload)

    def decide(self, kind: str, actor: int, approve: bool, note: str = "") -> None:
        _request, approve_action, deny_action = LEDGER[kind]
        action = approve_action if approve else deny_action
        transition, role, at = self._begin(action, actor)
        request = self.pending.pop(kind)
        if request.requested_by_id == actor:
            raise IllegalStep("nobody approves their own request")
        request.state = "approved" if approve else "denied"
        request.decided_by_id, request.decided_at, request.decision_note = actor, at, note
        payload = events.decided(request=request)
        changed = False
        if approve and kind == "return":
            department = self.case["department_id"]
            returned_by = self.world.departments[department].code if department else None
            payload = events.return_approved(request=request, returned_by=returned_by)
            self.case["department_id"] = None
            self.case["return_count"] += 1
            self.co = []
            changed = True
        elif approve and kind == "extension":
            self.case["extension_count"] += 1
            payload = events.extension_approved(request=request, hours=request.extension_hours)
            changed = True
        self._commit(transition, action, actor, role, at, note, payload, changed)

    def resume(self, actor: int, note: str = "") -> None:
        self._step(Action.RESUME, actor, note=note)

    def submit_feedback(self, actor: int, result: str) -> None:
        self._step(Action.SUBMIT_FEEDBACK, actor, note=result)

    def check(self, actor: int, passed: bool, note: str = "") -> None:
        transition, role, at = self._begin(Action.CHECK, actor, "passed" if passed else "failed")
        if not passed:
            self.case["rework_count"] += 1
        self._commit(transition, Action.CHECK, actor, role, at, note, events.checked(passed=passed))

    def close(self, actor: int, note: str = "") -> None:
        transition, role, at = self._begin(Action.CLOSE, actor)
        self.case["closed_at"] = at
        self._commit(transition, Action.CLOSE, actor, role, at, note, changed=True)

    def reopen(self, actor: int, reason: str) -> None:
        transition, role, at = self._begin(Action.REOPEN, actor)
        self.case.update(reopen_count=self.case["reopen_count"] + 1, closed_at=None, department_id=None)
        self.co = []
        self._commit(transition, Action.REOPEN, actor, role, at, reason, changed=True)

    def supervise(self, actor: int | None, note: str, automatic: bool = False) -> None:
        transition, role, at = self._begin(Action.SUPERVISE, actor)
        self.case["supervise_count"] += 1
        self._commit(
            transition,
            Action.SUPERVISE,
            actor,
            role,
            at,
            note,
            events.supervised(automatic=automatic),
            changed=True,
        )

    def callback(self, actor: int, satisfaction: str, note: str = "") -> None:
        transition, role, at = self._begin(Action.CALLBACK, actor)
        reached = satisfaction != Satisfaction.UNREACHABLE
        if reached:
            self.case["satisfaction"] = satisfaction
        self._commit(
            transition,
            Action.CALLBACK,
            actor,
            role,
            at,
            note,
            events.called_back(satisfaction=satisfaction),
            reached,
        )
