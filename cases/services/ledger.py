"""The approval ledger (审批台账): 回退, 延期, 挂账, 作废 requests and their approval or denial, and 恢复处置."""

from decimal import Decimal

from django.utils.translation import gettext as _

from cases import events
from cases.errors import ActionRefused, InvalidInput
from cases.models import (
    Case,
    CaseRequest,
    ExtensionReason,
)
from cases.services._base import _require_text, _transition, _user
from cases.workflow import LEDGER, Action
from core.roles import Role


def _request(
    case, actor, kind: str, reason: str, hours: Decimal | None = None, reason_code: str = "", payload=None
) -> Case:
    request_action = LEDGER[kind][0]
    reason = _require_text(reason, "reason", _("申请理由"))
    with _transition(case, request_action, actor) as step:
        if CaseRequest.objects.filter(case=step.case, kind=kind, state=CaseRequest.State.PENDING).exists():
            raise ActionRefused(_("该案件已有待审批的%(kind)s申请") % {"kind": CaseRequest.Kind(kind).label})
        request = CaseRequest.objects.create(
            case=step.case,
            kind=kind,
            reason=reason,
            requested_by=actor,
            requested_role=step.role,
            requested_department=actor.department if step.role == Role.DEPARTMENT else None,
            requested_at=step.now,
            extension_hours=hours,
            reason_code=reason_code,
        )
        step.note = reason
        if payload is not None:
            step.payload = payload(request)
        elif hours is None:
            step.payload = events.requested(request=request.pk)
        else:
            step.payload = events.extension_requested(
                request=request.pk, hours=hours, reason_code=reason_code
            )
    return step.case


def _decide(case, actor, kind: str, approve: bool, note: str, on_approve=None, message_id: str = "") -> Case:
    _request_action, approve_action, deny_action = LEDGER[kind]
    with _transition(case, approve_action if approve else deny_action, actor) as step:
        request = (
            CaseRequest.objects.select_for_update()
            .filter(case=step.case, kind=kind, state=CaseRequest.State.PENDING)
            .first()
        )
        if request is None:
            raise ActionRefused(_("该案件没有待审批的%(kind)s申请") % {"kind": CaseRequest.Kind(kind).label})
        request.state = CaseRequest.State.APPROVED if approve else CaseRequest.State.DENIED
        request.decided_by = _user(actor)  # None: the 12345 centre decided
        request.decided_at = step.now
        request.decision_note = note
        request.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
        step.note = note
        if message_id or kind == "hotline_return":  # the 12345 centre's decision
            step.payload = events.centre_decided(request=request.pk, message_id=message_id)
        else:
            step.payload = events.decided(request=request.pk)
        if approve and on_approve:
            on_approve(step, request)
    return step.case


def case_request_return(*, case, actor, reason: str) -> Case:
    """回退 request: "not our responsibility"."""
    return _request(case, actor, "return", reason)


def case_approve_return(*, case, actor, note: str = "") -> Case:
    def back_to_dispatch(step, request):
        returned_by = step.case.department.code if step.case.department else None
        step.payload = events.return_approved(request=request.pk, returned_by=returned_by)
        step.set(department=None, return_count=step.case.return_count + 1)
        step.case.co_departments.clear()

    return _decide(case, actor, "return", True, note, back_to_dispatch)


def case_deny_return(*, case, actor, note: str = "") -> Case:
    return _decide(case, actor, "return", False, note)


def case_request_extension(*, case, actor, reason: str, hours, reason_code: str = "") -> Case:
    """延期 request: how many more working hours the department needs. For a 12345 ticket it goes to the
    centre (the outbox), with a reason code the centre knows (default: other)."""
    if reason_code and reason_code not in ExtensionReason.values:
        raise InvalidInput(
            _("延期原因代码 %(value)r 无效，应为 %(choices)s")
            % {"value": reason_code, "choices": ", ".join(ExtensionReason.values)},
            field="reason_code",
        )
    try:
        hours = Decimal(str(hours))
    except Exception:
        raise InvalidInput(_("延期时长 %(value)r 不是数字") % {"value": hours}, field="hours") from None
    if not (Decimal("0") < hours <= Decimal("2000")):
        raise InvalidInput(_("延期时长须大于 0 且不超过 2000 工作时"), field="hours")
    return _request(case, actor, "extension", reason, hours=hours, reason_code=reason_code)


def case_approve_extension(*, case, actor, note: str = "", message_id: str = "") -> Case:
    def count(step, request):
        step.set(extension_count=step.case.extension_count + 1)
        step.payload = events.extension_approved(
            request=request.pk, hours=request.extension_hours, message_id=message_id
        )

    return _decide(case, actor, "extension", True, note, count, message_id=message_id)


def case_deny_extension(*, case, actor, note: str = "", message_id: str = "") -> Case:
    return _decide(case, actor, "extension", False, note, message_id=message_id)


def case_request_suspension(*, case, actor, reason: str) -> Case:
    """挂账 request: cannot be fixed within any limit (seasonal, needs a project)."""
    return _request(case, actor, "suspension", reason)


def case_approve_suspension(*, case, actor, note: str = "") -> Case:
    return _decide(case, actor, "suspension", True, note)


def case_deny_suspension(*, case, actor, note: str = "") -> Case:
    return _decide(case, actor, "suspension", False, note)


def case_resume(*, case, actor, note: str = "") -> Case:
    """恢复处置 after 挂账: the clock continues with the remaining time."""
    with _transition(case, Action.RESUME, actor) as step:
        step.note = note
    return step.case


def case_request_void(*, case, actor, reason: str) -> Case:
    """作废 request, from any open state, by any staff."""
    return _request(case, actor, "void", reason)


def case_approve_void(*, case, actor, note: str = "") -> Case:
    return _decide(case, actor, "void", True, note)


def case_deny_void(*, case, actor, note: str = "") -> Case:
    return _decide(case, actor, "void", False, note)
