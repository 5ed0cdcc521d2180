"""The demo scenarios: each makes one case through the services and leaves it in the state its name
says; `SCENARIOS` gives each an age and a weight."""

from collections.abc import Callable

from cases import services as s
from cases.models import Case, Source
from cases.workflow import SYSTEM
from dispatch.models import Department
from tooling.demo.cast import DEMO_TAG, REGULAR_CALLERS, Demo, photo
from tooling.generator.world import TRIVIAL_EVENTS

# `age` is how long ago a scenario starts, in days (low, high): newer cases are still open, older ones
# have had time to be closed.
FRESH, OPEN, DONE, LONG = (0.05, 1.5), (0.3, 4), (3, 28), (12, 30)


def _trusted_start(d: Demo, *, component=False):
    grid, category, comp, staff = d.staffed_place(component)
    d.report(d.inspector_of(grid), grid, category, component=comp)
    d.act(s.case_accept, actor=d.p["operator"])
    return staff


def _through_file(d: Demo, **kw):
    staff = _trusted_start(d, **kw)
    d.act(s.case_file, actor=d.p["shift_leader"])
    return staff


def _dispatched(d: Demo, *, co=False, **kw):
    staff = _through_file(d, **kw)
    others = list(
        Department.objects.filter(is_active=True).exclude(pk=staff.department_id).order_by("code")[:20]
    )
    co_departments = [d.rng.choice(others)] if co and others else []
    d.act(
        s.case_dispatch,
        actor=d.p["dispatcher"],
        department=staff.department,
        co_departments=co_departments,
    )
    return staff


def _fixed(d: Demo, staff, *, passed=True):
    d.act(s.case_submit_feedback, actor=staff, result="已处理完毕", photos=[photo(d.rng)])
    d.act(
        s.case_check,
        actor=d.inspector(),
        passed=passed,
        note="" if passed else "现场仍未整改到位",
        photos=[photo(d.rng)],
    )


def _closed(d: Demo, staff, **kw):
    _fixed(d, staff, **kw)
    d.act(s.case_close, actor=d.p["shift_leader"])


def _hotline(d: Demo, source=Source.HOTLINE_12345, staffed=True, caller=None):
    grid, category, _c, staff = (
        d.staffed_place() if staffed else (d.rng.choice(d.cast.grids), d.event(), None, None)
    )
    d.report(d.p["hotline"], grid, category, source=source, caller=caller)
    d.act(s.case_send_verify, actor=d.p["operator"])
    return staff


def _verified(d: Demo, source=Source.HOTLINE_12345, caller=None):
    staff = _hotline(d, source, caller=caller)
    d.act(s.case_verify, actor=d.inspector(), confirmed=True, photos=[photo(d.rng)])
    d.act(s.case_file, actor=d.p["shift_leader"])
    d.act(s.case_dispatch, actor=d.p["dispatcher"], department=staff.department)
    return staff


def reported(d):
    grid = d.rng.choice(d.cast.grids)
    d.report(d.inspector_of(grid), grid, d.event())


def reported_hotline(d):
    """A call just logged, from the demo's first regular caller: a repeat caller (issue #22.4), since
    closed_hotline_satisfied's caller is the same."""
    grid = d.rng.choice(d.cast.grids)
    d.report(d.p["hotline"], grid, d.event(), source=Source.HOTLINE_12345, caller=REGULAR_CALLERS[0])


def verifying(d):
    _hotline(d, staffed=False)


def verifying_8890(d):
    _hotline(d, Source.HOTLINE_8890, staffed=False)


def pending_filing(d):
    _trusted_start(d)


def pending_filing_verified(d):
    _hotline(d, Source.HOTLINE_8890)
    d.act(s.case_verify, actor=d.inspector(), confirmed=True, photos=[photo(d.rng)])


def pending_dispatch(d):
    _through_file(d)


def in_progress(d):
    _dispatched(d)


def in_progress_component(d):
    _dispatched(d, component=True)


