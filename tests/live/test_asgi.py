"""The stream in front of Django (live/asgi.py): who gets a stream, and what it sends."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from live import asgi
from live import hub as hubs


def call(path="/live/stream", query=b"scope=wall", cookie="", stop_after=1):
    """Run the app until it has sent `stop_after` body chunks (or finished); returns the messages."""
    sent = []

    async def receive():
        await asyncio.sleep(3600)

    async def send(message):
        sent.append(message)
        if len([m for m in sent if m["type"] == "http.response.body"]) >= stop_after:
            raise OSError("enough")

    scope = {"type": "http", "path": path, "query_string": query, "headers": []}
    if cookie:
        scope["headers"].append((b"cookie", f"sessionid={cookie}".encode()))

    async def run():
        try:
            await asyncio.wait_for(asgi.stream_app(scope, receive, send), timeout=10)
        except (OSError, TimeoutError):
            pass

    # On a thread of its own: a worker that ran the browser tests before has Playwright's event loop
    # running on this one, and asyncio.run refuses to start inside a running loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, run()).result()
    return sent


def session_for(user) -> str:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return store.session_key


def test_no_session_no_stream():
    assert call()[0]["status"] == 401


@pytest.mark.django_db(transaction=True)
def test_the_wall_stream_is_the_centres_and_staff_may_follow_their_own(world, monkeypatch):
    assert call(cookie=session_for(world.p.inspector))[0]["status"] == 403
    hubs._hubs.clear()
    opened = call(cookie=session_for(world.p.shift_leader))
    assert opened[0]["status"] == 200
    assert (b"content-type", b"text/event-stream; charset=utf-8") in opened[0]["headers"]
    assert opened[1]["body"].startswith(b"retry: 2000")
    staff = call(query=b"scope=staff", cookie=session_for(world.p.inspector))
    assert staff[0]["status"] == 200
