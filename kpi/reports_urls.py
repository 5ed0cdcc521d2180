"""Routes under /api/v1/kpi/reports/ (included by cityops/api_urls.py)."""

from django.urls import path

from kpi.reports_api import ReportView

urlpatterns = [
    # Any word reaches the view, so an unknown cadence is a 400 that names it, not a bare 404.
    path("<str:cadence>/", ReportView.as_view(), name="kpi-report"),
]
