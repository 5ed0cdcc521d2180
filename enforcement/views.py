"""Pages: the case panel, parties (list, page, import), outcomes, figures; 我的任务 follow-up checks."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.errors import ActionError
from cases.models import Case
from cases.web.extensions import Task
from dispatch.models import Department
from enforcement import figures as figures_module
from enforcement import permissions, selectors, services
from enforcement.filters import OutcomePageFilter, PartyPageFilter
from enforcement.importers import PartyImportError, import_parties
from enforcement.models import (
    Agency,
    CaseParty,
    CreditPolicy,
    EnforcementEvent,
    Outcome,
    PartyContact,
)
from grids.models import Street


def panel_context(case, user) -> dict | None:
    """The 执法 panel on the case page: the party (suggested/confirmed), outcomes, and the forms."""
    link = CaseParty.objects.filter(case=case).select_related("party").first()
    outcomes = list(
        Outcome.objects.filter(case=case).select_related("agency", "unit").order_by("issued_at", "pk")
    )
    staff = permissions.is_enforcement_staff(user) and permissions.case_in_scope(user, case)
    checker = staff or (
        user.has_role("inspector")
        and any(o.kind == Outcome.Kind.RECTIFICATION and not o.checked_at for o in outcomes)
    )
    if link is None and not outcomes and not staff:
        return None
    eligible, why = (
        services.waiver_eligibility(case) if link and link.state == CaseParty.State.CONFIRMED else (False, "")
    )
    return {
        "case": case,
        "link": link,
        "outcomes": outcomes,
        "staff": staff,
        "checker": checker,
        "can_confirm": permissions.can_confirm(user) and (staff or user.has_role("shift_leader")),
        "open": case.status in services.OPEN_FOR_OUTCOMES,
        "waiver_eligible": eligible,
        "waiver_why": why,
        "agencies": Agency.objects.filter(is_active=True) if staff else (),
        "show_contact": permissions.can_see_contact(user),
        "today": timezone.localdate(),
    }


def check_tasks(user):
    """复查 tasks for the inspector of the case's grid, from the deadline of each 责令改正 order on."""
    if not user.has_role("inspector"):
        return []
    today = timezone.localdate()
    due = services.due_checks(on=today).filter(case__grid__inspectors=user).select_related("case", "party")
    out = []
    for outcome in due:
        deadline = timezone.make_aware(
            timezone.datetime.combine(outcome.deadline, timezone.datetime.max.time())
        )
        out.append(
            Task(
                kind=_("执法复查"),
                title=f"{outcome.case.number} {outcome.party or ''} {outcome.number}".strip(),
                url=reverse("case-detail", args=[outcome.case_id]) + "#enforcement",
                due_at=deadline,
                light="red" if outcome.deadline < today else "yellow",
                where=outcome.case.address,
            )
        )
    return out


# ---------------------------------------------------------------- pages


def _readers_only(request) -> None:
    if not permissions.can_read(request.user):
        raise PermissionDenied


@login_required
def party_list(request):
    """门前三包 parties: search, the 约谈 and referral lists by credit score, repeat offenders per street."""
    _readers_only(request)
    policy = CreditPolicy.current()
    parties = selectors.parties_for(request.user)  # a district's staff: their district's (§13)
    fs = PartyPageFilter(
        request.GET, queryset=parties.select_related("street").order_by("street__code", "name")
    )
    page = Paginator(fs.qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "enforcement/party_list.html",
        {
            "filter": fs,
            "page": page,
            "policy": policy,
            "interview": parties.filter(
                credit_score__lt=policy.interview_below, credit_score__gte=policy.referral_below
            )
            .select_related("street")
            .order_by("credit_score", "name"),
            "referral": parties.filter(credit_score__lt=policy.referral_below)
            .select_related("street")
            .order_by("credit_score", "name"),
            "repeat": selectors.parties_for(request.user, services.repeat_offenders()),
            "can_import": permissions.is_enforcement_staff(request.user) or request.user.has_role("admin"),
        },
    )


