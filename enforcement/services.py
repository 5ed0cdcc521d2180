"""One service per enforcement action (docs/domain.md §11, issue #20), each writing an EnforcementEvent.

Every service is keyword-only, runs in one transaction, checks the actor and the input before writing,
and raises cases.errors' InvalidInput (400, naming the field), ActionForbidden (403) or ActionRefused (409)
with nothing saved.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from cases.errors import ActionForbidden, ActionRefused, InvalidInput
from cases.models import Case
from cases.workflow import Status
from dispatch.codes import credit_code_errors
from enforcement import credit, permissions, selectors
from enforcement.frontage import NEAR_METRES, FrontageError, bbox_margin_deg, distance_m, parse_frontage
from enforcement.models import (
    Agency,
    CaseParty,
    CreditPolicy,
    EnforcementEvent,
    JointOperation,
    Outcome,
    Party,
    PartyContact,
)

# Outcomes are recorded on a case between 派遣 and 结案; payments and 移送 replies may come after closure.
OPEN_FOR_OUTCOMES = frozenset(
    {
        Status.IN_PROGRESS,
        Status.SUSPENDED,
        Status.PENDING_CHECK,
        Status.PENDING_CLOSURE,
        Status.PENDING_DISPATCH,
    }
)


def _event(
    action: str, *, actor=None, case=None, party=None, outcome=None, note: str = "", at=None, **payload
):
    return EnforcementEvent.objects.create(
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        case=case,
        party=party,
        outcome=outcome,
        note=note,
        at=at or timezone.now(),
        payload=payload,
    )


def _staff(actor, case: Case | None = None):
    unit = permissions.unit_of(actor)
    if unit is None:
        raise ActionForbidden("只有综合执法人员可以录入执法结果")
    if case is not None:
        _own_district(actor, case)
        if not permissions.case_in_scope(actor, case):
            raise ActionForbidden("该案件不属于本执法单位")
    return unit


def _own_district(actor, case: Case) -> None:
    """Acting on another district's case: refused whoever the actor is (docs/domain.md §13)."""
    if selectors.foreign(actor, case.district_id):
        raise ActionForbidden("该案件不属于您所在的区")


def _district_field(actor, district_id: int | None, field: str, what: str) -> None:
    """A referenced row (a street, a party, a department, a case) from another district: 400 naming it."""
    if selectors.foreign(actor, district_id):
        raise InvalidInput(f"{what}不属于您所在的区", field=field)


def _locked(case: Case | int) -> Case:
    pk = case.pk if isinstance(case, Case) else case
    return Case.objects.select_for_update(no_key=True).get(pk=pk)


# ---------------------------------------------------------------- parties


def near_parties(
    lng: float, lat: float, street_id=None, metres: float | None = None
) -> list[tuple[Party, float]]:
    """Parties whose frontage is within `metres` of the point, nearest first."""
    metres = metres if metres is not None else getattr(settings, "ENFORCEMENT_FRONTAGE_METRES", NEAR_METRES)
    dx, dy = bbox_margin_deg(metres, lat)
    qs = Party.objects.filter(
        frontage__isnull=False,
        min_lng__lte=lng + dx,
        max_lng__gte=lng - dx,
        min_lat__lte=lat + dy,
        max_lat__gte=lat - dy,
    )
    if street_id:
        qs = qs.filter(street_id=street_id)
    found = [(p, distance_m(p.frontage, lng, lat)) for p in qs]
    return sorted([(p, d) for p, d in found if d <= metres], key=lambda pd: (pd[1], pd[0].pk))


def clean_party_fields(fields: dict) -> dict:
    """Check and normalise a party's fields (the form, the API and the import share it)."""
    out = dict(fields)
    name = (out.get("name") or "").strip()
    if not name:
        raise InvalidInput("名称不能为空", field="name")
    out["name"] = name
    code = (out.get("credit_code") or "").strip().upper()
    if code and (problems := credit_code_errors(code)):
        raise InvalidInput("统一社会信用代码无效：" + "；".join(problems), field="credit_code")
    out["credit_code"] = code
    if out.get("kind", Party.Kind.SHOP) not in Party.Kind.values:
        raise InvalidInput("类型无效", field="kind")
    if out.get("frontage") not in (None, ""):
        try:
            line = parse_frontage(out["frontage"])
        except FrontageError as exc:
            raise InvalidInput(str(exc), field="frontage") from None
        out["frontage"] = {"type": "LineString", "coordinates": [list(c) for c in line.coords]}
        out["min_lng"], out["min_lat"], out["max_lng"], out["max_lat"] = line.bounds
    else:
        out["frontage"] = None
        out["min_lng"] = out["min_lat"] = out["max_lng"] = out["max_lat"] = None
    return out


