"""API keys of machine clients (ApiClient): issued, rotated and revoked; stored as a digest only.

A key is 32 random bytes (URL-safe base64, prefixed `co_` so a leaked one is recognisable in logs and
scanners). The database keeps its SHA-256: a fast hash is enough for a random 256-bit secret (there is
no dictionary to try), and it lets a request find its client by one indexed lookup. The clear key is
returned once, to the person issuing it; rotating replaces the digest, so the old key stops working at
the next request; revoking switches the client off.
"""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

PREFIX = "co_"
# A key longer than this is not one of ours: refused before hashing (the Open311 form field is free text).
MAX_KEY_LENGTH = 128


def new_key() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def stored_fields(key: str) -> dict:
    return {"key_hash": digest(key), "key_prefix": key[:8], "key_issued_at": timezone.now()}


def client_for(key: str, *, kind: str):
    """The active client of this kind holding `key`, or None."""
    from cases.models import ApiClient

    key = (key or "").strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        return None
    return ApiClient.objects.filter(key_hash=digest(key), kind=kind, is_active=True).first()


def shared_secret(client) -> str:
    """The secret both sides of a hotline link hold: it signs our pushes (X-CityOps-Signature) and
    the centre's messages (X-Hotline-Signature). The key itself cannot sign: only its digest is kept.
    The client's webhook secret, else HOTLINE_WEBHOOK_SECRET; "" when neither is set."""
    from django.conf import settings

    return client.webhook_secret or getattr(settings, "HOTLINE_WEBHOOK_SECRET", "") or ""


def fingerprint(secret: str) -> str:
    """What the admin shows of a stored secret: enough to tell two apart, nothing to use."""
    return f"#{hashlib.sha256(secret.encode()).hexdigest()[:8]}" if secret else ""


def rotate_key(client) -> str:
    """A new key for the client; the old one stops working now. Returns the clear key (show it once)."""
    key = new_key()
    with transaction.atomic():
        fields = stored_fields(key)
        type(client).objects.filter(pk=client.pk).update(**fields)
        for name, value in fields.items():
            setattr(client, name, value)
    return key


def rotate_webhook_secret(client) -> str:
    secret = new_webhook_secret()
    type(client).objects.filter(pk=client.pk).update(webhook_secret=secret)
    client.webhook_secret = secret
    return secret


def revoke(client) -> None:
    """Switch the client off: its key is refused from the next request on (a new key needs a new client
    or a rotation after re-enabling)."""
    now = timezone.now()
    type(client).objects.filter(pk=client.pk).update(is_active=False, revoked_at=now)
    client.is_active, client.revoked_at = False, now
