from django.urls import include, path

from cityops.api import ApiRootView, MeView
from core.api import TokenView

urlpatterns = [
    path("", ApiRootView.as_view(), name="api-root"),
    path("me/", MeView.as_view(), name="api-me"),
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("", include("grids.api_urls")),
    # Before the categories router, whose /categories/<pk>/ would take "suggest" for an id.
    path("", include("cases.suggest.urls")),
    path("", include("dispatch.api_urls")),
    path("", include("cases.api_urls")),
    path("enforcement/", include("enforcement.api_urls")),
    path("", include("notices.api_urls")),
    path("kpi/hotspots/", include("kpi.hotspots_urls")),
    path("kpi/", include("kpi.api_urls")),
    path("kpi/reports/", include("kpi.reports_urls")),
    path("assessment/", include("assessment.api_urls")),
    path("", include("campaigns.api_urls")),
    path("", include("patrols.api_urls")),
    path("", include("streets.api_urls")),
]
