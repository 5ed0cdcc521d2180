"""The pages of a street's sub-centre (docs/domain.md §13): the street's queue and a case's 二级派遣 and
提级, a unit's task list with its report form, the district's 提级 queue, and the street dashboard.

Every POST goes through a service; a refusal re-renders the page with the reason and the service's
status (400 naming the field, 403, 409), and nothing is written.
"""

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases.errors import ActionError
from cases.selectors import case_with_scope
from core.roles import DISTRICT_WIDE_ROLES
from grids.models import Street
from streets import dashboard, selectors, services
from streets.models import Escalation, SubDispatch, Unit

DASHBOARD_DAYS = 30


def _street_staff(request) -> int:
    street = services.street_of(request.user)
    if street is None:
        raise PermissionDenied
    return street


@require_GET
@login_required
def home(request):
    """街道工作台: the street's open cases with their deadlines, the reports waiting for 验收, the units'
    work still out, and the street's 提级."""
    street = _street_staff(request)
    cases = selectors.street_cases(request.user).filter(
        status__in=("in_progress", "pending_check", "suspended")
    )
    subs = selectors.sub_dispatches_visible_to(request.user).filter(street_id=street)
    return render(
        request,
        "streets/home.html",
        {
            "street": Street.objects.only("name").get(pk=street),
            "cases": cases[:100],
            "to_accept": subs.filter(state=SubDispatch.State.REPORTED).order_by("reported_at"),
            "out": subs.filter(state=SubDispatch.State.DISPATCHED).order_by("due_at"),
            "escalations": selectors.escalations_visible_to(request.user).filter(street_id=street)[:20],
            "now": timezone.now(),
        },
    )


def _street_case(request, pk):
    street = _street_staff(request)
    case = case_with_scope(request.user, pk)
    if case is None or not case.in_scope or case.street_id != street:
        raise Http404
    return street, case


def _case_page(request, pk, *, error: ActionError | None = None):
    street, case = _street_case(request, pk)
    subs = list(SubDispatch.objects.filter(case=case).select_related("unit").order_by("-dispatched_at"))
    context = {
        "case": case,
        "street_due": services.street_deadline(case),
        "units": Unit.objects.filter(street_id=street, is_active=True).order_by("kind", "name"),
        "subs": subs,
        "has_open": any(s.state in SubDispatch.OPEN_STATES for s in subs),
        "escalations": Escalation.objects.filter(case=case).order_by("-raised_at"),
        "can_dispatch": services.is_street_dispatcher(request.user),
        "error": error,
        "posted": request.POST if error else {},
    }
    return render(request, "streets/case.html", context, status=error.status_code if error else 200)


