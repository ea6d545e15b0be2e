"""Images cut, scaled, turned and encoded on request, made once and kept in a bounded disk cache.

Large images (more than PYRAMID_MIN_PIXELS) get a pyramid when they are imported: the image and its
halvings down to one tile, each cut into TILE_SIZE JPEG tiles under DATA_DIR/pyramids. A request then
decodes only the tiles of the coarsest level that still has enough pixels, and a request for exactly one
of those tiles in JPEG (what viewers ask for) is answered with the stored tile's bytes, without decoding.
Smaller images are decoded from the original (JPEG at a reduced scale when that is enough).

Every result but those pass-through tiles goes into ImageCache, whose total size is bounded. Access is
decided by ``image_for_viewer`` before anything is read: the cache is keyed by content and parameters,
never by who asked, and it is only reached after the check.
"""
from __future__ import annotations

import fcntl
import hashlib
import io
import json
import math
import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, NamedTuple

from flask import current_app
from PIL import Image
from sqlalchemy import bindparam, select

from archive.db import db
from archive.errors import NotFound
from archive.models import Item, Media
from archive.services.access import check_can_view
from archive.sniff import exif_orientation, upright
from archive.storage import media_store

TILE_SIZE = 256
PYRAMID_MIN_PIXELS = 2048 * 2048
JPEG_QUALITY = 85
_WHITE = (255, 255, 255)


# ------------------------------------------------------------------------------------------ access


@dataclass(frozen=True)
class ImageRef:
    """An image a viewer may see: what rendering needs, read in one query."""

    public_id: str
    sha256: str
    width: int
    height: int
    public: bool  # published and open to anyone: responses may be kept by shared caches


_media, _items = Media.__table__, Item.__table__
_IMAGE_ROW = (
    select(_media.c.sha256, _media.c.kind, _media.c.width, _media.c.height, _items.c.status, _items.c.access,
           _items.c.labels, _items.c.access_community_id)
    .select_from(_media.join(_items, _media.c.item_id == _items.c.id))
    .where(_media.c.public_id == bindparam("public_id"))
)


class _ImageRow(NamedTuple):
    sha256: str
    kind: str
    width: int | None
    height: int | None
    status: str
    access: str
    labels: list[str]
    access_community_id: int | None


class _RowReader(threading.local):
    """Each thread's own database connection for _IMAGE_ROW, taken out of the engine's pool.

    This query runs for every tile a viewer asks for. Through SQLAlchemy (pool checkout with its ping,
    statement execution, result) it took about 150 microseconds, a third of a warm tile's time; the same
    compiled statement on a kept DBAPI connection takes 5. The transaction is ended after each read, so
    every request sees the archive as it is now; a connection that fails is dropped and made again.
    """

    engine: Any = None
    connection: Any = None
    sql = ""
    positional: tuple[str, ...] | None = None

    def read(self, public_id: str) -> _ImageRow | None:
        engine = db.engine
        if self.connection is None or self.engine is not engine:
            self.connection = None
            compiled = _IMAGE_ROW.compile(dialect=engine.dialect)
            connection = engine.raw_connection()
            connection.detach()  # ours for the thread's life, not the pool's to count or recycle
            self.engine, self.connection, self.sql = engine, connection, str(compiled)
            self.positional = tuple(compiled.positiontup) if compiled.positiontup else None
        params: Any = {"public_id": public_id}
        if self.positional:
            params = tuple(params[name] for name in self.positional)
        try:
            cursor = self.connection.cursor()
            cursor.execute(self.sql, params)
            found = cursor.fetchone()
            cursor.close()
            self.connection.rollback()
        except Exception:
            broken, self.connection = self.connection, None
            try:
                broken.close()
            except Exception:  # noqa: BLE001 - already gone
                pass
            raise
        if found is None:
            return None
        row = _ImageRow(*found)
        if isinstance(row.labels, str):  # JSON text on SQLite, parsed already from PostgreSQL's JSONB
            row = row._replace(labels=json.loads(row.labels))
        return row


_image_row = _RowReader().read


def image_for_viewer(public_id: str, viewer: Any) -> ImageRef:
    """The image media file ``public_id`` if ``viewer`` may see its item.

    Raises NotFound for unknown ids, non-images and items whose existence is not revealed (drafts,
    private), AuthenticationRequired (401) for a visitor and AccessDenied (403) for a signed-in viewer when
    the item is restricted to other readers.
    """
    row = _image_row(public_id)
    if row is None or row.kind != "image" or not row.width or not row.height:
        raise NotFound("No such image.")
    check_can_view(row, viewer)  # reads status, access, labels and the community, as on an Item
    return ImageRef(public_id, row.sha256, row.width, row.height,
                    public=row.status == "published" and row.access == "public")


