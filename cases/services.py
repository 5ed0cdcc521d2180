"""One service per action of docs/domain.md §3: the only code that changes a case's state.

Each service locks the case row, checks the workflow table, the actor's role and scope, changes the
row, and appends a CaseEvent in the same transaction; a refused action raises before anything is
written. Views, serializers, admin actions and tasks call these; they never set `status` themselves.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from cases import rules, timing
from cases.errors import ActionRefused, AlreadySubmitted, InvalidInput
from cases.intake.duplicates import schedule_suspect_search
from cases.intake.outbox import record_outbox
from cases.models import (
    HOTLINE_SOURCES,
    Case,
    CaseEvent,
    CasePhoto,
    CaseRequest,
    RejectReason,
    Satisfaction,
    Source,
    Urgency,
    Variant,
)
from cases.photos import prepare_photos, save_photos
from cases.signals import send_events_recorded
from cases.workflow import LEDGER, SYSTEM, Action, Status, Transition, find, transitions_for
from core.roles import Role
from dispatch.models import Category, Component, Department
from dispatch.routing import suggest_department
from grids.locator import PointOutsideGrids, locate


@dataclass
class _Step:
    """What one action does to the locked case, collected by the service and written by `_transition`."""

    case: Case
    transition: Transition
    role: str
    actor: object | None
    from_status: str
    now: datetime  # one moment for the event, the case's timestamps and the clock
    note: str = ""
    payload: dict = field(default_factory=dict)
    fields: set[str] = field(default_factory=set)
    photos: list[tuple[str, list]] = field(default_factory=list)
    event: CaseEvent | None = None

    def set(self, **values) -> None:
        for name, value in values.items():
            setattr(self.case, name, value)
            self.fields.add(name)


@contextmanager
def _atomic_with_files() -> Iterator[list[str]]:
    """A transaction that also owns the photo files written in it (their names go in the yielded list)."""
    written: list[str] = []
    try:
        with transaction.atomic():
            yield written
    except Exception:
        # The rows rolled back; the files written for them must go too, or they would be orphans.
        storage = CasePhoto._meta.get_field("image").storage
        for name in written:
            storage.delete(name)
        raise


@contextmanager
def _transition(case: Case | int, action: Action, actor, *, outcome: str = "", at=None) -> Iterator[_Step]:
    """Lock the case, check the action is allowed, let the caller change it, then save and log it."""
    with _atomic_with_files() as written:
        pk = case.pk if isinstance(case, Case) else case
        try:
            locked = Case.objects.select_for_update(no_key=True).get(pk=pk)
        except Case.DoesNotExist:
            raise InvalidInput(f"案件 {pk} 不存在", field="case") from None
        transition, role = rules.check(locked, action, actor, outcome)
        now = at or timezone.now()
        step = _Step(
            case=locked, transition=transition, role=role, actor=actor, from_status=locked.status, now=now
        )
        yield step
        if transition.target and transition.target != locked.status:
            step.set(status=transition.target.value)
        if step.fields:
            locked.save(update_fields=[*step.fields, "updated_at"])
        timing.on_change(
            locked,
            action=action,
            from_status=step.from_status,
            now=now,
            extension_hours=step.payload.get("hours"),
        )
        step.event = CaseEvent.objects.create(
            case=locked,
            action=action.value,
            from_status=step.from_status,
            to_status=locked.status,
            actor=actor if getattr(actor, "pk", None) else None,
            actor_role=role,
            at=now,
            note=step.note,
            payload=step.payload,
        )
        for stage, prepared in step.photos:
            written += _save_photos(locked, stage, prepared, actor, step.event)
        _lapse_requests(step)
        send_events_recorded([step.event])
        if locked.hotline_channel:  # only hotline cases have a hotline to tell (cases/intake/outbox.py)
            record_outbox(step.event)


def _save_photos(case, stage, prepared, actor, event) -> list[str]:
    rows = save_photos(case=case, stage=stage, photos=prepared, actor=_user(actor), event=event)
    return [name for row in rows for name in (row.image.name, row.thumbnail.name)]


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def _lapse_requests(step: _Step) -> None:
    """Pending requests the case's new state no longer allows lapse, so the ledger has no dead rows."""
    if step.case.status == step.from_status:
        return
    lapsed = [
        kind
        for kind, actions in LEDGER.items()
        if step.case.status not in transitions_for(actions[1])[0].sources
    ]
    if lapsed:
        CaseRequest.objects.filter(case=step.case, kind__in=lapsed, state=CaseRequest.State.PENDING).update(
            state=CaseRequest.State.LAPSED, decided_at=step.now, decision_note="案件状态已变化，申请自动失效"
        )


