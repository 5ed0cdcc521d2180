"""One service per action of a street's sub-centre (docs/domain.md §13): 二级派遣, the unit's report, the
street's 验收 or 退回, 提级 and how it ends (the district takes it over or returns it, or the street
withdraws it), and a 协办 department's record.

Each locks the case row (as the case services do), checks who may act and on what, changes its own
row, and appends the case's side event (cases/services/side.py) in the same transaction. Refusals:
InvalidInput (400, naming the field), ActionForbidden (403), ActionRefused (409); nothing is written.
"""

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import events
from cases.errors import ActionForbidden, ActionRefused, InvalidInput
from cases.models import ACTION_TEXT_MAX_LENGTH, Case, TimedStep
from cases.photos import accept_photos
from cases.services.side import lock_case, record_side_event
from cases.workflow import OPEN, UNIT_ACTOR, SideEvent, Status
from core.roles import ESCALATION_TAKERS, Role
from dispatch import calendar
from streets.models import Escalation, SubDispatch, Unit

# Longest a unit may be given (working hours): a month of working days; anything longer is a typo.
MAX_HOURS = Decimal("200")


# ---------------------------------------------------------------- who


def street_of(user) -> int | None:
    """The street a street sub-centre user works for, or None (not street staff, or no street set)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.roles & {Role.STREET_DISPATCHER, Role.STREET_LEADER}:
        return user.street_id
    return None


def is_street_dispatcher(user) -> bool:
    return street_of(user) is not None and user.has_role(Role.STREET_DISPATCHER)


def units_of(user):
    """The units whose staff `user` is (active units only)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Unit.objects.none()
    return Unit.objects.filter(staff=user, is_active=True)


def takes_escalations(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.roles & ESCALATION_TAKERS)


def _dispatcher_of(case: Case, actor) -> str:
    if not is_street_dispatcher(actor):
        raise ActionForbidden(_("只有街道指挥可以二级派遣和验收"))
    if case.street_id != actor.street_id:
        raise ActionForbidden(_("案件 %(case)s 不在您所在的街道") % {"case": case.number})
    return Role.STREET_DISPATCHER


