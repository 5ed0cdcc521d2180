"""Uploads are judged by their content and decoded before anything is kept (cases/photos.py): a file
that only calls itself .jpg is a 400 naming it, a decompression bomb is a 400 naming the pixel limit,
and what the public can fetch of a photo carries no position: no EXIF GPS, no XMP, no comment."""

# The fixtures imported from tests/cases/conftest.py are used as test parameters by name.
# ruff: noqa: F811

import io
import re
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import ExifTags, Image

from cases.models import ApiClient, Case, CasePhoto
from tests.cases.conftest import fast_passwords, media_root, world  # noqa: F401
from tests.security.sec_support import OUTSIDE, body_text, private_cache

pytestmark = pytest.mark.usefixtures("fast_passwords", "media_root", "own_counters")

GPS = {1: "N", 2: (39.0, 3.0, 18.0), 3: "E", 4: (117.0, 12.0, 5.0)}
WHERE = b"39.0550N 117.2014E"  # the position as text, planted in the comment and the XMP
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="39,3.3N" '
    b'exif:GPSLongitude="117,12.08E"/></rdf:RDF></x:xmpmeta>'
)


@pytest.fixture
def own_counters(settings):
    private_cache(settings)


def phone_photo(name="IMG_0001.jpg") -> SimpleUploadedFile:
    """A phone's photo: EXIF with GPS, XMP with GPS, and a comment with the position in words."""
    image = Image.new("RGB", (64, 48), (30, 140, 60))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif, xmp=XMP, comment=b"taken at " + WHERE)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def _report_body(world, **photos) -> dict:
    lng, lat = world.inside
    return {"category": world.event_cat.pk, "lng": lng, "lat": lat, "description": "路面破损", **photos}


def _post_report(api, world, *uploads):
    api.force_authenticate(world.p.inspector)
    return api.post("/api/v1/cases/", _report_body(world, photos=list(uploads)), format="multipart")


def _stored_files(media_root) -> list:
    return [f for f in media_root.rglob("*") if f.is_file()] if media_root.exists() else []


def assert_no_position(data: bytes) -> None:
    image = Image.open(io.BytesIO(data))
    image.load()
    exif = image.getexif()
    assert ExifTags.IFD.GPSInfo not in exif and not exif.get_ifd(ExifTags.IFD.GPSInfo)
    assert "exif" not in image.info and "xmp" not in image.info and "comment" not in image.info
    assert b"Exif\x00\x00" not in data and b"GPSLatitude" not in data and WHERE not in data
    assert b"PhoneMaker" not in data


def test_the_phone_photo_really_carries_a_position():
    # Guards the test photo: "no position after upload" would prove nothing otherwise.
    data = phone_photo().read()
    image = Image.open(io.BytesIO(data))
    assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo)[2] == GPS[2]
    assert WHERE in data and b"GPSLatitude" in data


# ---------------------------------------------------------------- judged by content


@pytest.mark.parametrize(
    "content",
    [b"<?php system($_GET['c']); ?>", b"\xff\xd8\xff\xe0 not really a jpeg", b"GIF89a" + b"\x00" * 40],
    ids=["script", "fake-jpeg-header", "gif-named-jpg"],
)
def test_a_jpg_that_is_not_a_picture_is_a_400_naming_it(api, world, media_root, content):
    response = _post_report(
        api, world, SimpleUploadedFile("evidence.jpg", content, content_type="image/jpeg")
    )
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "photos"
    assert "evidence.jpg" in body["detail"] and "不是可识别的图片" in body["detail"]
    assert not Case.objects.exists()
    assert _stored_files(media_root) == []


def test_a_real_gif_is_refused_even_though_it_is_a_picture(api, world):
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, format="GIF")
    response = _post_report(api, world, SimpleUploadedFile("anim.gif", buffer.getvalue()))
    assert response.status_code == 400 and "anim.gif" in response.json()["detail"]


def test_a_phones_multi_picture_jpeg_is_accepted(api, world):
    """Portrait-mode photos are MPO (several JPEGs in one file): a JPEG to the user, and to us."""
    frame = Image.new("RGB", (40, 30), (200, 10, 10))
    buffer = io.BytesIO()
    frame.save(buffer, format="MPO", save_all=True, append_images=[frame.copy()])
    assert Image.open(io.BytesIO(buffer.getvalue())).format == "MPO"
    response = _post_report(api, world, SimpleUploadedFile("portrait.jpg", buffer.getvalue()))
    assert response.status_code == 201, response.content
    assert CasePhoto.objects.get().width == 40


