"""IIIF Image API 3.0 endpoints at /iiif/3/image/<media id>/...: thin, the parsing in iiif.image_api and
the access check, rendering and caching in archive.services.images. The identifier is the media file's
public id (the one in its /media/ URL)."""
from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Blueprint, Response, current_app, redirect, request, url_for

from archive.services import images
from iiif.image_api import CONTEXT, PROFILE_URI, build_info, parse_image_request

image_api = Blueprint("iiif_image", __name__, url_prefix="/iiif/3/image")

INFO_MAX_AGE = 3600
IMAGE_MAX_AGE = 30 * 24 * 3600  # an image's bytes never change under its URL (media are content-addressed)


def _viewer() -> Any:
    return None  # accounts arrive with the data workers' issue; until then everyone is a visitor


@image_api.get("/<identifier>")
def base(identifier: str):
    return redirect(url_for(".info", identifier=identifier), 303)


@image_api.get("/<identifier>/info.json")
def info(identifier: str):
    image = images.image_for_viewer(identifier, _viewer())
    document = build_info(url_for(".base", identifier=identifier, _external=True), image.width, image.height,
                          tile_size=images.TILE_SIZE, scale_factors=images.pyramid_factors(image.width, image.height),
                          max_area=current_app.config["IMAGE_MAX_AREA"])
    body = json.dumps(document, separators=(",", ":"))
    wants_ld = request.accept_mimetypes.best_match(["application/json", "application/ld+json"]) == "application/ld+json"
    content_type = f'application/ld+json;profile="{CONTEXT}"' if wants_ld else "application/json"
    response = Response(body, content_type=content_type)
    response.vary.add("Accept")
    return _cacheable(response, hashlib.sha256(body.encode()).hexdigest()[:32], image.public, INFO_MAX_AGE)


@image_api.get("/<identifier>/<region>/<size>/<rotation>/<quality_format>")
def image(identifier: str, region: str, size: str, rotation: str, quality_format: str):
    image = images.image_for_viewer(identifier, _viewer())
    wanted = parse_image_request(region, size, rotation, quality_format, width=image.width, height=image.height,
                                 max_area=current_app.config["IMAGE_MAX_AREA"])
    canonical = wanted.canonical(image.width, image.height)
    etag = hashlib.sha256(f"{image.sha256}/{canonical}".encode()).hexdigest()[:32]
    if etag in request.if_none_match:
        response = Response(status=304)
    else:
        response = Response(images.render(image, images.Rendition(
            wanted.x, wanted.y, wanted.width, wanted.height, wanted.out_width, wanted.out_height,
            wanted.mirror, wanted.rotation, wanted.quality, wanted.format)), mimetype=wanted.media_type)
    response.headers["Link"] = (f'<{url_for(".base", identifier=identifier, _external=True)}/{canonical}>;rel="canonical",'
                                f'<{PROFILE_URI}>;rel="profile"')
    return _cacheable(response, etag, image.public, IMAGE_MAX_AGE)


def _cacheable(response: Response, etag: str, public: bool, max_age: int) -> Response:
    # Only what anyone may see is offered to shared caches; the rest stays in the viewer's own.
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"{'public' if public else 'private'}, max-age={max_age}"
    return response.make_conditional(request)


@image_api.after_request
def cors(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
