"""Page routes: each module of cases/web owns its own `urlpatterns`."""

from cases.web import case_page, hotline, inspector, lists, photos, supervise

urlpatterns = [
    *lists.urlpatterns,
    *case_page.urlpatterns,
    *inspector.urlpatterns,
    *hotline.urlpatterns,
    *supervise.urlpatterns,
    *photos.urlpatterns,
]
