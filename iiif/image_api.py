"""IIIF Image API 3.0, level 2: the request parameters parsed into pixels, and the image information.

Pure: no request, no database, no image library. ``parse_image_request`` turns the four path segments
(region, size, rotation, quality.format) and an image's pixel size into an ``ImageRequest`` whose numbers
are exact pixels, or raises InvalidQuery (HTTP 400) with a message saying what is wrong. Integer
arithmetic throughout, so that no string of digits, however long, can overflow into an error of ours.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from archive.errors import InvalidQuery

CONTEXT = "http://iiif.io/api/image/3/context.json"
PROFILE_URI = "http://iiif.io/api/image/3/level2.json"
FORMATS = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
QUALITIES = ("default", "color", "gray", "bitonal")
# What this service does beyond level 2 (https://iiif.io/api/image/3.0/compliance/).
EXTRA_FEATURES = ["mirroring", "rotationArbitrary", "sizeUpscaling", "profileLinkHeader", "canonicalLinkHeader"]

_INT = re.compile(r"^[0-9]+$")
_FLOAT = re.compile(r"^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")
MAX_DIGITS = 12  # no image has a trillion pixels on a side: longer numbers are refused, not computed


@dataclass(frozen=True)
class ImageRequest:
    """An Image API request resolved against one image: region and output size in pixels."""

    x: int
    y: int
    width: int  # of the region, in the full image's pixels
    height: int
    out_width: int  # of the scaled region, before rotation
    out_height: int
    upscaled: bool
    mirror: bool
    rotation: float  # degrees clockwise, 0 <= rotation < 360
    quality: str
    format: str

    @property
    def media_type(self) -> str:
        return FORMATS[self.format]

    def canonical(self, image_width: int, image_height: int) -> str:
        """The canonical form of this request's parameters (Image API 3.0, section 4.7)."""
        full = (self.x, self.y, self.width, self.height) == (0, 0, image_width, image_height)
        region = "full" if full else f"{self.x},{self.y},{self.width},{self.height}"
        size = f"{'^' if self.upscaled else ''}{self.out_width},{self.out_height}"
        rotation = f"{'!' if self.mirror else ''}{self.rotation:g}"
        return f"{region}/{size}/{rotation}/{self.quality}.{self.format}"


def _int(text: str, what: str) -> int:
    if not _INT.match(text) or len(text.lstrip("0")) > MAX_DIGITS:
        raise InvalidQuery(f"{what} must be a whole number of pixels, not {text!r}.")
    return int(text)


def _float(text: str, what: str) -> float:
    if not _FLOAT.match(text) or len(text.split(".")[0].lstrip("0")) > MAX_DIGITS:
        raise InvalidQuery(f"{what} must be a number, not {text!r}.")
    return float(text)


def parse_region(region: str, width: int, height: int) -> tuple[int, int, int, int]:
    """``full``, ``square``, ``x,y,w,h`` or ``pct:x,y,w,h`` as (x, y, w, h) inside the image."""
    if region == "full":
        return 0, 0, width, height
    if region == "square":
        side = min(width, height)
        return (width - side) // 2, (height - side) // 2, side, side
    if region.startswith("pct:"):
        parts = region[4:].split(",")
        if len(parts) != 4:
            raise InvalidQuery(f"Region {region!r}: pct: takes four numbers, x,y,w,h.")
        px, py, pw, ph = (_float(p, "A region percentage") for p in parts)
        x0, y0 = round(px * width / 100), round(py * height / 100)
        x1 = round(min(px + pw, 100.0) * width / 100)
        y1 = round(min(py + ph, 100.0) * height / 100)
        x, y, w, h = x0, y0, x1 - x0, y1 - y0
        if pw <= 0 or ph <= 0:
            raise InvalidQuery(f"Region {region!r} has no width or no height.")
        w, h = max(w, 1), max(h, 1)
    else:
        parts = region.split(",")
        if len(parts) != 4:
            raise InvalidQuery(f"Region {region!r}: expected full, square, x,y,w,h or pct:x,y,w,h.")
        x, y, w, h = (_int(p, "A region coordinate") for p in parts)
        if w == 0 or h == 0:
            raise InvalidQuery(f"Region {region!r} has no width or no height.")
    if x >= width or y >= height:
        raise InvalidQuery(f"Region {region!r} lies outside the image ({width}x{height}).")
    return x, y, min(w, width - x), min(h, height - y)


