"""Operations: logs, /healthz, /metrics, outgoing mail, the site's address and the demo password."""

import ipaddress

from django.core.exceptions import ImproperlyConfigured

from core.env import env_choice, env_int, env_list, env_str
from core.log import logging_config

from .base import DEBUG

# ---------------------------------------------------------------- operations: logs, health, metrics
# JSON lines with the request id / task id on every record (core/log.py); text for the demo.
LOG_FORMAT = env_choice("LOG_FORMAT", "text" if DEBUG else "json", ("json", "text"))
LOGGING = logging_config(fmt=LOG_FORMAT, level=env_str("LOG_LEVEL", "INFO"))
# /healthz fails the worker or beat check when its heartbeat (sent every minute) is older than this.
HEALTH_HEARTBEAT_MAX_AGE = env_int("HEALTH_HEARTBEAT_MAX_AGE", 180)
# /healthz, the admin and the supervisors' dashboard warn this many days before the working calendar's
# last known day (issue #24.3: the State Council publishes next year's holidays in November).
CALENDAR_WARN_DAYS = env_int("CALENDAR_WARN_DAYS", 60)
# /metrics: open to these networks (unless proxied) and to `Authorization: Bearer <METRICS_TOKEN>`.
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
METRICS_ALLOWED_NETWORKS = env_list(
    "METRICS_ALLOWED_NETWORKS",
    ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"],
)
try:
    for _net in METRICS_ALLOWED_NETWORKS:
        ipaddress.ip_network(_net, strict=False)
except ValueError as exc:
    raise ImproperlyConfigured(f"METRICS_ALLOWED_NETWORKS: {exc}") from None

SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "cityops@localhost")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)

DEMO_PASSWORD = env_str("DEMO_PASSWORD", "cityops-demo")
# Set explicitly: `make demo` also gives the existing demo accounts this password (it was ignored on a
# database that already had them, while the banner printed it).
DEMO_PASSWORD_GIVEN = bool(env_str("DEMO_PASSWORD", ""))
