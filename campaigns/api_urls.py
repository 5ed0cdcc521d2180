from rest_framework.routers import SimpleRouter

from campaigns import api

router = SimpleRouter()
router.register("campaigns", api.CampaignViewSet, basename="campaign")
router.register("campaign-tasks", api.TaskViewSet, basename="campaign-task")
router.register("register-items", api.RegisterItemViewSet, basename="register-item")
router.register("followup-rules", api.FollowUpRuleViewSet, basename="followup-rule")
router.register("followups", api.FollowUpViewSet, basename="followup")
router.register("hazards", api.HazardViewSet, basename="hazard")

urlpatterns = router.urls
