"""Reduced copies of images for pages (responsive images), made once and kept in the data dir's cache."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from flask import current_app
from PIL import Image

from archive.errors import NotFound
from archive.models import Media
from archive.storage import media_store

WIDTHS = (320, 640, 1024, 1600)


def widths_for(media: Media) -> list[int]:
    """The derivative widths smaller than the original (the original serves larger screens)."""
    return [w for w in WIDTHS if media.width and w < media.width]


def image_derivative(media: Media, width: int) -> Path:
    """A JPEG of ``media`` scaled to ``width`` pixels wide. Raises NotFound for other widths or non-images."""
    if media.kind != "image" or width not in widths_for(media):
        raise NotFound(f"No {width} px version of this file.")
    cache = Path(current_app.config["DATA_DIR"]) / "cache" / "derivatives"
    target = cache / f"{media.sha256}-{width}.jpg"
    if target.is_file():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    height = max(1, round(media.height * width / media.width))
    with Image.open(media_store().path_for(media.sha256)) as image:
        image.draft("RGB", (width, height))  # JPEG: decode at the nearest reduced scale only
        reduced = image.convert("RGB").resize((width, height), Image.Resampling.LANCZOS)
    fd, tmp = tempfile.mkstemp(dir=cache, suffix=".tmp")
    with os.fdopen(fd, "wb") as out:
        reduced.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    os.replace(tmp, target)  # concurrent makers write identical bytes
    return target
