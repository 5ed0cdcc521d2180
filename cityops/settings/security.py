"""HTTPS behind a proxy, the client address, sign-in lock-out and the rate limits (core/security.py)."""

from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured

from core.env import env_bool, env_int, env_list, env_str

from .base import DEBUG

# ---------------------------------------------------------------- HTTPS (`manage.py check --deploy`)
# Production runs behind a TLS-terminating proxy, which redirects http → https itself; the app
# learns a request was https from the header the proxy sets, e.g. SECURE_PROXY_SSL_HEADER=
# "X-Forwarded-Proto=https" (the proxy must overwrite any value a client sent).
_proxy_header = env_str("SECURE_PROXY_SSL_HEADER", "")
if _proxy_header:
    _name, _sep, _value = _proxy_header.partition("=")
    if not (_sep and _name.strip() and _value.strip()):
        raise ImproperlyConfigured(
            f"SECURE_PROXY_SSL_HEADER={_proxy_header!r}: use HEADER=value, e.g. X-Forwarded-Proto=https."
        )
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _name.strip().upper().replace("-", "_"), _value.strip())
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# Health checks and scrapes come over plain http from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
# Browsers send HSTS back only over https; start lower (e.g. 3600) while first trying a new domain.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [
    # Each is an operator's explicit choice, documented in the README, not an oversight:
    # the proxy redirects to https (W008); preloading is a commitment made for the whole domain (W021).
    *(["security.W008"] if not SECURE_SSL_REDIRECT else []),
    *(["security.W021"] if not SECURE_HSTS_PRELOAD else []),
]

# ---------------------------------------------------------------- sign-in lock-out and rate limits
# (core/security.py) How many reverse proxies in front of us append to X-Forwarded-For (0: trust only
# REMOTE_ADDR); the address is what the lock-out and the rate limits count by.
TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)
# django-axes: LOGIN_FAILURE_LIMIT wrong passwords for one username from one address lock that pair out
# for LOGIN_LOCKOUT_MINUTES (the /login/ form, the admin and the API token alike), stored in the database.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
if LOGIN_FAILURE_LIMIT < 1 or LOGIN_LOCKOUT_MINUTES < 1:
    raise ImproperlyConfigured("LOGIN_FAILURE_LIMIT and LOGIN_LOCKOUT_MINUTES must be at least 1.")
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The page promises a time: a retry while locked (even with the right password) must not move it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "core.security.client_ip"
AXES_LOCKOUT_CALLABLE = "core.security.lockout_response"
AXES_VERBOSE = False
# Anonymous requests per client address ("N/s|min|hour|day"): pages, Open311 reads, report photos,
# /healthz and the API together; the OpenAPI schema (costly to generate) on its own; and failed
# sign-ins whatever the username. Signed-in staff and API-key clients are never counted. Open311 POSTs
# have stricter limits of their own, per API key and per address (every attempt counts, refused ones too).
RATE_LIMITS = {
    "anon": env_str("RATE_LIMIT_ANON", "600/min"),
    "schema": env_str("RATE_LIMIT_SCHEMA", "30/min"),
    "login_failures": env_str("RATE_LIMIT_LOGIN_FAILURES", "60/hour"),
    # Sign-in pages and POSTs (/login/, the admin's, the API token) of their own, apart from "anon".
    "login": env_str("RATE_LIMIT_LOGIN", "120/min"),
    "open311_key": env_str("RATE_LIMIT_OPEN311_KEY", "60/min"),
    "open311_ip": env_str("RATE_LIMIT_OPEN311_IP", "20/min"),
}
