"""The inspector's pages as an installable web app (docs/domain.md §12: inspectors work with poor signal).

- /manifest.webmanifest: name, icon, start page (上报问题), standalone display.
- /sw.js: the service worker, served from the root so it controls the inspector's pages. Rendered from a
  template with the static files' real (hashed, in production) URLs, so a deploy changes its bytes and
  browsers install the new one. It caches the assets on install, answers the inspector's pages and map
  layers network-first with the last copy as the fallback (我的任务 readable offline), and never touches
  POSTs: a report made offline is queued by report.js (IndexedDB) and sent on reconnect with its
  submission key, which the server turns into "already saved" if it arrives twice.
"""

import hashlib
import json

from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control

ASSETS = (
    "vendor/pico/pico.min.css",
    "vendor/htmx/htmx.min.js",
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet/leaflet.css",
    "vendor/markercluster/leaflet.markercluster.js",
    "vendor/markercluster/MarkerCluster.css",
    "vendor/markercluster/MarkerCluster.Default.css",
    "cityops/app.css",
    "cityops/app.js",
    "cityops/field.css",
    "cityops/case.css",
    "cityops/coords.js",
    "cityops/map.js",
    "cityops/report.js",
    "cityops/suggest.js",
    "cityops/tasks.js",
    "cityops/patrol.js",
    "cityops/outbox.js",
    "cityops/favicon.svg",
)
# Pages (GET) kept for offline reading, and the map layers they draw.
OFFLINE_PAGES = ("inspector-report", "inspector-tasks", "inspector-history", "patrol-phone")
OFFLINE_DATA = ("map-outline", "map-grids", "map-basemap", "inspector-tasks-geojson")


@cache_control(max_age=3600)
def manifest(request):
    return JsonResponse(
        {
            "name": _("CityOps 数字城管 · 监督员"),
            "short_name": "CityOps",
            "start_url": reverse("inspector-report"),
            "scope": "/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#0b5394",
            "lang": "zh-CN",
            "icons": [{"src": static("cityops/favicon.svg"), "sizes": "any", "type": "image/svg+xml"}],
        },
        content_type="application/manifest+json",
    )


@cache_control(no_cache=True)
def service_worker(request):
    assets = [static(path) for path in ASSETS]
    pages = [reverse(name) for name in OFFLINE_PAGES]
    data = [reverse(name) for name in OFFLINE_DATA]
    version = hashlib.sha1(repr((assets, pages, data)).encode()).hexdigest()[:12]
    body = render_to_string(
        "web/sw.js",
        {
            "version": version,
            "assets": json.dumps(assets),
            "pages": json.dumps(pages),
            "data": json.dumps(data),
        },
    )
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


@cache_control(max_age=86400, public=True)
def favicon(request):
    """/favicon.ico: browsers and bookmark tools ask for it at the root whatever the page links to (the
    pages link the SVG). The icon is ours, drawn from cityops/favicon.svg (a blue tile with an M)."""
    from django.contrib.staticfiles import finders
    from django.http import FileResponse

    path = finders.find("cityops/favicon.ico")
    return FileResponse(open(path, "rb"), content_type="image/x-icon")  # noqa: SIM115 (FileResponse closes it)
