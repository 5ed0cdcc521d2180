import json

from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.utils.translation import gettext as _

from cityops.navigation import menu_groups
from core.roles import Role


def _base_layer_labels() -> dict:
    return {"tile": _("底图"), "tianditu": _("天地图"), "gcj02": _("高德/腾讯 (GCJ-02)")}


def map_settings(request) -> dict:
    """The tile sources for map.js's layer switcher (settings.MAP_BASE_LAYERS), as JSON for a data- attribute."""
    labels = _base_layer_labels()
    layers = [
        {
            "key": key,
            "label": labels.get(key, label),
            "crs": crs,
            "urls": urls,
            "attribution": attribution,
            "subdomains": subdomains,
        }
        for key, label, crs, urls, attribution, subdomains in settings.MAP_BASE_LAYERS
    ]
    return {
        "MAP_TILE_URL": settings.MAP_TILE_URL,
        "MAP_TILE_ATTRIBUTION": settings.MAP_TILE_ATTRIBUTION,
        "MAP_BASE_LAYERS_JSON": json.dumps(layers, ensure_ascii=False),
    }


def navigation(request) -> dict:
    """The menu and the unread-notification count for the signed-in user (pages only: the API and the admin do not render templates with it)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": [], "unread_count": 0, "live_push": False}
    menu = menu_groups(user, request.path)
    unread = user.notifications.filter(read_at__isnull=True).count()
    # Served by the ASGI server, pages follow the live feed (live/): the inbox count updates as work
    # arrives. Under WSGI there is no push, and the count is that of the page load.
    return {"menu": menu, "unread_count": unread, "live_push": isinstance(request, ASGIRequest)}


def calendar_warning(request) -> dict:
    """The working calendar is about to run out (issue #24.3): told to supervisors and admins on every
    page, the dashboard and the admin included. Lazy: computed only where a template shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if not (user.is_staff or user.has_role(Role.SUPERVISOR, Role.ADMIN)):
        return {}

    def warning() -> str | None:
        from django.utils import timezone

        from dispatch.calendar import shown_calendar_warning

        return shown_calendar_warning(timezone.localdate())

    return {"calendar_warning": warning}
