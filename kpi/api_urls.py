"""Routes under /api/v1/kpi/ (included by cityops/api_urls.py); hot spots have their own module."""

from django.urls import path

from kpi import api
from kpi.periods import api as periods

urlpatterns = [
    path("summary/", api.SummaryView.as_view(), name="api-kpi-summary"),
    path("trend/", api.TrendView.as_view(), name="api-kpi-trend"),
    path("rankings/", api.RankingView.as_view(), name="api-kpi-rankings"),
    path("districts/", api.DistrictRankingView.as_view(), name="api-kpi-districts"),
    path("breakdown/", api.BreakdownView.as_view(), name="api-kpi-breakdown"),
    path("grids/", api.GridCountsView.as_view(), name="api-kpi-grids"),
    path("hotline/", api.HotlineView.as_view(), name="api-kpi-hotline"),
    path("glossary/", api.GlossaryView.as_view(), name="api-kpi-glossary"),
    # 考核 periods (issue #24.1): frozen tables, their revisions, adjustments and appeals.
    path("formula/", periods.FormulaView.as_view(), name="api-kpi-formula"),
    path("as-of/", periods.AsOfView.as_view(), name="api-kpi-as-of"),
    path("periods/", periods.PeriodListView.as_view(), name="api-kpi-periods"),
    path("periods/<int:pk>/", periods.PeriodDetailView.as_view(), name="api-kpi-period"),
    path("revisions/<int:pk>/", periods.RevisionView.as_view(), name="api-kpi-revision"),
    path("revisions/<int:pk>/xlsx/", periods.RevisionExportView.as_view(), name="api-kpi-revision-xlsx"),
    path("revisions/<int:pk>/adjustments/", periods.AdjustView.as_view(), name="api-kpi-revision-adjust"),
    path("appeals/", periods.AppealListView.as_view(), name="api-kpi-appeals"),
    path("appeals/<int:pk>/decide/", periods.AppealDecideView.as_view(), name="api-kpi-appeal-decide"),
]