def _require_photos(key: str, photos, field_name: str):
    prepared = prepare_photos(photos, field=field_name)
    if key in settings.PHOTO_REQUIRED_FOR and not prepared:
        raise InvalidInput("请上传现场照片", field=field_name)
    return prepared


def _require_text(value: str | None, field_name: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(f"请填写{what}", field=field_name)
    return value


# ---------------------------------------------------------------- report (上报)


def next_case_number(prefix: str, day) -> str:
    """`prefix-YYYYMMDD-NNNNN`, sequence per prefix and day, allocated in one atomic upsert."""
    from cases.models import CaseNumberCounter

    table = connection.ops.quote_name(CaseNumberCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (prefix, day, last) VALUES (%s, %s, 1) "
            f"ON CONFLICT (prefix, day) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [prefix, day],
        )
        (seq,) = cursor.fetchone()
    return f"{prefix}-{day:%Y%m%d}-{seq:05d}"


def case_report(
    *,
    actor,
    category: Category | int,
    lng: float,
    lat: float,
    description: str,
    source: str | None = None,
    address: str = "",
    urgency: str = Urgency.NORMAL,
    component: Component | str | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    reporter_email: str = "",
    hotline_ticket_no: str = "",
    photos=None,
    self_resolved: bool = False,
    after_photos=None,
    note: str = "",
    at=None,
    submission_key: str = "",
) -> Case:
    """上报: a new case, located in its grid. A self-resolved inspector report goes straight to 待结案.

    `submission_key` (optional) names this one report on the client: sent again by the same reporter,
    it raises AlreadySubmitted with the case the first one made, and nothing is written twice.
    """
    role = rules.reporting_role(actor, self_resolved)
    source = rules.source_for(role, source)
    submission_key = clean_submission_key(submission_key) if _user(actor) else ""
    if submission_key:
        _refuse_resubmission(actor, submission_key)
    description = _require_text(description, "description", "问题描述")
    if urgency not in Urgency.values:
        raise InvalidInput(f"紧急程度 {urgency!r} 无效，应为 {', '.join(Urgency.values)}", field="urgency")
    category = _category(category)
    component = _component(component)
    try:
        grid = locate(float(lng), float(lat))
    except PointOutsideGrids as exc:
        raise InvalidInput(str(exc), field="lng") from None
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"位置无效: {exc}", field="lng") from None
    channel = HOTLINE_SOURCES.get(source, "")
    hotline_ticket_no = (hotline_ticket_no or "").strip()
    if channel and not hotline_ticket_no:
        raise InvalidInput("热线案件必须填写热线工单号", field="hotline_ticket_no")
    if (
        source in (Source.PUBLIC, *HOTLINE_SOURCES)
        and not (reporter_name or reporter_phone)
        and role != SYSTEM
    ):
        raise InvalidInput("请填写反映人姓名或电话", field="reporter_phone")
    prepared = prepare_photos(photos)
    after = _require_photos("self_resolved", after_photos, "after_photos") if self_resolved else []

    outcome = "self_resolved" if self_resolved else ""
    transition = find(Action.REPORT, None, outcome)
    now = at or timezone.now()
    with _atomic_with_files() as written:
        if channel:
            _refuse_known_ticket(channel, hotline_ticket_no)
        community = grid.community
        case = _create_case(
            number=next_case_number(community.street.district.code, timezone.localdate(now)),
            source=source,
            status=transition.target.value,
            category=category,
            category_code=category.code,
            category_name=category.name,
            category_kind=category.kind,
            major_code=category.major_code,
            component=component,
            lng=float(lng),
            lat=float(lat),
            address=address,
            grid=grid,
            community=community,
            street_id=community.street_id,
            description=description,
            urgency=urgency,
            self_resolved=self_resolved,
            reporter=_user(actor),
            reporter_name=reporter_name,
            reporter_phone=reporter_phone,
            reporter_email=reporter_email,
            hotline_channel=channel,
            hotline_ticket_no=hotline_ticket_no,
            created_at=now,
            submission_key=submission_key,
            ticket=(channel, hotline_ticket_no),
        )
        event = CaseEvent.objects.create(
            case=case,
            action=Action.REPORT.value,
            from_status="",
            to_status=case.status,
            actor=_user(actor),
            actor_role=role,
            at=now,
            note=note,
            payload={"source": source, "self_resolved": self_resolved, "grid": grid.code},
        )
        timing.start_step(case, now)
        written += _save_photos(case, CasePhoto.Stage.REPORT, prepared, actor, event)
        written += _save_photos(case, CasePhoto.Stage.FEEDBACK, after, actor, event)
        send_events_recorded([event])
        schedule_suspect_search(case)  # after commit: suspected duplicates (cases/intake/duplicates.py)
    return case


