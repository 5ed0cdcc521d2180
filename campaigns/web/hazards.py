"""隐患台账 pages: the register (filter by level, unit, status; overdue in red), registering, and the
hazard page where the unit reports progress and asks for 销号, leaders 督办, and an inspector verifies."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns import kpis, selectors
from campaigns.filters import HazardFilterSet
from campaigns.models import Alert, Event, Hazard, Photo
from campaigns.services import hazards as svc
from campaigns.web import forms
from campaigns.web.common import require_staff, run_form

ACTIONS = {
    # action: (form, service, label)
    "progress": (forms.ProgressForm, svc.hazard_progress, gettext_lazy("报告整改进展")),
    "urge": (forms.NoteForm, svc.hazard_urge, gettext_lazy("督办")),
    "submit": (forms.NotePhotosForm, svc.hazard_submit, gettext_lazy("申请整改销号")),
    "verify": (forms.VerifyForm, svc.hazard_verify, gettext_lazy("验收")),
}


@login_required
def hazard_list(request):
    require_staff(request.user, read=True)
    qs = selectors.hazards_for(request.user)
    filterset = HazardFilterSet(request.GET or None, queryset=qs)
    rows = kpis.hazard_rows(*_year())
    alerts = Alert.objects.filter(user=request.user, read_at__isnull=True)[:20]
    return render(
        request,
        "campaigns/hazard_list.html",
        {
            "hazards": filterset.qs[:300],
            "filter": filterset,
            "totals": kpis.hazard_totals(rows),
            "alerts": alerts,
        },
    )


def _year():
    from django.utils import timezone

    today = timezone.localdate()
    return today.replace(month=1, day=1), today


@login_required
def hazard_create(request):
    require_staff(request.user)
    form = forms.HazardForm(request.POST or None, request.FILES or None)
    return run_form(
        request,
        form,
        lambda data: svc.hazard_register(actor=request.user, **data),
        success=lambda h: reverse("hazard-detail", args=[h.pk]),
        context={"title": _("登记隐患"), "back": reverse("hazard-list"), "multipart": True},
        done=_("隐患已登记"),
    )


@login_required
def hazard_detail(request, pk: int):
    require_staff(request.user, read=True)
    hazard = get_object_or_404(selectors.hazards_for(request.user), pk=pk)
    Alert.objects.filter(user=request.user, url=request.path, read_at__isnull=True).update(read_at=_now())
    return render(
        request,
        "campaigns/hazard_detail.html",
        {
            "hazard": hazard,
            "photos": Photo.objects.filter(subject="hazard", subject_id=hazard.pk),
            "events": Event.objects.filter(subject="hazard", subject_id=hazard.pk).select_related("actor"),
            "actions": [(key, label) for key, (_f, _s, label) in ACTIONS.items()],
        },
    )


def _now():
    from django.utils import timezone

    return timezone.now()


@login_required
def hazard_act(request, pk: int, action: str):
    require_staff(request.user)
    hazard = get_object_or_404(
        selectors.in_district(Hazard.objects.all(), request.user, "street__district_id"), pk=pk
    )
    if action not in ACTIONS:
        from django.http import Http404

        raise Http404
    form_class, service, label = ACTIONS[action]
    form = form_class(request.POST or None, request.FILES or None)
    back = reverse("hazard-detail", args=[pk])
    return run_form(
        request,
        form,
        lambda data: service(hazard=hazard, actor=request.user, **data),
        success=back,
        context={"title": f"{label} · {hazard.number}", "back": back, "multipart": True},
        done=str(label),
    )


urlpatterns = [
    path("hazards/", hazard_list, name="hazard-list"),
    path("hazards/new/", hazard_create, name="hazard-create"),
    path("hazards/<int:pk>/", hazard_detail, name="hazard-detail"),
    path("hazards/<int:pk>/act/<str:action>/", hazard_act, name="hazard-act"),
]
