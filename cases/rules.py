"""Who may take which action on which case: the workflow table plus role and scope (docs/domain.md §1, §3).

`check` is what services call under the row lock; `allowed_actions` asks the same questions without
raising, so the API's list and the page's buttons can never disagree with what a service accepts.
"""

from django.utils.translation import gettext as _

from cases.errors import ActionForbidden, ActionRefused
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

# Reporting: the source each role reports as, and the sources it may choose from.
_SOURCES_BY_ROLE = {
    Role.INSPECTOR: ("inspector",),
    Role.HOTLINE: ("hotline_12345", "hotline_8890"),
    Role.OPERATOR: ("leader", "video", "media", "public", "hotline_12345", "hotline_8890"),
    Role.SUPERVISOR: ("leader",),
    SYSTEM: ("public", "video"),
}
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
    allowed = _SOURCES_BY_ROLE.get(role, ())
    if not requested:
        return allowed[0]
    if requested not in allowed:
        from cases.models import Source

        names = "、".join(str(Source(s).label) for s in allowed)
        raise ActionForbidden(_("该角色只能以以下来源上报：%(sources)s") % {"sources": names})
    return requested


def scope_error(case, actor, role: str, action: str) -> str | None:
    """Why `actor` acting as `role` may not touch this case, or None. Centre roles are district-wide:
    in their own district only when their user names one (docs/domain.md §13)."""
    if role in DISTRICT_WIDE_ROLES and (error := district_error(actor, case.district_id)):
        return error
    if role == Role.DEPARTMENT:
        if actor.department_id is None or case.department_id != actor.department_id:
            return _("该案件不属于您所在部门")
    elif role == Role.INSPECTOR and action in (Action.VERIFY, Action.CHECK, Action.REQUEST_VOID):
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


def _precondition_error(case, action: str) -> ActionRefused | None:
    """Rules of an action beyond its edge in the table."""
    from cases.models import TRUSTED_SOURCES

    if action == Action.ACCEPT and case.source not in TRUSTED_SOURCES:
        return ActionRefused(_("公众和热线来源的案件须先派发监督员核实，不能直接受理"))
    return None


def check(case, action: str, actor, outcome: str = "") -> tuple[Transition, str]:
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
    if role != SYSTEM and (problem := scope_error(case, actor, role, action)):
        raise ActionForbidden(problem)
    if error := _precondition_error(case, action) or _ledger_error(case, action, actor):
        raise error
    return transition, role


def allowed_actions(case, actor) -> list[str]:
    """Actions `actor` may take on `case` now, in table order."""
    allowed = []
    for action in actions_from(case.status):
        if action == Action.REPORT:
            continue
        outcome = next(t.outcome for t in TRANSITIONS if t.action == action and case.status in t.sources)
        try:
            check(case, action, actor, outcome)
        except (ActionRefused, ActionForbidden):
            continue
        allowed.append(action.value)
    return allowed
