"""The 12345 接诉即办 loop on the case (docs/domain.md §13): 签收, and 退单 asked of the centre and
decided by it. The centre's messages come in through cases/intake/loop.py, which calls these and the
ledger's 延期 decisions as the system."""

from django.utils.translation import gettext as _

from cases import events
from cases.errors import InvalidInput
from cases.models import REJECT_REASON_FOR_RETURN, Case, HotlineReturnReason
from cases.rules import loop_ticket
from cases.services._base import _transition
from cases.services.ledger import _decide, _request
from cases.workflow import Action


def case_sign(*, case, actor, note: str = "") -> Case:
    """签收: the district takes the 12345 ticket on; answered to the centre (the outbox)."""
    with _transition(case, Action.SIGN, actor) as step:
        ticket = loop_ticket(step.case)
        on_time = ticket.sign_due_at is None or step.now <= ticket.sign_due_at
        ticket.signed_at = step.now
        ticket.save(update_fields=["signed_at"])
        step.note = note
        step.payload = events.signed(ticket=str(ticket), on_time=on_time)
    return step.case


def case_request_hotline_return(*, case, actor, reason_code: str, reason: str) -> Case:
    """退单 request: the ticket is not ours to do; the 12345 centre approves or denies it."""
    if reason_code not in HotlineReturnReason.values:
        raise InvalidInput(
            _("退单原因代码 %(value)r 无效，应为 %(choices)s")
            % {"value": reason_code, "choices": ", ".join(HotlineReturnReason.values)},
            field="reason_code",
        )
    return _request(
        case,
        actor,
        "hotline_return",
        reason,
        reason_code=reason_code,
        payload=lambda request: events.hotline_return_requested(request=request.pk, reason_code=reason_code),
    )


def case_approve_hotline_return(
    *, case, actor, note: str = "", message_id: str = "", counted: bool = True
) -> Case:
    """The centre approves the 退单: the case ends as 不予受理; `counted` is the centre's word on whether
    it still counts against the district (kept on the ticket)."""

    def end(step, request):
        step.set(
            reject_reason=REJECT_REASON_FOR_RETURN.get(request.reason_code, REJECT_REASON_FOR_RETURN["other"])
        )
        ticket = loop_ticket(step.case)
        ticket.return_counted = counted
        ticket.save(update_fields=["return_counted"])
        step.payload = events.centre_decided(request=request.pk, message_id=message_id, counted=counted)

    return _decide(case, actor, "hotline_return", True, note, end, message_id=message_id)


def case_deny_hotline_return(*, case, actor, note: str = "", message_id: str = "") -> Case:
    """The centre denies the 退单: work goes on."""
    return _decide(case, actor, "hotline_return", False, note, message_id=message_id)
