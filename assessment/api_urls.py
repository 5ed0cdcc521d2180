from django.urls import path
from rest_framework.routers import SimpleRouter

from assessment.api import (
    ContractorViewSet,
    FindingViewSet,
    InspectionViewSet,
    MonthlyAssessmentViewSet,
    RectificationViewSet,
    StreetReportView,
)

# No API root and no .json suffixes: /api/v1/ is the API's one root.
router = SimpleRouter()
router.register("contractors", ContractorViewSet, basename="assessment-contractor")
router.register("inspections", InspectionViewSet, basename="assessment-inspection-api")
router.register("findings", FindingViewSet, basename="assessment-finding")
router.register("rectifications", RectificationViewSet, basename="assessment-rectification")
router.register("months", MonthlyAssessmentViewSet, basename="assessment-month")

urlpatterns = [
    path("reports/streets/", StreetReportView.as_view(), name="assessment-street-report"),
    *router.urls,
]
