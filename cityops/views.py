"""The home page (each user's work queues and inbox) and the notification inbox."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.http import require_POST

from campaigns.kpis import home_cards
from cases.models import Notification
from cases.web.queues import queue_counts, queues_for
from cityops import landing
from cityops.navigation import menu_for
from core.roles import STREET_ROLES

INBOX_PREVIEW = 8


# Django's own error answers (handler400/403/404/500): JSON under /api/, where clients parse the
# answer, with a `detail` as DRF's are; the usual pages elsewhere. DRF answers its own errors (400,
# 401, 403, 404, 405, 415, 429) as JSON already; these cover what happens outside a DRF view or
# escapes it (an unmatched address, a SuspiciousOperation, an unhandled exception).


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def bad_request(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": _("请求无效")}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": _("没有执行该操作的权限")}, status=403)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": _("未找到：该地址没有对应的接口或对象")}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """The error is logged with the request id (core/log.py); the client gets the id to quote."""
    if _is_api(request):
        body = {"detail": _("服务器内部错误，请稍后重试；如持续出现请联系管理员")}
        if request_id := getattr(request, "request_id", None):
            body["request_id"] = request_id
        return JsonResponse(body, status=500)
    return defaults.server_error(request)


def home(request):
    """Signed in: the user's queues with counts, shortcuts to their pages, the latest unread notices."""
    if not request.user.is_authenticated:
        return redirect("login")
    user = request.user
    queues = queues_for(user)
    counts = queue_counts(user, queues)
    lights = landing.queue_lights(user, queues)
    inbox = list(
        request.user.notifications.filter(read_at__isnull=True).select_related("case")[:INBOX_PREVIEW]
    )
    return render(
        request,
        "home.html",
        {
            "queues": [(q, counts[q.key], lights.get(q.key, {})) for q in queues],
            "today": timezone.localdate(),
            "inspector_day": landing.inspector_day(user) if user.has_role("inspector") else [],
            "hotline_day": landing.hotline_day(user) if user.has_role("hotline") else [],
            "street_day": landing.street_day(user) if user.roles & STREET_ROLES and user.street_id else [],
            "headline": landing.headline_figures(user) if user.has_role("supervisor", "shift_leader") else [],
            "admin_links": landing.admin_links(user) if user.has_role("admin") else [],
            "shortcuts": menu_for(request.user),
            "inbox": inbox,
            "campaign_cards": home_cards(request.user),  # campaigns' figures for leaders (docs/domain.md §10)
        },
    )


@login_required
def notifications(request):
    notices = request.user.notifications.select_related("case")
    if request.GET.get("unread"):
        notices = notices.filter(read_at__isnull=True)
    page = Paginator(notices, 30).get_page(request.GET.get("page"))
    return render(
        request, "web/notifications.html", {"page": page, "unread_only": bool(request.GET.get("unread"))}
    )


@login_required
@require_POST
def notification_read(request, pk: int):
    """Mark one notice read and go to its case, or to the page of its work (the inbox links through here)."""
    notice = get_object_or_404(Notification, pk=pk, user=request.user)
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    if notice.case_id:
        return redirect("case-detail", notice.case_id)
    if notice.link.startswith("/") and url_has_allowed_host_and_scheme(notice.link, allowed_hosts=None):
        return redirect(notice.link)
    return redirect("notifications")


@login_required
@require_POST
def notifications_read_all(request):
    request.user.notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
    return redirect("notifications")
