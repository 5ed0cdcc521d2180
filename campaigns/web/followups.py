"""回头看 pages: the rules and the 回头看 with their results (回潮率), setting up a rule (also in one click
from a hot spot), and the inspector's task page on the phone with the old photos."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns import kpis, selectors
from campaigns.filters import FollowUpFilterSet
from campaigns.services import followups as svc
from campaigns.web import forms
from campaigns.web.common import require_staff, run_form
from cases.models import CasePhoto
from kpi import hotspots


@login_required
def followup_list(request):
    require_staff(request.user)
    filterset = FollowUpFilterSet(request.GET or None, queryset=selectors.followups_for(request.user))
    today = timezone.localdate()
    start = today.replace(day=1)
    context = {
        "rules": selectors.rules_for(request.user)
        .select_related("category", "street", "grid", "campaign")
        .order_by("-id"),
        "followups": filterset.qs[:300],
        "filter": filterset,
        "relapse": [
            (label, kpis.relapse_rows(start.replace(month=1), today, by))
            for by, (_field, label) in kpis.RELAPSE_DIMENSIONS.items()
        ],
        "hot": _hot_cells(request.user),
    }
    return render(request, "campaigns/followup_list.html", context)


def _hot_cells(user) -> list:
    """Hot spots from the analysis (kpi/hotspots.py), each with one-click 回头看 and campaign proposals."""
    if not user.has_role("supervisor", "shift_leader"):
        return []
    return hotspots.hot_cells(hotspots.visible_cases(user), as_of=timezone.localdate(), limit=5).cells


@login_required
def rule_create(request):
    require_staff(request.user)
    initial = {}
    if grid := request.GET.get("grid"):
        initial = {"grid": grid, "name": _("热点网格回头看")}
    form = forms.RuleForm(request.POST or None, initial=initial)
    return run_form(
        request,
        form,
        lambda data: svc.rule_create(actor=request.user, **data),
        success=reverse("followup-list"),
        context={"title": _("设置回头看规则"), "back": reverse("followup-list")},
        done=_("回头看规则已设置"),
    )


@login_required
def followup_detail(request, pk: int):
    require_staff(request.user)
    followup = get_object_or_404(selectors.followups_for(request.user).select_related("case__grid"), pk=pk)
    if request.method == "POST" and not request.user.has_role("inspector"):
        raise PermissionDenied
    form = forms.FollowUpForm(request.POST or None, request.FILES or None)
    old_photos = CasePhoto.objects.filter(case=followup.case).order_by("created_at")
    back = reverse("followup-detail", args=[pk])
    return run_form(
        request,
        form,
        lambda data: svc.followup_record(followup=followup, actor=request.user, **data),
        success=back,
        template="campaigns/followup_detail.html",
        context={
            "followup": followup,
            "old_photos": old_photos,
            "can_record": request.user.has_role("inspector"),
        },
        done=_("回头看结果已登记"),
    )


urlpatterns = [
    path("followups/", followup_list, name="followup-list"),
    path("followups/rules/new/", rule_create, name="followup-rule-create"),
    path("followups/<int:pk>/", followup_detail, name="followup-detail"),
]
