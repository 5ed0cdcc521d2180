from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from cityops.views import home

admin.site.site_header = "CityOps 数字城管平台"
admin.site.site_title = "CityOps"
admin.site.index_title = "基础数据与案件"

urlpatterns = [
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/", include("cityops.api_urls")),
    path("open311/v2/", include("cases.open311.urls")),
]
