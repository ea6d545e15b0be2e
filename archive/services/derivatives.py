"""Reduced copies of images for pages (responsive images): Image API renditions, kept in the bounded image cache."""
from __future__ import annotations

from archive.errors import NotFound
from archive.models import Media
from archive.services.images import ImageRef, Rendition, render

WIDTHS = (320, 640, 1024, 1600)


def widths_for(media: Media) -> list[int]:
    """The derivative widths smaller than the original (the original serves larger screens)."""
    return [w for w in WIDTHS if media.width and w < media.width]


def image_derivative(media: Media, width: int) -> bytes:
    """A JPEG of ``media`` scaled to ``width`` pixels wide. Raises NotFound for other widths or non-images.

    The caller has checked that the viewer may see ``media``."""
    if media.kind != "image" or not media.height or width not in widths_for(media):
        raise NotFound(f"No {width} px version of this file.")
    height = max(1, round(media.height * width / media.width))
    image = ImageRef(media.public_id, media.sha256, media.width, media.height, public=media.item.access == "public")
    return render(image, Rendition(0, 0, media.width, media.height, width, height))
