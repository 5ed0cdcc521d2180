from django.urls import include, path
from rest_framework.routers import SimpleRouter

from cases.api import CaseViewSet, NotificationViewSet

router = SimpleRouter()
router.register("cases", CaseViewSet, basename="api-case")
router.register("notifications", NotificationViewSet, basename="api-notification")
urlpatterns = [path("", include("cases.intake.urls")), *router.urls]
