"""One builder per event kind: the payload a CaseEvent carries (docs/domain.md §3), built in one place.

The services, the SLA sweep (cases/sla.py) and the case generator (tooling/generator) all build their
payloads here, so the keys cannot drift apart; readers (the timeline, the clock, KPIs) read the
names below, and the few keys older events spelled differently are read through a reader here.

Builders do not convert what they are given: the generator passes rows that have no id yet (its
writer resolves them), the services pass ids and codes. Keep values JSON-serialisable otherwise.
"""

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

Payload = dict[str, Any]


def reported(*, source: str, self_resolved: bool, grid: str) -> Payload:
    """上报: the channel, whether the inspector fixed it on the spot, the grid's code."""
    return {"source": source, "self_resolved": self_resolved, "grid": grid}


def sent_to_verify(*, inspector: Any) -> Payload:
    """派发核实: the inspector (user id) who checks on site."""
    return {"inspector": inspector}


def verified(*, confirmed: bool) -> Payload:
    """核实: the problem is there (→ 待立案) or not (→ 不予受理)."""
    return {"confirmed": bool(confirmed)}


def rejected(*, reason: str, duplicate_of: Any = None) -> Payload:
    """不予受理: the reason; for a duplicate, the original's case number."""
    payload: Payload = {"reason": reason}
    if duplicate_of is not None:
        payload["duplicate_of"] = duplicate_of
    return payload


def filed(*, category: str, urgency: str, variant: str) -> Payload:
    """立案: the category code, urgency and 处置 variant the time limit is taken from."""
    return {"category": category, "urgency": urgency, "variant": variant}


def dispatched(
    *, department: str, co_departments: Sequence[str], suggested: str | None, suggestion_rule: str | None
) -> Payload:
    """派遣: the 主办 and 协办 department codes, and what the routing suggested (for the 派遣准确率)."""
    return {
        "department": department,
        "co_departments": list(co_departments),
        "suggested": suggested,
        "suggestion_rule": suggestion_rule,
    }


def requested(*, request: Any) -> Payload:
    """A ledger request (回退, 挂账, 作废): the CaseRequest."""
    return {"request": request}


def extension_requested(*, request: Any, hours: Any, reason_code: str = "") -> Payload:
    """延期 request: the CaseRequest and the working hours asked for (and, to the 12345 centre, its
    reason code)."""
    payload: Payload = {"request": request, "hours": str(hours)}
    if reason_code:
        payload["reason_code"] = reason_code
    return payload


def decided(*, request: Any) -> Payload:
    """A ledger decision (approved or denied): the CaseRequest decided."""
    return {"request": request}


def return_approved(*, request: Any, returned_by: str | None) -> Payload:
    """回退 approved: the department code that gave the case back (None if none was set)."""
    return {"request": request, "returned_by": returned_by}


def extension_approved(*, request: Any, hours: Any, message_id: str = "") -> Payload:
    """延期 approved: the working hours added to the 处置 limit (by the 12345 centre: its message id)."""
    payload: Payload = {"request": request, "hours": str(hours)}
    if message_id:
        payload["message_id"] = message_id
    return payload


def checked(*, passed: bool) -> Payload:
    """核查: passed (→ 待结案) or failed (返工)."""
    return {"passed": bool(passed)}


def supervised(*, automatic: bool, step: str | None = None, timed_step: Any = None) -> Payload:
    """督办: by a supervisor, or automatic from the SLA sweep naming the step that ran late."""
    payload: Payload = {"automatic": automatic}
    if step is not None:
        payload["step"] = str(step)
        payload["timed_step"] = timed_step
    return payload


def called_back(*, satisfaction: str, message_id: str = "") -> Payload:
    """回访: the caller's satisfaction (or unreachable); the 12345 centre's message id when it called."""
    payload: Payload = {"satisfaction": satisfaction}
    if message_id:
        payload["message_id"] = message_id
    return payload


