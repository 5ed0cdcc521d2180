"""考核 periods (issue #24.1): close a week, 旬 or month into a frozen table; correct it; appeal a case.

One function per action, each writing an AssessmentLog row in its transaction (the audit trail).
A table is computed by replaying the case log as of the period's cut-off (kpi/replay.py), with the
weights, bands and grade lines in force when it was closed (KpiSettings.snapshot()): later events
and later settings change only open periods. An approved appeal writes the next revision with the
same cut-off and the same stored settings, minus the appealed case; earlier revisions stay as they were.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.errors import ActionForbidden, ActionRefused, InvalidInput
from cases.models import Case
from core.roles import ASSESSMENT_PERMISSIONS, Role
from kpi import metrics, replay
from kpi.dates import assessment_bounds
from kpi.models import (
    AssessmentAdjustment,
    AssessmentLog,
    AssessmentPeriod,
    AssessmentRevision,
    KpiAppeal,
    KpiSettings,
)
from kpi.periods.table import LEVELS, build_table, counted_cases


def period_bounds(kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The week (Monday–Sunday), 旬 (1–10, 11–20, 21–end) or month containing `day`."""
    bounds = assessment_bounds(kind, day)
    if bounds is None:
        raise InvalidInput(f"周期类型 {kind!r} 无效，应为 week、xun 或 month", field="kind")
    return bounds


def period_end_moment(end: dt.date) -> dt.datetime:
    """The first moment after a period's last local day."""
    return dt.datetime.combine(
        end + dt.timedelta(days=1), dt.time.min, tzinfo=timezone.get_current_timezone()
    )


def _role(actor, action: str) -> str:
    allowed = ASSESSMENT_PERMISSIONS[action]
    for role in sorted(allowed):
        if actor.has_role(role):
            return role
    raise ActionForbidden("无权执行此考核操作：" + "、".join(str(Role(r).label) for r in sorted(allowed)))


def can(actor, action: str) -> bool:
    return bool(getattr(actor, "roles", set()) & ASSESSMENT_PERMISSIONS[action])


def _log(period, action, actor, role, now, note="", **payload) -> AssessmentLog:
    return AssessmentLog.objects.create(
        period=period, action=action, actor=actor, actor_role=role, at=now, note=note, payload=payload
    )


def compute_table(
    start: dt.date, end: dt.date, at: dt.datetime, *, formula: dict | None = None, excluded=()
) -> tuple[dict, list[int]]:
    """(table, counted case ids) of the period as of `at`, by replaying the case log: any figure of
    any period as of any past moment. `excluded` cases (approved appeals) count for nobody."""
    formula = formula or KpiSettings.load().snapshot()
    ids = [pk for pk in replay.relevant_cases(start, end, at) if pk not in set(excluded)]
    case_facts, person_facts = replay.facts_as_of(ids, at)
    return build_table(case_facts, person_facts, (start, end), formula), counted_cases(
        case_facts, (start, end)
    )


def close_period(*, kind: str, day: dt.date, actor, cutoff: dt.datetime | None = None, note: str = ""):
    """关账: freeze the 考核 table of the period containing `day` as of `cutoff` (default: now)."""
    role = _role(actor, "close")
    now = timezone.now()
    start, end = period_bounds(kind, day)
    cutoff = cutoff or now
    if timezone.is_naive(cutoff):
        raise InvalidInput("截止时刻须带时区", field="cutoff")
    if cutoff < period_end_moment(end):
        raise InvalidInput(f"截止时刻须在考核期结束（{end} 24:00）之后", field="cutoff")
    if cutoff > now:
        raise InvalidInput("截止时刻不能晚于现在", field="cutoff")
    formula = KpiSettings.load().snapshot()
    table, cases = compute_table(start, end, cutoff, formula=formula)
    try:
        with transaction.atomic():
            period = AssessmentPeriod.objects.create(
                kind=kind,
                start=start,
                end=end,
                cutoff=cutoff,
                closed_by=actor,
                closed_role=role,
                closed_at=now,
                note=note,
            )
            revision = AssessmentRevision.objects.create(
                period=period,
                number=1,
                created_at=now,
                created_by=actor,
                reason=note or "关账",
                formula_version=metrics.FORMULA_VERSION,
                formula=formula,
                cases=cases,
                excluded=[],
                table=table,
            )
            _log(period, "close", actor, role, now, note, cutoff=cutoff.isoformat(), revision=revision.number)
    except IntegrityError:
        raise ActionRefused(f"{start}–{end} 的考核期已经关账") from None
    return period


def figure_value(row: dict, figure: str):
    if figure in ("score", "grade"):
        return row.get(figure)
    for group in ("counts", "rates", "parts"):
        if figure in (row.get(group) or {}):
            return row[group][figure]
    return None


