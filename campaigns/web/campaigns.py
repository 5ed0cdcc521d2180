"""The campaign pages (docs/domain.md §10): the list, setting one up, its page (tasks, figures against goals,
cases by category and street, a map, before/after photos, the 挂号 list), tasks and their reports,
and the 督办 list of everything overdue."""

from collections import Counter

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaigns import kpis, selectors
from campaigns.models import CampaignCase, CampaignTask, Hazard, RegisterItem, TaskReport
from campaigns.services import campaigns as svc
from campaigns.services.common import LEADERS, is_office
from campaigns.web import forms
from campaigns.web.common import STAFF, require_staff, run_form
from cases.errors import ActionError
from cases.models import Case, CasePhoto
from cases.workflow import Status


@login_required
def campaign_list(request):
    require_staff(request.user, read=True)
    campaigns = selectors.campaigns_for(request.user)
    rows = [{"campaign": c, "figures": kpis.campaign_figures(c)} for c in campaigns]
    can_create = request.user.has_role(*LEADERS)
    return render(request, "campaigns/campaign_list.html", {"rows": rows, "can_create": can_create})


@login_required
def campaign_create(request):
    require_staff(request.user)
    initial = {}
    if grid := request.GET.get("grid"):
        initial = {"scope_grids": [grid], "name": _("热点网格专项整治")}
    form = forms.CampaignForm(request.POST or None, initial=initial)
    return run_form(
        request,
        form,
        lambda data: svc.campaign_create(actor=request.user, **form.service_kwargs()),
        success=lambda c: reverse("campaign-detail", args=[c.pk]),
        context={"title": _("设立专项行动"), "back": reverse("campaign-list")},
        done=_("专项行动已设立"),
    )


@login_required
def campaign_detail(request, pk: int):
    require_staff(request.user, read=True)
    user = request.user
    campaign = get_object_or_404(
        selectors.campaigns_for(user).prefetch_related("goals", "departments", "streets"), pk=pk
    )
    figures = kpis.campaign_figures(campaign)
    street = selectors.street_of(user) if not user.roles & STAFF else None
    # A street's staff see their street's part: its offices' tasks, its 挂号 items, its cases.
    own_tasks = selectors.tasks_for(user).filter(campaign=campaign) if street else campaign.tasks.all()
    tasks = list(own_tasks.select_related("department").prefetch_related("reports").order_by("seq", "id"))
    for task in tasks:
        reports = list(task.reports.all())
        task.last_report = reports[-1] if reports else None
        task.can_report = (user.has_role("department") and user.department_id == task.department_id) or (
            task.person_id == user.pk
        )
    office = is_office(user, campaign)
    cases = Case.objects.filter(campaign_tags__campaign=campaign)
    items = campaign.items.all()
    if street:
        cases, items = cases.filter(street_id=street), items.filter(street_id=street)
    by_category = Counter(cases.values_list("category_name", flat=True))
    by_street = Counter(cases.values_list("street__name", flat=True))
    closed = Counter(cases.filter(status=Status.CLOSED).values_list("category_name", flat=True))
    photos = (
        CasePhoto.objects.filter(case__in=cases, case__status=Status.CLOSED, processed_at__isnull=False)
        .exclude(image="")
        .select_related("case")
        .order_by("case_id", "created_at")[:24]
    )
    pairs: dict[int, dict] = {}
    for photo in photos:
        pair = pairs.setdefault(photo.case_id, {"case": photo.case, "before": None, "after": None})
        key = "before" if photo.stage == CasePhoto.Stage.REPORT else "after"
        pair[key] = pair[key] or photo
    context = {
        "campaign": campaign,
        "figures": figures,
        "goals": kpis.goal_progress(campaign, figures),
        "tasks": tasks,
        "office": office,
        "by_category": [(name, n, closed.get(name, 0)) for name, n in by_category.most_common()],
        "by_street": by_street.most_common(),
        "pairs": [p for p in pairs.values() if p["before"] and p["after"]][:6],
        "items": items.select_related("department").order_by("status", "deadline")[:50],
        "street_view": bool(street),
        "task_form": forms.TaskForm(),
        "tag_form": forms.TagForm(),
        "geojson_url": reverse("campaign-geojson", args=[campaign.pk]),
        "today": timezone.localdate(),
    }
    return render(request, "campaigns/campaign_detail.html", context)


@login_required
def campaign_geojson(request, pk: int):
    """The campaign's cases (green closed, yellow open) and 挂号 items (red when overdue) as points."""
    require_staff(request.user, read=True)
    user = request.user
    campaign = get_object_or_404(selectors.campaigns_for(user), pk=pk)
    street = selectors.street_of(user) if not user.roles & STAFF else None
    cases = Case.objects.filter(campaign_tags__campaign=campaign)
    items = campaign.items.all()
    if street:
        cases, items = cases.filter(street_id=street), items.filter(street_id=street)
    features = []
    for case in cases.only("pk", "number", "lng", "lat", "status", "category_name")[:2000]:
        features.append(
            _point(
                case.lng,
                case.lat,
                case.number,
                reverse("case-detail", args=[case.pk]),
                "green" if case.status == Status.CLOSED else "yellow",
                case.category_name,
            )
        )
    for item in items[:2000]:
        light = (
            "green"
            if item.status == RegisterItem.Status.CLEARED
            else ("red" if item.is_overdue else "yellow")
        )
        features.append(
            _point(
                item.lng, item.lat, item.number, reverse("register-detail", args=[item.pk]), light, item.title
            )
        )
    return JsonResponse({"type": "FeatureCollection", "features": features})


