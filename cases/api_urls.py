from django.urls import include, path
from rest_framework.routers import SimpleRouter

from cases.api import CaseViewSet, NotificationViewSet

router = SimpleRouter()
router.register("cases", CaseViewSet, basename="case")
router.register("notifications", NotificationViewSet, basename="notification")
urlpatterns = [path("", include("cases.intake.urls")), *router.urls]
