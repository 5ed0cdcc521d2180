"""The closed loop as data (docs/domain.md §3): the single source for services, the API's allowed actions,
the buttons on a page, the docs diagram and the tests.

Each `Transition` is one edge: an action taken from one of `sources` leads to `target` (None = the
state does not change). An action whose result depends on its outcome (verify true/false, check
pass/fail, a self-resolved report) has one edge per outcome.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from core.roles import Role
from dispatch.models import Step


class Status(StrEnum):
    REPORTED = "reported"
    VERIFYING = "verifying"
    PENDING_FILING = "pending_filing"
    PENDING_DISPATCH = "pending_dispatch"
    IN_PROGRESS = "in_progress"
    SUSPENDED = "suspended"
    PENDING_CHECK = "pending_check"
    PENDING_CLOSURE = "pending_closure"
    CLOSED = "closed"
    REJECTED = "rejected"
    VOIDED = "voided"


STATUS_LABELS = {
    Status.REPORTED: _("待受理"),
    Status.VERIFYING: _("待核实"),
    Status.PENDING_FILING: _("待立案"),
    Status.PENDING_DISPATCH: _("待派遣"),
    Status.IN_PROGRESS: _("处置中"),
    Status.SUSPENDED: _("挂账"),
    Status.PENDING_CHECK: _("待核查"),
    Status.PENDING_CLOSURE: _("待结案"),
    Status.CLOSED: _("已结案"),
    Status.REJECTED: _("不予受理/不予立案"),
    Status.VOIDED: _("已作废"),
}
STATUS_CHOICES = [(s.value, STATUS_LABELS[s]) for s in Status]

TERMINAL = frozenset({Status.CLOSED, Status.REJECTED, Status.VOIDED})
OPEN = frozenset(Status) - TERMINAL


class Action(StrEnum):
    REPORT = "report"
    ACCEPT = "accept"
    SEND_VERIFY = "send_verify"
    VERIFY = "verify"
    REJECT = "reject"
    FILE = "file"
    REFUSE_FILING = "refuse_filing"
    DISPATCH = "dispatch"
    REQUEST_RETURN = "request_return"
    APPROVE_RETURN = "approve_return"
    DENY_RETURN = "deny_return"
    REQUEST_EXTENSION = "request_extension"
    APPROVE_EXTENSION = "approve_extension"
    DENY_EXTENSION = "deny_extension"
    REQUEST_SUSPENSION = "request_suspension"
    APPROVE_SUSPENSION = "approve_suspension"
    DENY_SUSPENSION = "deny_suspension"
    RESUME = "resume"
    SUBMIT_FEEDBACK = "submit_feedback"
    CHECK = "check"
    CLOSE = "close"
    REQUEST_VOID = "request_void"
    APPROVE_VOID = "approve_void"
    DENY_VOID = "deny_void"
    REOPEN = "reopen"
    SUPERVISE = "supervise"
    CALLBACK = "callback"
    # The 12345 接诉即办 loop (docs/domain.md §13): 签收 and 退单, decided by the hotline centre.
    SIGN = "sign"
    REQUEST_HOTLINE_RETURN = "request_hotline_return"
    APPROVE_HOTLINE_RETURN = "approve_hotline_return"
    DENY_HOTLINE_RETURN = "deny_hotline_return"


ACTION_LABELS = {
    Action.REPORT: _("上报"),
    Action.ACCEPT: _("受理"),
    Action.SEND_VERIFY: _("派发核实"),
    Action.VERIFY: _("核实"),
    Action.REJECT: _("不予受理"),
    Action.FILE: _("立案"),
    Action.REFUSE_FILING: _("不予立案"),
    Action.DISPATCH: _("派遣"),
    Action.REQUEST_RETURN: _("申请回退"),
    Action.APPROVE_RETURN: _("批准回退"),
    Action.DENY_RETURN: _("驳回回退"),
    Action.REQUEST_EXTENSION: _("申请延期"),
    Action.APPROVE_EXTENSION: _("批准延期"),
    Action.DENY_EXTENSION: _("驳回延期"),
    Action.REQUEST_SUSPENSION: _("申请挂账"),
    Action.APPROVE_SUSPENSION: _("批准挂账"),
    Action.DENY_SUSPENSION: _("驳回挂账"),
    Action.RESUME: _("恢复处置"),
    Action.SUBMIT_FEEDBACK: _("处置反馈"),
    Action.CHECK: _("核查"),
    Action.CLOSE: _("结案"),
    Action.REQUEST_VOID: _("申请作废"),
    Action.APPROVE_VOID: _("批准作废"),
    Action.DENY_VOID: _("驳回作废"),
    Action.REOPEN: _("重新派遣（重办）"),
    Action.SUPERVISE: _("督办"),
    Action.CALLBACK: _("回访"),
    Action.SIGN: _("签收"),
    Action.REQUEST_HOTLINE_RETURN: _("申请退单"),
    Action.APPROVE_HOTLINE_RETURN: _("批准退单"),
    Action.DENY_HOTLINE_RETURN: _("驳回退单"),
}


class SideEvent(StrEnum):
    """Timeline entries that are not workflow actions: a street sub-centre's work on a case (docs/domain.md
    §13), written by its own app (streets/) through the builders in cases/events.py. They have no edge in
    the table below and change no state — except the moves of SIDE_MOVES."""

    SUB_DISPATCH = "sub_dispatch"
    SUB_REPORT = "sub_report"
    SUB_ACCEPT = "sub_accept"
    SUB_RETURN = "sub_return"
    ESCALATE = "escalate"
    ESCALATION_TAKEN = "escalation_taken"
    ESCALATION_RETURNED = "escalation_returned"
    ESCALATION_WITHDRAWN = "escalation_withdrawn"
    ASSIST = "assist"


SIDE_EVENT_LABELS = {
    SideEvent.SUB_DISPATCH: _("二级派遣"),
    SideEvent.SUB_REPORT: _("单位反馈"),
    SideEvent.SUB_ACCEPT: _("街道验收通过"),
    SideEvent.SUB_RETURN: _("街道退回单位"),
    SideEvent.ESCALATE: _("提级"),
    SideEvent.ESCALATION_TAKEN: _("区级受理提级"),
    SideEvent.ESCALATION_RETURNED: _("区级退回提级"),
    SideEvent.ESCALATION_WITHDRAWN: _("街道撤回提级"),
    SideEvent.ASSIST: _("协办记录"),
}
# The one side event that moves the case: when the district takes an escalated case over (区级受理提级)
# while the street is working on it, the street's 处置 ends and the case waits at the district's centre
# for a new 派遣 (待派遣), with no 主办 or 协办 department. From any other state (still at the centre,
# already being checked …) the district holds it already and the state stays. The street's 撤回 and the
# district's 退回 leave the case where it is: with the street, in its queue.
SIDE_MOVES: dict[SideEvent, tuple[frozenset[Status], Status]] = {
    SideEvent.ESCALATION_TAKEN: (frozenset({Status.IN_PROGRESS, Status.SUSPENDED}), Status.PENDING_DISPATCH),
}
# Who acts in a side event without a role of §1: a street's unit (社区/物业/作业单位) reporting back.
UNIT_ACTOR = "unit"
SIDE_ACTOR_LABELS = {UNIT_ACTOR: _("街道下属单位")}
# Every kind a CaseEvent may carry: the actions of the table and the side events.
EVENT_LABELS = {**ACTION_LABELS, **SIDE_EVENT_LABELS}


def event_label(kind: str) -> str:
    return str(EVENT_LABELS.get(kind, kind))


# Who is "the system": Open311 public reports and the SLA sweep act without a user.
SYSTEM = "system"
STAFF_ROLES = frozenset(
    {
        Role.INSPECTOR,
        Role.OPERATOR,
        Role.SHIFT_LEADER,
        Role.DISPATCHER,
        Role.DEPARTMENT,
        Role.HOTLINE,
        Role.SUPERVISOR,
    }
)


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[str | None]
    target: Status | None
    roles: frozenset[str]
    outcome: str = ""


def _t(action, sources, target, roles, outcome=""):
    return Transition(action, frozenset(sources), target, frozenset(roles), outcome)


_R = Role
_IP = {Status.IN_PROGRESS}
# A 12345 ticket may be signed for (签收) and sent back (退单) until it is being checked: afterwards the
# work is done and the answer is 办结.
_HOTLINE_OPEN = {
    Status.REPORTED,
    Status.VERIFYING,
    Status.PENDING_FILING,
    Status.PENDING_DISPATCH,
    Status.IN_PROGRESS,
}
_CENTRE_STAFF = {_R.OPERATOR, _R.SHIFT_LEADER, _R.DISPATCHER}

TRANSITIONS: tuple[Transition, ...] = (
    _t(
        Action.REPORT, {None}, Status.REPORTED, {_R.INSPECTOR, _R.HOTLINE, _R.OPERATOR, _R.SUPERVISOR, SYSTEM}
    ),
    # 自行处置: an inspector fixed it on the spot; it only needs closing.
    _t(Action.REPORT, {None}, Status.PENDING_CLOSURE, {_R.INSPECTOR}, "self_resolved"),
    _t(Action.ACCEPT, {Status.REPORTED}, Status.PENDING_FILING, {_R.OPERATOR}),
    _t(Action.SEND_VERIFY, {Status.REPORTED}, Status.VERIFYING, {_R.OPERATOR}),
    _t(Action.VERIFY, {Status.VERIFYING}, Status.PENDING_FILING, {_R.INSPECTOR}, "confirmed"),
    _t(Action.VERIFY, {Status.VERIFYING}, Status.REJECTED, {_R.INSPECTOR}, "not_confirmed"),
    _t(Action.REJECT, {Status.REPORTED}, Status.REJECTED, {_R.OPERATOR}),
    _t(Action.FILE, {Status.PENDING_FILING}, Status.PENDING_DISPATCH, {_R.SHIFT_LEADER}),
    _t(Action.REFUSE_FILING, {Status.PENDING_FILING}, Status.REJECTED, {_R.SHIFT_LEADER}),
    _t(Action.DISPATCH, {Status.PENDING_DISPATCH}, Status.IN_PROGRESS, {_R.DISPATCHER}),
    _t(Action.REQUEST_RETURN, _IP, None, {_R.DEPARTMENT}),
    _t(Action.APPROVE_RETURN, _IP, Status.PENDING_DISPATCH, {_R.DISPATCHER}),
    _t(Action.DENY_RETURN, _IP, None, {_R.DISPATCHER}),
    _t(Action.REQUEST_EXTENSION, _IP, None, {_R.DEPARTMENT}),
    # SYSTEM: the 12345 centre decides its own tickets' 延期 (cases/rules.py keeps each side to its cases).
    _t(Action.APPROVE_EXTENSION, _IP, None, {_R.DISPATCHER, SYSTEM}),
    _t(Action.DENY_EXTENSION, _IP, None, {_R.DISPATCHER, SYSTEM}),
    _t(Action.REQUEST_SUSPENSION, _IP, None, {_R.DEPARTMENT}),
    _t(Action.APPROVE_SUSPENSION, _IP, Status.SUSPENDED, {_R.DISPATCHER}),
    _t(Action.DENY_SUSPENSION, _IP, None, {_R.DISPATCHER}),
    _t(Action.RESUME, {Status.SUSPENDED}, Status.IN_PROGRESS, {_R.DISPATCHER}),
    _t(Action.SUBMIT_FEEDBACK, _IP, Status.PENDING_CHECK, {_R.DEPARTMENT}),
    _t(Action.CHECK, {Status.PENDING_CHECK}, Status.PENDING_CLOSURE, {_R.INSPECTOR}, "passed"),
    # 返工: the same department does it again on a new 处置 clock.
    _t(Action.CHECK, {Status.PENDING_CHECK}, Status.IN_PROGRESS, {_R.INSPECTOR}, "failed"),
    _t(Action.CLOSE, {Status.PENDING_CLOSURE}, Status.CLOSED, {_R.SHIFT_LEADER}),
    _t(Action.REQUEST_VOID, OPEN, None, STAFF_ROLES),
    _t(Action.APPROVE_VOID, OPEN, Status.VOIDED, {_R.SHIFT_LEADER}),
    _t(Action.DENY_VOID, OPEN, None, {_R.SHIFT_LEADER}),
    # SYSTEM: a 重办 order and a 回访 result of the 12345 centre (cases/intake/loop.py).
    _t(Action.REOPEN, {Status.CLOSED}, Status.PENDING_DISPATCH, {_R.SHIFT_LEADER, SYSTEM}),
    _t(Action.SUPERVISE, OPEN, None, {_R.SUPERVISOR, SYSTEM}),
    _t(Action.CALLBACK, {Status.CLOSED}, None, {_R.HOTLINE, SYSTEM}),
    _t(Action.SIGN, _HOTLINE_OPEN, None, _CENTRE_STAFF),
    _t(Action.REQUEST_HOTLINE_RETURN, _HOTLINE_OPEN, None, _CENTRE_STAFF | {_R.DEPARTMENT}),
    _t(Action.APPROVE_HOTLINE_RETURN, _HOTLINE_OPEN, Status.REJECTED, {SYSTEM}),
    _t(Action.DENY_HOTLINE_RETURN, _HOTLINE_OPEN, None, {SYSTEM}),
)

# Ledger actions (审批台账): a request, then its approval or denial by someone else.
LEDGER = {
    "return": (Action.REQUEST_RETURN, Action.APPROVE_RETURN, Action.DENY_RETURN),
    "extension": (Action.REQUEST_EXTENSION, Action.APPROVE_EXTENSION, Action.DENY_EXTENSION),
    "suspension": (Action.REQUEST_SUSPENSION, Action.APPROVE_SUSPENSION, Action.DENY_SUSPENSION),
    "void": (Action.REQUEST_VOID, Action.APPROVE_VOID, Action.DENY_VOID),
    "hotline_return": (
        Action.REQUEST_HOTLINE_RETURN,
        Action.APPROVE_HOTLINE_RETURN,
        Action.DENY_HOTLINE_RETURN,
    ),
}


def transitions_for(action: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.action == action]


def find(action: str, source: str | None, outcome: str = "") -> Transition | None:
    for t in TRANSITIONS:
        if t.action == action and source in t.sources and t.outcome == outcome:
            return t
    return None


def actions_from(source: str) -> list[Action]:
    """Actions that the table allows from `source` (before role, scope and pending-request checks)."""
    seen: dict[Action, None] = {}
    for t in TRANSITIONS:
        if source in t.sources:
            seen.setdefault(t.action, None)
    return list(seen)


def mermaid() -> str:
    """The state diagram in Mermaid syntax, generated from the table (docs and the admin show it)."""
    lines = ["stateDiagram-v2"]
    for t in TRANSITIONS:
        for source in sorted(t.sources, key=lambda s: s or ""):
            src = "[*]" if source is None else source
            dst = t.target or source or "[*]"
            label = t.action.value + (f" ({t.outcome})" if t.outcome else "")
            lines.append(f"    {src} --> {dst}: {label}")
    return "\n".join(lines)


# The timed step a case is in while in each state (docs/domain.md §6). 挂账 keeps the 处置 step, paused.
STEP_FOR_STATUS: dict[str, Step] = {
    Status.REPORTED: Step.ACCEPT,
    Status.VERIFYING: Step.VERIFY,
    Status.PENDING_FILING: Step.FILE,
    Status.PENDING_DISPATCH: Step.DISPATCH,
    Status.IN_PROGRESS: Step.DISPOSE,
    Status.SUSPENDED: Step.DISPOSE,
    Status.PENDING_CHECK: Step.CHECK,
    Status.PENDING_CLOSURE: Step.CLOSE,
}
