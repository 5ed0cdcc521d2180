from django.urls import include, path
from rest_framework.routers import SimpleRouter

from cases.api import CaseViewSet, NotificationViewSet
from cases.channel_api import ChannelViewSet

router = SimpleRouter()
router.register("cases", CaseViewSet, basename="api-case")
router.register("notifications", NotificationViewSet, basename="api-notification")
router.register("channels", ChannelViewSet, basename="api-channel")
urlpatterns = [path("", include("cases.intake.urls")), *router.urls]
