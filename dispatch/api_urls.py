from rest_framework.routers import SimpleRouter

from dispatch.api import CategoryViewSet, ComponentViewSet, DepartmentViewSet

router = SimpleRouter()  # one root for the whole API: cityops.api.ApiRootView
router.register("categories", CategoryViewSet, basename="category")
router.register("departments", DepartmentViewSet, basename="department")
router.register("components", ComponentViewSet, basename="component")

urlpatterns = router.urls