def in_progress_extension_asked(d):
    staff = _dispatched(d)
    d.act(s.case_request_extension, 180, actor=staff, reason="需调配机械清运", hours="8.0")


def in_progress_supervised(d):
    _dispatched(d)
    d.act(s.case_supervise, 240, actor=d.p["supervisor"], note="群众反映强烈，请尽快处理")


def suspended(d):
    staff = _dispatched(d)
    d.act(s.case_request_suspension, 120, actor=staff, reason="需立项改造，暂无法处置")
    d.act(s.case_approve_suspension, 60, actor=d.p["dispatcher"], note="同意挂账")


def pending_check(d):
    staff = _dispatched(d)
    d.act(s.case_submit_feedback, actor=staff, result="已处理完毕", photos=[photo(d.rng)])


def pending_closure(d):
    _fixed(d, _dispatched(d))


def pending_closure_self_resolved(d):
    grid = d.rng.choice(d.cast.grids)
    trivial = [c for c in d.cast.events if c.code in TRIVIAL_EVENTS] or d.cast.events
    d.report(d.inspector_of(grid), grid, d.rng.choice(trivial), self_resolved=True)


def closed(d):
    _closed(d, _dispatched(d))


def closed_component(d):
    _closed(d, _dispatched(d, component=True))


def closed_co_departments(d):
    _closed(d, _dispatched(d, co=True))


def closed_self_resolved(d):
    pending_closure_self_resolved(d)
    d.act(s.case_close, actor=d.p["shift_leader"])


def closed_after_extension(d):
    staff = _dispatched(d)
    d.act(s.case_request_extension, 180, actor=staff, reason="材料采购需要时间", hours="16.0")
    d.act(s.case_approve_extension, 60, actor=d.p["dispatcher"], note="同意延期")
    _closed(d, staff)


def closed_extension_denied(d):
    staff = _dispatched(d)
    d.act(s.case_request_extension, 120, actor=staff, reason="人手不足", hours="8.0")
    d.act(s.case_deny_extension, 60, actor=d.p["dispatcher"], note="一般性问题不予延期")
    _closed(d, staff)


def closed_after_return(d):
    """Dispatched to the wrong department first, which asks to return it; then 改派 to the right one."""
    staff = _through_file(d)
    others = [u for pk, u in d.cast.staff.items() if pk != staff.department_id]
    if not others:
        d.act(s.case_dispatch, actor=d.p["dispatcher"], department=staff.department)
        _closed(d, staff)
        return
    wrong = d.rng.choice(others)
    d.act(s.case_dispatch, actor=d.p["dispatcher"], department=wrong.department)
    d.act(s.case_request_return, 60, actor=wrong, reason="非我单位职责，请改派")
    d.act(s.case_approve_return, 40, actor=d.p["dispatcher"], note="同意回退")
    d.act(s.case_dispatch, actor=d.p["dispatcher"], department=staff.department)
    _closed(d, staff)


def closed_return_denied(d):
    staff = _dispatched(d)
    d.act(s.case_request_return, 60, actor=staff, reason="不在我单位管辖范围内")
    d.act(s.case_deny_return, 40, actor=d.p["dispatcher"], note="经核实属于贵单位职责")
    _closed(d, staff)


def closed_after_rework(d):
    staff = _dispatched(d)
    _fixed(d, staff, passed=False)
    _closed(d, staff)


def closed_after_resume(d):
    staff = _dispatched(d)
    d.act(s.case_request_suspension, 120, actor=staff, reason="季节性问题，待条件具备后处置")
    d.act(s.case_approve_suspension, 60, actor=d.p["dispatcher"], note="同意挂账")
    d.wait(4 * 24 * 60, natural=True)
    d.act(s.case_resume, 30, actor=d.p["dispatcher"], note="条件具备，恢复处置")
    _closed(d, staff)


def closed_suspension_denied(d):
    staff = _dispatched(d)
    d.act(s.case_request_suspension, 120, actor=staff, reason="需专项整治")
    d.act(s.case_deny_suspension, 60, actor=d.p["dispatcher"], note="不符合挂账条件")
    _closed(d, staff)