# ------------------------------------------------------------------------------------------ the cache


class ImageCache:
    """Files under ``root`` totalling at most about ``max_bytes``, the least recently used evicted first.

    Several processes share the folder. Each counts what it writes and scans the folder again (and
    evicts down to 80 % of the bound, under a lock) when its count passes the bound or when it has
    written 5 % of the bound since its last scan, so the folder exceeds the bound by at most 5 % per
    process. A hit refreshes the file's modification time, which orders the evictions.
    """

    LOW_WATER = 0.8
    RESCAN_SHARE = 0.05

    def __init__(self, root: Path, max_bytes: int):
        self.root = Path(root)
        self.max_bytes = max_bytes
        self._total: int | None = None  # bytes in the folder at the last scan, plus our writes since
        self._written_since_scan = 0
        self._lock = threading.Lock()

    def path_for(self, key: str) -> Path:
        digest = hashlib.sha256(key.encode()).hexdigest()
        return self.root / digest[:2] / digest

    def get(self, key: str) -> bytes | None:
        path = self.path_for(key)
        try:
            with open(path, "rb") as stream:
                data = stream.read()
        except FileNotFoundError:
            return None
        try:
            os.utime(path)
        except FileNotFoundError:  # evicted meanwhile by another process: the bytes are still good
            pass
        return data

    def put(self, key: str, data: bytes) -> None:
        path = self.path_for(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)  # concurrent makers write identical bytes
        with self._lock:
            if self._total is None:
                self._total = self._scan()[0]
            self._total += len(data)
            self._written_since_scan += len(data)
            due = self._total > self.max_bytes or self._written_since_scan > self.max_bytes * self.RESCAN_SHARE
            if due:
                self._total = self._evict()
                self._written_since_scan = 0

    def get_or_make(self, key: str, make: Callable[[], bytes]) -> bytes:
        data = self.get(key)
        if data is None:
            data = make()
            self.put(key, data)
        return data

    def size(self) -> int:
        """Bytes in the cache now (a scan)."""
        return self._scan()[0]

    def _scan(self) -> tuple[int, list[tuple[float, int, str]]]:
        entries: list[tuple[float, int, str]] = []
        total = 0
        if not self.root.is_dir():
            return 0, entries
        for folder in os.scandir(self.root):
            if not folder.is_dir() or folder.name.startswith("."):
                continue
            for entry in os.scandir(folder.path):
                try:
                    stat = entry.stat()
                except FileNotFoundError:
                    continue
                if entry.name.startswith(".tmp-"):
                    if stat.st_mtime < time.time() - 3600:  # left by a process that died while writing
                        _unlink(entry.path)
                    continue
                total += stat.st_size
                entries.append((stat.st_mtime, stat.st_size, entry.path))
        return total, entries

    def _evict(self) -> int:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".evict.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            total, entries = self._scan()
            if total > self.max_bytes:
                entries.sort()
                goal = self.max_bytes * self.LOW_WATER
                for _mtime, size, path in entries:
                    if total <= goal:
                        break
                    if _unlink(path):
                        total -= size
            return total


def _unlink(path: str) -> bool:
    try:
        os.unlink(path)
        return True
    except FileNotFoundError:
        return False


def image_cache() -> ImageCache:
    return current_app.extensions["twiza.image_cache"]


# ------------------------------------------------------------------------------------------ pyramids