def signed(*, ticket: str, on_time: bool) -> Payload:
    """签收 of a 12345 ticket: the ticket (channel-number) and whether it was within its limit."""
    return {"ticket": ticket, "on_time": bool(on_time)}


def hotline_return_requested(*, request: Any, reason_code: str) -> Payload:
    """退单 request to the 12345 centre: the CaseRequest and the centre's reason code."""
    return {"request": request, "reason_code": reason_code}


def centre_decided(*, request: Any, message_id: str, counted: bool | None = None) -> Payload:
    """A decision of the 12345 centre (延期, 退单): the CaseRequest and the centre's message id; for an
    approved 退单, whether it still counts against the district."""
    payload: Payload = {"request": request, "message_id": message_id}
    if counted is not None:
        payload["counted"] = bool(counted)
    return payload


def centre_ordered(*, message_id: str) -> Payload:
    """An order of the 12345 centre (重办): its message id."""
    return {"message_id": message_id}


def noted() -> Payload:
    """Actions whose event says everything in its action, states and note (受理, 结案, 重办 …)."""
    return {}


# ---------------------------------------------------------------- side events (docs/domain.md §13)
# Written by a street sub-centre's app (streets/) beside the case's own loop; they change no state.


def sub_dispatched(
    *, sub_dispatch: Any, unit: str, unit_kind: str, due_at: str, street_due_at: str
) -> Payload:
    """二级派遣: the SubDispatch, the unit's name and kind, its deadline and the street's, ISO 8601."""
    return {
        "sub_dispatch": sub_dispatch,
        "unit": unit,
        "unit_kind": unit_kind,
        "due_at": due_at,
        "street_due_at": street_due_at,
    }


def sub_reported(*, sub_dispatch: Any, unit: str, on_time: bool) -> Payload:
    """单位反馈: the SubDispatch, the unit, and whether it reported before its deadline."""
    return {"sub_dispatch": sub_dispatch, "unit": unit, "on_time": bool(on_time)}


def sub_decided(*, sub_dispatch: Any, unit: str) -> Payload:
    """The street accepts (验收) or returns (退回) the unit's report."""
    return {"sub_dispatch": sub_dispatch, "unit": unit}


def escalated(*, escalation: Any, street: str) -> Payload:
    """提级: the Escalation and the street (code) that raised it; the reason is the event's note."""
    return {"escalation": escalation, "street": street}


def escalation_taken(*, escalation: Any, street: str, recalled: int) -> Payload:
    """The district takes an escalated case over: the street's open 二级派遣 it recalled."""
    return {"escalation": escalation, "street": street, "recalled": int(recalled)}


def escalation_closed(*, escalation: Any, street: str) -> Payload:
    """A 提级 returned to the street by the district, or withdrawn by the street; the reason is the note."""
    return {"escalation": escalation, "street": street}


def assisted(*, department: str) -> Payload:
    """协办记录: the assisting department (code) that recorded its part; the part is the event's note."""
    return {"department": department}


def side_event_details(payload: Payload | None) -> list[str]:
    """What a side event's payload says on the timeline (its note is shown anyway)."""
    from django.utils.translation import gettext as _

    p = payload or {}
    out = []
    if p.get("unit"):
        out.append(_("单位：%s") % p["unit"])
    if p.get("due_at"):
        out.append(_("单位期限：%s") % str(p["due_at"])[:16].replace("T", " "))
    if "on_time" in p:
        out.append(_("按期反馈") if p["on_time"] else _("超期反馈"))
    if p.get("recalled"):
        out.append(_("收回二级派遣 %d 件") % p["recalled"])
    return out


# ---------------------------------------------------------------- readers


def extension_hours(payload: Payload | None) -> Decimal | None:
    """The working hours of a 延期 request or approval. Request events written before the keys were
    unified carry them as `extension_hours`; both are read."""
    payload = payload or {}
    value = payload.get("hours", payload.get("extension_hours"))
    return None if value in (None, "") else Decimal(str(value))
