"""Photo uploads: checked by content (not by name), EXIF orientation applied, scaled down to at most
PHOTO_MAX_EDGE_PX, re-encoded without EXIF (so no GPS position leaks), thumbnailed. Everything is checked before anything is written, so a
rejected upload saves nothing."""

import io
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from cases.errors import InvalidInput

# The only decoders untrusted bytes ever reach (Pillow would otherwise try every format it knows).
# Phones' multi-picture JPEGs (portrait mode, depth) open as MPO through the JPEG decoder: a JPEG all the same.
_DECODERS = ("JPEG", "PNG", "WEBP")


@dataclass
class PreparedPhoto:
    image: bytes
    thumbnail: bytes
    ext: str
    width: int
    height: int


def prepare_photos(files, *, field: str = "photos") -> list[PreparedPhoto]:
    return [_prepare(f, field=field, index=i) for i, f in enumerate(files or [], start=1)]


def _prepare(upload, *, field: str, index: int) -> PreparedPhoto:
    name = getattr(upload, "name", f"#{index}")
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
    try:
        with Image.open(io.BytesIO(data), formats=_DECODERS) as probe:
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
            probe.verify()  # catches truncated and corrupt files
        image = Image.open(io.BytesIO(data), formats=_DECODERS)
        # A JPEG decodes straight at 1/2, 1/4 or 1/8 scale when that still covers the stored size:
        # a 12-megapixel phone photo then costs a fraction of a full decode.
        image.draft("RGB", (settings.PHOTO_MAX_EDGE_PX, settings.PHOTO_MAX_EDGE_PX))
        image.load()
    except Image.DecompressionBombError:
        # Pillow's own guard fired before ours could read the size (a canvas of hundreds of megapixels).
        raise InvalidInput(
            _("照片 %(name)s 的像素数远超上限 %(limit)d 像素（疑似解压炸弹），已拒收")
            % {"name": name, "limit": settings.PHOTO_MAX_PIXELS},
            field=field,
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise InvalidInput(
            _("文件 %(name)s 不是可识别的图片（支持 JPEG、PNG、WebP）") % {"name": name}, field=field
        ) from None

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
    # Huffman optimisation: files ~5 % smaller for ~40 % more CPU, on the request path at peak hours.)
    image.save(out, format="JPEG", quality=85)
    width, height = image.size
    # In place (no copy). reducing_gap=1: box-average straight down to the thumbnail's size, then a
    # resample of a few pixels: 1.2 ms instead of 6.4 for a 1600 px photo, and a box average is
    # itself a proper anti-aliased downscale.
    image.thumbnail((settings.PHOTO_THUMBNAIL_PX, settings.PHOTO_THUMBNAIL_PX), reducing_gap=1.0)
    thumb_out = io.BytesIO()
    image.save(thumb_out, format="JPEG", quality=80)
    return PreparedPhoto(out.getvalue(), thumb_out.getvalue(), "jpg", width, height)


def save_photos(*, case, stage: str, photos: list[PreparedPhoto], actor, event) -> list:
    from cases.models import CasePhoto

    saved = []
    for photo in photos:
        stem = uuid.uuid4().hex
        row = CasePhoto(
            case=case, stage=stage, width=photo.width, height=photo.height, uploaded_by=actor, event=event
        )
        row.image.save(f"{stem}.{photo.ext}", ContentFile(photo.image), save=False)
        row.thumbnail.save(f"{stem}_t.jpg", ContentFile(photo.thumbnail), save=False)
        row.save()
        saved.append(row)
    return saved
