"""Photo uploads: checked by content (not by name), EXIF orientation applied, scaled down to at most
PHOTO_MAX_EDGE_PX, re-encoded without EXIF (so no GPS position leaks), thumbnailed. Everything is checked before anything is written, so a
rejected upload saves nothing.

Case photos (上报, 核实, 处置反馈, 核查) leave the decoding to a worker (issue #18): the request only checks
what the header says (format, bytes, pixels: `accept_photos`, no full decode) and stores the upload
as it came in a private `original` file; `process_case_photo` (cases/tasks.py, after the commit)
decodes, strips, re-encodes and thumbnails it, then deletes the original. Until then the photo has no
`image`/`thumbnail`, so nothing public can serve it (cases/web/photos.py only serves those two).
Campaign photos still use `prepare_photos` (the whole work in the request).

On-site evidence (docs/domain.md §12): before the EXIF is dropped, a staff photo's capture time and GPS
position are read from it and kept in the case file (CasePhoto.taken_*); a phone that shrank the photo
first (report.js: the canvas copy has no EXIF) sends what it recorded when the photo was picked — the
file's time and the phone's position — as `<field>_capture` JSON, attached to each upload by
`attach_capture`. `photo_evidence` says how far from the case and how long before it a photo was taken.
"""

import io
import json
import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from cases.errors import InvalidInput

# The only decoders untrusted bytes ever reach (Pillow would otherwise try every format it knows).
# Phones' multi-picture JPEGs (portrait mode, depth) open as MPO through the JPEG decoder: a JPEG all the same.
_DECODERS = ("JPEG", "PNG", "WEBP")


@dataclass
class Capture:
    """When and where a photo was taken, and who says so ("exif" or "device")."""

    source: str
    taken_at: datetime | None = None
    lng: float | None = None
    lat: float | None = None
    accuracy_m: float | None = None


@dataclass
class PreparedPhoto:
    image: bytes
    thumbnail: bytes
    ext: str
    width: int
    height: int
    capture: Capture | None = None


def attach_capture(files, raw: str | None) -> None:
    """Hang the phone's capture records (a JSON list, one per file in upload order) on the uploads."""
    try:
        records = json.loads(raw) if raw else []
    except ValueError:
        return
    if not isinstance(records, list):
        return
    for upload, record in zip(files or [], records, strict=False):
        if isinstance(record, dict):
            upload.capture_record = record


def _device_capture(record: dict | None) -> Capture | None:
    if not isinstance(record, dict):
        return None
    taken_at = parse_datetime(str(record.get("taken_at") or ""))
    if taken_at is not None and timezone.is_naive(taken_at):
        taken_at = None
    lng, lat, accuracy = (_number(record.get(k)) for k in ("lng", "lat", "accuracy"))
    if lng is None or lat is None or not (-180 <= lng <= 180 and -90 <= lat <= 90):
        lng = lat = accuracy = None
    if taken_at is None and lng is None:
        return None
    return Capture("device", taken_at, lng, lat, accuracy)


