"""Case photos under MEDIA_URL, served by the app with a scope check.

A photo is shown to whoever may see its case; report photos are also public, because Open311 lists a
case's first report photo as its media_url. Anything else under /media/ is a 404, so uploaded files are
never reachable by guessing a path. (Behind a web server, this view is the place to answer with
X-Accel-Redirect instead of streaming the file.)
"""

import mimetypes

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import Q
from django.http import FileResponse, Http404
from django.urls import re_path
from rest_framework.exceptions import AuthenticationFailed

from cases.models import CasePhoto
from cases.selectors import cases_visible_to
from core.authentication import TokenAuthentication


def _viewer(request):
    """The signed-in user, or the API token's: the API returns these links to token clients too (a
    token client got 404 for every photo but the public report ones)."""
    if request.user.is_authenticated:
        return request.user
    try:
        found = TokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        return None
    return found[0] if found else None


def photo_file(request, path: str):
    photo = CasePhoto.objects.filter(Q(image=path) | Q(thumbnail=path)).select_related("case").first()
    if photo is None:
        raise Http404
    public = photo.stage == CasePhoto.Stage.REPORT
    if not public:
        viewer = _viewer(request)
        if viewer is None or not cases_visible_to(viewer).filter(pk=photo.case_id).exists():
            raise Http404
    try:
        handle = default_storage.open(path, "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=mimetypes.guess_type(path)[0] or "application/octet-stream")
    # Photos never change once stored (a new upload gets a new name): let the browser keep them.
    response["Cache-Control"] = "private, max-age=86400" if not public else "public, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns = [re_path(rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.+)$", photo_file, name="case-photo")]