def _text(value, field: str, what: str, *, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(_("请填写%(what)s") % {"what": what}, field=field)
    if len(value) > ACTION_TEXT_MAX_LENGTH:
        raise InvalidInput(
            _("%(what)s不能超过 %(limit)d 个字符") % {"what": what, "limit": ACTION_TEXT_MAX_LENGTH},
            field=field,
        )
    return value


def _hours(value) -> Decimal:
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidInput(_("时限须为数字（工作时）：%(value)r") % {"value": value}, field="hours") from None
    if not hours.is_finite() or hours <= 0 or hours > MAX_HOURS:
        raise InvalidInput(_("时限须大于 0 且不超过 %(max)s 个工作时") % {"max": MAX_HOURS}, field="hours")
    return hours.quantize(Decimal("0.01"))


def street_deadline(case: Case) -> datetime | None:
    """The street's deadline for the case: the due time of its running 处置 step (docs/domain.md §6)."""
    step = TimedStep.objects.filter(case=case, finished_at__isnull=True).order_by("-started_at").first()
    return step.due_at if step else None


def _iso(moment: datetime) -> str:
    return timezone.localtime(moment).isoformat(timespec="minutes")


# ---------------------------------------------------------------- 二级派遣


def sub_dispatch(*, case, unit, hours, actor, note: str = "", at=None) -> SubDispatch:
    """Send a case of the street on to one of its units, due within `hours` working hours — never later
    than the street's own deadline for the case."""
    hours = _hours(hours)
    note = _text(note, "note", _("派遣要求"), required=False)
    with transaction.atomic():
        locked = lock_case(case)
        role = _dispatcher_of(locked, actor)
        try:
            unit = unit if isinstance(unit, Unit) else Unit.objects.get(pk=unit)
        except (Unit.DoesNotExist, ValueError, TypeError):
            raise InvalidInput(_("单位 %(unit)r 不存在") % {"unit": unit}, field="unit") from None
        if unit.street_id != locked.street_id or not unit.is_active:
            raise InvalidInput(_("单位 %(unit)s 不是本街道的在用单位") % {"unit": unit}, field="unit")
        if locked.status != Status.IN_PROGRESS:
            raise ActionRefused(
                _("只有处置中的案件可以二级派遣（案件 %(case)s 当前不在处置中）") % {"case": locked.number}
            )
        if SubDispatch.objects.filter(case=locked, state__in=SubDispatch.OPEN_STATES).exists():
            raise ActionRefused(_("案件 %(case)s 已有未完成的二级派遣") % {"case": locked.number})
        street_due = street_deadline(locked)
        if street_due is None:
            raise ActionRefused(_("案件 %(case)s 没有正在计时的处置期限") % {"case": locked.number})
        now = at or timezone.now()
        due = calendar.add(now, hours, calendar.Unit.WORKING_HOURS)
        if due > street_due:
            raise InvalidInput(
                _("单位期限 %(due)s 晚于街道的期限 %(street)s：请缩短时限")
                % {"due": _iso(due).replace("T", " "), "street": _iso(street_due).replace("T", " ")},
                field="hours",
            )
        row = SubDispatch.objects.create(
            case=locked,
            street_id=locked.street_id,
            unit=unit,
            note=note,
            hours=hours,
            dispatched_at=now,
            due_at=due,
            street_due_at=street_due,
            dispatched_by=actor,
        )
        record_side_event(
            case=locked,
            kind=SideEvent.SUB_DISPATCH,
            actor=actor,
            role=role,
            note=note,
            at=now,
            payload=events.sub_dispatched(
                sub_dispatch=row.pk,
                unit=unit.name,
                unit_kind=unit.kind,
                due_at=_iso(due),
                street_due_at=_iso(street_due),
            ),
        )
        return row


def _locked_sub(sub) -> tuple[SubDispatch, Case]:
    pk = sub.pk if isinstance(sub, SubDispatch) else sub
    case_id = SubDispatch.objects.filter(pk=pk).values_list("case_id", flat=True).first()
    if case_id is None:
        raise InvalidInput(_("二级派遣 %(id)s 不存在") % {"id": pk}, field="sub_dispatch")
    case = lock_case(case_id)  # the case first, as every service: no deadlock with the case's own loop
    return SubDispatch.objects.select_for_update().select_related("unit").get(pk=pk), case


def sub_report(*, sub, actor, note: str = "", photos=(), at=None) -> SubDispatch:
    """The unit reports its work done (a note and photos, both optional)."""
    note = _text(note, "note", _("反馈说明"), required=False)
    prepared = accept_photos(photos)
    with transaction.atomic():
        row, case = _locked_sub(sub)
        if not row.unit.staff.filter(pk=getattr(actor, "pk", None)).exists():
            raise ActionForbidden(_("该任务不是派给您所在单位的"))
        if row.state != SubDispatch.State.DISPATCHED:
            raise ActionRefused(_("该任务当前为「%(state)s」，不能反馈") % {"state": row.get_state_display()})
        now = at or timezone.now()
        row.state, row.reported_at, row.reported_by, row.report_note = (
            SubDispatch.State.REPORTED,
            now,
            actor,
            note,
        )
        row.save(update_fields=["state", "reported_at", "reported_by", "report_note"])
        record_side_event(
            case=case,
            kind=SideEvent.SUB_REPORT,
            actor=actor,
            role=UNIT_ACTOR,
            note=note,
            at=now,
            photos=prepared,
            payload=events.sub_reported(sub_dispatch=row.pk, unit=row.unit.name, on_time=now <= row.due_at),
        )
        return row


def _decide(sub, actor, note: str, *, accept: bool, at=None) -> SubDispatch:
    note = _text(note, "note", _("退回理由") if not accept else _("验收意见"), required=not accept)
    with transaction.atomic():
        row, case = _locked_sub(sub)
        role = _dispatcher_of(case, actor)
        if row.state != SubDispatch.State.REPORTED:
            raise ActionRefused(
                _("该任务当前为「%(state)s」，单位反馈后才能验收或退回") % {"state": row.get_state_display()}
            )
        now = at or timezone.now()
        row.state = SubDispatch.State.ACCEPTED if accept else SubDispatch.State.RETURNED
        row.decided_at, row.decided_by, row.decision_note = now, actor, note
        row.save(update_fields=["state", "decided_at", "decided_by", "decision_note"])
        record_side_event(
            case=case,
            kind=SideEvent.SUB_ACCEPT if accept else SideEvent.SUB_RETURN,
            actor=actor,
            role=role,
            note=note,
            at=now,
            payload=events.sub_decided(sub_dispatch=row.pk, unit=row.unit.name),
        )
        return row


def sub_accept(*, sub, actor, note: str = "", at=None) -> SubDispatch:
    """The street accepts the unit's work (验收通过); the case goes on through its own loop (处置反馈)."""
    return _decide(sub, actor, note, accept=True, at=at)


def sub_return(*, sub, actor, note: str, at=None) -> SubDispatch:
    """The street returns the unit's work (退回, a reason required); it may send the case on again."""
    return _decide(sub, actor, note, accept=False, at=at)


# ---------------------------------------------------------------- 提级


def escalate(*, case, actor, reason: str, at=None) -> Escalation:
    """提级: the street hands a hard case to the district, with a reason."""
    reason = _text(reason, "reason", _("提级理由"), required=True)
    with transaction.atomic():
        locked = lock_case(case)
        street = street_of(actor)
        if street is None:
            raise ActionForbidden(_("只有街道指挥和街道领导可以提级"))
        if locked.street_id != street:
            raise ActionForbidden(_("案件 %(case)s 不在您所在的街道") % {"case": locked.number})
        if locked.status not in OPEN:
            raise ActionRefused(_("案件 %(case)s 已办结，不能提级") % {"case": locked.number})
        if Escalation.objects.filter(case=locked, state=Escalation.State.PENDING).exists():
            raise ActionRefused(_("案件 %(case)s 已提级，等待区级受理") % {"case": locked.number})
        now = at or timezone.now()
        row = Escalation.objects.create(
            case=locked, street_id=street, reason=reason, raised_at=now, raised_by=actor
        )
        role = Role.STREET_DISPATCHER if actor.has_role(Role.STREET_DISPATCHER) else Role.STREET_LEADER
        record_side_event(
            case=locked,
            kind=SideEvent.ESCALATE,
            actor=actor,
            role=role,
            note=reason,
            at=now,
            payload=events.escalated(escalation=row.pk, street=locked.street.code),
        )
        return row


def _locked_escalation(escalation) -> tuple[Escalation, Case]:
    pk = escalation.pk if isinstance(escalation, Escalation) else escalation
    case_id = Escalation.objects.filter(pk=pk).values_list("case_id", flat=True).first()
    if case_id is None:
        raise InvalidInput(_("提级 %(id)s 不存在") % {"id": pk}, field="escalation")
    case = lock_case(case_id)  # the case first, as every service
    return Escalation.objects.select_for_update().select_related("street").get(pk=pk), case


def _district_role(actor) -> str:
    role = next((r for r in (Role.SHIFT_LEADER, Role.DISPATCHER) if actor.has_role(r)), None)
    if role is None:
        raise ActionForbidden(_("只有值班长和派遣员可以受理或退回提级"))
    return role


def _still_pending(row: Escalation) -> None:
    if row.state != Escalation.State.PENDING:
        raise ActionRefused(_("该提级已处理（%(state)s）") % {"state": row.get_state_display()})


def _close(row: Escalation, state, actor, note: str, now) -> None:
    row.state, row.taken_at, row.taken_by, row.note = state, now, actor, note
    row.save(update_fields=["state", "taken_at", "taken_by", "note"])


def take_escalation(*, escalation, actor, note: str = "", at=None) -> Escalation:
    """The district's centre takes an escalated case over: the street's open 二级派遣 are recalled and,
    if the street was working on it (处置中 or 挂账), the case goes back to the district's centre to be
    dispatched anew (待派遣, cases/workflow.py SIDE_MOVES); otherwise it stays where the district has it."""
    note = _text(note, "note", _("受理意见"), required=False)
    with transaction.atomic():
        row, case = _locked_escalation(escalation)
        role = _district_role(actor)
        _still_pending(row)
        now = at or timezone.now()
        recalled = SubDispatch.objects.filter(case=case, state__in=SubDispatch.OPEN_STATES).update(
            state=SubDispatch.State.RECALLED,
            decided_at=now,
            decided_by=actor,
            decision_note=_("区级受理提级，收回"),
        )
        _close(row, Escalation.State.TAKEN, actor, note, now)
        record_side_event(
            case=case,
            kind=SideEvent.ESCALATION_TAKEN,
            actor=actor,
            role=role,
            note=note,
            at=now,
            payload=events.escalation_taken(escalation=row.pk, street=row.street.code, recalled=recalled),
        )
        return row


def return_escalation(*, escalation, actor, note: str, at=None) -> Escalation:
    """The district's centre hands an escalation back to the street (退回, a reason required): the case
    stays with the street, in its queue, and its 二级派遣 go on."""
    with transaction.atomic():
        row, case = _locked_escalation(escalation)  # one that does not exist: 404 before the reason
        role = _district_role(actor)
        note = _text(note, "note", _("退回理由"), required=True)
        _still_pending(row)
        now = at or timezone.now()
        _close(row, Escalation.State.RETURNED, actor, note, now)
        record_side_event(
            case=case,
            kind=SideEvent.ESCALATION_RETURNED,
            actor=actor,
            role=role,
            note=note,
            at=now,
            payload=events.escalation_closed(escalation=row.pk, street=row.street.code),
        )
        return row


def withdraw_escalation(*, escalation, actor, note: str = "", at=None) -> Escalation:
    """The street withdraws its 提级 before the district decides (撤回): the case stays with the street."""
    note = _text(note, "note", _("撤回说明"), required=False)
    with transaction.atomic():
        row, case = _locked_escalation(escalation)
        street = street_of(actor)
        if street is None:
            raise ActionForbidden(_("只有街道指挥和街道领导可以撤回提级"))
        if row.street_id != street:
            raise ActionForbidden(_("该提级不是您所在街道提出的"))
        _still_pending(row)
        now = at or timezone.now()
        _close(row, Escalation.State.WITHDRAWN, actor, note, now)
        record_side_event(
            case=case,
            kind=SideEvent.ESCALATION_WITHDRAWN,
            actor=actor,
            role=Role.STREET_DISPATCHER if actor.has_role(Role.STREET_DISPATCHER) else Role.STREET_LEADER,
            note=note,
            at=now,
            payload=events.escalation_closed(escalation=row.pk, street=row.street.code),
        )
        return row


# ---------------------------------------------------------------- 协办


def assist_record(*, case, actor, note: str, photos=(), at=None):
    """A 协办 department records its part of the work on the case (a note, photos optional)."""
    note = _text(note, "note", _("协办情况"), required=True)
    prepared = accept_photos(photos)
    with transaction.atomic():
        locked = lock_case(case)
        department = getattr(actor, "department", None)
        if not (actor.has_role(Role.DEPARTMENT) and department is not None):
            raise ActionForbidden(_("只有协办部门的人员可以记录协办情况"))
        if not locked.co_departments.filter(pk=department.pk).exists():
            raise ActionForbidden(_("您所在部门不是案件 %(case)s 的协办部门") % {"case": locked.number})
        if locked.status not in OPEN:
            raise ActionRefused(_("案件 %(case)s 已办结，不能再记录协办情况") % {"case": locked.number})
        return record_side_event(
            case=locked,
            kind=SideEvent.ASSIST,
            actor=actor,
            role=Role.DEPARTMENT,
            note=note,
            at=at,
            photos=prepared,
            payload=events.assisted(department=department.code),
        )