def party_save(*, actor, party: Party | None = None, **fields) -> Party:
    """Create or change a party (the frontage drawn or given as GeoJSON)."""
    fields = clean_party_fields(fields)
    with transaction.atomic():
        if party is None:
            party = Party(credit_score=CreditPolicy.current().initial)
        for name, value in fields.items():
            setattr(party, name, value)
        if party.street_id:
            _district_field(actor, party.street.district_id, "street", "街道")
        if (
            party.credit_code
            and Party.objects.filter(credit_code=party.credit_code).exclude(pk=party.pk).exists()
        ):
            raise InvalidInput(f"统一社会信用代码 {party.credit_code} 已登记", field="credit_code")
        created = party.pk is None
        party.save()
        _event("party_create" if created else "party_change", actor=actor, party=party, fields=sorted(fields))
    return party


# ---------------------------------------------------------------- the party on a case


def suggest_party(case: Case) -> CaseParty | None:
    """A case on or near a frontage suggests its party (called from the events_recorded receiver)."""
    if CaseParty.objects.filter(case=case).exists():
        return None
    found = near_parties(case.lng, case.lat, street_id=case.street_id)
    if not found:
        return None
    party, distance = found[0]
    link = CaseParty.objects.create(
        case=case,
        party=party,
        distance_m=round(distance, 1),
        category_code=case.category_code,
        occurred_at=case.created_at,
    )
    _event("party_suggest", case=case, party=party, distance_m=round(distance, 1))
    return link


def case_party_confirm(
    *, case: Case | int, actor, party: Party | int | None = None, note: str = ""
) -> CaseParty:
    """Staff confirm the suggested party (or name another): the case becomes that party's violation."""
    if not permissions.can_confirm(actor):
        raise ActionForbidden("只有综合执法人员或值班长可以确认责任主体")
    with transaction.atomic():
        case = _locked(case)
        _own_district(actor, case)
        if permissions.is_enforcement_staff(actor) and not actor.has_role("shift_leader"):
            _staff(actor, case)
        if case.status in (Status.REJECTED, Status.VOIDED):
            raise ActionRefused("案件已不予立案或作废，不能确认责任主体")
        link = CaseParty.objects.select_for_update().filter(case=case).first()
        if party is None:
            if link is None:
                raise InvalidInput("请选择责任主体", field="party")
            party = link.party
        elif not isinstance(party, Party):
            party = Party.objects.filter(pk=party).first()
            if party is None:
                raise InvalidInput("责任主体不存在", field="party")
        _district_field(actor, party.street.district_id if party.street_id else None, "party", "责任主体")
        previous = link.party if link and link.state == CaseParty.State.CONFIRMED else None
        now = timezone.now()
        if link is None:
            link = CaseParty(case=case)
        link.party, link.state = party, CaseParty.State.CONFIRMED
        link.category_code, link.occurred_at = case.category_code, case.created_at
        link.confirmed_by, link.confirmed_at = actor, now
        link.save()
        _event("party_confirm", actor=actor, case=case, party=party, note=note, at=now)
        credit.refresh(party, as_of=now)
        if previous and previous.pk != party.pk:
            credit.refresh(previous, as_of=now)
    return link


def case_party_dismiss(*, case: Case | int, actor, note: str = "") -> CaseParty:
    """The suggestion was wrong (or the confirmed party was): the case names no party."""
    if not permissions.can_confirm(actor):
        raise ActionForbidden("只有综合执法人员或值班长可以排除责任主体")
    with transaction.atomic():
        case = _locked(case)
        _own_district(actor, case)
        link = CaseParty.objects.select_for_update().filter(case=case).first()
        if link is None:
            raise ActionRefused("该案件没有责任主体")
        if Outcome.objects.filter(case=case, party=link.party).exists():
            raise ActionRefused("已对该责任主体作出执法结果，不能排除")
        was_confirmed = link.state == CaseParty.State.CONFIRMED
        link.state = CaseParty.State.DISMISSED
        link.save(update_fields=["state"])
        _event("party_dismiss", actor=actor, case=case, party=link.party, note=note)
        if was_confirmed:
            credit.refresh(link.party)
    return link


def _confirmed_party(case: Case) -> Party | None:
    link = (
        CaseParty.objects.filter(case=case, state=CaseParty.State.CONFIRMED).select_related("party").first()
    )
    return link.party if link else None


# ---------------------------------------------------------------- 首违免罚


