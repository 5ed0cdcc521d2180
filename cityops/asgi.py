import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityops.settings")
django_application = get_asgi_application()

from live import asgi as live  # noqa: E402 - needs the apps loaded


async def application(scope, receive, send):
    """Django, with the live wall's stream answered in front of it (live/asgi.py says why)."""
    if scope["type"] == "http" and scope["path"] == live.PATH:
        return await live.stream_app(scope, receive, send)
    return await django_application(scope, receive, send)