def _refuse_known_ticket(channel: str, ticket_no: str) -> None:
    existing = Case.objects.filter(hotline_channel=channel, hotline_ticket_no=ticket_no).first()
    if existing is not None:
        raise ActionRefused(
            f"{channel} 工单 {ticket_no} 已登记为案件 {existing.number}", field="hotline_ticket_no"
        )


# What a client may use as a submission key: a UUID, a ULID, a timestamp with a counter.
SUBMISSION_KEY = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def clean_submission_key(value, field: str = "submission_key") -> str:
    key = (value or "").strip()
    if key and not SUBMISSION_KEY.match(key):
        raise InvalidInput(f"{field} 无效：应为 1–64 个字母、数字或 . _ : -（如一个 UUID）", field=field)
    return key


def _refuse_resubmission(actor, key: str) -> None:
    existing = Case.objects.filter(reporter=_user(actor), submission_key=key).first()
    if existing is not None:
        raise AlreadySubmitted(existing)


def _create_case(*, ticket: tuple[str, str], **fields) -> Case:
    """Insert the case; a concurrent delivery of the same hotline ticket, or of the same submission,
    loses on the unique constraint and is answered like a known one (the checks before the insert
    cannot see uncommitted rows)."""
    try:
        with transaction.atomic():
            return Case.objects.create(**fields)
    except IntegrityError:
        channel, ticket_no = ticket
        if channel and ticket_no:
            _refuse_known_ticket(channel, ticket_no)
        if fields.get("submission_key"):
            _refuse_resubmission(fields["reporter"], fields["submission_key"])
        raise


def _category(value) -> Category:
    try:
        category = value if isinstance(value, Category) else Category.objects.get(pk=value)
    except (Category.DoesNotExist, ValueError, TypeError):
        raise InvalidInput(f"类别 {value!r} 不存在", field="category") from None
    if not category.is_active:
        raise InvalidInput(f"类别 {category} 已停用", field="category")
    return category


def _component(value) -> Component | None:
    if value in (None, ""):
        return None
    if isinstance(value, Component):
        return value
    try:
        return Component.objects.get(code=value)
    except Component.DoesNotExist:
        raise InvalidInput(f"部件 {value} 不存在", field="component") from None


# ---------------------------------------------------------------- centre: 受理, 核实, 立案


def case_accept(*, case, actor, note: str = "") -> Case:
    """受理: a trusted report goes on to 立案."""
    with _transition(case, Action.ACCEPT, actor) as step:  # trusted sources only: rules.check
        step.note = note
    return step.case


def case_send_verify(*, case, actor, inspector=None, note: str = "") -> Case:
    """派发核实: the grid's inspector checks a public or hotline report on site."""
    with _transition(case, Action.SEND_VERIFY, actor) as step:
        grid_inspectors = step.case.grid.inspectors.order_by("username")
        if inspector is None:
            inspector = grid_inspectors.first()
            if inspector is None:
                raise InvalidInput(
                    f"网格 {step.case.grid.code} 没有责任监督员，请先在后台指定", field="inspector"
                )
        elif not grid_inspectors.filter(pk=getattr(inspector, "pk", inspector)).exists():
            raise InvalidInput(f"{inspector} 不是网格 {step.case.grid.code} 的责任监督员", field="inspector")
        inspector_pk = getattr(inspector, "pk", inspector)
        step.set(verify_inspector_id=inspector_pk)
        step.note = note
        step.payload = {"inspector": inspector_pk}
    return step.case


