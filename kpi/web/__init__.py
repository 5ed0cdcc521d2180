"""KPI pages (issue #7 points 3–5): the supervisors' dashboard, the report pages and the glossary.

Every figure comes from kpi.queries (the rollup tables) or kpi.hotspots (bounded windows of cases), so
a page costs a fixed number of queries whatever the size of the history. Each number links to the
cases behind it: the figure's "cases" parameters opened in the case search page (the same
CaseFilterSet as /api/v1/cases/). Charts are drawn by cityops/static/cityops/kpi_dashboard.js from a
json_script block; every chart has its numbers in a table too.
"""

from kpi.web.city import urlpatterns as city
from kpi.web.pages import urlpatterns as pages
from kpi.web.periods import urlpatterns as periods

urlpatterns = [*pages, *periods, *city]

__all__ = ["urlpatterns"]
