"""The wall's page, its snapshot, and the live feed by push (SSE) and by polling (docs/architecture.md).

The push endpoint, under an ASGI server (uvicorn: `make demo` and the `live` service of
docker-compose.yml), is live/asgi.py, placed in front of Django by cityops/asgi.py: each open connection
is a coroutine waiting on the process's hub (live/hub.py). Served by a WSGI server a stream would hold a
worker thread per screen for ever, so the view here answers 503 at once and the page falls back to
polling `events.json` every POLL_MS.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from core.roles import WALL_ROLES
from live import selectors, snapshot
from live.models import LiveEvent

HEARTBEAT_SECONDS = 15
POLL_MS = 1000
# A screen reloads its snapshot this often even when every event arrived: lights turn yellow and red
# by the clock (the SLA sweep), not by case events.
REFRESH_SECONDS = 120


def _require_wall(user) -> None:
    if not user.roles & WALL_ROLES:
        raise PermissionDenied(_("指挥大屏仅供指挥中心人员使用"))


@login_required
def wall_page(request):
    _require_wall(request.user)
    context = {"poll_ms": POLL_MS, "refresh_s": REFRESH_SECONDS, "push": isinstance(request, ASGIRequest)}
    return render(request, "live/wall.html", context)


@login_required
@never_cache
def wall_snapshot(request):
    _require_wall(request.user)
    return JsonResponse(snapshot.build(request.user))


def _after(request) -> int:
    raw = request.headers.get("Last-Event-ID") or request.GET.get("after") or "0"
    try:
        return max(0, int(raw))
    except ValueError:
        return 0


def audience_of(user, scope: str):
    """Which events a connection receives: a wall every one (a district's wall those of its district's
    grids: docs/domain.md §13); a staff page those of its department or grids. Raises PermissionError
    for a wall that the user may not open."""
    if scope == "wall":
        if not user.roles & WALL_ROLES:
            raise PermissionError(scope)
        district = selectors.district_of(user)
        return None if district is None else {"department": None, "grids": selectors.district_grids(district)}
    return {"department": user.department_id, "grids": set(user.grids.values_list("pk", flat=True))}


def wanted(event: dict, audience) -> bool:
    if audience is None:
        return True
    mine = audience["department"] is not None and event.get("department_id") == audience["department"]
    return mine or event.get("grid_id") in audience["grids"]


@login_required
@never_cache
def events_json(request):
    """The polling fallback: events after `after` (at most 500), or resync when they are gone."""
    scope = request.GET.get("scope", "wall")
    try:
        audience = audience_of(request.user, scope)
    except PermissionError as exc:
        raise PermissionDenied(_("指挥大屏仅供指挥中心人员使用")) from exc
    after = _after(request)
    oldest = LiveEvent.objects.order_by("id").values_list("id", flat=True).first()
    if after and oldest and oldest > after + 1:
        return JsonResponse({"resync": True, "events": [], "last_id": after})
    rows = [e.as_message() for e in LiveEvent.objects.filter(id__gt=after).order_by("id")[:500]]
    events = [r for r in rows if wanted(r, audience)]
    return JsonResponse({"resync": False, "events": events, "last_id": rows[-1]["id"] if rows else after})


@login_required
@never_cache
def unread_json(request):
    """The signed-in user's unread inbox count, fetched by staff pages when the feed says work came."""
    return JsonResponse({"unread": request.user.notifications.filter(read_at__isnull=True).count()})


@login_required
def stream(request):
    """Reached only under WSGI (under ASGI live/asgi.py answers first): no push here, poll instead."""
    response = HttpResponse(status=503)
    response["Retry-After"] = "3600"
    return response


urlpatterns = [
    path("wall/", wall_page, name="wall"),
    path("wall/snapshot.json", wall_snapshot, name="wall-snapshot"),
    path("live/events.json", events_json, name="live-events"),
    path("live/stream", stream, name="live-stream"),
    path("live/unread.json", unread_json, name="live-unread"),
]