@login_required
def party_detail(request, pk: int):
    """A party's page: its 责任书, cases, outcomes, 告知/约谈 records and history."""
    _readers_only(request)
    party = get_object_or_404(selectors.parties_for(request.user).select_related("street"), pk=pk)
    staff = permissions.is_enforcement_staff(request.user)
    if request.method == "POST":
        try:
            services.party_contact_record(
                party=party,
                actor=request.user,
                kind=request.POST.get("kind", ""),
                note=request.POST.get("note", ""),
            )
        except ActionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已记录"))
        return redirect("enforcement-party", pk=party.pk)
    links = party.case_links.select_related("case").order_by("-occurred_at")
    return render(
        request,
        "enforcement/party_detail.html",
        {
            "party": party,
            "letters": party.letters.all(),
            "links": links,
            "outcomes": party.outcomes.select_related("case", "agency").order_by("-issued_at"),
            "contacts": party.contacts.select_related("actor").order_by("-at"),
            "events": EnforcementEvent.objects.filter(party=party)
            .select_related("actor", "case")
            .order_by("-at", "-pk")[:100],
            "show_contact": permissions.can_see_contact(request.user),
            "staff": staff,
            "contact_kinds": PartyContact.Kind.choices,
            "policy": CreditPolicy.current(),
        },
    )


@login_required
def party_import(request):
    if not (permissions.is_enforcement_staff(request.user) or request.user.has_role("admin")):
        raise PermissionDenied
    errors = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            errors = [_("请选择文件")]
        else:
            try:
                result = import_parties(upload.read(), upload.name, actor=request.user)
            except PartyImportError as exc:
                errors = exc.errors
            else:
                messages.success(
                    request,
                    _("导入完成：新增 %(c)s，更新 %(u)s，责任书 %(l)s")
                    % {"c": result.created, "u": result.updated, "l": result.letters},
                )
                return redirect("enforcement-parties")
    return render(request, "enforcement/party_import.html", {"errors": errors})


@login_required
def outcome_list(request):
    _readers_only(request)
    qs = selectors.outcomes_for(request.user).select_related("case", "party", "agency", "unit")
    qs = qs.order_by("-issued_at", "-pk")
    fs = OutcomePageFilter(request.GET, queryset=qs)
    page = Paginator(fs.qs, 50).get_page(request.GET.get("page"))
    # ?party=<id> (from a party's page): named above the list, with a link that drops it.
    party_id = fs.form.cleaned_data.get("party") if fs.is_valid() else None
    party = selectors.parties_for(request.user).filter(pk=party_id).first() if party_id is not None else None
    without_party = request.GET.copy()
    without_party.pop("party", None)
    without_party.pop("page", None)
    return render(
        request,
        "enforcement/outcome_list.html",
        {"filter": fs, "page": page, "party": party, "without_party": without_party.urlencode()},
    )


@login_required
def figures_page(request):
    """执法统计: the figures per street, department, category or month, each linked to its outcomes."""
    _readers_only(request)
    today = timezone.localdate()
    try:
        start = date.fromisoformat(request.GET.get("from") or f"{today.year}-01-01")
        end = date.fromisoformat(request.GET.get("to") or today.isoformat())
    except ValueError:
        start, end = date(today.year, 1, 1), today
    by = request.GET.get("by") if request.GET.get("by") in figures_module.GROUPS else "street"
    district = selectors.district_of(request.user)
    rows = figures_module.figures(start, end, by=by, district=district)
    (total,) = figures_module.figures(start, end, district=district)
    base = reverse("enforcement-outcomes")
    for row in rows:
        key = {"month": None}.get(by, by)
        row["url"] = f"{base}?issued_after={start}&issued_before={end}" + (
            f"&{key}={row['code']}" if key else ""
        )
    return render(
        request,
        "enforcement/figures.html",
        {
            "rows": rows,
            "total": total,
            "start": start,
            "end": end,
            "by": by,
            "groups": [
                ("street", _("街道")),
                ("department", _("部门")),
                ("category", _("类别")),
                ("month", _("月份")),
            ],
        },
    )


# ---------------------------------------------------------------- the case panel's forms

CASE_ACTIONS = ("confirm", "dismiss", "persuade", "rectify", "penalize", "waive", "transfer")
OUTCOME_ACTIONS = ("check", "pay", "receipt", "feedback")


def _date(value: str):
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


