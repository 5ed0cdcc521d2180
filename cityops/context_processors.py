from django.conf import settings

from cityops.navigation import menu_for


def map_settings(request) -> dict:
    return {"MAP_TILE_URL": settings.MAP_TILE_URL, "MAP_TILE_ATTRIBUTION": settings.MAP_TILE_ATTRIBUTION}


def navigation(request) -> dict:
    """The menu and the unread-notification count for the signed-in user (pages only: the API and the admin do not render templates with it)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": [], "unread_count": 0}
    menu = [(entry.label, entry.url, request.path.startswith(entry.url)) for entry in menu_for(user)]
    unread = user.notifications.filter(read_at__isnull=True).count()
    return {"menu": menu, "unread_count": unread}