def case_verify(*, case, actor, confirmed: bool, note: str = "", photos=None) -> Case:
    """核实: on site, the inspector confirms the problem (→ 待立案) or finds none (→ 不予受理)."""
    prepared = _require_photos("verify", photos, "photos")
    outcome = "confirmed" if confirmed else "not_confirmed"
    with _transition(case, Action.VERIFY, actor, outcome=outcome) as step:
        if not confirmed:
            step.set(reject_reason=RejectReason.NOT_A_PROBLEM)
        step.note = note
        step.payload = {"confirmed": bool(confirmed)}
        step.photos.append((CasePhoto.Stage.VERIFY, prepared))
    return step.case


def case_reject(*, case, actor, reason: str, duplicate_of=None, note: str = "") -> Case:
    """不予受理, with a reason; a duplicate links its original."""
    if reason not in RejectReason.values:
        raise InvalidInput(f"原因 {reason!r} 无效，应为 {', '.join(RejectReason.values)}", field="reason")
    with _transition(case, Action.REJECT, actor) as step:
        payload = {"reason": reason}
        if reason == RejectReason.DUPLICATE:
            original = _original_for(step.case, duplicate_of)
            step.set(duplicate_of=original)
            payload["duplicate_of"] = original.number
        step.set(reject_reason=reason)
        step.note = note
        step.payload = payload
    return step.case


def _original_for(case: Case, duplicate_of) -> Case:
    if duplicate_of in (None, ""):
        raise InvalidInput("重复案件须指明原案件", field="duplicate_of")
    try:
        original = duplicate_of if isinstance(duplicate_of, Case) else Case.objects.get(pk=duplicate_of)
    except (Case.DoesNotExist, ValueError, TypeError):
        raise InvalidInput(f"原案件 {duplicate_of} 不存在", field="duplicate_of") from None
    # Link to the root so chains of duplicates all point at one original.
    root = original.duplicate_of or original
    if root.pk == case.pk:
        raise InvalidInput("案件不能重复于自身（或以自身为原件的案件）", field="duplicate_of")
    return root


def case_file(
    *, case, actor, category=None, urgency: str | None = None, variant: str | None = None, note: str = ""
) -> Case:
    """立案: the shift leader confirms the category, urgency and 处置 variant."""
    with _transition(case, Action.FILE, actor) as step:
        c = step.case
        if category is not None:
            category = _category(category)
            step.set(
                category=category,
                category_code=category.code,
                category_name=category.name,
                category_kind=category.kind,
                major_code=category.major_code,
            )
        if urgency is not None:
            if urgency not in Urgency.values:
                raise InvalidInput(f"紧急程度 {urgency!r} 无效", field="urgency")
            step.set(urgency=urgency)
        if variant is not None:
            if variant not in Variant.values:
                raise InvalidInput(
                    f"处置类型 {variant!r} 无效，应为 {', '.join(Variant.values)}", field="variant"
                )
            step.set(variant=variant)
        step.set(filed_at=step.now)
        step.note = note
        step.payload = {"category": c.category_code, "urgency": c.urgency, "variant": c.variant}
    return step.case


def case_refuse_filing(*, case, actor, reason: str) -> Case:
    """不予立案, reason required."""
    reason = _require_text(reason, "reason", "不予立案原因")
    with _transition(case, Action.REFUSE_FILING, actor) as step:
        step.set(reject_reason=RejectReason.OUT_OF_SCOPE)
        step.note = reason
    return step.case


# ---------------------------------------------------------------- command centre: 派遣


def case_dispatch(*, case, actor, department=None, co_departments=(), note: str = "") -> Case:
    """派遣 to one 主办 department (the suggestion when none is given) and optional 协办 departments."""
    with _transition(case, Action.DISPATCH, actor) as step:
        c = step.case
        suggestion = suggest_department(category=c.category, component=c.component, grid=c.grid)
        if department in (None, ""):
            if suggestion is None:
                raise InvalidInput("没有可建议的处置部门，请指定部门", field="department")
            department = suggestion.department
        department = _department(department, "department")
        co = [_department(d, "co_departments") for d in co_departments]
        if department in co:
            raise InvalidInput("主办部门不能同时是协办部门", field="co_departments")
        step.set(department=department, dispatched_at=step.now)
        c.co_departments.set(co)
        step.note = note
        step.payload = {
            "department": department.code,
            "co_departments": [d.code for d in co],
            "suggested": suggestion.department.code if suggestion else None,
            "suggestion_rule": suggestion.reason if suggestion else None,
        }
    return step.case


