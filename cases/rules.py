"""Who may take which action on which case: the workflow table plus role and scope (docs/domain.md §1, §3).

`check` is what services call under the row lock; `allowed_actions` asks the same questions without
raising, so the API's list and the page's buttons can never disagree with what a service accepts.
"""

from django.conf import settings
from django.core.signals import request_started
from django.utils.translation import gettext as _

from cases.errors import ActionForbidden, ActionRefused, InvalidInput
from cases.workflow import (
    ACTION_LABELS,
    LEDGER,
    STATUS_LABELS,
    SYSTEM,
    TRANSITIONS,
    Action,
    Status,
    Transition,
    actions_from,
    find,
)
from core.roles import DISTRICT_WIDE_ROLES, Role

# Reporting: the channels (cases/channels.py) each role may report as; the first is its default. A
# channel added in the admin is open to the operators (and the hotline agents when it has a hotline
# number) without a code change; inspectors and leaders report as themselves.
_FIXED_SOURCES_BY_ROLE = {
    Role.INSPECTOR: ("inspector",),
    Role.SUPERVISOR: ("leader",),
}


def sources_for_role(role: str) -> tuple[str, ...]:
    from cases import channels

    if role in _FIXED_SOURCES_BY_ROLE:
        return _FIXED_SOURCES_BY_ROLE[role]
    table = channels.registry()
    usable = [code for code, info in table.items() if info.is_active and code != "inspector"]
    if role == Role.HOTLINE:
        return tuple(code for code in usable if table[code].is_hotline)
    if role == Role.OPERATOR:
        return tuple(sorted(usable, key=lambda code: code != "leader"))  # 领导交办 first, as before
    if role == SYSTEM:
        # Machines: Open311 (公众上报) by default, video, and any channel an API client is linked to.
        return tuple(sorted(usable, key=lambda code: (code != "public", code != "video")))
    return ()


_ROLE_ORDER = [r.value for r in Role]


def actor_roles(actor) -> set[str]:
    if actor is None or actor == SYSTEM:
        return {SYSTEM}
    if not actor.is_active:
        return set()
    return set(actor.roles)


def _pick_role(actor, transition: Transition) -> str | None:
    held = actor_roles(actor) & transition.roles
    if not held:
        return None
    # Deterministic when a user holds several roles that may act: the order of docs/domain.md §1.
    return min(held, key=lambda r: _ROLE_ORDER.index(r) if r in _ROLE_ORDER else len(_ROLE_ORDER))


def reporting_role(actor, self_resolved: bool) -> str:
    transition = find(Action.REPORT, None, "self_resolved" if self_resolved else "")
    role = _pick_role(actor, transition)
    if role is None:
        what = _("自行处置上报只能由监督员提交") if self_resolved else _("您的角色不能上报案件")
        raise ActionForbidden(what)
    return role


def self_resolve_scope_error(actor, role: str, grid) -> str | None:
    """自行处置 is the inspector's own 核查 of their own fix: like 核实 and 核查 (scope_error), only in the
    grids they are responsible for (docs/domain.md §1). Why not, or None."""
    if role == Role.INSPECTOR and not actor.grids.filter(pk=grid.pk).exists():
        return _("自行处置只能在您负责的网格内上报：网格 %(grid)s 不是您负责的网格") % {"grid": grid.code}
    return None


def district_error(actor, district_id) -> str | None:
    """Why a district-wide `actor` may not work in `district_id`, or None (docs/domain.md §13)."""
    own = getattr(actor, "district_id", None)
    if own is None or own == district_id:
        return None
    return _("该案件不属于您所在的区")


def source_for(role: str, requested: str | None) -> str:
    from cases import channels

    allowed = sources_for_role(role)
    if not requested:
        if not allowed:
            raise ActionForbidden(_("没有该角色可用的来源渠道"))
        return allowed[0]
    if channels.active(requested) is None:
        raise InvalidInput(channels.unknown_channel_message(requested), field="source")
    if requested not in allowed:
        names = "、".join(channels.label(s) for s in allowed)
        raise ActionForbidden(_("该角色只能以以下来源上报：%(sources)s") % {"sources": names})
    return requested