def _number(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _exif_capture(image: Image.Image) -> Capture | None:
    """DateTimeOriginal (with its OffsetTimeOriginal, else local time) and the GPS position, if any."""
    try:
        exif = image.getexif()
        photo = exif.get_ifd(ExifTags.IFD.Exif)
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    except Exception:  # a broken EXIF block is no reason to refuse the photo
        return None
    taken_at = None
    stamp = photo.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
    if isinstance(stamp, str):
        try:
            naive = datetime.strptime(stamp.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
            offset = str(photo.get(ExifTags.Base.OffsetTimeOriginal) or "").strip("\x00 ")
            parsed = parse_datetime(naive.isoformat() + offset) if offset else None
            taken_at = parsed or timezone.make_aware(naive)
        except (ValueError, OverflowError):
            taken_at = None
    lng = lat = None
    try:
        lat = _dms(gps[ExifTags.GPS.GPSLatitude], gps.get(ExifTags.GPS.GPSLatitudeRef, "N"), "S")
        lng = _dms(gps[ExifTags.GPS.GPSLongitude], gps.get(ExifTags.GPS.GPSLongitudeRef, "E"), "W")
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        lng = lat = None
    if lat is not None and not (-90 <= lat <= 90 and -180 <= lng <= 180):
        lng = lat = None
    if taken_at is None and lat is None:
        return None
    return Capture("exif", taken_at, lng, lat)


def _dms(value, ref, negative: str) -> float:
    degrees, minutes, seconds = (float(v) for v in value)
    decimal = degrees + minutes / 60 + seconds / 3600
    return -decimal if str(ref).upper().startswith(negative) else decimal


@dataclass
class AcceptedPhoto:
    """An upload checked from its header only: its bytes as they came, to be processed by the worker."""

    data: bytes
    width: int
    height: int
    capture: Capture | None = None


def accept_photos(files, *, field: str = "photos") -> list[AcceptedPhoto]:
    """The request-path check: type, bytes, pixels, integrity and the capture record, without a decode."""
    return [_accept(f, field=field, index=i) for i, f in enumerate(files or [], start=1)]


def _accept(upload, *, field: str, index: int) -> AcceptedPhoto:
    name = getattr(upload, "name", f"#{index}")
    data = _read_limited(upload, name=name, field=field)
    try:
        with Image.open(io.BytesIO(data), formats=_DECODERS) as probe:
            _check_pixels(probe, name=name, field=field)
            probe.verify()  # catches truncated and corrupt files (no decode)
        # verify() ends a probe; a second open reads the header again (no pixel is decoded either).
        with Image.open(io.BytesIO(data), formats=_DECODERS) as probe:
            capture = _exif_capture(probe)
            size = probe.size
            if _orientation(probe) in (5, 6, 7, 8):  # turned a quarter: the worker will stand it up
                size = (size[1], size[0])
    except Image.DecompressionBombError:
        raise _bomb(name, field) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise _unreadable(name, field) from None
    capture = capture or _device_capture(getattr(upload, "capture_record", None))
    return AcceptedPhoto(data, size[0], size[1], capture)


def _orientation(probe: Image.Image) -> int:
    try:
        return int(probe.getexif().get(ExifTags.Base.Orientation) or 1)
    except Exception:  # a broken EXIF block: the worker's exif_transpose decides
        return 1


def _read_limited(upload, *, name: str, field: str) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > settings.PHOTO_MAX_BYTES:
        raise InvalidInput(
            _("照片 %(name)s 大小 %(size).1f MB，超过上限 %(limit).0f MB")
            % {"name": name, "size": size / 1048576, "limit": settings.PHOTO_MAX_BYTES / 1048576},
            field=field,
        )
    data = upload.read()
    if len(data) > settings.PHOTO_MAX_BYTES:
        raise InvalidInput(_("照片 %(name)s 超过大小上限") % {"name": name}, field=field)
    return data


def _check_pixels(probe: Image.Image, *, name: str, field: str) -> None:
    # Checked before decoding: a small file can declare a huge canvas (a decompression bomb).
    if probe.width * probe.height > settings.PHOTO_MAX_PIXELS:
        raise InvalidInput(
            _("照片 %(name)s 为 %(width)d×%(height)d 像素，超过上限 %(limit)d 像素")
            % {
                "name": name,
                "width": probe.width,
                "height": probe.height,
                "limit": settings.PHOTO_MAX_PIXELS,
            },
            field=field,
        )


def _bomb(name: str, field: str) -> InvalidInput:
    # Pillow's own guard fired before ours could read the size (a canvas of hundreds of megapixels).
    return InvalidInput(
        _("照片 %(name)s 的像素数远超上限 %(limit)d 像素（疑似解压炸弹），已拒收")
        % {"name": name, "limit": settings.PHOTO_MAX_PIXELS},
        field=field,
    )


def _unreadable(name: str, field: str) -> InvalidInput:
    return InvalidInput(
        _("文件 %(name)s 不是可识别的图片（支持 JPEG、PNG、WebP）") % {"name": name}, field=field
    )


def prepare_photos(files, *, field: str = "photos") -> list[PreparedPhoto]:
    return [_prepare(f, field=field, index=i) for i, f in enumerate(files or [], start=1)]


def _prepare(upload, *, field: str, index: int) -> PreparedPhoto:
    accepted = _accept(upload, field=field, index=index)
    try:
        return render(accepted.data, capture=accepted.capture)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        name = getattr(upload, "name", f"#{index}")
        raise _unreadable(name, field) from None


def render(data: bytes, *, capture: Capture | None = None) -> PreparedPhoto:
    """Decode, turn upright, scale, strip every piece of metadata, re-encode, thumbnail (the costly part)."""
    image = Image.open(io.BytesIO(data), formats=_DECODERS)
    # A JPEG decodes straight at 1/2, 1/4 or 1/8 scale when that still covers the stored size:
    # a 12-megapixel phone photo then costs a fraction of a full decode.
    image.draft("RGB", (settings.PHOTO_MAX_EDGE_PX, settings.PHOTO_MAX_EDGE_PX))
    image.load()
    return _finish(image, capture)


def _finish(image: Image.Image, capture: Capture | None) -> PreparedPhoto:
    ImageOps.exif_transpose(image, in_place=True)
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    # Evidence needs a readable scene, not the camera's full 12-50 megapixels: stored photos are capped
    # at PHOTO_MAX_EDGE_PX on their long edge (storage, backups, and every page that shows them).
    image.thumbnail((settings.PHOTO_MAX_EDGE_PX, settings.PHOTO_MAX_EDGE_PX), Image.Resampling.LANCZOS)
    # Nothing of the upload's metadata may ride along: Pillow writes a JPEG comment (COM) from
    # info["comment"] by default, and a comment can hold anything, a position included.
    image.info = {}
    out = io.BytesIO()
    # Re-encoding drops EXIF (GPS, device) while keeping the picture as the camera meant it. (No
    # Huffman optimisation: files ~5 % smaller for ~40 % more CPU, at peak hours.)
    image.save(out, format="JPEG", quality=85)
    width, height = image.size
    # In place (no copy). reducing_gap=1: box-average straight down to the thumbnail's size, then a
    # resample of a few pixels: 1.2 ms instead of 6.4 for a 1600 px photo, and a box average is
    # itself a proper anti-aliased downscale.
    image.thumbnail((settings.PHOTO_THUMBNAIL_PX, settings.PHOTO_THUMBNAIL_PX), reducing_gap=1.0)
    thumb_out = io.BytesIO()
    image.save(thumb_out, format="JPEG", quality=80)
    return PreparedPhoto(out.getvalue(), thumb_out.getvalue(), "jpg", width, height, capture)


def save_photos(*, case, stage: str, photos: list[AcceptedPhoto], actor, event) -> list:
    """Rows for accepted uploads, each with its upload kept as a private original (no image yet)."""
    from cases.models import CasePhoto

    saved = []
    for photo in photos:
        row = CasePhoto(
            case=case, stage=stage, width=photo.width, height=photo.height, uploaded_by=actor, event=event
        )
        # Staff only: a citizen's photo position is theirs, not evidence the city needs to keep.
        if photo.capture is not None and getattr(actor, "roles", None):
            row.capture_source = photo.capture.source
            row.taken_at = photo.capture.taken_at
            row.taken_lng, row.taken_lat = photo.capture.lng, photo.capture.lat
            row.taken_accuracy_m = photo.capture.accuracy_m
        row.original.save(f"{uuid.uuid4().hex}.upload", ContentFile(photo.data), save=False)
        row.save()
        saved.append(row)
    return saved


def process_case_photo(photo_id: int) -> bool:
    """The worker's part: the stripped image and thumbnail from the private original, which then goes.
    Safe to run twice (a redelivered task): the second run finds the photo done and does nothing."""
    from cases.models import CasePhoto

    with transaction.atomic():
        row = CasePhoto.objects.select_for_update().filter(pk=photo_id, processed_at__isnull=True).first()
        if row is None or not row.original:
            return False
        original = row.original.name
        storage = row.original.storage
        with storage.open(original, "rb") as handle:
            data = handle.read()
        try:
            prepared = render(data)
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
            # Passed the header checks but does not decode: kept privately, marked, never shown.
            row.processed_at, row.failed = timezone.now(), True
            row.save(update_fields=["processed_at", "failed"])
            return False
        stem = uuid.uuid4().hex
        row.image.save(f"{stem}.{prepared.ext}", ContentFile(prepared.image), save=False)
        row.thumbnail.save(f"{stem}_t.jpg", ContentFile(prepared.thumbnail), save=False)
        row.width, row.height = prepared.width, prepared.height
        row.original, row.processed_at = "", timezone.now()
        written = [row.image.name, row.thumbnail.name]
        try:
            row.save(update_fields=["image", "thumbnail", "width", "height", "original", "processed_at"])
        except Exception:
            for name in written:
                storage.delete(name)
            raise
        # The upload (with its EXIF and GPS) goes once the stripped copy is committed.
        transaction.on_commit(lambda: storage.delete(original))
    return True


@dataclass
class Evidence:
    """What the case page says about one photo (docs/domain.md §12)."""

    source: str
    taken_at: datetime | None
    distance_m: float | None
    far: bool
    early: bool

    @property
    def flagged(self) -> bool:
        return self.far or self.early


def photo_evidence(photo, case) -> Evidence | None:
    """Distance of the photo's position from the case's, and whether it was taken far away
    (PHOTO_SITE_MAX_DISTANCE_M) or long before it was uploaded (PHOTO_SITE_MAX_AGE_HOURS). None: no record."""
    if not photo.capture_source:
        return None
    distance = None
    if photo.taken_lng is not None and photo.taken_lat is not None:
        from grids.coords import distance_m

        distance = distance_m(photo.taken_lng, photo.taken_lat, case.lng, case.lat)
    far = distance is not None and distance > settings.PHOTO_SITE_MAX_DISTANCE_M
    early = photo.taken_at is not None and photo.created_at - photo.taken_at > timedelta(
        hours=settings.PHOTO_SITE_MAX_AGE_HOURS
    )
    return Evidence(photo.capture_source, photo.taken_at, distance, far, early)