def find_row(revision: AssessmentRevision, level: str, object_id: int) -> dict | None:
    return next((r for r in revision.table.get(level, []) if r["id"] == object_id), None)


def adjust_figure(*, revision, level: str, object_id: int, figure: str, value: float, reason: str, actor):
    """调整: an audited correction of one figure of a closed table, shown beside the frozen figure."""
    role = _role(actor, "adjust")
    if not (reason or "").strip():
        raise InvalidInput("调整须说明原因", field="reason")
    if level not in LEVELS:
        raise InvalidInput(f"对象类型 {level!r} 无效", field="level")
    row = find_row(revision, level, object_id)
    if row is None:
        raise InvalidInput("考核表中没有这个对象", field="object_id")
    present = figure == "score" or any(figure in (row.get(g) or {}) for g in ("counts", "rates", "parts"))
    if not present:
        raise InvalidInput(f"考核表中没有数值指标 {figure!r}（等级随得分评定，不单独调整）", field="figure")
    original = figure_value(row, figure)
    now = timezone.now()
    with transaction.atomic():
        adjustment = AssessmentAdjustment.objects.create(
            revision=revision,
            level=level,
            object_id=object_id,
            figure=figure,
            original=original,
            value=value,
            reason=reason.strip(),
            created_by=actor,
            created_at=now,
        )
        _log(
            revision.period,
            "adjust",
            actor,
            role,
            now,
            reason.strip(),
            revision=revision.number,
            level=level,
            object_id=object_id,
            figure=figure,
            original=original,
            value=value,
        )
    return adjustment


def submit_appeal(*, period, case, reason: str, actor) -> KpiAppeal:
    """申诉: ask for a case to be marked 不计入考核 in a closed period."""
    role = _role(actor, "appeal")
    if not (reason or "").strip():
        raise InvalidInput("申诉须说明理由", field="reason")
    if not isinstance(case, Case):
        if isinstance(case, int):
            case = Case.objects.filter(pk=case).first()
        else:
            case = Case.objects.filter(number=str(case).strip()).first()
        if case is None:
            raise InvalidInput("案件不存在", field="case")
    if role == Role.DEPARTMENT and not (actor.roles & {Role.SUPERVISOR, Role.SHIFT_LEADER, Role.DISPATCHER}):
        if case.department_id is None or case.department_id != actor.department_id:
            raise ActionForbidden("专业部门只能为本部门主办的案件申诉")
    current = period.current
    if case.pk not in current.cases:
        raise ActionRefused("该案件不在此考核期的考核表中")
    now = timezone.now()
    try:
        with transaction.atomic():
            appeal = KpiAppeal.objects.create(
                period=period, case=case, reason=reason.strip(), requested_by=actor, requested_at=now
            )
            _log(period, "appeal", actor, role, now, reason.strip(), appeal=appeal.pk, case=case.number)
    except IntegrityError:
        raise ActionRefused("该案件已有待审批的申诉") from None
    return appeal


def decide_appeal(*, appeal, actor, approve: bool, note: str = "") -> KpiAppeal:
    """批准 (a new revision without the case) or 驳回 an appeal; the approver is not the appellant."""
    role = _role(actor, "decide_appeal")
    if approve and not (note or "").strip():
        raise InvalidInput("批准申诉须填写审批意见", field="note")
    now = timezone.now()
    with transaction.atomic():
        appeal = KpiAppeal.objects.select_for_update().get(pk=appeal.pk)
        if appeal.state != KpiAppeal.State.PENDING:
            raise ActionRefused("该申诉已审批")
        if appeal.requested_by_id == actor.pk:
            raise ActionForbidden("申诉人不能审批自己的申诉")
        period = AssessmentPeriod.objects.select_for_update().get(pk=appeal.period_id)
        appeal.state = KpiAppeal.State.APPROVED if approve else KpiAppeal.State.REFUSED
        appeal.decided_by, appeal.decided_at, appeal.decision_note = actor, now, (note or "").strip()
        appeal.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
        payload = {"appeal": appeal.pk, "case": appeal.case.number, "approved": approve}
        if approve:
            previous = period.current
            excluded = sorted({*previous.excluded, appeal.case_id})
            # The stored settings, not today's: a revision changes only what the appeal changes.
            table, cases = compute_table(
                period.start, period.end, period.cutoff, formula=previous.formula, excluded=excluded
            )
            revision = AssessmentRevision.objects.create(
                period=period,
                number=previous.number + 1,
                created_at=now,
                created_by=actor,
                reason=f"申诉 #{appeal.pk}（案件 {appeal.case.number} 不计入考核）：{appeal.reason}",
                formula_version=previous.formula_version,
                formula=previous.formula,
                cases=cases,
                excluded=excluded,
                table=table,
                appeal=appeal,
            )
            payload["revision"] = revision.number
        _log(period, "decide_appeal", actor, role, now, appeal.decision_note, **payload)
    return appeal
