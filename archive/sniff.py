"""Recognise a media file's type from its bytes, never from its name, and read its pixel size or duration."""
from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

HEAD_BYTES = 64

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
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None


class UnreadableMedia(ValueError):
    pass


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