def scope_error(case, actor, role: str, action: str, in_grid: bool | None = None) -> str | None:
    """Why `actor` acting as `role` may not touch this case, or None. Centre roles are district-wide:
    in their own district only when their user names one (docs/domain.md §13).
    `in_grid`: whether the case's grid is the actor's, when the caller already knows (allowed_actions)."""
    if role in DISTRICT_WIDE_ROLES and (error := district_error(actor, case.district_id)):
        return error
    if role == Role.DEPARTMENT:
        if actor.department_id is None or case.department_id != actor.department_id:
            return _("该案件不属于您所在部门")
    elif role == Role.INSPECTOR and action in (Action.VERIFY, Action.CHECK, Action.REQUEST_VOID):
        if in_grid is None:
            in_grid = actor.grids.filter(pk=case.grid_id).exists()
        if action == Action.REQUEST_VOID and (in_grid or case.reporter_id == actor.pk):
            return None
        if not in_grid:
            return _("案件所在网格 %(grid)s 不是您负责的网格") % {"grid": case.grid.code}
        if action == Action.VERIFY and case.verify_inspector_id not in (None, actor.pk):
            return _("该核实任务已派给其他监督员")
    return None


def _pending_request(case, kind: str):
    """The case's pending request of this kind: from the prefetched requests when the case was loaded
    for display (case_detail), else from the database (a service's locked row)."""
    from cases.models import CaseRequest

    prefetched = getattr(case, "_prefetched_objects_cache", {}).get("requests")
    if prefetched is not None:
        return next((r for r in prefetched if r.kind == kind and r.state == CaseRequest.State.PENDING), None)
    return case.requests.filter(kind=kind, state=CaseRequest.State.PENDING).first()


def _ledger_error(case, action: str, actor) -> ActionRefused | ActionForbidden | None:
    from cases.models import CaseRequest

    for kind, (request_action, approve_action, deny_action) in LEDGER.items():
        if action not in (request_action, approve_action, deny_action):
            continue
        label = CaseRequest.Kind(kind).label
        pending = _pending_request(case, kind)
        if action == request_action and pending:
            return ActionRefused(_("该案件已有待审批的%(kind)s申请") % {"kind": label})
        if action != request_action:
            if pending is None:
                return ActionRefused(_("该案件没有待审批的%(kind)s申请") % {"kind": label})
            if pending.requested_by_id == getattr(actor, "pk", None):
                return ActionForbidden(_("不能审批自己提出的申请"))
    return None


def loop_ticket(case):
    """The 12345 ticket of a case in the 接诉即办 loop (docs/domain.md §13), or None: a machine ticket
    of a loop channel. Agent-logged hotline cases have no centre on the other side. Cached on the case."""
    if not case.hotline_channel or case.hotline_channel not in settings.HOTLINE_LOOP_CHANNELS:
        return None
    if not hasattr(case, "_loop_ticket"):
        from cases.models import HotlineTicket

        case._loop_ticket = HotlineTicket.objects.filter(case_id=case.pk).first()
    return case._loop_ticket


# Decided by the 12345 centre for its tickets, by the dispatcher for every other case.
_CENTRE_DECIDES = {Action.APPROVE_EXTENSION, Action.DENY_EXTENSION}
# Only for the centre's tickets; by the centre (SYSTEM) only where the table says so.
_LOOP_ONLY = {
    Action.SIGN,
    Action.REQUEST_HOTLINE_RETURN,
    Action.APPROVE_HOTLINE_RETURN,
    Action.DENY_HOTLINE_RETURN,
}
# Ways a case ends unfixed that, for a 12345 ticket, only the centre may grant (退单).
_LOCAL_RETURNS = {Action.REFUSE_FILING, Action.REQUEST_VOID, Action.APPROVE_VOID}


def _loop_error(case, action: str, role: str, outcome: str) -> ActionRefused | None:
    ticket = loop_ticket(case)
    if ticket is None:
        if action in _LOOP_ONLY or (
            role == SYSTEM and action in _CENTRE_DECIDES | {Action.REOPEN, Action.CALLBACK}
        ):
            return ActionRefused(_("只有 12345 工单案件才有此环节"))
        return None
    if action == Action.SIGN and ticket.signed_at is not None:
        return ActionRefused(_("该工单已签收"))
    if action in _CENTRE_DECIDES and role != SYSTEM:
        return ActionRefused(_("12345 工单的延期须由 12345 热线中心审批"))
    if action in _LOCAL_RETURNS or (action == Action.VERIFY and outcome == "not_confirmed"):
        return ActionRefused(_("12345 工单不能自行退回或作废：请向 12345 热线中心申请退单"))
    return None


