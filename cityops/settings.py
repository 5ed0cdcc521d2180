"""CityOps settings. Everything that differs between machines comes from the environment (README)."""

import ipaddress
from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

from cityops.env import env_bool, env_database, env_float, env_int, env_list, env_str, env_url
from cityops.log import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CITYOPS_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me" if DEBUG else "")
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])

INSTALLED_APPS = [
    # The admin with every change audited, before and after (cityops/admin_site.py, cityops/audit.py).
    "cityops.admin_site.AuditedAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "cityops",
    "grids",
    "dispatch",
    "cases",
    "kpi",
    "django_htmx",
    # Sign-in lock-out after repeated failures, counted in the database (cityops/security.py).
    "axes",
]

MIDDLEWARE = [
    # Outermost: the request id covers everything below, the latency histogram times it (cityops/log.py,
    # cityops/metrics.py).
    "cityops.log.RequestIdMiddleware",
    "cityops.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files (including the npm packages, see cityops/assets.py) served by the app itself.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cityops.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: anonymous traffic is rate-limited, signed-in staff never (cityops/security.py).
    "cityops.security.PublicRateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lock-out answer.
    "axes.middleware.AxesMiddleware",
    # Innermost, so its process_exception sees a dropped database first: 503 + Retry-After.
    "cityops.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "cityops.urls"
WSGI_APPLICATION = "cityops.wsgi.application"
AUTH_USER_MODEL = "cityops.User"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cityops.context_processors.navigation",
                "cityops.context_processors.map_settings",
            ],
        },
    },
]

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'cityops.sqlite3'}")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # SQLite is the embedded demo default: let concurrent web/worker/beat processes wait for the lock.
    # IMMEDIATE transactions take the write lock at BEGIN, so a transaction that reads a case and then
    # changes it cannot act on a stale read (PostgreSQL gets the same from SELECT … FOR UPDATE).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # The planner's price of a random page read, per connection. PostgreSQL's default (4) models a
    # spinning disk, which made it walk a desk queue's 100,000 cases in date order rather than read
    # the few it wants from the (status, created_at) index (7.6 ms → 0.06 ms). 1.1 is the usual value
    # for SSDs and for a working set held in memory; PG_RANDOM_PAGE_COST="" keeps the server's own.
    if (page_cost := env_float("PG_RANDOM_PAGE_COST", 1.1)) is not None:
        DATABASES["default"]["OPTIONS"] = {"options": f"-c random_page_cost={page_cost}"}
    if env_str("CITYOPS_TEST_DB_NAME", ""):
        # Set by the test plugin: one test database per run, so concurrent runs never share one.
        DATABASES["default"]["TEST"] = {"NAME": env_str("CITYOPS_TEST_DB_NAME", "")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "")
# The cache holds rate-limit counters and health data, and those uses fail open or report the fault: a
# Redis that accepts connections but does not answer (hung, or its host gone) must not hold requests.
REDIS_CACHE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
if REDIS_URL:
    env_url("REDIS_URL", REDIS_URL, ("redis", "rediss", "unix"))
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Argon2id for new and changed passwords (memory-hard); older hashes still verify and are upgraded on
# the next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "cityops.assets.NodeModulesFinder",
]
NODE_MODULES_DIR = Path(env_str("NODE_MODULES_DIR", str(BASE_DIR / "node_modules")))
# Base map tiles are optional: the district outline, grids and cases are vector layers that need no
# tiles, so the maps work offline. Set a tile URL template (e.g. an in-house tile server) to add one.
MAP_TILE_URL = env_str("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION", "")

# Content-Security-Policy: scripts only from our own static files (no inline script, no eval), so an
# injected <script> in a description or an address cannot run. Inline style attributes stay allowed
# (Leaflet and Chart.js position elements with them). Photo previews use blob: URLs.
_tile_origin = "/".join(MAP_TILE_URL.split("/")[:3]) if MAP_TILE_URL.startswith("http") else ""
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:", *([_tile_origin] if _tile_origin else [])],
        "connect-src": [SELF],
        "font-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Hashed, compressed static file names (far-future caching) need `collectstatic` to have run, which