@login_required
@require_POST
def case_act(request, pk: int, action: str):
    case = get_object_or_404(selectors.cases_for(request.user), pk=pk)
    p, user = request.POST, request.user
    calls = {
        "confirm": lambda: services.case_party_confirm(
            case=case, actor=user, party=p.get("party") or None, note=p.get("note", "")
        ),
        "dismiss": lambda: services.case_party_dismiss(case=case, actor=user, note=p.get("note", "")),
        "persuade": lambda: services.outcome_persuade(case=case, actor=user, note=p.get("note", "")),
        "rectify": lambda: services.outcome_rectify(
            case=case,
            actor=user,
            deadline=_date(p.get("deadline")),
            number=p.get("number", ""),
            note=p.get("note", ""),
        ),
        "penalize": lambda: services.outcome_penalize(
            case=case,
            actor=user,
            legal_basis=p.get("legal_basis", ""),
            fine=p.get("fine", ""),
            number=p.get("number", ""),
            paid=bool(p.get("paid")),
            note=p.get("note", ""),
        ),
        "waive": lambda: services.outcome_waive(case=case, actor=user, note=p.get("note", "")),
        "transfer": lambda: services.outcome_transfer(
            case=case, actor=user, agency=p.get("agency") or None, note=p.get("note", "")
        ),
    }
    return _run(request, calls[action], case.pk)


@login_required
@require_POST
def outcome_act(request, pk: int, action: str):
    outcome = get_object_or_404(selectors.outcomes_for(request.user), pk=pk)
    p, user = request.POST, request.user
    calls = {
        "check": lambda: services.outcome_check(
            outcome=outcome, actor=user, rectified=p.get("rectified") == "yes", note=p.get("note", "")
        ),
        "pay": lambda: services.outcome_mark_paid(outcome=outcome, actor=user),
        "receipt": lambda: services.transfer_receipt(
            outcome=outcome, actor=user, receipt_no=p.get("receipt_no", "")
        ),
        "feedback": lambda: services.transfer_feedback(
            outcome=outcome, actor=user, feedback=p.get("feedback", "")
        ),
    }
    return _run(request, calls[action], outcome.case_id)


def _run(request, call, case_id: int):
    try:
        call()
    except ActionError as exc:
        if exc.status_code == 403:
            raise PermissionDenied(exc.message) from None
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已保存"))
    return redirect(reverse("case-detail", args=[case_id]) + "#enforcement")


@login_required
def joint_operations(request):
    """联合执法: the operations (date, area, departments, findings, linked cases); 综合执法 staff add one."""
    _readers_only(request)
    staff = permissions.is_enforcement_staff(request.user)
    if request.method == "POST":
        if not staff:
            raise PermissionDenied
        p = request.POST
        numbers = [n.strip() for n in p.get("cases", "").replace("，", ",").split(",") if n.strip()]
        cases = list(Case.objects.filter(number__in=numbers))
        try:
            if len(cases) != len(set(numbers)):
                missing = sorted(set(numbers) - {c.number for c in cases})
                raise ActionError(_("案件编号不存在：%(n)s") % {"n": "、".join(missing)}, field="cases")
            day = _date(p.get("date"))
            if day is None:
                raise ActionError(_("请填写日期"), field="date")
            services.joint_operation_create(
                actor=request.user,
                day=day,
                area=p.get("area", ""),
                street=Street.objects.filter(pk=p.get("street") or None).first(),
                departments=Department.objects.filter(pk__in=p.getlist("departments")),
                findings=p.get("findings", ""),
                cases=cases,
            )
        except ActionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已保存"))
        return redirect("enforcement-joint-operations")
    operations = selectors.operations_for(request.user).select_related("street")
    operations = operations.prefetch_related("departments", "cases")
    district = selectors.district_of(request.user)
    streets = Street.objects.order_by("code")
    departments = Department.objects.filter(is_active=True).order_by("code")
    if district is not None:  # offer their district's streets and offices, and the bureaus
        streets = streets.filter(district_id=district)
        departments = departments.filter(Q(street__isnull=True) | Q(street__district_id=district))
    return render(
        request,
        "enforcement/joint_operations.html",
        {
            "page": Paginator(operations.order_by("-date", "-pk"), 30).get_page(request.GET.get("page")),
            "staff": staff,
            "streets": streets if staff else (),
            "departments": departments if staff else (),
        },
    )