# ---------------------------------------------------------------- decompression bombs


def png_claiming(width: int, height: int) -> bytes:
    """A few hundred bytes that declare a width × height greyscale PNG (the pixels never follow)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def jpeg_claiming(width: int, height: int) -> bytes:
    """A real small JPEG whose frame header (SOF0) is rewritten to declare width × height."""
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16)).save(buffer, format="JPEG")
    data = bytearray(buffer.getvalue())
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        # 100 Mpx: over our 40 Mpx, under Pillow's own guard; 3.6 Gpx: Pillow's guard fires first.
        ("bomb.png", png_claiming(10_000, 10_000), "10000×10000"),
        ("bomb2.png", png_claiming(60_000, 60_000), "解压炸弹"),
        ("bomb.jpg", jpeg_claiming(65_000, 65_000), "解压炸弹"),
        ("tall.jpg", jpeg_claiming(800, 60_000), "800×60000"),
    ],
    ids=["png-100Mpx", "png-3.6Gpx", "jpeg-4.2Gpx", "jpeg-48Mpx-sliver"],
)
def test_a_decompression_bomb_is_a_400_naming_the_pixel_limit(api, world, name, content, says):
    assert len(content) < 2000  # tiny on the wire: the danger is in what it would decode to
    response = _post_report(api, world, SimpleUploadedFile(name, content, content_type="image/png"))
    assert response.status_code == 400, response.content
    detail = response.json()["detail"]
    assert name in detail and says in detail and "上限" in detail
    assert not Case.objects.exists()


# ---------------------------------------------------------------- no position in what the public gets


def test_gps_exif_is_gone_from_the_public_photo_and_its_thumbnail(api, world):
    response = _post_report(api, world, phone_photo())
    assert response.status_code == 201, response.content
    (shot,) = response.json()["photos"]
    stranger = Client(REMOTE_ADDR=OUTSIDE)
    for url in (shot["image"], shot["thumbnail"]):
        path = re.sub(r"^https?://[^/]+", "", url)
        fetched = stranger.get(path)
        assert fetched.status_code == 200 and fetched["Content-Type"] == "image/jpeg"
        assert_no_position(b"".join(fetched.streaming_content))


def test_gps_exif_is_gone_from_the_open311_media_url(api, world):
    response = _post_report(api, world, phone_photo())
    number = response.json()["number"]
    stranger = Client(REMOTE_ADDR=OUTSIDE)
    (row,) = stranger.get(f"/open311/v2/requests/{number}.json").json()
    media = re.sub(r"^https?://[^/]+", "", row["media_url"])
    fetched = stranger.get(media)
    assert fetched.status_code == 200
    assert_no_position(b"".join(fetched.streaming_content))


def test_the_inspectors_report_page_strips_the_position_too(world):
    browser = Client(REMOTE_ADDR=OUTSIDE)
    browser.force_login(world.p.inspector)
    lng, lat = world.inside
    form = {
        "category": world.event_cat.pk,
        "lng": lng,
        "lat": lat,
        "description": "井盖缺失",
        "urgency": "normal",
    }
    response = browser.post("/inspector/report/", {**form, "photos": [phone_photo()]})
    assert response.status_code in (200, 302), body_text(response)
    shot = CasePhoto.objects.get()
    shot.image.open("rb")
    try:
        assert_no_position(shot.image.read())
    finally:
        shot.image.close()


def test_an_open311_post_keeps_no_uploaded_file(world, media_root):
    """Open311 takes a media_url (stored as text, never fetched), not files: a file part sent along
    with a request is not stored anywhere, so neither is its position."""
    app = ApiClient.objects.create(name="随手拍", kind=ApiClient.Kind.OPEN311, api_key="k-uploads")
    lng, lat = world.inside
    fields = {
        "api_key": app.api_key,
        "service_code": str(world.event_cat.pk),
        "lat": lat,
        "long": lng,
        "description": "路灯不亮",
        "email": "citizen@example.com",
        "media": phone_photo(),
    }
    response = Client(REMOTE_ADDR=OUTSIDE).post("/open311/v2/requests.json", fields)
    assert response.status_code == 200, response.content
    assert Case.objects.count() == 1 and not CasePhoto.objects.exists()
    assert _stored_files(media_root) == []
