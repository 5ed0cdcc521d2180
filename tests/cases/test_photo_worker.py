"""Photos off the request path (issue #18): the request checks the header and keeps the upload private;
the worker decodes, strips EXIF, re-encodes and thumbnails; nothing public exists before it has."""

import io
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags, Image

from cases import photos as photo_module
from cases.models import CasePhoto
from cases.tasks import process_pending_photos
from tests.cases.conftest import photo_worker, report
from tests.cases.test_photos import camera_jpeg

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fast_passwords", "media_root", "photos_wait_for_the_worker"),
]


def _get(client, url):
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, body


def test_the_request_does_not_decode_and_nothing_public_exists_before_the_worker(client, world):
    with mock.patch.object(photo_module, "render", side_effect=AssertionError("decoded in the request")):
        case = report(world, photos=[camera_jpeg()])
    row = case.photos.get()
    assert row.processed_at is None and not row.image and not row.thumbnail
    assert (row.width, row.height) == (40, 60)  # from the header, already upright (EXIF orientation 6)
    # The upload (with its GPS) is private: its path under /media/ answers 404, even for its stage (public).
    assert row.original.name.startswith("private/")
    assert _get(client, "/media/" + row.original.name)[0] == 404
    # The API says there is no image yet, and the case page shows a placeholder instead.
    client.force_login(world.p.supervisor)
    detail = client.get(f"/api/v1/cases/{case.pk}/").json()
    assert detail["photos"][0]["image"] is None and detail["photos"][0]["processed_at"] is None
    page = client.get(reverse("case-detail", args=[case.pk])).content.decode()
    assert "data-photo-pending" in page and row.original.name not in page


def test_after_the_worker_the_public_copy_is_the_stripped_one(client, world, media_root):
    with photo_worker():
        case = report(world, photos=[camera_jpeg()])
    row = case.photos.get()
    assert row.processed_at is not None and row.image and row.thumbnail
    assert not row.original  # the upload with its EXIF is gone
    assert not list((media_root / "private").rglob("*.upload"))
    status, body = _get(client, row.image.url)  # a report photo is public (Open311 media_url)
    assert status == 200
    served = Image.open(io.BytesIO(body))
    assert served.format == "JPEG" and served.size == (40, 60)
    exif = served.getexif()
    assert not exif and not exif.get_ifd(ExifTags.IFD.GPSInfo)
    assert _get(client, row.thumbnail.url)[0] == 200


def test_running_the_worker_twice_does_nothing_the_second_time(world):
    case = report(world, photos=[camera_jpeg()])
    row = case.photos.get()
    assert photo_module.process_case_photo(row.pk) is True
    first = CasePhoto.objects.get(pk=row.pk)
    assert photo_module.process_case_photo(row.pk) is False
    again = CasePhoto.objects.get(pk=row.pk)
    assert (again.image.name, again.processed_at) == (first.image.name, first.processed_at)


def test_the_beat_catches_up_photos_whose_task_never_ran(world):
    case = report(world, photos=[camera_jpeg()])  # the commit never happens here: no task was queued
    row = case.photos.get()
    assert process_pending_photos() == 0  # younger than a minute: its own task may still be on the way
    CasePhoto.objects.filter(pk=row.pk).update(created_at=timezone.now() - timezone.timedelta(minutes=5))
    assert process_pending_photos() == 1
    assert CasePhoto.objects.get(pk=row.pk).ready


def test_an_upload_that_passes_the_header_check_but_does_not_decode_is_never_shown(client, world):
    case = report(world, photos=[camera_jpeg()])
    row = case.photos.get()
    # A file whose header is sound but whose scan data the decoder refuses (simulated: the decode fails).
    with mock.patch.object(photo_module, "render", side_effect=OSError("broken data stream")):
        assert photo_module.process_case_photo(row.pk) is False
    row.refresh_from_db()
    assert row.failed and not row.image and row.processed_at is not None
    client.force_login(world.p.supervisor)
    assert "data-photo-failed" in client.get(reverse("case-detail", args=[case.pk])).content.decode()