def _department(value, field_name: str) -> Department:
    try:
        department = value if isinstance(value, Department) else Department.objects.get(pk=value)
    except (Department.DoesNotExist, ValueError, TypeError):
        raise InvalidInput(f"部门 {value!r} 不存在", field=field_name) from None
    if not department.is_active:
        raise InvalidInput(f"部门 {department} 已停用", field=field_name)
    return department


# ---------------------------------------------------------------- ledger: 回退, 延期, 挂账, 作废


def _request(case, actor, kind: str, reason: str, **extra) -> Case:
    request_action = LEDGER[kind][0]
    reason = _require_text(reason, "reason", "申请理由")
    with _transition(case, request_action, actor) as step:
        if CaseRequest.objects.filter(case=step.case, kind=kind, state=CaseRequest.State.PENDING).exists():
            raise ActionRefused(f"该案件已有待审批的{CaseRequest.Kind(kind).label}申请")
        request = CaseRequest.objects.create(
            case=step.case,
            kind=kind,
            reason=reason,
            requested_by=actor,
            requested_role=step.role,
            requested_department=actor.department if step.role == Role.DEPARTMENT else None,
            requested_at=step.now,
            **extra,
        )
        step.note = reason
        step.payload = {"request": request.pk, **{k: str(v) for k, v in extra.items()}}
    return step.case


def _decide(case, actor, kind: str, approve: bool, note: str, on_approve=None) -> Case:
    _request_action, approve_action, deny_action = LEDGER[kind]
    with _transition(case, approve_action if approve else deny_action, actor) as step:
        request = (
            CaseRequest.objects.select_for_update()
            .filter(case=step.case, kind=kind, state=CaseRequest.State.PENDING)
            .first()
        )
        if request is None:
            raise ActionRefused(f"该案件没有待审批的{CaseRequest.Kind(kind).label}申请")
        request.state = CaseRequest.State.APPROVED if approve else CaseRequest.State.DENIED
        request.decided_by = actor
        request.decided_at = step.now
        request.decision_note = note
        request.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
        step.note = note
        step.payload = {"request": request.pk}
        if approve and on_approve:
            on_approve(step, request)
    return step.case


def case_request_return(*, case, actor, reason: str) -> Case:
    """回退 request: "not our responsibility"."""
    return _request(case, actor, "return", reason)


def case_approve_return(*, case, actor, note: str = "") -> Case:
    def back_to_dispatch(step, request):
        step.payload["returned_by"] = step.case.department.code if step.case.department else None
        step.set(department=None, return_count=step.case.return_count + 1)
        step.case.co_departments.clear()

    return _decide(case, actor, "return", True, note, back_to_dispatch)


def case_deny_return(*, case, actor, note: str = "") -> Case:
    return _decide(case, actor, "return", False, note)


def case_request_extension(*, case, actor, reason: str, hours) -> Case:
    """延期 request: how many more working hours the department needs."""
    try:
        hours = Decimal(str(hours))
    except Exception:
        raise InvalidInput(f"延期时长 {hours!r} 不是数字", field="hours") from None
    if not (Decimal("0") < hours <= Decimal("2000")):
        raise InvalidInput("延期时长须大于 0 且不超过 2000 工作时", field="hours")
    return _request(case, actor, "extension", reason, extension_hours=hours)


def case_approve_extension(*, case, actor, note: str = "") -> Case:
    def count(step, request):
        step.set(extension_count=step.case.extension_count + 1)
        step.payload["hours"] = str(request.extension_hours)

    return _decide(case, actor, "extension", True, note, count)


def case_deny_extension(*, case, actor, note: str = "") -> Case:
    return _decide(case, actor, "extension", False, note)


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


# ---------------------------------------------------------------- 处置, 核查, 结案, and after


