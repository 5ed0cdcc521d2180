"""The base: paths, debug and secrets, the installed apps and middleware, templates, sign-in, language,
static files and the pages' Content-Security-Policy."""

import re
from pathlib import Path

from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from core.env import env_bool, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("CITYOPS_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me" if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])

INSTALLED_APPS = [
    # The admin with every change audited, before and after (core/admin_site.py, core/audit.py).
    "core.admin_site.AuditedAdminConfig",
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
    # The layers, bottom up (docs/architecture.md): the kernel, the domain apps, the project wiring, and
    # the tooling (demo district, generator, benchmarks, load test) that only management commands use.
    "core",
    "grids",
    "dispatch",
    "cases",
    "enforcement",
    "kpi",
    "assessment",
    # Work beyond the single case (docs/domain.md §10): campaigns, 挂号/销号, 回头看, 隐患台账.
    "campaigns",
    # Above cases, hearing of it through cases.signals: notices when work arrives, the live wall.
    "notices",
    "live",
    "patrols",
    "streets",
    "cityops",
    "tooling",
    "django_htmx",
    # Sign-in lock-out after repeated failures, counted in the database (core/security.py).
    "cityops.apps.AxesConfig",
]

MIDDLEWARE = [
    # Outermost: the request id covers everything below, the latency histogram times it (core/log.py,
    # cityops/metrics.py).
    "core.log.RequestIdMiddleware",
    "cityops.metrics.MetricsMiddleware",
    # An oversized API body is refused (413) before any middleware or view reads it.
    "core.middleware.RequestBodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files (including the npm packages, see cityops/assets.py) served by the app itself.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: anonymous traffic is rate-limited, signed-in staff never (core/security.py).
    "core.security.PublicRateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lock-out answer.
    "axes.middleware.AxesMiddleware",
    # Innermost, so its process_exception sees a dropped database first: 503 + Retry-After.
    "core.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "cityops.urls"
WSGI_APPLICATION = "cityops.wsgi.application"
AUTH_USER_MODEL = "core.User"
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
                "cityops.context_processors.calendar_warning",
            ],
        },
    },
]


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
# 天地图 (the official base map, CGCS2000 ≈ WGS-84, WMTS in web mercator) with the district's key, and a
# GCJ-02 provider (高德/腾讯 URL template: map.js shifts its tiles to WGS-84, docs/domain.md §12). Each set
# one adds a choice to the map's layer switcher; the roads and places layer (grids.Road) is always there.
MAP_TIANDITU_KEY = env_str("MAP_TIANDITU_KEY", "")
MAP_GCJ_TILE_URL = env_str("MAP_GCJ_TILE_URL", "")
MAP_GCJ_TILE_ATTRIBUTION = env_str("MAP_GCJ_TILE_ATTRIBUTION", "")
MAP_GCJ_TILE_SUBDOMAINS = env_str("MAP_GCJ_TILE_SUBDOMAINS", "1234")
_TIANDITU = (
    "https://t{s}.tianditu.gov.cn/%s_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=%s"
    "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=%s"
)
# (key, label, crs, tile URL templates drawn together, attribution, subdomains); labels are translated in
# the context processor (cityops/context_processors.py).
MAP_BASE_LAYERS = [
    *([("tile", "底图", "wgs84", [MAP_TILE_URL], MAP_TILE_ATTRIBUTION, "abc")] if MAP_TILE_URL else []),
    *(
        [
            (
                "tianditu",
                "天地图",
                "wgs84",
                [_TIANDITU % ("vec", "vec", MAP_TIANDITU_KEY), _TIANDITU % ("cva", "cva", MAP_TIANDITU_KEY)],
                "© 天地图",
                "01234567",
            )
        ]
        if MAP_TIANDITU_KEY
        else []
    ),
    *(
        [
            (
                "gcj02",
                "高德/腾讯 (GCJ-02)",
                "gcj02",
                [MAP_GCJ_TILE_URL],
                MAP_GCJ_TILE_ATTRIBUTION,
                MAP_GCJ_TILE_SUBDOMAINS,
            )
        ]
        if MAP_GCJ_TILE_URL
        else []
    ),
]

# Content-Security-Policy: scripts only from our own static files (no inline script, no eval), so an
# injected <script> in a description or an address cannot run. Inline style attributes stay allowed
# (Leaflet and Chart.js position elements with them). Photo previews use blob: URLs.
_tile_origins = sorted(
    {
        # A subdomain template (t{s}.tianditu.gov.cn) becomes the CSP wildcard (*.tianditu.gov.cn).
        re.sub(r"//[^./]*\{s\}[^./]*\.", "//*.", "/".join(url.split("/")[:3]))
        for *_, urls, _attribution, _subdomains in MAP_BASE_LAYERS
        for url in urls
        if url.startswith("http")
    }
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:", *_tile_origins],
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
