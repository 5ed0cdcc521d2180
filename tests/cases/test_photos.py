"""Photo uploads (cases/photos.py): the picture as the camera meant it, no EXIF (no GPS leak), a small
thumbnail, and refusals that name the field and save nothing."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from cases import services as s
from cases.errors import InvalidInput
from cases.models import Case, CasePhoto
from cases.workflow import Status
from tests.cases.conftest import case_in, photo, report, snapshot

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root")


@pytest.fixture(autouse=True)
def _restore_pillow_pixel_limit():
    # cases/photos.py sets Pillow's process-wide MAX_IMAGE_PIXELS from settings on every upload; a test
    # that lowers the setting must not leave other code in this process with the lowered limit.
    limit = Image.MAX_IMAGE_PIXELS
    yield
    Image.MAX_IMAGE_PIXELS = limit


RED, BLUE = (220, 20, 20), (20, 20, 220)
GPS = {1: "N", 2: (39.0, 3.0, 18.0), 3: "E", 4: (117.0, 12.0, 5.0)}


def camera_jpeg(
    size=(60, 40), orientation: int = 6, gps: bool = True, name="camera.jpg"
) -> SimpleUploadedFile:
    """A phone photo: stored sideways (left half red, right half blue) with EXIF orientation and GPS."""
    w, h = size
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, w // 2, h))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "PhoneMaker"
    if gps:
        exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif, quality=95)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def _stored(field) -> Image.Image:
    field.open("rb")
    try:
        image = Image.open(io.BytesIO(field.read()))
        image.load()
        return image
    finally:
        field.close()


def _report_with(world, *uploads) -> CasePhoto:
    case = report(world, photos=list(uploads))
    return case.photos.get()


def _close(a, b, tolerance=40) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


def test_the_upload_has_gps_to_begin_with():
    # Guards the test photo itself: otherwise "no GPS after upload" would prove nothing.
    upload = camera_jpeg()
    exif = Image.open(io.BytesIO(upload.read())).getexif()
    assert exif[ExifTags.Base.Orientation] == 6
    assert exif.get_ifd(ExifTags.IFD.GPSInfo)[2] == GPS[2]


def test_exif_orientation_is_applied(world):
    stored = _report_with(world, camera_jpeg(size=(60, 40), orientation=6))
    assert (stored.width, stored.height) == (40, 60)
    image = _stored(stored.image)
    assert image.size == (40, 60)
    # Orientation 6 = turn 90° clockwise to view: the raw left half (red) ends up on top.
    assert _close(image.getpixel((20, 5)), RED)
    assert _close(image.getpixel((20, 55)), BLUE)


def test_a_photo_without_orientation_keeps_its_shape(world):
    stored = _report_with(world, camera_jpeg(size=(60, 40), orientation=1))
    assert (stored.width, stored.height) == (60, 40)
    assert _stored(stored.image).size == (60, 40)


def test_exif_and_gps_are_stripped(world):
    stored = _report_with(world, camera_jpeg())
    for field in (stored.image, stored.thumbnail):
        image = _stored(field)
        exif = image.getexif()
        assert ExifTags.IFD.GPSInfo not in exif
        assert not exif.get_ifd(ExifTags.IFD.GPSInfo)
        assert ExifTags.Base.Make not in exif
        assert "exif" not in image.info


def test_the_thumbnail_is_at_most_320_px(world):
    stored = _report_with(world, photo(size=(1000, 600)))
    assert (stored.width, stored.height) == (1000, 600)
    thumb = _stored(stored.thumbnail)
    assert max(thumb.size) <= 320
    assert thumb.size == (320, 192)  # aspect ratio kept


def test_a_large_photo_is_stored_at_most_max_edge_sized_and_the_right_way_up(world, settings):
    # A phone's full-size photo, stored sideways (orientation 6): decoded at a reduced scale, turned,
    # then capped on its long edge, aspect ratio kept.
    settings.PHOTO_MAX_EDGE_PX = 500
    stored = _report_with(world, camera_jpeg(size=(2400, 1800), orientation=6))
    assert (stored.width, stored.height) == (375, 500)
    image = _stored(stored.image)
    assert image.size == (375, 500)
    assert _close(image.getpixel((187, 20)), RED)  # the raw left half ends up on top
    assert _close(image.getpixel((187, 480)), BLUE)


def test_a_png_is_accepted_and_stored_as_jpeg(world):
    stored = _report_with(world, photo("shot.png", size=(80, 50), fmt="PNG"))
    assert stored.image.name.endswith(".jpg")
    assert _stored(stored.image).format == "JPEG"


def _nothing_saved(media_root) -> bool:
    files = [f for f in media_root.rglob("*") if f.is_file()] if media_root.exists() else []
    return not Case.objects.exists() and not CasePhoto.objects.exists() and not files


def test_a_too_large_upload_is_refused(world, settings, media_root):
    settings.PHOTO_MAX_BYTES = 2000
    big = photo(size=(400, 400))
    assert big.size > 2000
    with pytest.raises(InvalidInput) as bad:
        report(world, photos=[photo(size=(8, 8)), big])
    assert bad.value.field == "photos"
    assert "scene.jpg" in bad.value.message
    assert _nothing_saved(media_root)


def test_a_too_large_upload_over_the_api_is_400(api, world, settings, media_root):
    settings.PHOTO_MAX_BYTES = 2000
    api.force_authenticate(world.p.inspector)
    body = {
        "category": world.event_cat.pk,
        "lng": world.inside[0],
        "lat": world.inside[1],
        "description": "路边有暴露垃圾",
        "photos": [photo(size=(400, 400))],
    }
    response = api.post("/api/v1/cases/", body, format="multipart")
    assert response.status_code == 400
    assert "photos" in response.json()
    assert _nothing_saved(media_root)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("notes.txt", b"just some text"),
        ("fake.jpg", b"\xff\xd8\xff\xe0 not really a jpeg"),
        ("anim.gif", "gif"),
        ("cut.jpg", "truncated"),
    ],
)
def test_files_that_are_not_supported_pictures_are_refused(world, media_root, name, content):
    if content == "gif":
        buffer = io.BytesIO()
        Image.new("RGB", (10, 10)).save(buffer, format="GIF")
        content = buffer.getvalue()
    elif content == "truncated":
        content = photo(size=(200, 200)).read()[:300]
    upload = SimpleUploadedFile(name, content)
    with pytest.raises(InvalidInput) as bad:
        report(world, photos=[upload])
    assert bad.value.field == "photos"
    assert name in bad.value.message
    assert _nothing_saved(media_root)


def test_a_bad_after_photo_names_after_photos(world):
    with pytest.raises(InvalidInput) as bad:
        report(world, self_resolved=True, after_photos=[SimpleUploadedFile("x.txt", b"text")])
    assert bad.value.field == "after_photos"


def test_a_refused_feedback_photo_leaves_the_case_alone(world, media_root):
    case = case_in(world, Status.IN_PROGRESS)
    before = snapshot(case)
    with pytest.raises(InvalidInput):
        s.case_submit_feedback(
            case=case,
            actor=world.p.department,
            result="已处理",
            photos=[photo(), SimpleUploadedFile("x.txt", b"t")],
        )
    assert snapshot(case) == before


def test_a_decompression_bomb_is_refused(world, settings, media_root):
    settings.PHOTO_MAX_PIXELS = 10_000
    with pytest.raises(InvalidInput) as bad:
        report(world, photos=[photo(size=(300, 100))])  # 30,000 px: three times the limit
    assert bad.value.field == "photos"
    assert _nothing_saved(media_root)


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_an_image_just_over_the_pixel_limit_is_refused(world, settings, media_root):
    settings.PHOTO_MAX_PIXELS = 10_000
    with pytest.raises(InvalidInput) as bad:
        report(world, photos=[photo(size=(73, 137))])  # 10,001 px: one pixel over
    assert bad.value.field == "photos"
    assert "73×137" in bad.value.message
    assert _nothing_saved(media_root)


@pytest.mark.parametrize("size", [(100, 100), (99, 101)], ids=["exactly the limit", "one pixel under"])
def test_an_image_exactly_at_or_under_the_pixel_limit_is_accepted(world, settings, size):
    settings.PHOTO_MAX_PIXELS = 10_000
    stored = _report_with(world, photo(size=size))
    assert (stored.width, stored.height) == size


@pytest.mark.parametrize(("limit_delta", "accepted"), [(0, True), (1, True), (-1, False)])
def test_the_byte_limit_exactly_one_byte_either_side(world, settings, media_root, limit_delta, accepted):
    upload = photo(size=(64, 48))
    settings.PHOTO_MAX_BYTES = upload.size + limit_delta
    if accepted:
        assert _report_with(world, upload).width == 64
        return
    with pytest.raises(InvalidInput) as bad:
        report(world, photos=[upload])
    assert bad.value.field == "photos"
    assert _nothing_saved(media_root)


def test_the_byte_limit_holds_when_the_upload_does_not_declare_its_size(world, settings, media_root):
    upload = photo(size=(64, 48))
    settings.PHOTO_MAX_BYTES = upload.size - 1
    upload.size = None  # a stream without a length: the bytes read are counted instead
    with pytest.raises(InvalidInput):
        report(world, photos=[upload])
    assert _nothing_saved(media_root)
    upload.seek(0)
    settings.PHOTO_MAX_BYTES += 1
    assert report(world, photos=[upload]).photos.count() == 1
