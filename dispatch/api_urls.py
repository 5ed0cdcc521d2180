from rest_framework.routers import DefaultRouter

from dispatch.api import CategoryViewSet, ComponentViewSet, DepartmentViewSet

router = DefaultRouter()
router.include_root_view = False  # one root for the whole API: cityops.api.ApiRootView
router.register("categories", CategoryViewSet, basename="category")
router.register("departments", DepartmentViewSet, basename="department")
router.register("components", ComponentViewSet, basename="component")

urlpatterns = router.urls
