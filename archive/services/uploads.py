"""Uploading media files to an item: checked from their bytes, cleaned of location data, stored once.

A file is refused with a message a person understands when it is too large, not a picture, recording,
video or PDF whatever its name says, a decompression bomb, or truncated or corrupt. Location metadata
(EXIF GPS) is removed unless the uploader keeps it on purpose. A refused upload leaves nothing behind: no
row, no file in the store, no temporary file.
"""
from __future__ import annotations

import io
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from PIL import Image
from sqlalchemy import select

from archive import identifiers
from archive.db import db
from archive.errors import InvalidInput, TooLarge
from archive.models import Licence, Media, User
from archive.records import media_record
from archive.services.editing import agent_for, item_for_editing
from archive.services.publication import PublicChanges
from archive.services.revisions import record_revision
from archive.sniff import UnreadableMedia, probe
from archive.storage import MediaStore

CHUNK = 1024 * 1024
GPS_IFD = 0x8825


def _copy_limited(stream: BinaryIO, target: BinaryIO, max_bytes: int) -> int:
    size = 0
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge(f"The file is larger than the limit of {max_bytes:,} bytes.",
                           details=[f"file: at most {max_bytes} bytes"])
        target.write(chunk)
    if size == 0:
        raise InvalidInput("The file is empty.", details=["file: empty"])
    return size


def _decode_fully(path: Path) -> None:
    # verify() reads the structure only; a truncated JPEG passes it. Decoding every pixel finds it.
    try:
        with Image.open(path) as image:
            image.load()
    except Exception as exc:  # Pillow raises many types for broken files
        raise UnreadableMedia(f"the image is truncated or corrupt ({exc})") from exc


def _without_location(path: Path, mime: str) -> bool:
    """Remove EXIF GPS data in place, losslessly: JPEG keeps its compressed pixels (only the EXIF segment
    is rewritten), PNG and WebP are re-encoded losslessly. Returns whether anything was removed."""
    with Image.open(path) as image:
        exif = image.getexif()
        if GPS_IFD not in exif:
            return False
        del exif[GPS_IFD]
        if mime == "image/jpeg":
            data = _replace_jpeg_exif(path.read_bytes(), exif.tobytes())
        else:
            buffer = io.BytesIO()
            image.load()
            options = {"lossless": True} if mime == "image/webp" else {}
            image.save(buffer, format=image.format, exif=exif.tobytes(), **options)
            data = buffer.getvalue()
    path.write_bytes(data)
    return True


def _replace_jpeg_exif(jpeg: bytes, exif: bytes) -> bytes:
    """The JPEG with its APP1 Exif segment replaced by ``exif`` (which starts with b'Exif\\0\\0')."""
    out, position = bytearray(jpeg[:2]), 2
    while position + 4 <= len(jpeg) and jpeg[position] == 0xFF:
        marker = jpeg[position + 1]
        if marker == 0xDA:  # start of scan: the rest is image data
            break
        length = int.from_bytes(jpeg[position + 2:position + 4], "big")
        segment = jpeg[position:position + 2 + length]
        if marker == 0xE1 and segment[4:10] == b"Exif\x00\x00":
            payload = exif if exif.startswith(b"Exif\x00\x00") else b"Exif\x00\x00" + exif
            segment = b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload
        out += segment
        position += 2 + length
    out += jpeg[position:]
    return bytes(out)


def add_media(user: User, public_id: str, stream: BinaryIO, filename: str, *, store: MediaStore, max_bytes: int,
              max_pixels: int, label: list[dict[str, str]] | None = None, licence_id: str | None = None,
              keep_location: bool = False, uploader_is_creator: bool = False) -> Media:
    """Add an uploaded file to an item ``user`` may edit (credited as the file's photographer or recordist
    when ``uploader_is_creator``). Raises NotFound / AccessDenied as the editor does, TooLarge, or
    InvalidInput naming what is wrong with the file."""
    item = item_for_editing(public_id, user)
    changes = PublicChanges()
    changes.note_before([item.public_id])
    if licence_id and db.session.get(Licence, licence_id) is None:
        raise InvalidInput(f"No licence {licence_id!r}.", details=["licence: a licence of the registry"])
    store.root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=".upload-", dir=store.root))
    created_blob: str | None = None
    try:
        path = folder / "file"
        with open(path, "wb") as target:
            _copy_limited(stream, target, max_bytes)
        try:
            found = probe(path, max_pixels=max_pixels)
            if found.kind == "image":
                _decode_fully(path)
                if not keep_location:
                    _without_location(path, found.mime_type)
        except UnreadableMedia as exc:
            raise InvalidInput(f"{filename or 'The file'} was refused: {exc}.", details=[f"file: {exc}"]) from None
        blob = store.put_file(path)
        created_blob = blob.sha256 if blob.created else None
        media = Media(public_id=identifiers.mint("m"), item=item, position=len(item.media), kind=found.kind,
                      mime_type=found.mime_type, sha256=blob.sha256, size_bytes=blob.size, width=found.width,
                      height=found.height, duration_seconds=found.duration_seconds, label=label or [],
                      original_filename=(Path(filename or "").name or None), licence_id=licence_id or None,
                      creator=agent_for(user) if uploader_is_creator else None, version=1)
        db.session.add(media)
        db.session.flush()
        record_revision("media", media.id, media.public_id, 1, media_record(media), actor_label=user.display_name,
                        actor_user_id=user.id, action="create")
        changes.record([item.public_id])  # a public item's manifest gains a canvas
        db.session.commit()
    except BaseException:
        db.session.rollback()
        if created_blob and not db.session.scalar(select(Media.id).where(Media.sha256 == created_blob).limit(1)):
            store.remove(created_blob)
        raise
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if media.kind == "image":
        from archive.services.images import build_pyramids

        build_pyramids([(media.sha256, media.width, media.height)])
    return media
