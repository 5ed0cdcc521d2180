from django.urls import path
from rest_framework.routers import SimpleRouter

from patrols.api import GridCoverageViewSet, MissedPatrolsView, PatrolViewSet

router = SimpleRouter()
router.register("patrols", PatrolViewSet, basename="patrol")
router.register("patrol-coverage", GridCoverageViewSet, basename="patrol-coverage")

urlpatterns = [path("patrols/missed/", MissedPatrolsView.as_view(), name="patrol-missed"), *router.urls]