def waiver_eligibility(case: Case) -> tuple[bool, str]:
    """首违免罚 is offered only for a first violation of that kind by the party within the configured window.

    "Earlier violation of that kind": another confirmed case of the party with the same category code that
    occurred in [this case's time − window days, this case's time). One exactly `window` days earlier still
    counts (inclusive); one a second older does not.
    """
    party = _confirmed_party(case)
    if party is None:
        return False, "案件尚未确认责任主体"
    if Outcome.objects.filter(case=case, kind__in=[Outcome.Kind.PENALTY, Outcome.Kind.WAIVER]).exists():
        return False, "本案已作出处罚或免罚决定"
    window = CreditPolicy.current().waiver_window_days
    earlier = (
        CaseParty.objects.filter(
            party=party,
            state=CaseParty.State.CONFIRMED,
            category_code=case.category_code,
            occurred_at__gte=case.created_at - timedelta(days=window),
            occurred_at__lt=case.created_at,
        )
        .exclude(case=case)
        .select_related("case")
        .order_by("-occurred_at")
        .first()
    )
    if earlier:
        return (
            False,
            f"{party.name} 在 {window} 天内已有同类违规（案件 {earlier.case.number}），不适用首违免罚",
        )
    return True, ""


# ---------------------------------------------------------------- outcomes


def _number(unit, year: int, number: str) -> str:
    number = (number or "").strip()
    if number:
        if Outcome.objects.filter(unit=unit, year=year, number=number).exists():
            raise InvalidInput(f"文书编号 {number} 在 {unit.name} {year} 年度已使用", field="number")
        return number
    used = Outcome.objects.filter(unit=unit, year=year).exclude(number="").count()
    while True:
        used += 1
        candidate = f"{unit.doc_prefix}〔{year}〕{used}号"
        if not Outcome.objects.filter(unit=unit, year=year, number=candidate).exists():
            return candidate


def _record(
    case, actor, kind: str, *, numbered: bool, number: str = "", note: str = "", at=None, **fields
) -> Outcome:
    at = at or timezone.now()
    with transaction.atomic():
        case = _locked(case)
        unit = _staff(actor, case)
        if case.status not in OPEN_FOR_OUTCOMES:
            raise ActionRefused(f"案件处于“{case.get_status_display()}”，不能录入执法结果")
        party = _confirmed_party(case)
        if kind in (Outcome.Kind.PENALTY, Outcome.Kind.WAIVER, Outcome.Kind.RECTIFICATION) and party is None:
            raise ActionRefused("请先确认案件的责任主体")
        if kind == Outcome.Kind.WAIVER:
            ok, why = waiver_eligibility(case)
            if not ok:
                raise ActionRefused(why)
        if (
            kind == Outcome.Kind.PENALTY
            and Outcome.objects.filter(
                case=case, kind__in=[Outcome.Kind.PENALTY, Outcome.Kind.WAIVER]
            ).exists()
        ):
            raise ActionRefused("本案已作出处罚或免罚决定")
        year = timezone.localtime(at).year
        outcome = Outcome(
            case=case,
            kind=kind,
            party=party,
            unit=unit,
            year=year,
            number=_number(unit, year, number) if numbered else "",
            issued_at=at,
            note=note,
            actor=actor,
            **fields,
        )
        try:
            with transaction.atomic():
                outcome.save()
        except IntegrityError:  # two clerks with the same number at once: the second one is told
            raise InvalidInput(
                f"文书编号 {outcome.number} 在 {unit.name} {year} 年度已使用", field="number"
            ) from None
        _event(
            kind,
            actor=actor,
            case=case,
            party=party,
            outcome=outcome,
            note=note,
            at=at,
            number=outcome.number,
            **{
                k: str(v) if isinstance(v, Decimal | date | datetime) else getattr(v, "pk", v)
                for k, v in fields.items()
            },
        )
    return outcome


def outcome_persuade(*, case, actor, note: str, at=None) -> Outcome:
    """劝导/教育 on the spot."""
    if not (note or "").strip():
        raise InvalidInput("请填写劝导内容", field="note")
    return _record(case, actor, Outcome.Kind.PERSUASION, numbered=False, note=note, at=at)


def outcome_rectify(*, case, actor, deadline: date, number: str = "", note: str = "", at=None) -> Outcome:
    """《责令限期改正通知书》: a number, a deadline, and a follow-up check due on the deadline."""
    if not isinstance(deadline, date):
        raise InvalidInput("请填写改正期限", field="deadline")
    at = at or timezone.now()
    if deadline < timezone.localtime(at).date():
        raise InvalidInput("改正期限不能早于今天", field="deadline")
    return _record(
        case,
        actor,
        Outcome.Kind.RECTIFICATION,
        numbered=True,
        number=number,
        note=note,
        at=at,
        deadline=deadline,
    )


