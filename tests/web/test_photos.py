"""Photos are served by the app with the case's scope; report photos are public (Open311 media_url)."""

from django.test import Client

from cases.models import CasePhoto
from tests.cases.conftest import case_in, photo, report
from tests.web.conftest import client_for


def _get(client, photo_file):
    return client.get(f"/media/{photo_file.name}")


def test_feedback_photos_only_for_those_who_see_the_case(world, media_root, fast_passwords):
    case = case_in(world, "pending_check")
    feedback = CasePhoto.objects.filter(case=case, stage=CasePhoto.Stage.FEEDBACK).first()
    assert feedback is not None
    own = _get(client_for(world.p.department), feedback.image)
    assert own.status_code == 200 and own["Content-Type"].startswith("image/")
    assert b"".join(own.streaming_content)[:2] == b"\xff\xd8"  # a JPEG
    assert _get(client_for(world.p.department), feedback.thumbnail).status_code == 200
    assert _get(client_for(world.p.other_department), feedback.image).status_code == 404
    assert _get(Client(), feedback.image).status_code == 404


def test_report_photos_are_public_and_unknown_paths_are_not(world, media_root, fast_passwords):
    case = report(world, photos=[photo()])
    shot = CasePhoto.objects.filter(case=case, stage=CasePhoto.Stage.REPORT).first()
    assert shot is not None
    assert _get(Client(), shot.image).status_code == 200
    assert Client().get("/media/cases/../../settings.py").status_code == 404
    assert Client().get("/media/cases/2026/01/nothing.jpg").status_code == 404


def test_a_token_client_may_open_the_photo_links_the_api_returned(world, media_root, fast_passwords):
    """The API hands token clients these links; the view read only the session, so every feedback
    photo was a 404 for them (issue 17.8)."""
    from rest_framework.authtoken.models import Token

    case = case_in(world, "pending_check")
    feedback = CasePhoto.objects.filter(case=case, stage=CasePhoto.Stage.FEEDBACK).first()
    own = Token.objects.create(user=world.p.department)
    other = Token.objects.create(user=world.p.other_department)

    assert _get(Client(HTTP_AUTHORIZATION=f"Token {own.key}"), feedback.image).status_code == 200
    assert _get(Client(HTTP_AUTHORIZATION=f"Token {other.key}"), feedback.image).status_code == 404
    assert _get(Client(HTTP_AUTHORIZATION="Token not-a-token"), feedback.image).status_code == 404
