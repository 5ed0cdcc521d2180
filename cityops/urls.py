from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from cityops import health, metrics, pwa, views
from grids import web as grid_layers

admin.site.site_header = "CityOps 数字城管平台"
admin.site.site_title = "CityOps"
admin.site.index_title = "基础数据与案件"

handler400 = "cityops.views.bad_request"
handler403 = "cityops.views.permission_denied"
handler404 = "cityops.views.page_not_found"
handler500 = "cityops.views.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification-read"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications-read-all"),
    path("manifest.webmanifest", pwa.manifest, name="pwa-manifest"),
    path("sw.js", pwa.service_worker, name="pwa-service-worker"),
    path("favicon.ico", pwa.favicon, name="favicon"),
    path("map/outline.geojson", grid_layers.outline_layer, name="map-outline"),
    path("map/grids.geojson", grid_layers.grid_layer, name="map-grids"),
    path("map/basemap.geojson", grid_layers.basemap_layer, name="map-basemap"),
    path("", include("cases.web.urls")),
    path("", include("enforcement.urls")),
    path("", include("kpi.web")),
    path("", include("assessment.web")),
    path("", include("campaigns.web.urls")),
    path("", include("live.views")),
    path("", include("patrols.web")),
    path("", include("streets.web")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/", include("cityops.api_urls")),
    path("open311/v2/", include("cases.open311.urls")),
    # Operations (README): health for orchestrators and monitors, metrics for Prometheus.
    path("healthz", health.healthz, name="healthz"),
    path("metrics", metrics.metrics, name="metrics"),
]
