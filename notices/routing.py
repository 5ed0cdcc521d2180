"""Who hears of which work (issue #23 point 2), from the case events: one `Arrival` per recipient.

- 派遣 (dispatch, or a 回退 approved back to it): the department the case went to, as a whole;
- a 回退/延期/挂账 request: the dispatchers, who decide it; a 作废 request: the shift leaders;
- 派发核实: the inspector it was sent to (else the grid's inspectors) — a 核实 task in my grid;
- 处置反馈 submitted: the grid's inspectors, for the 核查;
- 督办: the department of the case (not the SLA sweep's overdue 督办, which cases/notifications.py
  announces itself).
(docs/domain.md §1 roles, §3 the loop.)
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model

from cases.workflow import Action
from core.roles import Role
from notices.models import Notice

K = Notice.Kind
REQUEST_DECIDER = {
    Action.REQUEST_RETURN: Role.DISPATCHER,
    Action.REQUEST_EXTENSION: Role.DISPATCHER,
    Action.REQUEST_SUSPENSION: Role.DISPATCHER,
    Action.REQUEST_VOID: Role.SHIFT_LEADER,
}


@dataclass(frozen=True)
class Arrival:
    kind: str
    title: str
    user_id: int | None = None
    department_id: int | None = None


def _users():
    return get_user_model().objects.filter(is_active=True)


def arrivals(event) -> list[Arrival]:
    case = event.case
    what = f"{case.number} {case.category_name}"
    action = event.action
    if action == Action.DISPATCH and case.department_id:
        return [Arrival(K.DISPATCHED, f"【派遣】{what}", department_id=case.department_id)]
    if action == Action.SUPERVISE and case.department_id and not (event.payload or {}).get("timed_step"):
        # (The SLA sweep's own 超期督办 already notifies the department: cases/notifications.py.)
        return [Arrival(K.SUPERVISED, f"【督办】{what}", department_id=case.department_id)]
    if action in REQUEST_DECIDER:
        title = f"【待审批】{event.get_action_display()} {what}"
        users = _users().filter(groups__name=REQUEST_DECIDER[action])
        return [Arrival(K.REQUEST, title, user_id=pk) for pk in users.values_list("pk", flat=True).distinct()]
    if action == Action.SEND_VERIFY:
        if case.verify_inspector_id:
            ids = [case.verify_inspector_id]
        else:
            ids = (
                _users().filter(groups__name=Role.INSPECTOR, grids=case.grid_id).values_list("pk", flat=True)
            )
        return [Arrival(K.VERIFY, f"【核实】{what}", user_id=pk) for pk in set(ids)]
    if action == Action.SUBMIT_FEEDBACK:
        ids = _users().filter(groups__name=Role.INSPECTOR, grids=case.grid_id).values_list("pk", flat=True)
        return [Arrival(K.CHECK, f"【核查】{what}", user_id=pk) for pk in set(ids)]
    return []


def inbox_users(arrival: Arrival) -> list[int]:
    """The people whose inbox gets the notice: the user, or the department's staff."""
    if arrival.user_id:
        return [arrival.user_id]
    users = _users().filter(groups__name=Role.DEPARTMENT, department_id=arrival.department_id)
    return sorted(set(users.values_list("pk", flat=True)))