# production images do and a checkout does not: so the manifest storage follows DEBUG as read from the
# environment at start-up. The test suite imports settings with DEBUG on (pytest-django turns DEBUG off
# only afterwards), so tests and `make demo` use plain storage; STATIC_MANIFEST overrides either way.
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))

# Celery: the embedded default is kombu's filesystem transport, which needs no server (make demo);
# production sets CELERY_BROKER_URL=redis://…
_BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env_url("CELERY_BROKER_URL", "filesystem://", ("filesystem", "redis", "rediss", "memory"))
if CELERY_BROKER_URL.startswith("filesystem"):
    for sub in ("in", "processed", "control"):
        (_BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_BROKER_DIR / "in"),
        "data_folder_out": str(_BROKER_DIR / "in"),
        "processed_folder": str(_BROKER_DIR / "processed"),
        # Broadcast (control) messages would otherwise land in ./control of whatever directory we run in.
        "control_folder": str(_BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict = {
    # Deadlines are columns, not broker timers: a sweep every minute flips what is due (cases/sla.py).
    "sweep-deadlines": {"task": "cases.tasks.sweep_deadlines", "schedule": 60.0},
    # /healthz's worker and beat checks (cityops/health.py). Expiring: a worker back after an outage
    # skips the backlog of old heartbeats instead of running each one.
    "heartbeat": {"task": "cityops.tasks.heartbeat", "schedule": 60.0, "options": {"expires": 120}},
}
# Workers log through LOGGING below (JSON lines with the task id), not through Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Celery's Django fixup closes the database connection before and after every task unless told to
# reuse it: a new PostgreSQL backend (a fork, authentication, cold caches) per hotline ticket, 14 a
# second at ten times a peak day. Reused instead, for this many tasks (counted twice, before and after
# each task); cityops/celery.py retires broken or old (CONN_MAX_AGE) ones as requests do.
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 1000)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "cityops.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": env_int("API_PAGE_SIZE", 50),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Anonymous callers only, per address (RATE_LIMITS below); staff and API-key clients pass.
    "DEFAULT_THROTTLE_CLASSES": ["cityops.security.AnonymousRateThrottle"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CityOps API",
    "DESCRIPTION": "数字城管 platform: grids, categories, departments, cases and their closed loop.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI assets come from the drf-spectacular-sidecar package: no CDN at run time.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "cases.workflow.STATUS_CHOICES",
        "ComponentStatusEnum": "dispatch.models.Component.Status",
    },
    # The default enum hook, then the 400/401/403/404/415 answers on every operation (cityops/openapi.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "cityops.openapi.document_error_responses",
    ],
}