def _fine(value) -> Decimal:
    try:
        fine = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidInput("罚款金额必须是数字（元）", field="fine") from None
    if not fine.is_finite() or fine < 0:
        raise InvalidInput("罚款金额不能为负数", field="fine")
    if fine != fine.quantize(Decimal("0.01")) or fine >= Decimal("1e10"):
        raise InvalidInput("罚款金额最多两位小数", field="fine")
    return fine.quantize(Decimal("0.01"))


def outcome_penalize(
    *, case, actor, legal_basis: str, fine, number: str = "", paid: bool = False, note: str = "", at=None
) -> Outcome:
    """《行政处罚决定书》: number, legal basis, fine in yuan, paid or not."""
    if not (legal_basis or "").strip():
        raise InvalidInput("请填写法律依据", field="legal_basis")
    fine = _fine(fine)
    at = at or timezone.now()
    return _record(
        case,
        actor,
        Outcome.Kind.PENALTY,
        numbered=True,
        number=number,
        note=note,
        at=at,
        legal_basis=legal_basis.strip(),
        fine=fine,
        paid=bool(paid),
        paid_at=at if paid else None,
    )


def outcome_waive(*, case, actor, note: str = "", at=None) -> Outcome:
    """首违免罚: only when waiver_eligibility says so; on the record like any outcome."""
    return _record(case, actor, Outcome.Kind.WAIVER, numbered=False, note=note, at=at)


def outcome_transfer(*, case, actor, agency: Agency | int, note: str = "", at=None) -> Outcome:
    """移送 to another agency; its receipt and its reported outcome are recorded later."""
    if not isinstance(agency, Agency):
        agency = Agency.objects.filter(pk=agency, is_active=True).first() if agency else None
        if agency is None:
            raise InvalidInput("请选择移送机关", field="agency")
    return _record(case, actor, Outcome.Kind.TRANSFER, numbered=False, note=note, at=at, agency=agency)


def _locked_outcome(outcome: Outcome | int) -> Outcome:
    pk = outcome.pk if isinstance(outcome, Outcome) else outcome
    found = Outcome.objects.select_for_update().select_related("case").filter(pk=pk).first()
    if found is None:
        raise InvalidInput("执法结果不存在", field="outcome")
    return found


def _of_kind(outcome: Outcome, kind: str) -> None:
    """Checked after the actor, so someone who may not act learns nothing about the outcome."""
    if outcome.kind != kind:
        raise ActionRefused(f"这是{outcome.get_kind_display()}，不能执行此操作")


def outcome_check(*, outcome, actor, rectified: bool, note: str = "", at=None) -> Outcome:
    """The follow-up check of a 责令改正 order: by the grid's inspector (我的任务) or 综合执法 staff."""
    at = at or timezone.now()
    with transaction.atomic():
        found = _locked_outcome(outcome)
        case = found.case
        _own_district(actor, case)
        inspector = actor.has_role("inspector") and case.grid.inspectors.filter(pk=actor.pk).exists()
        if not inspector:
            _staff(actor, case)
        _of_kind(found, Outcome.Kind.RECTIFICATION)
        if found.checked_at:
            raise ActionRefused("该通知书已复查")
        found.checked_at, found.checked_by = at, actor
        found.check_result = Outcome.CheckResult.RECTIFIED if rectified else Outcome.CheckResult.NOT_RECTIFIED
        found.save(update_fields=["checked_at", "checked_by", "check_result"])
        _event(
            "check",
            actor=actor,
            case=case,
            party=found.party,
            outcome=found,
            note=note,
            at=at,
            result=found.check_result,
            on_time=timezone.localtime(at).date() <= found.deadline,
        )
    return found


def outcome_mark_paid(*, outcome, actor, at=None) -> Outcome:
    at = at or timezone.now()
    with transaction.atomic():
        found = _locked_outcome(outcome)
        _staff(actor, found.case)
        _of_kind(found, Outcome.Kind.PENALTY)
        if found.paid:
            raise ActionRefused("罚款已登记缴纳")
        found.paid, found.paid_at = True, at
        found.save(update_fields=["paid", "paid_at"])
        _event(
            "paid",
            actor=actor,
            case=found.case,
            party=found.party,
            outcome=found,
            at=at,
            fine=str(found.fine),
        )
    return found