def _scaled(length: int, numerator: int, denominator: int) -> int:
    """round(length * numerator / denominator) in integers, at least 1."""
    return max(1, (2 * length * numerator + denominator) // (2 * denominator))


def max_size(width: int, height: int, max_area: int, *, upscale: bool) -> tuple[int, int]:
    """The largest size of a ``width`` x ``height`` region within ``max_area`` (never upscaled unless asked)."""
    if width * height <= max_area and not upscale:
        return width, height
    scale = math.sqrt(max_area / (width * height))
    out_w, out_h = max(1, math.floor(width * scale)), max(1, math.floor(height * scale))
    return out_w, out_h


def parse_size(size: str, width: int, height: int, max_area: int) -> tuple[int, int, bool]:
    """A size parameter applied to a ``width`` x ``height`` region: (out_width, out_height, upscaled)."""
    upscale = size.startswith("^")
    spec = size[1:] if upscale else size
    if spec == "max":
        out_w, out_h = max_size(width, height, max_area, upscale=upscale)
    elif spec.startswith("pct:"):
        percent = _float(spec[4:], "A size percentage")
        if percent <= 0:
            raise InvalidQuery(f"Size {size!r}: the percentage must be above 0.")
        if percent > 100 and not upscale:
            raise InvalidQuery(f"Size {size!r} would enlarge the region: write ^{size} to upscale.")
        out_w, out_h = round(width * percent / 100), round(height * percent / 100)
        if out_w == 0 or out_h == 0:
            raise InvalidQuery(f"Size {size!r} leaves no pixel.")
    else:
        confined = spec.startswith("!")
        parts = (spec[1:] if confined else spec).split(",")
        if len(parts) != 2 or (confined and not all(parts)) or not any(parts):
            raise InvalidQuery(f"Size {size!r}: expected max, w,  ,h  w,h  !w,h  pct:n, each maybe after ^.")
        w = _int(parts[0], "A size width") if parts[0] else None
        h = _int(parts[1], "A size height") if parts[1] else None
        if w == 0 or h == 0:
            raise InvalidQuery(f"Size {size!r} asks for no pixel.")
        if confined:
            assert w is not None and h is not None
            if w * height <= h * width:  # the width limits
                out_w, out_h = w, _scaled(height, w, width)
            else:
                out_w, out_h = _scaled(width, h, height), h
        elif w is not None and h is not None:
            out_w, out_h = w, h
        elif w is not None:
            out_w, out_h = w, _scaled(height, w, width)
        else:
            assert h is not None
            out_w, out_h = _scaled(width, h, height), h
    enlarged = out_w > width or out_h > height
    if enlarged and not upscale:
        # Also for !w,h: a confined size larger than the region needs ^ (as the IIIF validator expects).
        raise InvalidQuery(f"Size {size!r} would enlarge the {width}x{height} region: write ^{size} to upscale.")
    if out_w * out_h > max_area:
        raise InvalidQuery(f"Size {size!r} gives {out_w}x{out_h} pixels, more than this service's maxArea "
                           f"({max_area}).")
    return out_w, out_h, enlarged


def parse_rotation(rotation: str) -> tuple[bool, float]:
    """``n`` or ``!n`` (mirrored first), 0 <= n <= 360 degrees clockwise: (mirror, degrees below 360)."""
    mirror = rotation.startswith("!")
    degrees = _float(rotation[1:] if mirror else rotation, "The rotation")
    if degrees > 360:
        raise InvalidQuery(f"Rotation {rotation!r}: degrees go from 0 to 360.")
    return mirror, degrees % 360


def parse_quality_format(quality_format: str) -> tuple[str, str]:
    quality, dot, fmt = quality_format.rpartition(".")
    if not dot:
        raise InvalidQuery(f"{quality_format!r}: expected quality.format, e.g. default.jpg.")
    if quality not in QUALITIES:
        raise InvalidQuery(f"Unknown quality {quality!r}: this service offers {', '.join(QUALITIES)}.")
    if fmt not in FORMATS:
        raise InvalidQuery(f"Unknown format {fmt!r}: this service offers {', '.join(FORMATS)}.")
    return quality, fmt


def parse_image_request(region: str, size: str, rotation: str, quality_format: str, *,
                        width: int, height: int, max_area: int) -> ImageRequest:
    """The four parameters of an image request against a ``width`` x ``height`` image.

    Raises InvalidQuery, naming the faulty parameter, for anything the Image API 3.0 does not allow.
    """
    x, y, w, h = parse_region(region, width, height)
    out_w, out_h, upscaled = parse_size(size, w, h, max_area)
    mirror, degrees = parse_rotation(rotation)
    quality, fmt = parse_quality_format(quality_format)
    return ImageRequest(x, y, w, h, out_w, out_h, upscaled, mirror, degrees, quality, fmt)


def build_info(service_id: str, width: int, height: int, *, tile_size: int, scale_factors: list[int],
               max_area: int, rights: str | None = None) -> dict[str, Any]:
    """The image information document (``info.json``) of a level 2 service at ``service_id``, whose tiles
    are ``tile_size`` pixels square at each of ``scale_factors``."""
    factors = scale_factors
    sizes = [{"width": -(-width // s), "height": -(-height // s)} for s in reversed(factors)]
    info: dict[str, Any] = {
        "@context": CONTEXT,
        "id": service_id,
        "type": "ImageService3",
        "protocol": "http://iiif.io/api/image",
        "profile": "level2",
        "width": width,
        "height": height,
        "maxArea": max_area,
        "sizes": [s for s in sizes if s["width"] * s["height"] <= max_area],
        "tiles": [{"width": tile_size, "height": tile_size, "scaleFactors": factors}],
        "extraQualities": [q for q in QUALITIES if q != "default"],
        "extraFormats": [f for f in FORMATS if f not in ("jpg", "png")],
        "extraFeatures": EXTRA_FEATURES,
    }
    if rights:
        info["rights"] = rights
    return info
