"""The patrol pages (docs/domain.md §12): the inspector's 巡查 on the phone and the supervisor's track map."""

from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from core.roles import PATROL_ROLES, PATROL_SUPERVISOR_ROLES
from patrols import selectors
from patrols.models import GridCoverage, Patrol

PHONE_STRINGS = {
    "idle": _("未在巡查。"),
    "active": _("巡查中：已记录 {points} 个点，里程 {km} 公里。"),
    "waiting": _("{n} 个点待上传"),
    "allSent": _("全部已上传"),
    "offline": _("无网络：定位点保存在手机上，恢复网络后自动上传"),
    "noGeolocation": _("此浏览器不支持定位，无法记录巡查轨迹"),
    "denied": _("未获得定位权限，无法记录巡查轨迹"),
    "accuracy": _("定位精度约 {m} 米"),
    "startFailed": _("无法开始巡查，请检查网络后重试"),
    "ending": _("正在上传剩余的点并结束巡查…"),
    "ended": _("巡查已结束：{points} 个点，里程 {km} 公里。"),
}


def _roles(user, allowed) -> bool:
    return bool(user.roles & allowed) or user.is_superuser


@login_required
def phone(request):
    """巡查 on the phone: start, the sampled positions buffered and sent in batches, end."""
    if not _roles(request.user, PATROL_ROLES):
        raise PermissionDenied
    active = Patrol.objects.filter(inspector=request.user, status=Patrol.Status.ACTIVE).first()
    today = Patrol.objects.filter(inspector=request.user, day=timezone.localdate()).order_by("started_at")
    return render(
        request,
        "patrols/phone.html",
        {"active": active, "today": today, "js_strings": PHONE_STRINGS, "api_url": reverse("patrol-list")},
    )


def _day(request) -> date:
    try:
        return date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return timezone.localdate()


@login_required
def supervisor_map(request):
    """Tracks per inspector and day on the map, grids coloured by 面积覆盖率, the missed-patrol list."""
    if not _roles(request.user, PATROL_SUPERVISOR_ROLES):
        raise PermissionDenied
    day = _day(request)
    district = selectors.district_of(request.user)  # a district's staff: their district's only (§13)
    patrols = list(selectors.patrols_on(day, district))
    inspector = request.GET.get("inspector", "")
    coverage = (
        GridCoverage.objects.filter(selectors.in_district(district), day=day)
        .select_related("grid")
        .order_by("-coverage", "grid__code")
    )
    return render(
        request,
        "patrols/map.html",
        {
            "day": day,
            "patrols": patrols,
            "inspectors": sorted({p.inspector.username: p.inspector for p in patrols}.items()),
            "inspector": inspector,
            "summary": selectors.district_coverage(day, district),
            "coverage": coverage[:50],
            "missed": selectors.missed_patrols(day, district=district)[:100],
            "data_url": reverse("patrol-map-data") + f"?day={day.isoformat()}&inspector={inspector}",
        },
    )


@login_required
@require_GET
def supervisor_map_data(request):
    if not _roles(request.user, PATROL_SUPERVISOR_ROLES):
        raise PermissionDenied
    day = _day(request)
    district = selectors.district_of(request.user)
    patrols = selectors.patrols_on(day, district)
    if inspector := request.GET.get("inspector"):
        patrols = patrols.filter(inspector__username=inspector)
    coverage = dict(
        GridCoverage.objects.filter(selectors.in_district(district), day=day).values_list(
            "grid__code", "coverage"
        )
    )
    return JsonResponse(
        {"type": "FeatureCollection", "features": selectors.track_features(patrols), "coverage": coverage}
    )


urlpatterns = [
    path("patrol/", phone, name="patrol-phone"),
    path("patrols/map/", supervisor_map, name="patrol-map"),
    path("patrols/map/data/", supervisor_map_data, name="patrol-map-data"),
]
