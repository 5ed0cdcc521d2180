"""The stream as a bare ASGI application, in front of Django's handler (cityops/asgi.py).

Why not the Django view alone: Django's ASGI handler gives every request its own thread for the sync
middleware (session, auth, …) and closes the database connection that thread opened only when the
response ends. A stream never ends, so 550 screens held 550 idle threads and 550 PostgreSQL connections
(`make bench --only live_wall` hit "too many clients"). Here a connection is authenticated in one short
call on a shared worker thread that closes its connection, and then is only a coroutine waiting on the
hub. Served by WSGI the Django view (live/views.py) still answers, with 503, so the page polls.
"""

import asyncio
import json
import time
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, connections

from live import hub as hubs
from live.views import HEARTBEAT_SECONDS, audience_of, wanted

PATH = "/live/stream"


class _SessionRequest:
    """The little of a request that django.contrib.auth.get_user needs."""

    def __init__(self, session):
        self.session = session


def _authenticate(session_key: str, scope_name: str):
    """(status, audience): 200 with the connection's audience, or 401/403."""
    from importlib import import_module

    from django.contrib.auth import get_user

    close_old_connections()
    try:
        engine = import_module(settings.SESSION_ENGINE)
        user = get_user(_SessionRequest(engine.SessionStore(session_key)))
        if not user.is_authenticated:
            return 401, None
        try:
            return 200, audience_of(user, scope_name)
        except PermissionError:
            return 403, None
    finally:
        # These run on shared worker threads outside any request: nothing else would close them.
        connections.close_all()


authenticate = sync_to_async(_authenticate, thread_sensitive=False)


def _header(scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return ""


async def stream_app(scope, receive, send) -> None:
    query = parse_qs(scope.get("query_string", b"").decode())
    cookie = SimpleCookie()
    cookie.load(_header(scope, b"cookie"))
    session_key = cookie[settings.SESSION_COOKIE_NAME].value if settings.SESSION_COOKIE_NAME in cookie else ""
    status, audience = (
        (401, None) if not session_key else await authenticate(session_key, query.get("scope", ["wall"])[0])
    )
    if status != 200:
        await send(
            {"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain")]}
        )
        await send({"type": "http.response.body", "body": b""})
        return
    raw = _header(scope, b"last-event-id") or query.get("after", ["0"])[0]
    after = int(raw) if raw.isdigit() else 0
    hub = await hubs.hub()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"text/event-stream; charset=utf-8"),
                (b"cache-control", b"no-cache"),
                (b"x-accel-buffering", b"no"),
            ],
        }
    )
    gone = asyncio.Event()

    async def watch_disconnect():
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                gone.set()
                return

    watcher = asyncio.create_task(watch_disconnect())
    hub.connections += 1
    try:
        await _chunk(send, f"retry: 2000\n: connected {hub.connections}\n\n")
        last_beat = time.monotonic()
        while not gone.is_set():
            rows = await hub.after(after, timeout=HEARTBEAT_SECONDS)
            if rows is None:
                await _chunk(send, "event: resync\ndata: {}\n\n")
                break
            out = []
            for row in rows:
                after = row["id"]
                if wanted(row, audience):
                    out.append(f"id: {row['id']}\ndata: {json.dumps(row, ensure_ascii=False)}\n\n")
            if not out and time.monotonic() - last_beat >= HEARTBEAT_SECONDS:
                out.append(": ping\n\n")
            if out:
                last_beat = time.monotonic()
                await _chunk(send, "".join(out))
        await send({"type": "http.response.body", "body": b"", "more_body": False})
    except OSError:
        pass  # the client went away mid-send
    finally:
        hub.connections -= 1
        watcher.cancel()


async def _chunk(send, text: str) -> None:
    await send({"type": "http.response.body", "body": text.encode("utf-8"), "more_body": True})
