"""Helpers for the security tests (sign-in lock-out, CSRF, uploads, rate limits, privacy, admin audit)."""

import uuid

from django.core.cache import cache
from django.test import Client

# A public address (TEST-NET-3) for clients: /metrics and anything else that trusts loopback must not
# take these tests for the machine itself.
OUTSIDE = "203.0.113.10"
PASSWORD = "cityops-test-password"  # tests/factories.py DEFAULT_PASSWORD


def private_cache(settings) -> None:
    """Rate-limit counters in a cache of this test's own: no other test (or xdist worker) counts in it,
    and clearing it never touches the shared Redis."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"security-{uuid.uuid4().hex}",
        }
    }
    cache.clear()


def signed_in(user, *, address: str = OUTSIDE, **kwargs) -> Client:
    client = Client(REMOTE_ADDR=address, **kwargs)
    client.force_login(user)
    return client


def body_text(response) -> str:
    """The response body as text, whole even when it is streamed."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")
