from rest_framework.routers import SimpleRouter

from campaigns import api

router = SimpleRouter()
router.register("campaigns", api.CampaignViewSet, basename="api-campaign")
router.register("campaign-tasks", api.TaskViewSet, basename="api-campaign-task")
router.register("register-items", api.RegisterItemViewSet, basename="api-register-item")
router.register("followup-rules", api.FollowUpRuleViewSet, basename="api-followup-rule")
router.register("followups", api.FollowUpViewSet, basename="api-followup")
router.register("hazards", api.HazardViewSet, basename="api-hazard")

urlpatterns = router.urls
