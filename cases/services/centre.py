"""The centre's steps before 处置: 受理, 派发核实, 核实, 不予受理, 立案, 不予立案, 派遣 (docs/domain.md §3)."""

from django.utils.translation import gettext as _

from cases import events
from cases.errors import ActionRefused, InvalidInput
from cases.intake.duplicates import settle_suspects
from cases.models import (
    Case,
    CasePhoto,
    RejectReason,
    Urgency,
    Variant,
)
from cases.rules import loop_ticket
from cases.services._base import _category, _department, _require_photos, _require_text, _transition
from cases.workflow import Action
from dispatch.routing import suggest_department


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
                    _("网格 %(grid)s 没有责任监督员，请先在后台指定") % {"grid": step.case.grid.code},
                    field="inspector",
                )
        elif not grid_inspectors.filter(pk=getattr(inspector, "pk", inspector)).exists():
            raise InvalidInput(
                _("%(inspector)s 不是网格 %(grid)s 的责任监督员")
                % {"inspector": inspector, "grid": step.case.grid.code},
                field="inspector",
            )
        inspector_pk = getattr(inspector, "pk", inspector)
        step.set(verify_inspector_id=inspector_pk)
        step.note = note
        step.payload = events.sent_to_verify(inspector=inspector_pk)
    return step.case


def case_verify(*, case, actor, confirmed: bool, note: str = "", photos=None) -> Case:
    """核实: on site, the inspector confirms the problem (→ 待立案) or finds none (→ 不予受理)."""
    prepared = _require_photos("verify", photos, "photos")
    outcome = "confirmed" if confirmed else "not_confirmed"
    with _transition(case, Action.VERIFY, actor, outcome=outcome) as step:
        if not confirmed:
            step.set(reject_reason=RejectReason.NOT_A_PROBLEM)
        step.note = note
        step.payload = events.verified(confirmed=confirmed)
        step.photos.append((CasePhoto.Stage.VERIFY, prepared))
    return step.case


def case_reject(*, case, actor, reason: str, duplicate_of=None, note: str = "") -> Case:
    """不予受理, with a reason; a duplicate links its original."""
    if reason not in RejectReason.values:
        raise InvalidInput(
            _("原因 %(value)r 无效，应为 %(choices)s")
            % {"value": reason, "choices": ", ".join(RejectReason.values)},
            field="reason",
        )
    with _transition(case, Action.REJECT, actor) as step:
        original = None
        ticket = loop_ticket(step.case)
        if ticket is not None and reason != RejectReason.DUPLICATE:
            raise ActionRefused(_("12345 工单不能自行退回：请向 12345 热线中心申请退单"))
        if ticket is not None and ticket.signed_at is None:
            # 合并办理 takes the ticket on: the centre hears 合并办理, then the original's 办结.
            ticket.signed_at = step.now
            ticket.save(update_fields=["signed_at"])
        if reason == RejectReason.DUPLICATE:
            original = _original_for(step.case, duplicate_of)
            step.set(duplicate_of=original)
            # The pair intake suspected is settled by the rejection, whoever rejects and from where
            # (the API, the page, 确认重复): a suspect left open would later refuse its confirmation.
            settle_suspects(
                case=step.case, originals={original.pk, _pk(duplicate_of)}, actor=actor, at=step.now
            )
        step.set(reject_reason=reason)
        step.note = note
        step.payload = events.rejected(reason=reason, duplicate_of=original.number if original else None)
    return step.case


def _pk(value):
    return getattr(value, "pk", value)


def _original_for(case: Case, duplicate_of) -> Case:
    if duplicate_of in (None, ""):
        raise InvalidInput(_("重复案件须指明原案件"), field="duplicate_of")
    try:
        original = duplicate_of if isinstance(duplicate_of, Case) else Case.objects.get(pk=duplicate_of)
    except (Case.DoesNotExist, ValueError, TypeError):
        raise InvalidInput(
            _("原案件 %(case)s 不存在") % {"case": duplicate_of}, field="duplicate_of"
        ) from None
    # Link to the root so chains of duplicates all point at one original.
    root = original.duplicate_of or original
    if root.pk == case.pk:
        raise InvalidInput(_("案件不能重复于自身（或以自身为原件的案件）"), field="duplicate_of")
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
                raise InvalidInput(_("紧急程度 %(value)r 无效") % {"value": urgency}, field="urgency")
            step.set(urgency=urgency)
        if variant is not None:
            if variant not in Variant.values:
                raise InvalidInput(
                    _("处置类型 %(value)r 无效，应为 %(choices)s")
                    % {"value": variant, "choices": ", ".join(Variant.values)},
                    field="variant",
                )
            step.set(variant=variant)
        step.set(filed_at=step.now)
        step.note = note
        step.payload = events.filed(category=c.category_code, urgency=c.urgency, variant=c.variant)
    return step.case


def case_refuse_filing(*, case, actor, reason: str) -> Case:
    """不予立案, reason required."""
    reason = _require_text(reason, "reason", _("不予立案原因"))
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
                raise InvalidInput(_("没有可建议的处置部门，请指定部门"), field="department")
            department = suggestion.department
        department = _department(department, "department")
        co = [_department(d, "co_departments") for d in co_departments]
        if department in co:
            raise InvalidInput(_("主办部门不能同时是协办部门"), field="co_departments")
        step.set(department=department, dispatched_at=step.now)
        c.co_departments.set(co)
        step.note = note
        step.payload = events.dispatched(
            department=department.code,
            co_departments=[d.code for d in co],
            suggested=suggestion.department.code if suggestion else None,
            suggestion_rule=suggestion.reason if suggestion else None,
        )
    return step.case