# ---------------------------------------------------------------- 热线接入、回推与重复案件 (cases/intake)
# Hotline tickets are stored before any broker sees them; these beats are the safety net that turns
# every stored ticket into a case and every status change into a push, whatever the broker did.
CELERY_IMPORTS = ["cases.intake.tasks"]  # not autodiscovered: autodiscovery only finds <app>.tasks
CELERY_BEAT_SCHEDULE.update(
    {
        "hotline-requeue-tickets": {"task": "cases.intake.tasks.requeue_hotline_tickets", "schedule": 60.0},
        "hotline-push-outbox": {"task": "cases.intake.tasks.push_hotline_outbox", "schedule": 30.0},
    }
)
# KPI rollups (kpi/rollup.py): the cells touched since the last run every 5 minutes, and yesterday
# whole at 00:30 to catch anything a run read before its transaction committed.
CELERY_BEAT_SCHEDULE.update(
    {
        "kpi-rollup-incremental": {"task": "kpi.tasks.rollup_incremental", "schedule": 300.0},
        "kpi-rollup-nightly": {"task": "kpi.tasks.rollup_nightly", "schedule": crontab(hour=0, minute=30)},
    }
)
# The service user machine intake reports as (holds the hotline role, so it may report hotline sources).
HOTLINE_INTAKE_USERNAME = env_str("HOTLINE_INTAKE_USERNAME", "hotline_intake")
# A received ticket not processed this long after its last enqueue is enqueued again by the beat.
HOTLINE_REQUEUE_AFTER_MINUTES = env_int("HOTLINE_REQUEUE_AFTER_MINUTES", 5)
HOTLINE_MAX_ATTEMPTS = env_int("HOTLINE_MAX_ATTEMPTS", 5)  # unexpected errors; then state=failed
# Category code used when a ticket's hint matches nothing; empty = the ticket waits for an operator.
HOTLINE_FALLBACK_CATEGORY = env_str("HOTLINE_FALLBACK_CATEGORY", "")
HOTLINE_PUSH_TIMEOUT_SECONDS = env_int("HOTLINE_PUSH_TIMEOUT_SECONDS", 10)
HOTLINE_PUSH_MAX_ATTEMPTS = env_int("HOTLINE_PUSH_MAX_ATTEMPTS", 10)
HOTLINE_PUSH_BACKOFF_SECONDS = env_int("HOTLINE_PUSH_BACKOFF_SECONDS", 30)  # doubles per failed attempt
HOTLINE_PUSH_BACKOFF_MAX_SECONDS = env_int("HOTLINE_PUSH_BACKOFF_MAX_SECONDS", 6 * 3600)
# Suspected duplicates: same category ("category") or same 大类 ("major"), within the radius, against
# open cases and cases closed within the window.
DUPLICATE_MATCH = env_str("DUPLICATE_MATCH", "category")
if DUPLICATE_MATCH not in ("category", "major"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"DUPLICATE_MATCH={DUPLICATE_MATCH!r}: use category or major.")
DUPLICATE_RADIUS_M = env_int("DUPLICATE_RADIUS_M", 50)
DUPLICATE_WINDOW_DAYS = env_int("DUPLICATE_WINDOW_DAYS", 7)
DUPLICATE_MAX_SUSPECTS = env_int("DUPLICATE_MAX_SUSPECTS", 5)  # nearest first; bounds work in hot spots
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(
    {
        "HotlineTicketStateEnum": "cases.models.HotlineTicket.State",
        "DuplicateSuspectStateEnum": "cases.models.DuplicateSuspect.State",
    }
)
# ---------------------------------------------------------------- end of cases/intake settings

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

# Photos (cases/photos.py): images only, checked by content; larger uploads are refused.
PHOTO_MAX_BYTES = env_int("PHOTO_MAX_BYTES", 10 * 1024 * 1024)
PHOTO_MAX_PIXELS = env_int("PHOTO_MAX_PIXELS", 40_000_000)
PHOTO_THUMBNAIL_PX = env_int("PHOTO_THUMBNAIL_PX", 320)
PHOTO_MAX_EDGE_PX = env_int("PHOTO_MAX_EDGE_PX", 2048)  # stored photos' long edge at most
# Which steps must carry an on-site photo (DOMAIN §3). A city may relax this.
PHOTO_REQUIRED_FOR = env_list("PHOTO_REQUIRED_FOR", ["self_resolved", "verify", "submit_feedback", "check"])

