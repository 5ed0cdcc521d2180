"""After 派遣: 处置反馈, 核查, 结案, 重办, 督办, 回访."""

from django.utils.translation import gettext as _

from cases import events
from cases.errors import InvalidInput
from cases.models import (
    Case,
    CasePhoto,
    Satisfaction,
)
from cases.services._base import _require_photos, _require_text, _transition
from cases.workflow import Action


def case_submit_feedback(*, case, actor, result: str, photos=None) -> Case:
    """处置反馈: the department reports the fix with after-photos."""
    result = _require_text(result, "result", _("处置结果"))
    prepared = _require_photos("submit_feedback", photos, "photos")
    with _transition(case, Action.SUBMIT_FEEDBACK, actor) as step:
        step.note = result
        step.photos.append((CasePhoto.Stage.FEEDBACK, prepared))
    return step.case


def case_check(*, case, actor, passed: bool, note: str = "", photos=None) -> Case:
    """核查 on site: pass → 待结案; fail → 返工 by the same department on a new 处置 clock."""
    prepared = _require_photos("check", photos, "photos")
    if not passed and not (note or "").strip():
        raise InvalidInput(_("核查不通过须说明原因"), field="note")
    with _transition(case, Action.CHECK, actor, outcome="passed" if passed else "failed") as step:
        if not passed:
            step.set(rework_count=step.case.rework_count + 1)
        step.note = note
        step.payload = events.checked(passed=passed)
        step.photos.append((CasePhoto.Stage.CHECK, prepared))
    return step.case


def case_close(*, case, actor, note: str = "") -> Case:
    """结案."""
    with _transition(case, Action.CLOSE, actor) as step:
        step.set(closed_at=step.now)
        step.note = note
    return step.case


def case_reopen(*, case, actor, reason: str, message_id: str = "") -> Case:
    """重办: a closed case goes back to 待派遣 (after an unsatisfied 回访; for a 12345 ticket, the
    centre's 重办 order, message_id)."""
    reason = _require_text(reason, "reason", _("重办原因"))
    with _transition(case, Action.REOPEN, actor) as step:
        step.set(reopen_count=step.case.reopen_count + 1, closed_at=None, department=None)
        step.case.co_departments.clear()
        step.note = reason
        if message_id:
            step.payload = events.centre_ordered(message_id=message_id)
    return step.case


def case_supervise(*, case, actor, note: str, automatic: bool = False) -> Case:
    """督办: a formal note to the department; no state change. The SLA sweep files one as the system."""
    note = _require_text(note, "note", _("督办意见"))
    with _transition(case, Action.SUPERVISE, actor) as step:
        step.set(supervise_count=step.case.supervise_count + 1)
        step.note = note
        step.payload = events.supervised(automatic=automatic)
    return step.case


def case_callback(*, case, actor, satisfaction: str, note: str = "", message_id: str = "") -> Case:
    """回访 after closure: the caller's satisfaction."""
    if satisfaction not in Satisfaction.values:
        raise InvalidInput(
            _("满意度 %(value)r 无效，应为 %(choices)s")
            % {"value": satisfaction, "choices": ", ".join(Satisfaction.values)},
            field="satisfaction",
        )
    with _transition(case, Action.CALLBACK, actor) as step:
        if satisfaction != Satisfaction.UNREACHABLE:
            step.set(satisfaction=satisfaction)
        step.note = note
        step.payload = events.called_back(satisfaction=satisfaction, message_id=message_id)
    return step.case
