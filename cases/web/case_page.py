"""The case page (/cases/<pk>/) and the form of each action on it (/cases/<pk>/act/<action>/).

The page reads through `cases.selectors.case_detail` (the user's scope: another department's case is a
404), shows only the buttons `cases.rules.allowed_actions` gives, and every action goes through
its declared service (cases/actions.py); a refusal comes back next to the field it names with the user's input kept.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from cases import channels, events, rules, selectors, timing
from cases.actions import ACTIONS
from cases.caller_history import caller_history
from cases.errors import ActionError
from cases.intake import duplicates
from cases.models import (
    Case,
    CasePhoto,
    CaseRequest,
    RejectReason,
    Satisfaction,
    Urgency,
    Variant,
)
from cases.photos import attach_capture, photo_evidence
from cases.web.extensions import panels_for
from cases.web.forms import ActionForm
from cases.web.suggestions import log_choice
from cases.workflow import (
    ACTION_LABELS,
    OPEN,
    SIDE_ACTOR_LABELS,
    SIDE_EVENT_LABELS,
    STATUS_LABELS,
    SYSTEM,
    Action,
    Status,
    event_label,
)
from core.roles import ROLE_LABELS
from dispatch.calendar import Unit, get_calendar, is_provisional
from dispatch.models import Department

BEFORE_STAGES = (CasePhoto.Stage.REPORT, CasePhoto.Stage.VERIFY)
AFTER_STAGES = (CasePhoto.Stage.FEEDBACK, CasePhoto.Stage.CHECK)
NEARBY_LIMIT = 10
STYLE_ORDER = {"primary": 0, "secondary": 1, "danger": 2}


# ---------------------------------------------------------------- the page


@login_required
def case_detail(request, pk: int):
    case = get_object_or_404(selectors.case_detail(request.user), pk=pk)
    return render(request, "cases/case/detail.html", page_context(request, case))


def page_context(request, case: Case) -> dict:
    user = request.user
    now = timezone.now()
    events = list(case.events.all())
    photos = list(case.photos.all())
    for photo in photos:  # on-site evidence: distance from the case, taken far away or long before
        photo.evidence = photo_evidence(photo, case)
    steps = _steps(case, now)
    allowed = rules.allowed_actions(case, user)
    # The usual next step first, then the alternatives, then what ends or undoes work.
    buttons = sorted((_button(case, action) for action in allowed), key=lambda b: STYLE_ORDER.get(b.style, 1))
    requests = list(case.requests.all())
    decisions = {kind: [b for b in buttons if b.ledger == kind] for kind in CaseRequest.Kind.values}
    current = next((s for s in steps if s.open), None)
    show_caller = selectors.can_see_caller(user)
    return {
        "case": case,
        "status_label": STATUS_LABELS[Status(case.status)],
        "show_caller": show_caller,
        # Repeat callers: only where the caller may be seen at all (core/privacy.py).
        "caller_history": (
            caller_history(case.reporter_phone, before=case.created_at, exclude_case=case.pk)
            if show_caller and case.reporter_phone
            else None
        ),
        "co_departments": list(case.co_departments.all()),
        "timeline": _timeline(case, events, photos),
        "before": [p for p in photos if p.stage in BEFORE_STAGES],
        "after": [p for p in photos if p.stage in AFTER_STAGES],
        "steps": steps,
        "current_step": current,
        "buttons": [b for b in buttons if not b.ledger],
        "pending": [(r, decisions[r.kind]) for r in requests if r.state == CaseRequest.State.PENDING],
        "decided": [r for r in requests if r.state != CaseRequest.State.PENDING],
        "nearby": _nearby(case, user, can_reject=Action.REJECT in allowed),
        "panels": panels_for(case, user),
        "radius": settings.DUPLICATE_RADIUS_M,
        "window_days": settings.DUPLICATE_WINDOW_DAYS,
        "map_data": {
            "number": case.number,
            "lng": case.lng,
            "lat": case.lat,
            "grid": case.grid.code,
            "light": current.light if current else "",
            "label": str(STATUS_LABELS[Status(case.status)]),
        },
    }


@dataclass
class Button:
    action: str
    label: str
    url: str
    quick: bool
    confirm: str
    style: str
    ledger: str


def _button(case: Case, action: str) -> Button:
    spec = ACTIONS[Action(action)].form
    return Button(
        action=action,
        label=str(ACTION_LABELS[Action(action)]),
        url=reverse("case-action", args=[case.pk, action]),
        quick=spec.quick,
        confirm=str(spec.confirm),
        style=spec.style,
        ledger=spec.ledger,
    )


# ---------------------------------------------------------------- timeline


@dataclass
class TimelineEntry:
    event: object
    label: str
    actor: str
    role: str
    details: list[str]
    photos: list


def _timeline(case: Case, events: list, photos: list) -> list[TimelineEntry]:
    by_event: dict[int, list] = {}
    for photo in photos:
        by_event.setdefault(photo.event_id, []).append(photo)
    names = _payload_names(events)
    return [
        TimelineEntry(
            event=event,
            label=event_label(event.action),
            actor=_person(event.actor) if event.actor else _("系统"),
            role=_role_label(event.actor_role),
            details=_details(event, case, names),
            photos=by_event.get(event.pk, []),
        )
        for event in events
    ]


def _person(user) -> str:
    return user.get_full_name() or user.username


def _role_label(role: str) -> str:
    if role == SYSTEM:
        return _("系统")
    return str(ROLE_LABELS.get(role) or SIDE_ACTOR_LABELS.get(role, role))


def _payload_names(events: list) -> dict:
    """Names for the department codes and inspector ids the events carry: one query each, if any."""
    from core.models import User

    codes, users = set(), set()
    for event in events:
        p = event.payload or {}
        if event.action == Action.DISPATCH:
            codes.update([p.get("department"), *p.get("co_departments", [])])
        elif event.action == Action.APPROVE_RETURN:
            codes.add(p.get("returned_by"))
        elif event.action == Action.SEND_VERIFY:
            users.add(p.get("inspector"))
    codes.discard(None)
    users.discard(None)
    departments = dict(Department.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}
    people = {u.pk: _person(u) for u in User.objects.filter(pk__in=users)} if users else {}
    return {"departments": departments, "people": people}


def _choice(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _details(event, case: Case, names: dict) -> list[str]:
    """The facts of an event worth reading on the timeline, from its payload."""
    p = event.payload or {}
    depts = names["departments"]
    a = event.action
    out = []
    if a == Action.REPORT:
        if p.get("source"):
            out.append(_("来源：%s") % channels.label(p["source"]))
        if p.get("self_resolved"):
            out.append(_("自行处置"))
    elif a == Action.REJECT:
        out.append(_("原因：%s") % _choice(RejectReason, p.get("reason", "")))
        if p.get("duplicate_of"):
            out.append(_("重复于案件 %s") % p["duplicate_of"])
    elif a == Action.VERIFY:
        out.append(_("核实结果：属实") if p.get("confirmed") else _("核实结果：不属实"))
    elif a == Action.CHECK:
        out.append(_("核查结果：通过") if p.get("passed") else _("核查结果：不通过，返工"))
    elif a == Action.SEND_VERIFY and p.get("inspector"):
        out.append(_("核实监督员：%s") % names["people"].get(p["inspector"], p["inspector"]))
    elif a == Action.FILE:
        out.append(
            _("类别 %(category)s，%(urgency)s，%(variant)s")
            % {
                "category": p.get("category", ""),
                "urgency": _choice(Urgency, p.get("urgency", "")),
                "variant": _choice(Variant, p.get("variant", "")),
            }
        )
    elif a == Action.DISPATCH:
        out.append(_("主办：%s") % depts.get(p.get("department"), p.get("department")))
        if p.get("co_departments"):
            out.append(_("协办：%s") % "、".join(depts.get(c, c) for c in p["co_departments"]))
    elif a == Action.APPROVE_RETURN and p.get("returned_by"):
        out.append(_("原承办：%s") % depts.get(p["returned_by"], p["returned_by"]))
    elif a in (Action.REQUEST_EXTENSION, Action.APPROVE_EXTENSION):
        hours = events.extension_hours(p)
        if hours:
            out.append(_("延期 %s 工作时") % _amount(hours))
    elif a == Action.CALLBACK:
        out.append(_("满意度：%s") % _choice(Satisfaction, p.get("satisfaction", "")))
    elif a == Action.SUPERVISE and p.get("automatic"):
        out.append(_("超期自动督办"))
    elif a in SIDE_EVENT_LABELS:
        out.extend(events.side_event_details(p))
    return out


# ---------------------------------------------------------------- deadlines


@dataclass
class StepRow:
    label: str
    started_at: object
    due_at: object
    finished_at: object
    light: str
    open: bool
    paused: bool
    on_time: bool | None
    limit: str
    remaining: str
    overdue: bool
    rule: str
    provisional: bool = False  # past the working calendar's last known day (issue #24.3)


def _amount(value: Decimal) -> str:
    text = f"{Decimal(value):.1f}"
    return text[:-2] if text.endswith(".0") else text


def _steps(case: Case, now) -> list[StepRow]:
    steps = list(case.steps.all())
    calendar = get_calendar() if any(s.finished_at is None for s in steps) else None
    rows = []
    for s in steps:
        unit = _choice(Unit, s.limit_unit)
        limit = f"{_amount(s.limit_amount)} {unit}"
        if s.extended_amount:
            limit += _("（延期 %(amount)s %(unit)s）") % {"amount": _amount(s.extended_amount), "unit": unit}
        overdue = False
        if s.finished_at:
            remaining = _("按期完成") if s.on_time else _("超期完成")
            overdue = s.on_time is False
        else:
            left = timing.remaining(s, now, calendar)
            overdue = left < 0
            if overdue:
                remaining = _("已超期 %(amount)s %(unit)s") % {"amount": _amount(-left), "unit": unit}
            else:
                remaining = _("剩余 %(amount)s %(unit)s") % {"amount": _amount(left), "unit": unit}
            if s.paused_at:
                remaining = _("挂账暂停，") + remaining
        rows.append(
            StepRow(
                label=s.get_step_display(),
                started_at=s.started_at,
                due_at=s.due_at,
                finished_at=s.finished_at,
                light=s.light,
                open=s.finished_at is None,
                paused=bool(s.paused_at),
                on_time=s.on_time,
                limit=limit,
                remaining=remaining,
                overdue=overdue,
                rule=s.rule_text,
                provisional=s.finished_at is None and is_provisional(s.due_at, calendar),
            )
        )
    return rows


# ---------------------------------------------------------------- nearby similar cases


@dataclass
class Nearby:
    case: Case
    distance_m: float
    status_label: str
    suspect: str  # the DuplicateSuspect state, "" when intake did not flag the pair
    can_reject: bool


def _nearby(case: Case, user, *, can_reject: bool) -> list[Nearby] | None:
    """Older cases of the same category within DUPLICATE_RADIUS_M (cases/intake/duplicates.py), for
    the centre's deciding roles on an open case; None otherwise (the section is not shown)."""
    if not user.roles & duplicates.DECIDING_ROLES or case.status not in OPEN:
        return None
    radius = settings.DUPLICATE_RADIUS_M
    found = duplicates.candidates(case).only(
        "pk", "number", "status", "category_name", "address", "lng", "lat", "created_at", "duplicate_of_id"
    )[:NEARBY_LIMIT]
    suspects = dict(case.suspects.values_list("original_id", "state"))
    rows = []
    for other in found:
        metres = duplicates.distance_m(case.lng, case.lat, other.lng, other.lat)
        if metres > radius:
            continue
        state = suspects.get(other.pk, "")
        rows.append(
            Nearby(
                case=other,
                distance_m=round(metres),
                status_label=STATUS_LABELS[Status(other.status)],
                suspect=state,
                can_reject=can_reject and case.status == Status.REPORTED,
            )
        )
    return rows


