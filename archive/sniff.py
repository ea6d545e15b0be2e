"""Recognise a media file's type from its bytes, never from its name, and read its pixel size or duration."""
from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

HEAD_BYTES = 64
EXIF_ORIENTATION = 0x0112
# How a picture stored with an EXIF Orientation tag is turned to be shown upright: Pillow's own table
# (ImageOps.exif_transpose). Values 5 to 8 swap width and height.
UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

# MIME type -> media kind, for every type the archive accepts.
ACCEPTED_TYPES = {
    "image/jpeg": "image",
    "image/png": "image",
    "image/webp": "image",
    "image/tiff": "image",
    "audio/wav": "audio",
    "audio/mpeg": "audio",
    "audio/ogg": "audio",
    "audio/flac": "audio",
    "video/mp4": "video",
    "video/webm": "video",
    "application/pdf": "document",
}
EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/tiff": ".tif",
    "audio/wav": ".wav",
    "audio/mpeg": ".mp3",
    "audio/ogg": ".ogg",
    "audio/flac": ".flac",
    "video/mp4": ".mp4",
    "video/webm": ".webm",
    "application/pdf": ".pdf",
}
_ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "audio/x-wav": "audio/wav",
    "audio/wave": "audio/wav",
    "audio/vnd.wave": "audio/wav",
    "audio/mp3": "audio/mpeg",
    "audio/x-flac": "audio/flac",
    "audio/x-mpeg": "audio/mpeg",
    "application/ogg": "audio/ogg",
    "audio/x-ogg": "audio/ogg",
    "video/x-m4v": "video/mp4",
    "audio/mp4": "video/mp4",
}


def canonical_mime(mime: str) -> str:
    mime = mime.split(";")[0].strip().lower()
    return _ALIASES.get(mime, mime)


def sniff_mime(head: bytes) -> str | None:
    """The MIME type that the first bytes of a file announce, or None when not one the archive accepts."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head[4:8] == b"ftyp":
        return "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def claimed_mime(filename: str, declared: str | None = None) -> str | None:
    """The type a file claims to be: its declared MIME type, else the one its extension implies."""
    if declared:
        return canonical_mime(declared)
    guessed, _ = mimetypes.guess_type(filename)
    return canonical_mime(guessed) if guessed else None


@dataclass(frozen=True)
class Probe:
    mime_type: str
    kind: str
    width: int | None = None  # a picture's size as shown: turned by its EXIF Orientation
    height: int | None = None
    duration_seconds: float | None = None


class UnreadableMedia(ValueError):
    pass


def allow_pillow_up_to(max_pixels: int) -> None:
    """Make Pillow's own decompression-bomb limit agree with the archive's bound ``max_pixels``.

    Pillow refuses to open pictures of more than twice ``PIL.Image.MAX_IMAGE_PIXELS`` (about 179 Mpx by
    default) wherever they are opened, so a picture the archive accepted (up to MAX_IMAGE_PIXELS, 400 Mpx)
    could not be rendered. The archive checks that bound itself, from the header and before decoding a
    pixel, at upload and import (``probe``); Pillow's limit is raised to it (never lowered, and left off
    when someone turned it off), so that it stays a backstop at twice the archive's bound. Pillow's limit
    is one setting for the whole process: the largest bound of the apps in it wins.
    """
    if Image.MAX_IMAGE_PIXELS is not None and Image.MAX_IMAGE_PIXELS < max_pixels:
        Image.MAX_IMAGE_PIXELS = max_pixels


def exif_orientation(image: Image.Image) -> int:
    """The EXIF Orientation of an opened picture, 1 (as stored) when it has none or it cannot be read.

    Read from JPEG, TIFF and WebP, whose EXIF is in the header. A PNG is taken as stored: its eXIf chunk
    may follow the pixels, so reading it would decode the whole picture at import, and whether it was read
    would then depend on whether the picture had been decoded yet.
    """
    if image.format not in ("JPEG", "MPO", "TIFF", "WEBP"):
        return 1
    try:
        value = image.getexif().get(EXIF_ORIENTATION, 1)
    except Exception:  # noqa: BLE001 - a broken EXIF block must not make the picture unreadable
        return 1
    return value if isinstance(value, int) else 1


def displayed_size(image: Image.Image) -> tuple[int, int]:
    """The (width, height) of an opened picture as it is shown, turned by its EXIF Orientation."""
    width, height = image.size
    return (height, width) if exif_orientation(image) in (5, 6, 7, 8) else (width, height)


def upright(picture: Image.Image, orientation: int) -> Image.Image:
    """``picture`` (decoded from a file whose EXIF Orientation is ``orientation``) turned to be shown."""
    method = UPRIGHT.get(orientation)
    return picture.transpose(method) if method is not None else picture


def probe(path: Path, *, max_pixels: int) -> Probe:
    """Sniff and measure a media file. Raises UnreadableMedia with a reason a person understands."""
    try:
        with open(path, "rb") as stream:
            head = stream.read(HEAD_BYTES)
    except OSError as exc:
        raise UnreadableMedia(f"cannot read the file ({exc.strerror})") from exc
    mime = sniff_mime(head)
    if mime is None:
        raise UnreadableMedia("its content is not a recognised image, audio, video or PDF file")
    kind = ACCEPTED_TYPES[mime]
    if kind == "image":
        try:
            with Image.open(path) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise UnreadableMedia(f"image of {width}x{height} pixels exceeds the limit of {max_pixels} pixels")
                image.verify()
            with Image.open(path) as image:  # verify() leaves the image unusable, EXIF included
                width, height = displayed_size(image)  # what viewers show, and what regions are drawn on
        except UnreadableMedia:
            raise
        except Image.DecompressionBombError as exc:
            raise UnreadableMedia(f"the image exceeds the limit of {max_pixels} pixels: {exc}") from exc
        except Exception as exc:  # Pillow raises many types for corrupt files
            raise UnreadableMedia(f"the image cannot be decoded ({exc})") from exc
        return Probe(mime, kind, width=width, height=height)
    if kind in ("audio", "video"):
        return Probe(mime, kind, duration_seconds=_duration(path, mime))
    return Probe(mime, kind)


def _duration(path: Path, mime: str) -> float | None:
    import mutagen

    if mime == "video/webm":  # WebM and Matroska: mutagen does not read them, their EBML structure says it
        from archive.matroska import MatroskaError, matroska_duration

        try:
            with open(path, "rb") as stream:
                return matroska_duration(stream)
        except MatroskaError as exc:
            raise UnreadableMedia(f"the video cannot be read ({exc})") from exc
    try:
        info = mutagen.File(path)
    except Exception as exc:
        raise UnreadableMedia(f"the recording cannot be read ({exc})") from exc
    if info is None or getattr(info, "info", None) is None:
        return None
    return round(float(info.info.length), 3)


def extension_for(mime: str) -> str:
    return EXTENSIONS.get(mime, ".bin")