def pyramid_factors(width: int, height: int) -> list[int]:
    """Scale factors 1, 2, 4 ... of the levels, down to the one that fits in a single tile."""
    factors = [1]
    while max(-(-width // factors[-1]), -(-height // factors[-1])) > TILE_SIZE:
        factors.append(factors[-1] * 2)
    return factors


def needs_pyramid(width: int | None, height: int | None) -> bool:
    return bool(width and height and width * height > PYRAMID_MIN_PIXELS)


def pyramid_dir(sha256: str) -> Path:
    return Path(current_app.config["DATA_DIR"]) / "pyramids" / sha256[:2] / sha256


def _tile_path(root: Path, factor: int, column: int, row: int) -> Path:
    return root / str(factor) / f"{column}_{row}.jpg"


def build_pyramid(sha256: str) -> Path:
    """Make the pyramid of the stored image ``sha256`` unless it exists; returns its folder.

    Built in a temporary folder and renamed into place, under a lock, so that a reader never sees
    half a pyramid and two processes never build the same one.
    """
    root = pyramid_dir(sha256)
    if root.is_dir():
        return root
    root.parent.mkdir(parents=True, exist_ok=True)
    with open(root.parent / f".{sha256}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if root.is_dir():
            return root
        work = Path(tempfile.mkdtemp(dir=root.parent, prefix=f".{sha256}-"))
        try:
            with Image.open(media_store().path_for(sha256)) as original:
                level = _decoded(original)
                if level.mode != "RGB":
                    level = level.convert("RGB")
            factor = 1
            while True:
                folder = work / str(factor)
                folder.mkdir()
                for row in range(-(-level.height // TILE_SIZE)):
                    for column in range(-(-level.width // TILE_SIZE)):
                        box = (column * TILE_SIZE, row * TILE_SIZE, min((column + 1) * TILE_SIZE, level.width),
                               min((row + 1) * TILE_SIZE, level.height))
                        level.crop(box).save(_tile_path(work, factor, column, row), "JPEG", quality=JPEG_QUALITY)
                if max(level.size) <= TILE_SIZE:
                    break
                level = level.reduce(2)  # halves, rounding up: level sizes are ceil(size / factor)
                factor *= 2
            os.rename(work, root)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
    return root


def build_pyramids(images: Iterable[tuple[str, int | None, int | None]]) -> int:
    """Make the pyramids that the large ones among ``images`` (sha256, width, height) lack; returns how many."""
    made = 0
    for sha256 in sorted({sha for sha, width, height in images if needs_pyramid(width, height)}):
        if not pyramid_dir(sha256).is_dir():
            build_pyramid(sha256)
            made += 1
    return made


# ------------------------------------------------------------------------------------------ rendering


@dataclass(frozen=True)
class Rendition:
    """What to make of an image: a region in its pixels, the size it is scaled to, then mirroring,
    a clockwise rotation, a quality (default, color, gray, bitonal) and a format (jpg, png, webp)."""

    x: int
    y: int
    width: int
    height: int
    out_width: int
    out_height: int
    mirror: bool = False
    rotation: float = 0.0
    quality: str = "default"
    format: str = "jpg"

    def key(self, sha256: str) -> str:
        return (f"iiif/{sha256}/{self.x},{self.y},{self.width},{self.height}/{self.out_width},{self.out_height}/"
                f"{'!' if self.mirror else ''}{self.rotation:g}/{self.quality}.{self.format}")


def render(image: ImageRef, rendition: Rendition) -> bytes:
    """The encoded bytes of ``rendition`` of ``image`` (whose access was checked), from the cache or made."""
    if needs_pyramid(image.width, image.height):
        tile = _stored_tile(image, rendition)
        if tile is not None:
            try:
                return _read(tile)
            except FileNotFoundError:  # no pyramid yet (imported before pyramids existed): make it once
                build_pyramid(image.sha256)
                return _read(tile)
        build_pyramid(image.sha256)
    return image_cache().get_or_make(rendition.key(image.sha256), lambda: _make(image, rendition))


def _read(path: str) -> bytes:
    with open(path, "rb") as stream:
        return stream.read()


def _stored_tile(image: ImageRef, r: Rendition) -> str | None:
    """The path of the pyramid's own tile when ``r`` asks for exactly one of them as it is stored.

    Strings, not Paths, and no stat: this runs for every tile a viewer asks for."""
    if r.mirror or r.rotation or r.quality not in ("default", "color") or r.format != "jpg":
        return None
    factor = _level_factor(image, r)
    span = TILE_SIZE * factor
    if r.x % span or r.y % span:
        return None
    column, row = r.x // span, r.y // span
    level_width, level_height = -(-image.width // factor), -(-image.height // factor)
    tile_width = min(TILE_SIZE, level_width - column * TILE_SIZE)
    tile_height = min(TILE_SIZE, level_height - row * TILE_SIZE)
    if (r.width, r.height) != (min(span, image.width - r.x), min(span, image.height - r.y)):
        return None
    if (r.out_width, r.out_height) != (tile_width, tile_height):
        return None
    sha = image.sha256
    return f"{current_app.config['DATA_DIR']}/pyramids/{sha[:2]}/{sha}/{factor}/{column}_{row}.jpg"


def _level_factor(image: ImageRef, r: Rendition) -> int:
    """The coarsest pyramid level with at least as many pixels as the output needs."""
    factor = 1
    for candidate in pyramid_factors(image.width, image.height):
        # levels are ceil(size / factor) pixels: the last tile of a row may be a part pixel short
        if -(-r.width // candidate) >= r.out_width and -(-r.height // candidate) >= r.out_height:
            factor = candidate
    return factor


def _make(image: ImageRef, r: Rendition) -> bytes:
    if needs_pyramid(image.width, image.height):
        picture = _scaled_from_pyramid(pyramid_dir(image.sha256), image, r)
    else:
        picture = _scaled_from_original(image, r)
    return encode(finish(picture, r), r.format, r.quality)


def _resample(picture: Image.Image, r: Rendition, box: tuple[float, float, float, float]) -> Image.Image:
    size = (r.out_width, r.out_height)
    if all(float(v).is_integer() for v in box) and (box[2] - box[0], box[3] - box[1]) == size:
        return picture.crop(tuple(int(v) for v in box))
    return picture.resize(size, Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)


def _scaled_from_pyramid(root: Path, image: ImageRef, r: Rendition) -> Image.Image:
    factor = _level_factor(image, r)
    level_width, level_height = -(-image.width // factor), -(-image.height // factor)
    left, top = r.x / factor, r.y / factor
    right, bottom = min((r.x + r.width) / factor, level_width), min((r.y + r.height) / factor, level_height)
    first_column, first_row = int(left) // TILE_SIZE, int(top) // TILE_SIZE
    last_column, last_row = (math.ceil(right) - 1) // TILE_SIZE, (math.ceil(bottom) - 1) // TILE_SIZE
    origin_x, origin_y = first_column * TILE_SIZE, first_row * TILE_SIZE
    canvas = Image.new("RGB", (min((last_column + 1) * TILE_SIZE, level_width) - origin_x,
                               min((last_row + 1) * TILE_SIZE, level_height) - origin_y))
    for row in range(first_row, last_row + 1):
        for column in range(first_column, last_column + 1):
            with Image.open(_tile_path(root, factor, column, row)) as tile:
                canvas.paste(tile, (column * TILE_SIZE - origin_x, row * TILE_SIZE - origin_y))
    return _resample(canvas, r, (left - origin_x, top - origin_y, right - origin_x, bottom - origin_y))


def _scaled_from_original(image: ImageRef, r: Rendition) -> Image.Image:
    with Image.open(media_store().path_for(image.sha256)) as original:
        if original.format == "JPEG":
            # Decode at 1/2, 1/4 or 1/8 scale when the output needs no more pixels than that.
            scale = min(r.width / r.out_width, r.height / r.out_height)
            if scale >= 2:  # in the stored orientation, which the scale does not depend on
                original.draft(original.mode, (math.ceil(original.width / scale), math.ceil(original.height / scale)))
        picture = _decoded(original)
    sx, sy = image.width / picture.width, image.height / picture.height
    box = (r.x / sx, r.y / sy, (r.x + r.width) / sx, (r.y + r.height) / sy)
    return _resample(picture, r, box)


def _decoded(original: Image.Image) -> Image.Image:
    """The pixels of an opened original as they are shown: ``_displayable``, turned by its EXIF Orientation
    (the width and height recorded at upload and import are already the turned ones)."""
    return upright(_displayable(original), exif_orientation(original))


def _displayable(picture: Image.Image) -> Image.Image:
    """RGB, or RGBA when the picture has transparency; 16-bit greys brought down to 8 bits."""
    if picture.mode in ("I;16", "I;16B", "I;16L", "I"):
        picture = picture.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    has_alpha = picture.mode in ("RGBA", "LA", "PA") or (picture.mode == "P" and "transparency" in picture.info)
    mode = "RGBA" if has_alpha else "RGB"
    if picture.mode == mode:
        picture.load()
        return picture
    return picture.convert(mode)


def finish(picture: Image.Image, r: Rendition) -> Image.Image:
    """Mirror, rotate clockwise and apply the quality."""
    if r.mirror:
        picture = picture.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    if r.rotation in (90, 180, 270):
        picture = picture.transpose({90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180,
                                     270: Image.Transpose.ROTATE_90}[int(r.rotation)])
    elif r.rotation:
        if r.format != "jpg":  # the corners that the turn uncovers are transparent where the format can be
            picture = picture.convert("RGBA")
        fill = (0, 0, 0, 0) if picture.mode == "RGBA" else _WHITE
        picture = picture.rotate(-r.rotation, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=fill)
    if r.quality == "gray":
        picture = picture.convert("LA" if picture.mode == "RGBA" else "L")
    elif r.quality == "bitonal":
        picture = _flatten(picture).convert("L").point(lambda v: 255 if v >= 128 else 0, mode="1")
    return picture


def _flatten(picture: Image.Image) -> Image.Image:
    if picture.mode not in ("RGBA", "LA"):
        return picture
    background = Image.new("RGB" if picture.mode == "RGBA" else "L", picture.size, 255 if picture.mode == "LA" else _WHITE)
    background.paste(picture, mask=picture.getchannel("A"))
    return background


def encode(picture: Image.Image, fmt: str, quality: str = "default") -> bytes:
    buffer = io.BytesIO()
    if fmt == "jpg":
        picture = _flatten(picture)
        if picture.mode == "1":
            picture = picture.convert("L")
        picture.save(buffer, "JPEG", quality=JPEG_QUALITY)
    elif fmt == "png":
        picture.save(buffer, "PNG", compress_level=3)
    else:
        picture.save(buffer, "WEBP", quality=80, method=3, lossless=quality == "bitonal")
    return buffer.getvalue()