# ---------------------------------------------------------------- the action forms


def _action_or_404(name: str) -> Action:
    try:
        action = Action(name)
    except ValueError:
        raise Http404 from None
    if action not in ACTIONS:
        raise Http404
    return action


@login_required
def case_action(request, pk: int, action: str):
    action = _action_or_404(action)
    case = get_object_or_404(
        selectors.cases_visible_to(request.user).select_related("grid", "category", "component"), pk=pk
    )
    case_url = reverse("case-detail", args=[case.pk])
    template = "cases/case/_action_form.html" if request.htmx else "cases/case/action.html"

    if request.method == "POST":
        form = ActionForm(action, case, request.user, request.POST, request.FILES)
        if form.is_valid():
            if form.has_photos:  # the phone's capture records (case.js), for the on-site evidence
                attach_capture(form.cleaned_data.get("photos"), request.POST.get("photos_capture"))
            try:
                ACTIONS[action].service(case=case, actor=request.user, **form.service_kwargs())
            except ActionError as error:
                form.add_action_error(error)
            else:
                if action == Action.FILE:
                    log_choice(request, case=case, where="file", chosen=form.cleaned_data["category"])
                messages.success(
                    request,
                    _("已完成「%(action)s」：案件 %(number)s")
                    % {"action": form.label, "number": case.number},
                )
                target = (
                    case_url if selectors.cases_visible_to(request.user).filter(pk=case.pk).exists() else "/"
                )
                return HttpResponseClientRedirect(target) if request.htmx else redirect(target)
        dropped = form.photos_dropped(request.FILES)
    else:
        if action not in rules.allowed_actions(case, request.user):
            message = _("当前不能对该案件执行「%s」") % ACTION_LABELS[action]
            if request.htmx:
                return HttpResponse(format_html('<p class="form-error" role="alert">{}</p>', message))
            messages.error(request, message)
            return redirect(case_url)
        form = ActionForm(action, case, request.user)
        dropped = 0
    return render(
        request,
        template,
        {
            "case": case,
            "form": form,
            "action": action,
            "spec": form.spec,
            "status_label": STATUS_LABELS[Status(case.status)],
            "case_url": case_url,
            "photos_dropped": dropped,
            "inline": bool(request.htmx),
        },
    )


urlpatterns = [
    path("cases/<int:pk>/", case_detail, name="case-detail"),
    path("cases/<int:pk>/act/<str:action>/", case_action, name="case-action"),
]
