from campaigns.web import bulletin, campaigns, followups, hazards, registry

urlpatterns = [
    *campaigns.urlpatterns,
    *bulletin.urlpatterns,
    *registry.urlpatterns,
    *followups.urlpatterns,
    *hazards.urlpatterns,
]