def case_submit_feedback(*, case, actor, result: str, photos=None) -> Case:
    """处置反馈: the department reports the fix with after-photos."""
    result = _require_text(result, "result", "处置结果")
    prepared = _require_photos("submit_feedback", photos, "photos")
    with _transition(case, Action.SUBMIT_FEEDBACK, actor) as step:
        step.note = result
        step.photos.append((CasePhoto.Stage.FEEDBACK, prepared))
    return step.case


def case_check(*, case, actor, passed: bool, note: str = "", photos=None) -> Case:
    """核查 on site: pass → 待结案; fail → 返工 by the same department on a new 处置 clock."""
    prepared = _require_photos("check", photos, "photos")
    if not passed and not (note or "").strip():
        raise InvalidInput("核查不通过须说明原因", field="note")
    with _transition(case, Action.CHECK, actor, outcome="passed" if passed else "failed") as step:
        if not passed:
            step.set(rework_count=step.case.rework_count + 1)
        step.note = note
        step.payload = {"passed": bool(passed)}
        step.photos.append((CasePhoto.Stage.CHECK, prepared))
    return step.case


def case_close(*, case, actor, note: str = "") -> Case:
    """结案."""
    with _transition(case, Action.CLOSE, actor) as step:
        step.set(closed_at=step.now)
        step.note = note
    return step.case


def case_reopen(*, case, actor, reason: str) -> Case:
    """重办: a closed case goes back to 待派遣 (e.g. after an unsatisfied 回访)."""
    reason = _require_text(reason, "reason", "重办原因")
    with _transition(case, Action.REOPEN, actor) as step:
        step.set(reopen_count=step.case.reopen_count + 1, closed_at=None, department=None)
        step.case.co_departments.clear()
        step.note = reason
    return step.case


def case_supervise(*, case, actor, note: str, automatic: bool = False) -> Case:
    """督办: a formal note to the department; no state change. The SLA sweep files one as the system."""
    note = _require_text(note, "note", "督办意见")
    with _transition(case, Action.SUPERVISE, actor) as step:
        step.set(supervise_count=step.case.supervise_count + 1)
        step.note = note
        step.payload = {"automatic": automatic}
    return step.case


def case_callback(*, case, actor, satisfaction: str, note: str = "") -> Case:
    """回访 after closure: the caller's satisfaction."""
    if satisfaction not in Satisfaction.values:
        raise InvalidInput(
            f"满意度 {satisfaction!r} 无效，应为 {', '.join(Satisfaction.values)}", field="satisfaction"
        )
    with _transition(case, Action.CALLBACK, actor) as step:
        if satisfaction != Satisfaction.UNREACHABLE:
            step.set(satisfaction=satisfaction)
        step.note = note
        step.payload = {"satisfaction": satisfaction}
    return step.case


SERVICES = {
    Action.ACCEPT: case_accept,
    Action.SEND_VERIFY: case_send_verify,
    Action.VERIFY: case_verify,
    Action.REJECT: case_reject,
    Action.FILE: case_file,
    Action.REFUSE_FILING: case_refuse_filing,
    Action.DISPATCH: case_dispatch,
    Action.REQUEST_RETURN: case_request_return,
    Action.APPROVE_RETURN: case_approve_return,
    Action.DENY_RETURN: case_deny_return,
    Action.REQUEST_EXTENSION: case_request_extension,
    Action.APPROVE_EXTENSION: case_approve_extension,
    Action.DENY_EXTENSION: case_deny_extension,
    Action.REQUEST_SUSPENSION: case_request_suspension,
    Action.APPROVE_SUSPENSION: case_approve_suspension,
    Action.DENY_SUSPENSION: case_deny_suspension,
    Action.RESUME: case_resume,
    Action.SUBMIT_FEEDBACK: case_submit_feedback,
    Action.CHECK: case_check,
    Action.CLOSE: case_close,
    Action.REQUEST_VOID: case_request_void,
    Action.APPROVE_VOID: case_approve_void,
    Action.DENY_VOID: case_deny_void,
    Action.REOPEN: case_reopen,
    Action.SUPERVISE: case_supervise,
    Action.CALLBACK: case_callback,
}

__all__ = ["SERVICES", "case_report", "next_case_number", "Status", "SYSTEM"]