@login_required
def case_page(request, pk):
    """One case of the street: 二级派遣 to a unit (within the street's deadline), 验收/退回, 提级."""
    if request.method == "GET":
        return _case_page(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    _street, case = _street_case(request, pk)
    what = request.POST.get("do", "")
    try:
        if what == "sub_dispatch":
            services.sub_dispatch(
                case=case,
                unit=request.POST.get("unit"),
                hours=request.POST.get("hours"),
                note=request.POST.get("note", ""),
                actor=request.user,
            )
        elif what in ("accept", "return"):
            sub_id = request.POST.get("sub", "")
            sub = SubDispatch.objects.filter(case=case, pk=int(sub_id)).first() if sub_id.isdigit() else None
            if sub is None:
                raise Http404
            decide = services.sub_accept if what == "accept" else services.sub_return
            decide(sub=sub, actor=request.user, note=request.POST.get("note", ""))
        elif what == "escalate":
            services.escalate(case=case, actor=request.user, reason=request.POST.get("reason", ""))
        else:
            from cases.errors import InvalidInput

            raise InvalidInput(_("未知的操作：%(do)r") % {"do": what}, field="do")
    except ActionError as error:
        return _case_page(request, pk, error=error)
    return redirect("streets-case", pk=case.pk)


def _tasks_page(request, *, error=None, status=200):
    units = list(services.units_of(request.user))
    if not units:
        raise PermissionDenied
    tasks = (
        SubDispatch.objects.filter(unit__in=units).select_related("case", "unit").order_by("state", "due_at")
    )
    open_tasks = [t for t in tasks if t.state == SubDispatch.State.DISPATCHED]
    done = [t for t in tasks if t.state != SubDispatch.State.DISPATCHED][:50]
    return render(
        request,
        "streets/tasks.html",
        {"units": units, "open_tasks": open_tasks, "done": done, "error": error, "now": timezone.now()},
        status=status,
    )


@require_GET
@login_required
def tasks(request):
    """单位任务: the 二级派遣 of the user's units, nearest deadline first, each with its report form."""
    return _tasks_page(request)


@require_POST
@login_required
def task_report(request, pk):
    units = services.units_of(request.user)
    sub = SubDispatch.objects.filter(pk=pk, unit__in=units).first()
    if sub is None:
        raise Http404
    try:
        services.sub_report(
            sub=sub,
            actor=request.user,
            note=request.POST.get("note", ""),
            photos=request.FILES.getlist("photos"),
        )
    except ActionError as error:
        return _tasks_page(request, error=error, status=error.status_code)
    return redirect("streets-tasks")


def _escalations_page(request, *, error: ActionError | None = None):
    user = request.user
    rows = selectors.escalations_visible_to(user).order_by("state", "-raised_at")
    return render(
        request,
        "streets/escalations.html",
        {
            "pending": [r for r in rows if r.state == Escalation.State.PENDING],
            "decided": [r for r in rows if r.state != Escalation.State.PENDING][:50],
            "can_take": services.takes_escalations(user),
            "street": services.street_of(user),
            "error": error,
        },
        status=error.status_code if error else 200,
    )


@require_GET
@login_required
def escalations(request):
    """提级 queue: the district's centre takes escalated cases over or returns them; street staff follow
    their own and may withdraw one still waiting."""
    user = request.user
    if not (
        services.takes_escalations(user)
        or services.street_of(user) is not None
        or user.roles & DISTRICT_WIDE_ROLES
    ):
        raise PermissionDenied
    return _escalations_page(request)


def _decide_escalation(request, pk, service, allowed: bool, then):
    if not allowed:
        raise PermissionDenied
    try:
        row = service(escalation=pk, actor=request.user, note=request.POST.get("note", ""))
    except ActionError as error:
        if error.field == "escalation":
            raise Http404 from None
        if error.status_code == 403:
            raise PermissionDenied(error.message) from None
        return _escalations_page(request, error=error)
    return redirect(then(row))


@require_POST
@login_required
def escalation_take(request, pk):
    """区级受理: the case page next (it waits there for its new 派遣)."""
    return _decide_escalation(
        request,
        pk,
        services.take_escalation,
        services.takes_escalations(request.user),
        lambda row: reverse("case-detail", args=[row.case_id]),
    )


@require_POST
@login_required
def escalation_return(request, pk):
    """区级退回 (a reason required): back to the queue."""
    return _decide_escalation(
        request,
        pk,
        services.return_escalation,
        services.takes_escalations(request.user),
        lambda row: reverse("streets-escalations"),
    )


@require_POST
@login_required
def escalation_withdraw(request, pk):
    """街道撤回: back to the street's page of the case."""
    return _decide_escalation(
        request,
        pk,
        services.withdraw_escalation,
        services.street_of(request.user) is not None,
        lambda row: reverse("streets-case", args=[row.case_id]),
    )


@require_POST
@login_required
def assist(request, pk):
    """协办: the assisting department's record of its part, from the case page's panel."""
    try:
        services.assist_record(
            case=pk,
            actor=request.user,
            note=request.POST.get("note", ""),
            photos=request.FILES.getlist("photos"),
        )
    except ActionError as error:
        if error.status_code == 403:
            raise PermissionDenied(error.message) from None
        if error.field == "case":
            raise Http404 from None
        from django.http import HttpResponse

        return HttpResponse(error.message, status=error.status_code, content_type="text/plain; charset=utf-8")
    return redirect(reverse("case-detail", args=[pk]))


@require_GET
@login_required
def street_dashboard(request):
    """街道看板: the street's figures, its units ranked by on-time 二级派遣, its communities by cases, and
    the 格内解决率. Street staff see their street; the district's leaders choose one."""
    user = request.user
    street_id = services.street_of(user)
    streets = []
    if street_id is None:
        if not (user.is_superuser or user.roles & dashboard.DASHBOARD_LEADERS):
            raise PermissionDenied
        streets = list(Street.objects.only("pk", "name", "code").order_by("code"))
        try:
            street_id = int(request.GET.get("street") or 0) or (streets[0].pk if streets else None)
        except ValueError:
            street_id = streets[0].pk if streets else None
    street = Street.objects.only("pk", "name", "code").filter(pk=street_id).first()
    if street is None:
        return render(request, "streets/dashboard.html", {"streets": streets, "street": None})
    end = timezone.localdate()
    period = (end - timedelta(days=DASHBOARD_DAYS - 1), end)
    figures = dashboard.street_figures(street.pk, period)
    units = dashboard.unit_rows(street.pk, period)
    return render(
        request,
        "streets/dashboard.html",
        {
            "street": street,
            "streets": streets,
            "period": period,
            "figures": figures,
            "within_rate": dashboard.rate(figures.within, figures.closed),
            "sub_overdue_rate": dashboard.rate(figures.sub_overdue, figures.sub_dispatches),
            "communities": [r for r in units if r.unit.kind == Unit.Kind.COMMUNITY],
            "contractors": [r for r in units if r.unit.kind != Unit.Kind.COMMUNITY],
            "community_cases": dashboard.community_ranking(street.pk, period),
        },
    )


urlpatterns = [
    path("streets/", home, name="streets-home"),
    path("streets/cases/<int:pk>/", case_page, name="streets-case"),
    path("streets/tasks/", tasks, name="streets-tasks"),
    path("streets/tasks/<int:pk>/report/", task_report, name="streets-task-report"),
    path("streets/escalations/", escalations, name="streets-escalations"),
    path("streets/escalations/<int:pk>/take/", escalation_take, name="streets-escalation-take"),
    path("streets/escalations/<int:pk>/return/", escalation_return, name="streets-escalation-return"),
    path("streets/escalations/<int:pk>/withdraw/", escalation_withdraw, name="streets-escalation-withdraw"),
    path("streets/assist/<int:pk>/", assist, name="streets-assist"),
    path("streets/dashboard/", street_dashboard, name="streets-dashboard"),
]
