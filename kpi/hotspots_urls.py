"""Routes under /api/v1/kpi/hotspots/ (included by cityops/api_urls.py)."""

from django.urls import path

from kpi.hotspots_api import HotCellsView, PatternView, RepeatedPlacesView

urlpatterns = [
    path("cells/", HotCellsView.as_view(), name="kpi-hotspot-cells"),
    path("places/", RepeatedPlacesView.as_view(), name="kpi-hotspot-places"),
    path("pattern/", PatternView.as_view(), name="kpi-hotspot-pattern"),
]
