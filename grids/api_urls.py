from rest_framework.routers import DefaultRouter

from grids.api import CommunityViewSet, DistrictViewSet, GridViewSet, StreetViewSet

router = DefaultRouter()
router.include_root_view = False  # one root for the whole API: cityops.api.ApiRootView
router.register("districts", DistrictViewSet, basename="district")
router.register("streets", StreetViewSet, basename="street")
router.register("communities", CommunityViewSet, basename="community")
router.register("grids", GridViewSet, basename="grid")

urlpatterns = router.urls