def _precondition_error(case, action: str, role: str = "", outcome: str = "") -> ActionRefused | None:
    """Rules of an action beyond its edge in the table."""
    from cases import channels

    # The channel's trust level (its row, docs/domain.md §2): 须核实 channels go to an inspector first.
    if action == Action.ACCEPT and channels.needs_verification(case.source):
        return ActionRefused(
            _("「%(channel)s」来源的案件须先派发监督员核实，不能直接受理")
            % {"channel": channels.label(case.source)}
        )
    return _loop_error(case, action, role, outcome)


def check(
    case, action: str, actor, outcome: str = "", *, in_grid: bool | None = None
) -> tuple[Transition, str]:
    """The edge and the role the actor takes it in; raises ActionRefused / ActionForbidden otherwise."""
    transition = find(action, case.status, outcome)
    if transition is None:
        raise ActionRefused(
            _("案件 %(number)s 当前状态为「%(status)s」，不能执行「%(action)s」")
            % {
                "number": case.number,
                "status": STATUS_LABELS[Status(case.status)],
                "action": ACTION_LABELS[Action(action)],
            }
        )
    role = _pick_role(actor, transition)
    if role is None:
        raise ActionForbidden(_("您的角色不能执行「%(action)s」") % {"action": ACTION_LABELS[Action(action)]})
    if role != SYSTEM and (problem := scope_error(case, actor, role, action, in_grid)):
        raise ActionForbidden(problem)
    if error := _precondition_error(case, action, role, outcome) or _ledger_error(case, action, actor):
        raise error
    return transition, role


def allowed_actions(case, actor) -> list[str]:
    """Actions `actor` may take on `case` now, in table order.

    The table, role, scope and precondition part depends only on (status, roles, scope facts); it is
    worked out once per such key and kept on the actor object for the current request (a list of
    cases, a page and its API calls ask again and again). The actor's grids are read once too. Only
    the ledger (pending requests, prefetched on display) is checked per case."""
    memo = _memo(actor)
    key = _scope_key(case, actor, memo)
    candidates = memo["actions"].get(key)
    if candidates is None:
        candidates = memo["actions"][key] = _candidates(case, actor, in_grid=key[2])
    return [action for action in candidates if _ledger_error(case, action, actor) is None]


# The memo lives one request: a user object can outlive it (a test client's force_authenticate, a
# long-lived actor), and grids or departments may change between requests. Every request started
# moves the generation on, and a memo of an older generation is dropped.
_generation = [0]


def _next_generation(**kwargs) -> None:
    _generation[0] += 1


request_started.connect(_next_generation, dispatch_uid="cases.rules.allowed_actions_memo")


def _memo(actor) -> dict:
    if actor is None or actor == SYSTEM or not hasattr(actor, "__dict__"):
        return {"actions": {}}  # the system actor: nothing to keep between calls
    memo = actor.__dict__.get("_allowed_actions_memo")
    if memo is None or memo["generation"] != _generation[0]:
        memo = actor.__dict__["_allowed_actions_memo"] = {"actions": {}, "generation": _generation[0]}
    return memo


def _scope_key(case, actor, memo: dict) -> tuple:
    from cases import channels

    roles = frozenset(actor_roles(actor))
    in_grid = None
    if Role.INSPECTOR in roles:
        if "grid_ids" not in memo:
            memo["grid_ids"] = frozenset(actor.grids.values_list("pk", flat=True))
        in_grid = case.grid_id in memo["grid_ids"]
    pk = getattr(actor, "pk", None)
    return (
        case.status,
        roles,
        in_grid,
        getattr(actor, "department_id", None) is not None and case.department_id == actor.department_id,
        case.verify_inspector_id in (None, pk),
        case.reporter_id == pk and pk is not None,
        channels.needs_verification(case.source),
        _loop_key(case),
        district_error(actor, case.district_id) is None,
    )


def _loop_key(case) -> tuple[bool, bool]:
    """What _loop_error reads: whether the case is a 12345 loop ticket, and whether it is signed for."""
    ticket = loop_ticket(case)
    return ticket is not None, ticket is not None and ticket.signed_at is not None


def _candidates(case, actor, *, in_grid: bool | None) -> tuple[str, ...]:
    """The actions passing table, role, scope and preconditions (everything but the ledger)."""
    allowed = []
    for action in actions_from(case.status):
        if action == Action.REPORT:
            continue
        outcome = next(t.outcome for t in TRANSITIONS if t.action == action and case.status in t.sources)
        transition = find(action, case.status, outcome)
        role = _pick_role(actor, transition) if transition else None
        if role is None:
            continue
        if role != SYSTEM and scope_error(case, actor, role, action, in_grid):
            continue
        if _precondition_error(case, action):
            continue
        allowed.append(action.value)
    return tuple(allowed)
