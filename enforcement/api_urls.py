from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from enforcement.api import (
    AgencyViewSet,
    CasePartyView,
    FiguresView,
    JointOperationViewSet,
    OutcomeViewSet,
    PartyViewSet,
)

router = SimpleRouter()
router.register("parties", PartyViewSet, basename="enforcement-party")
router.register("outcomes", OutcomeViewSet, basename="enforcement-outcome")
router.register("agencies", AgencyViewSet, basename="enforcement-agency")
router.register("joint-operations", JointOperationViewSet, basename="enforcement-joint-operation")

urlpatterns = [
    path("figures/", FiguresView.as_view(), name="enforcement-figures"),
    re_path(
        r"^cases/(?P<pk>[0-9]+)/party/(?P<decision>confirm|dismiss)/$",
        CasePartyView.as_view(),
        name="enforcement-case-party",
    ),
    *router.urls,
]
