"""A fixed-window rate limit for public POSTs, per API key and per client IP, kept in the Django cache.

Every attempt counts, refused ones included, so guessing API keys or flooding with bad input is
limited too. The counter's key carries the window number, so it expires on its own; `add` then
`incr` is atomic on Redis and memcached (and within one process on the local-memory cache).
"""

import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

_PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*([a-z]+)\s*$")


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def parse_rate(text: str, setting: str = "OPEN311_THROTTLE_RATES") -> Rate:
    match = _RATE.match(text or "")
    if not match or match.group(2) not in _PERIODS or int(match.group(1)) < 1:
        raise ImproperlyConfigured(
            f"{setting}: {text!r} is not a rate like 60/min (periods: s, min, hour, day)"
        )
    return Rate(int(match.group(1)), _PERIODS[match.group(2)])


def client_ip(request) -> str:
    """REMOTE_ADDR, or the address our own trusted proxies saw (counted from the right of X-Forwarded-For)."""
    proxies = settings.OPEN311_TRUSTED_PROXIES
    forwarded = [
        part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
    ]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def hit(scope: str, ident: str) -> int | None:
    """Count one attempt for `ident` in `scope`; the seconds to wait when over the limit, else None."""
    rate = parse_rate(settings.OPEN311_THROTTLE_RATES[scope], f"OPEN311_THROTTLE_RATES[{scope!r}]")
    now = time.time()
    window = int(now // rate.seconds)
    key = f"open311:throttle:{scope}:{ident}:{window}"
    # The window's first hit creates the counter; it lives a little past the window's end.
    if cache.add(key, 1, timeout=rate.seconds + 1):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=rate.seconds + 1)
            count = 1
    if count > rate.count:
        return max(1, int((window + 1) * rate.seconds - now) + 1)
    return None


# A wrong rate in the environment stops start-up (this module is imported when the URLs load).
for _scope, _text in settings.OPEN311_THROTTLE_RATES.items():
    parse_rate(_text, f"OPEN311_THROTTLE_RATES[{_scope!r}]")