def closed_overdue(d):
    staff = _dispatched(d)
    limit = d.step_limit()
    d.wait(limit.minutes * 2, natural=limit.natural)  # past the deadline: the sweep files the 督办
    _closed(d, staff)


def closed_hotline_satisfied(d):
    _closed(d, _verified(d, caller=REGULAR_CALLERS[0]))
    d.act(s.case_callback, 600, actor=d.p["hotline"], satisfaction="satisfied", note="市民表示满意")


def closed_8890_basically(d):
    _closed(d, _verified(d, Source.HOTLINE_8890))
    d.act(s.case_callback, 600, actor=d.p["hotline"], satisfaction="basically_satisfied")


def closed_callback_retried(d):
    _closed(d, _verified(d))
    d.act(s.case_callback, 600, actor=d.p["hotline"], satisfaction="unreachable", note="电话无人接听")
    d.act(s.case_callback, 450, actor=d.p["hotline"], satisfaction="satisfied")


def closed_after_reopen(d):
    staff = _verified(d)
    _closed(d, staff)
    d.act(s.case_callback, 600, actor=d.p["hotline"], satisfaction="unsatisfied", note="反映人称问题仍未解决")
    d.act(s.case_reopen, 60, actor=d.p["shift_leader"], reason="回访不满意，重新办理")
    d.act(s.case_dispatch, actor=d.p["dispatcher"], department=staff.department)
    _closed(d, staff)
    d.act(s.case_callback, 600, actor=d.p["hotline"], satisfaction="satisfied")


def reopened(d):
    staff = _verified(d)
    _closed(d, staff)
    d.act(s.case_callback, 600, actor=d.p["hotline"], satisfaction="unsatisfied")
    d.act(s.case_reopen, 60, actor=d.p["shift_leader"], reason="回访不满意，重新办理")


def closed_video(d):
    grid, category, _c, staff = d.staffed_place()
    d.report(SYSTEM, grid, category, source=Source.VIDEO)
    d.act(s.case_accept, actor=d.p["operator"])
    d.act(s.case_file, actor=d.p["shift_leader"])
    d.act(s.case_dispatch, actor=d.p["dispatcher"], department=staff.department)
    _closed(d, staff)


def closed_zmljl(d):
    """A 政民零距离 message logged by the operator (a channel added as data, issue #22.4), 核实 first."""
    grid, category, _c, staff = d.staffed_place()
    d.report(d.p["operator"], grid, category, source=Source.ZMLJL)
    d.act(s.case_send_verify, actor=d.p["operator"])
    d.act(s.case_verify, actor=d.inspector(), confirmed=True, photos=[photo(d.rng)])
    d.act(s.case_file, actor=d.p["shift_leader"])
    d.act(s.case_dispatch, actor=d.p["dispatcher"], department=staff.department)
    _closed(d, staff)


def verifying_community(d):
    """A community volunteer's report (社区/志愿者), sent to the grid's inspector for 核实."""
    grid = d.rng.choice(d.cast.grids)
    d.report(d.p["operator"], grid, d.event(), source=Source.COMMUNITY)
    d.act(s.case_send_verify, actor=d.p["operator"])


def closed_public(d):
    grid, category, _c, staff = d.staffed_place()
    d.report(SYSTEM, grid, category, source=Source.PUBLIC)
    d.act(s.case_send_verify, actor=d.p["operator"])
    d.act(s.case_verify, actor=d.inspector(), confirmed=True, photos=[photo(d.rng)])
    d.act(s.case_file, actor=d.p["shift_leader"])
    d.act(s.case_dispatch, actor=d.p["dispatcher"], department=staff.department)
    _closed(d, staff)


def in_progress_leader(d):
    grid, category, _c, staff = d.staffed_place()
    d.report(d.p["supervisor"], grid, category, source=Source.LEADER)
    d.act(s.case_accept, actor=d.p["operator"])
    d.act(s.case_file, actor=d.p["shift_leader"], urgency="urgent")
    d.act(s.case_dispatch, actor=d.p["dispatcher"], department=staff.department)