def transfer_receipt(*, outcome, actor, receipt_no: str, at=None) -> Outcome:
    """The receiving agency's receipt (回执) of a 移送."""
    if not (receipt_no or "").strip():
        raise InvalidInput("请填写回执编号", field="receipt_no")
    at = at or timezone.now()
    with transaction.atomic():
        found = _locked_outcome(outcome)
        _staff(actor, found.case)
        _of_kind(found, Outcome.Kind.TRANSFER)
        if found.received_at:
            raise ActionRefused("已登记回执")
        found.receipt_no, found.received_at = receipt_no.strip(), at
        found.save(update_fields=["receipt_no", "received_at"])
        _event(
            "transfer_receipt",
            actor=actor,
            case=found.case,
            outcome=found,
            at=at,
            receipt_no=found.receipt_no,
        )
    return found


def transfer_feedback(*, outcome, actor, feedback: str, at=None) -> Outcome:
    """What the agency reports back about a transferred case."""
    if not (feedback or "").strip():
        raise InvalidInput("请填写办理结果", field="feedback")
    at = at or timezone.now()
    with transaction.atomic():
        found = _locked_outcome(outcome)
        _staff(actor, found.case)
        _of_kind(found, Outcome.Kind.TRANSFER)
        if not found.received_at:
            raise ActionRefused("请先登记移送回执")
        found.feedback, found.feedback_at = feedback.strip(), at
        found.save(update_fields=["feedback", "feedback_at"])
        _event("transfer_feedback", actor=actor, case=found.case, outcome=found, at=at, note=found.feedback)
    return found


# ---------------------------------------------------------------- 告知 / 约谈, 联合执法


def party_contact_record(
    *, party: Party | int, actor, kind: str, note: str, case=None, at=None
) -> PartyContact:
    _staff(actor)
    if kind not in PartyContact.Kind.values:
        raise InvalidInput("类型无效", field="kind")
    if not (note or "").strip():
        raise InvalidInput("请填写内容", field="note")
    party = party if isinstance(party, Party) else Party.objects.filter(pk=party).first()
    if party is None:
        raise InvalidInput("责任主体不存在", field="party")
    _district_field(actor, party.street.district_id if party.street_id else None, "party", "责任主体")
    if case is not None:
        _district_field(actor, case.district_id, "case", "案件")
    at = at or timezone.now()
    with transaction.atomic():
        record = PartyContact.objects.create(
            party=party, kind=kind, case=case, at=at, note=note.strip(), actor=actor
        )
        _event(kind, actor=actor, case=case, party=party, at=at, note=record.note)
    return record


def joint_operation_create(
    *, actor, day: date, area: str, departments, findings: str = "", cases=(), street=None
) -> JointOperation:
    _staff(actor)
    if not (area or "").strip():
        raise InvalidInput("请填写区域", field="area")
    departments = list(departments)
    if len(departments) < 2:
        raise InvalidInput("联合执法至少需要两个参与部门", field="departments")
    cases = list(cases)
    if street is not None:
        _district_field(actor, street.district_id, "street", "街道")
    for department in departments:  # a street's office belongs to its district; a bureau to none
        if department.street_id:
            _district_field(actor, department.street.district_id, "departments", f"部门 {department.name} ")
    for case in cases:
        _district_field(actor, case.district_id, "cases", f"案件 {case.number} ")
    with transaction.atomic():
        op = JointOperation.objects.create(
            date=day, area=area.strip(), findings=findings, street=street, actor=actor
        )
        op.departments.set(departments)
        op.cases.set(cases)
        _event(
            "joint_operation",
            actor=actor,
            at=timezone.now(),
            operation=op.pk,
            departments=[d.pk for d in departments],
        )
    return op


# ---------------------------------------------------------------- reads used by pages, API and figures


def repeat_offenders(*, street=None, days: int | None = None, as_of: datetime | None = None):
    """Parties with at least `repeat_threshold` confirmed violations in the last `days` (the waiver window)."""
    from django.db.models import Count

    policy = CreditPolicy.current()
    as_of = as_of or timezone.now()
    since = as_of - timedelta(days=days or policy.waiver_window_days)
    qs = Party.objects.annotate(
        violations=Count(
            "case_links",
            filter=Q(
                case_links__state=CaseParty.State.CONFIRMED,
                case_links__occurred_at__gte=since,
                case_links__occurred_at__lte=as_of,
            ),
        )
    ).filter(violations__gte=policy.repeat_threshold)
    if street is not None:
        qs = qs.filter(street=street)
    return qs.select_related("street").order_by("street__code", "-violations", "name")


def due_checks(*, on: date | None = None):
    """Rectification orders whose follow-up check is due (deadline today or earlier) and not yet done."""
    on = on or timezone.localdate()
    return Outcome.objects.filter(kind=Outcome.Kind.RECTIFICATION, checked_at__isnull=True, deadline__lte=on)