# ---------------------------------------------------------------- Open311 GeoReport v2 (cases/open311)
# GET requests: the default window and the most rows one answer carries (the spec's 90 days / 1,000).
OPEN311_WINDOW_DAYS = env_int("OPEN311_WINDOW_DAYS", 90)
OPEN311_MAX_REQUESTS = env_int("OPEN311_MAX_REQUESTS", 1000)
# POST requests: limits on what a public client may send; anything larger is refused, nothing saved.
OPEN311_MAX_BODY_BYTES = env_int("OPEN311_MAX_BODY_BYTES", 1024 * 1024)
OPEN311_MAX_DESCRIPTION = env_int("OPEN311_MAX_DESCRIPTION", 4000)
# Rate limits for POST requests ("N/s|min|hour|day"), per API key and per client IP, counted in the
# default cache (use Redis in production: the local-memory cache counts per process).
OPEN311_THROTTLE_RATES = {
    "api_key": env_str("OPEN311_THROTTLE_KEY_RATE", "60/min"),
    "ip": env_str("OPEN311_THROTTLE_IP_RATE", "20/min"),
}
# How many reverse proxies in front of us append to X-Forwarded-For (0: trust only REMOTE_ADDR).
OPEN311_TRUSTED_PROXIES = env_int("OPEN311_TRUSTED_PROXIES", 0)
# Service discovery: bump OPEN311_CHANGESET when categories change so clients refresh their cache.
OPEN311_CHANGESET = env_str("OPEN311_CHANGESET", "2026-01-01T00:00:00+08:00")
OPEN311_CONTACT = env_str("OPEN311_CONTACT", "城市管理监督指挥中心")
OPEN311_KEY_SERVICE = env_str("OPEN311_KEY_SERVICE", "向城市管理监督指挥中心申请 API 密钥")
OPEN311_ENDPOINT_TYPE = env_str("OPEN311_ENDPOINT_TYPE", "production")

# ---------------------------------------------------------------- operations: logs, health, metrics
# JSON lines with the request id / task id on every record (cityops/log.py); text for the demo.
LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r}: use json or text.")
LOGGING = logging_config(fmt=LOG_FORMAT, level=env_str("LOG_LEVEL", "INFO"))
# /healthz fails the worker or beat check when its heartbeat (sent every minute) is older than this.
HEALTH_HEARTBEAT_MAX_AGE = env_int("HEALTH_HEARTBEAT_MAX_AGE", 180)
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
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"METRICS_ALLOWED_NETWORKS: {exc}") from None

# ---------------------------------------------------------------- HTTPS (`manage.py check --deploy`)
# Production runs behind a TLS-terminating proxy, which redirects http → https itself; the app
# learns a request was https from the header the proxy sets, e.g. SECURE_PROXY_SSL_HEADER=
# "X-Forwarded-Proto=https" (the proxy must overwrite any value a client sent).
_proxy_header = env_str("SECURE_PROXY_SSL_HEADER", "")
if _proxy_header:
    _name, _sep, _value = _proxy_header.partition("=")
    if not (_sep and _name.strip() and _value.strip()):
        from django.core.exceptions import ImproperlyConfigured

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
# (cityops/security.py) How many reverse proxies in front of us append to X-Forwarded-For (0: trust only
# REMOTE_ADDR); the address is what the lock-out and the rate limits count by.
TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", OPEN311_TRUSTED_PROXIES)
# django-axes: LOGIN_FAILURE_LIMIT wrong passwords for one username from one address lock that pair out
# for LOGIN_LOCKOUT_MINUTES (the /login/ form, the admin and the API token alike), stored in the database.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
if LOGIN_FAILURE_LIMIT < 1 or LOGIN_LOCKOUT_MINUTES < 1:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("LOGIN_FAILURE_LIMIT and LOGIN_LOCKOUT_MINUTES must be at least 1.")
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The page promises a time: a retry while locked (even with the right password) must not move it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "cityops.security.client_ip"
AXES_LOCKOUT_CALLABLE = "cityops.security.lockout_response"
AXES_VERBOSE = False
# Anonymous requests per client address ("N/s|min|hour|day"): pages, Open311 reads, report photos,
# /healthz and the API together; the OpenAPI schema (costly to generate) on its own; and failed
# sign-ins whatever the username. Signed-in staff and API-key clients are never counted.
RATE_LIMITS = {
    "anon": env_str("RATE_LIMIT_ANON", "600/min"),
    "schema": env_str("RATE_LIMIT_SCHEMA", "30/min"),
    "login_failures": env_str("RATE_LIMIT_LOGIN_FAILURES", "60/hour"),
}
