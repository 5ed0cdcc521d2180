"""On-site evidence (docs/domain.md §12): a staff photo's capture time and position are kept in the case
file (from its EXIF, or recorded by the phone when picked), never in the stored image; the case page
shows each photo's distance from the case and flags one taken far away or long before."""

import io
import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags, Image

from cases.models import CasePhoto
from cases.photos import attach_capture
from tests.cases.conftest import photo, report

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_passwords")]


def exif_photo(
    lng: float, lat: float, taken: str = "2026:12:07 08:30:00", offset: str = "+08:00"
) -> SimpleUploadedFile:
    """A JPEG as a phone camera writes it: DateTimeOriginal with its offset and a GPS position (DMS)."""

    def dms(value: float):
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        return (float(degrees), float(minutes), round((value - degrees - minutes / 60) * 3600, 4))

    exif = Image.Exif()
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = taken
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.OffsetTimeOriginal] = offset
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef], gps[ExifTags.GPS.GPSLatitude] = "N", dms(lat)
    gps[ExifTags.GPS.GPSLongitudeRef], gps[ExifTags.GPS.GPSLongitude] = "E", dms(lng)
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 120, 120)).save(out, "JPEG", exif=exif.tobytes())
    return SimpleUploadedFile("camera.jpg", out.getvalue(), content_type="image/jpeg")


def test_exif_time_and_position_are_kept_in_the_case_file_not_in_the_image(world, media_root):
    case = report(world, photos=[exif_photo(117.2005, 39.0505)])
    row = CasePhoto.objects.get(case=case)
    assert row.capture_source == "exif"
    assert row.taken_lng == pytest.approx(117.2005, abs=1e-5) and row.taken_lat == pytest.approx(
        39.0505, abs=1e-5
    )
    assert timezone.localtime(row.taken_at).strftime("%Y-%m-%d %H:%M") == "2026-12-07 08:30"
    with Image.open(row.image.path) as stored:
        assert not stored.getexif()  # the public copy carries nothing


def test_the_phone_record_is_used_when_the_photo_has_no_exif(world, media_root):
    taken = timezone.now() - timedelta(minutes=3)
    files = [photo()]
    attach_capture(
        files, json.dumps([{"taken_at": taken.isoformat(), "lng": 117.2006, "lat": 39.0506, "accuracy": 8}])
    )
    case = report(world, photos=files)
    row = CasePhoto.objects.get(case=case)
    assert (row.capture_source, row.taken_lng, row.taken_lat, row.taken_accuracy_m) == (
        "device",
        117.2006,
        39.0506,
        8,
    )
    assert row.taken_at == taken


def test_broken_records_are_ignored(world, media_root):
    files = [photo(), photo("b.jpg")]
    attach_capture(files, "not json")
    attach_capture(files, json.dumps([{"taken_at": "yesterday", "lng": "x"}, "nothing"]))
    case = report(world, photos=files)
    assert list(CasePhoto.objects.filter(case=case).values_list("capture_source", flat=True)) == ["", ""]


def test_a_citizens_photo_position_is_not_kept(world, media_root):
    # The public channel's actor is not staff: no roles, no evidence record.
    from cases.services import case_report

    case = case_report(
        actor=None,
        category=world.event_cat,
        lng=117.2005,
        lat=39.0505,
        description="x",
        source="public",
        reporter_phone="13800000000",
        photos=[exif_photo(117.2005, 39.0505)],
    )
    assert CasePhoto.objects.get(case=case).capture_source == ""


def test_the_case_page_shows_the_distance_and_flags_a_photo_taken_elsewhere(client, world, media_root):
    far = exif_photo(117.2205, 39.0505)  # 1.7 km east of the case
    near = exif_photo(117.2006, 39.0505)
    now = timezone.localtime()
    old = exif_photo(117.2005, 39.0505, taken=(now - timedelta(days=3)).strftime("%Y:%m:%d %H:%M:%S"))
    case = report(world, photos=[near, far, old])
    client.force_login(world.p.operator)
    page = client.get(reverse("case-detail", args=[case.pk])).content.decode()
    assert page.count("data-photo-evidence") == 3
    assert page.count("data-flagged") == 2
    assert "距案件位置 9 米" in page
    assert "拍摄位置远离案件位置" in page and "拍摄时间远早于上传时间" in page


def test_an_action_form_keeps_the_phone_record(client, world, media_root):
    from tests.cases.conftest import case_in

    case = case_in(world, "verifying")
    client.force_login(world.p.inspector)
    taken = timezone.now() - timedelta(minutes=1)
    answer = client.post(
        reverse("case-action", args=[case.pk, "verify"]),
        {
            "confirmed": "true",
            "note": "属实",
            "photos": [photo("verify.jpg")],
            "photos_capture": json.dumps([{"taken_at": taken.isoformat(), "lng": 117.2005, "lat": 39.0505}]),
        },
    )
    assert answer.status_code in (200, 302), answer.content.decode()[:500]
    row = CasePhoto.objects.get(case=case, stage="verify")
    assert row.capture_source == "device" and row.taken_lng == 117.2005
