from django.urls import path
from rest_framework.routers import SimpleRouter

from streets.api import AssistView, EscalationViewSet, SubDispatchViewSet, UnitViewSet

router = SimpleRouter()
router.register("streets/units", UnitViewSet, basename="street-unit")
router.register("streets/sub-dispatches", SubDispatchViewSet, basename="sub-dispatch")
router.register("streets/escalations", EscalationViewSet, basename="escalation")

urlpatterns = [path("streets/assist/", AssistView.as_view(), name="street-assist"), *router.urls]