def _point(lng, lat, number, url, light, label) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lng, lat]},
        "properties": {"number": number, "url": url, "light": light, "label": label},
    }


@login_required
def task_add(request, pk: int):
    campaign = get_object_or_404(selectors.campaigns_for(request.user), pk=pk)
    require_staff(request.user)
    form = forms.TaskForm(request.POST or None)
    return run_form(
        request,
        form,
        lambda data: svc.task_add(campaign=campaign, actor=request.user, **data),
        success=reverse("campaign-detail", args=[pk]),
        context={
            "title": _("布置专项任务：%(name)s") % {"name": campaign.name},
            "back": reverse("campaign-detail", args=[pk]),
        },
        done=_("任务已布置"),
    )


@login_required
def task_report(request, pk: int):
    tasks = selectors.in_district(CampaignTask.objects.all(), request.user, "campaign__district_id")
    task = get_object_or_404(tasks.select_related("campaign", "department"), pk=pk)
    require_staff(request.user)
    form = forms.TaskProgressForm(request.POST or None, initial={"progress": task.progress})
    back = reverse("campaign-detail", args=[task.campaign_id])
    reports = TaskReport.objects.filter(task=task).select_related("actor")
    return run_form(
        request,
        form,
        lambda data: svc.task_report(task=task, actor=request.user, **data),
        success=back,
        context={"title": _("报告任务进度"), "back": back, "task": task, "reports": reports},
        done=_("进度已报告"),
    )


@login_required
@require_POST
def task_urge(request, pk: int):
    require_staff(request.user)
    from django.contrib import messages
    from django.shortcuts import redirect

    task = get_object_or_404(
        selectors.in_district(CampaignTask.objects.all(), request.user, "campaign__district_id"), pk=pk
    )
    try:
        svc.task_urge(task=task, actor=request.user, note=request.POST.get("note", ""))
        messages.success(request, _("已督办"))
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect(request.POST.get("next") or reverse("campaign-detail", args=[task.campaign_id]))


@login_required
def tag_case(request, pk: int):
    campaign = get_object_or_404(selectors.campaigns_for(request.user), pk=pk)
    require_staff(request.user)
    form = forms.TagForm(request.POST or None)

    def call(data):
        case = Case.objects.filter(number=data["case_number"].strip()).first()
        if case is None:
            from cases.errors import InvalidInput

            raise InvalidInput(_("没有编号为 %(n)s 的案件") % {"n": data["case_number"]}, field="case_number")
        return svc.tag_case(campaign=campaign, case=case, actor=request.user)

    back = reverse("campaign-detail", args=[pk])
    return run_form(
        request,
        form,
        call,
        success=back,
        context={"title": _("标记专项案件"), "back": back},
        done=_("已标记"),
    )


@login_required
def overdue(request):
    """督办: open tasks, 挂号 items and hazards past their deadline, the oldest first."""
    require_staff(request.user, read=True)
    today = timezone.localdate()
    tasks = selectors.tasks_for(request.user).filter(status=CampaignTask.Status.OPEN, deadline__lt=today)
    items = (
        selectors.items_for(request.user)
        .exclude(status=RegisterItem.Status.CLEARED)
        .filter(deadline__lt=today)
    )
    hazards = (
        selectors.hazards_for(request.user).exclude(status=Hazard.Status.CLOSED).filter(deadline__lt=today)
    )
    return render(
        request,
        "campaigns/overdue.html",
        {
            "tasks": tasks,
            "items": items,
            "hazards": hazards,
            "can_urge": request.user.has_role(*LEADERS) or request.user.campaign_offices.exists(),
            "today": today,
        },
    )


urlpatterns = [
    path("campaigns/", campaign_list, name="campaign-list"),
    path("campaigns/new/", campaign_create, name="campaign-create"),
    path("campaigns/overdue/", overdue, name="campaign-overdue"),
    path("campaigns/<int:pk>/", campaign_detail, name="campaign-detail"),
    path("campaigns/<int:pk>/map.geojson", campaign_geojson, name="campaign-geojson"),
    path("campaigns/<int:pk>/tasks/new/", task_add, name="campaign-task-add"),
    path("campaigns/<int:pk>/tag/", tag_case, name="campaign-tag"),
    path("campaigns/tasks/<int:pk>/report/", task_report, name="campaign-task-report"),
    path("campaigns/tasks/<int:pk>/urge/", task_urge, name="campaign-task-urge"),
]

__all__ = ["CampaignCase"]