def rejected_duplicate(d):
    """A second caller about a problem already reported in the same grid."""
    earlier = (
        Case.objects.filter(description__startswith=DEMO_TAG, duplicate_of__isnull=True)
        .order_by("-created_at")
        .first()
    )
    if earlier is None:
        return rejected_out_of_scope(d)
    d.report(d.p["hotline"], earlier.grid, earlier.category, source=Source.HOTLINE_12345)
    d.act(
        s.case_reject,
        actor=d.p["operator"],
        reason="duplicate",
        duplicate_of=earlier.pk,
        note="与已有案件反映同一问题",
    )


def rejected_out_of_scope(d):
    grid = d.rng.choice(d.cast.grids)
    d.report(d.p["hotline"], grid, d.event(), source=Source.HOTLINE_12345)
    d.act(s.case_reject, actor=d.p["operator"], reason="out_of_scope", note="属于物业管理范围，已告知来电人")


def rejected_not_confirmed(d):
    _hotline(d, staffed=False)
    d.act(
        s.case_verify,
        actor=d.inspector(),
        confirmed=False,
        note="现场未发现反映的问题",
        photos=[photo(d.rng)],
    )


def rejected_not_filed(d):
    _trusted_start(d)
    d.act(s.case_refuse_filing, actor=d.p["shift_leader"], reason="不符合立案条件")


def voided(d):
    _through_file(d)
    d.act(s.case_request_void, 30, actor=d.p["operator"], reason="重复立案，申请作废")
    d.act(s.case_approve_void, 40, actor=d.p["shift_leader"], note="同意作废")


def void_denied(d):
    staff = _through_file(d)
    d.act(s.case_request_void, 30, actor=d.p["operator"], reason="信息有误")
    d.act(s.case_deny_void, 40, actor=d.p["shift_leader"], note="信息无误，继续办理")
    d.act(s.case_dispatch, actor=d.p["dispatcher"], department=staff.department)


# (scenario, age, weight): weights give a district's proportions, mostly closed.
SCENARIOS: tuple[tuple[Callable, tuple, float], ...] = (
    (reported, FRESH, 3), (reported_hotline, FRESH, 2), (verifying, FRESH, 2), (verifying_8890, FRESH, 1),
    (pending_filing, FRESH, 2), (pending_filing_verified, FRESH, 1), (pending_dispatch, FRESH, 3),
    (in_progress, OPEN, 5), (in_progress_component, OPEN, 2), (in_progress_extension_asked, OPEN, 1),
    (in_progress_supervised, OPEN, 1), (in_progress_leader, OPEN, 1), (suspended, OPEN, 2),
    (pending_check, OPEN, 4), (pending_closure, OPEN, 3), (pending_closure_self_resolved, FRESH, 1),
    (closed, DONE, 14), (closed_component, DONE, 5), (closed_co_departments, DONE, 2),
    (closed_self_resolved, DONE, 3), (closed_after_extension, DONE, 2), (closed_extension_denied, DONE, 1),
    (closed_after_return, DONE, 2), (closed_return_denied, DONE, 1), (closed_after_rework, DONE, 2),
    (closed_after_resume, LONG, 1), (closed_suspension_denied, DONE, 1), (closed_overdue, DONE, 2),
    (closed_hotline_satisfied, DONE, 8), (closed_8890_basically, DONE, 2), (closed_callback_retried, DONE, 1),
    (closed_after_reopen, LONG, 1), (reopened, LONG, 1), (closed_video, DONE, 2), (closed_public, DONE, 2),
    (rejected_duplicate, DONE, 2), (rejected_out_of_scope, DONE, 2), (rejected_not_confirmed, DONE, 2),
    (rejected_not_filed, DONE, 1), (voided, DONE, 1), (void_denied, OPEN, 1),
    (closed_zmljl, DONE, 2), (verifying_community, FRESH, 1),
)  # fmt: skip
