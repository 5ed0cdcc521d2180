"""One service per action of docs/domain.md §3: the only code that changes a case's state.

Each service locks the case row, checks the workflow table, the actor's role and scope, changes the
row, and appends a CaseEvent in the same transaction; a refused action raises before anything is
written. Views, serializers, admin actions and tasks call these; they never set `status` themselves.

The package is split along the loop's seams; callers import from here (`from cases.services import
case_dispatch`, `services.SERVICES`):

- `_base`:   the transition every service runs in, shared input checks and lookups
- `report`:  上报 from every channel
- `centre`:  受理, 核实, 不予受理, 立案, 派遣
- `ledger`:  回退, 延期, 挂账, 作废 requests and decisions; 恢复处置
- `closing`: 处置反馈, 核查, 结案, 重办, 督办, 回访
- `hotline`: the 12345 loop's 签收 and 退单 (decided by the centre)
"""

from cases.services.centre import (
    case_accept,
    case_dispatch,
    case_file,
    case_refuse_filing,
    case_reject,
    case_send_verify,
    case_verify,
)
from cases.services.closing import (
    case_callback,
    case_check,
    case_close,
    case_reopen,
    case_submit_feedback,
    case_supervise,
)
from cases.services.hotline import (
    case_approve_hotline_return,
    case_deny_hotline_return,
    case_request_hotline_return,
    case_sign,
)
from cases.services.ledger import (
    case_approve_extension,
    case_approve_return,
    case_approve_suspension,
    case_approve_void,
    case_deny_extension,
    case_deny_return,
    case_deny_suspension,
    case_deny_void,
    case_request_extension,
    case_request_return,
    case_request_suspension,
    case_request_void,
    case_resume,
)
from cases.services.report import (
    SUBMISSION_KEY,
    as_reported,
    case_report,
    clean_submission_key,
    next_case_number,
)
from cases.workflow import SYSTEM, Status


def __getattr__(name: str):
    # The action → service table lives with the declarations (cases/actions.py), which import this
    # package; `services.SERVICES` and `from cases.services import SERVICES` still find it.
    if name == "SERVICES":
        from cases.actions import SERVICES

        return SERVICES
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "SERVICES",
    "SUBMISSION_KEY",
    "SYSTEM",
    "Status",
    "case_accept",
    "case_approve_hotline_return",
    "case_deny_hotline_return",
    "case_request_hotline_return",
    "case_sign",
    "case_approve_extension",
    "case_approve_return",
    "case_approve_suspension",
    "case_approve_void",
    "case_callback",
    "case_check",
    "case_close",
    "case_deny_extension",
    "case_deny_return",
    "case_deny_suspension",
    "case_deny_void",
    "case_dispatch",
    "case_file",
    "case_refuse_filing",
    "case_reject",
    "case_reopen",
    "case_report",
    "case_request_extension",
    "case_request_return",
    "case_request_suspension",
    "case_request_void",
    "case_resume",
    "case_send_verify",
    "case_submit_feedback",
    "case_supervise",
    "case_verify",
    "clean_submission_key",
    "next_case_number",
    "as_reported",
]
