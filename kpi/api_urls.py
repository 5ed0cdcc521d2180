"""Routes under /api/v1/kpi/ (included by cityops/api_urls.py); hot spots have their own module."""

from django.urls import path

from kpi import api

urlpatterns = [
    path("summary/", api.SummaryView.as_view(), name="api-kpi-summary"),
    path("trend/", api.TrendView.as_view(), name="api-kpi-trend"),
    path("rankings/", api.RankingView.as_view(), name="api-kpi-rankings"),
    path("breakdown/", api.BreakdownView.as_view(), name="api-kpi-breakdown"),
    path("grids/", api.GridCountsView.as_view(), name="api-kpi-grids"),
    path("hotline/", api.HotlineView.as_view(), name="api-kpi-hotline"),
    path("glossary/", api.GlossaryView.as_view(), name="api-kpi-glossary"),
]
