"""IIIF Presentation endpoints. Thin: read the item through the archive's services (which refuse drafts,
private and restricted items), build, and answer JSON-LD with CORS and caching headers."""
from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Blueprint, Response, current_app, request, url_for

from archive.errors import NotFound
from archive.services import items as item_service
from iiif.manifest import Site, build_annotation_page, build_manifest

iiif = Blueprint("iiif", __name__, url_prefix="/iiif/3")

CONTENT_TYPE = 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"'
MAX_AGE = 300


def _site() -> Site:
    home = url_for("public.home", _external=True)
    return Site(name=current_app.config["SITE_NAME"], homepage=home, base_url=home.rstrip("/"))


@iiif.get("/<item_id>/manifest")
def manifest(item_id: str):
    item = item_service.get_item(item_id, viewer=None)
    return _json_ld(build_manifest(
        item, site=_site(),
        item_url=url_for("public.item_page", public_id=item.public_id, _external=True),
        media_url=lambda m: url_for("public.media_file", public_id=m.public_id, _external=True),
        derivative_url=lambda m, w: url_for("public.media_derivative", public_id=m.public_id, width=w, _external=True),
        citation_url=url_for("public.item_citation", public_id=item.public_id, fmt="bib", _external=True),
        image_service_url=lambda m: url_for("iiif_image.base", identifier=m.public_id, _external=True),
    ))


@iiif.get("/<item_id>/annotations/<media_id>")
def annotation_page(item_id: str, media_id: str):
    item = item_service.get_item(item_id, viewer=None)
    media = next((m for m in item.media if m.public_id == media_id), None)
    if media is None:
        raise NotFound("No such media file in this item.")
    return _json_ld(build_annotation_page(item, media, site=_site()))


def _json_ld(document: dict[str, Any]) -> Response:
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    response = Response(body, content_type=CONTENT_TYPE)
    response.set_etag(hashlib.sha256(body.encode()).hexdigest()[:32])
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.vary.add("Accept")
    return response.make_conditional(request)


@iiif.after_request
def cors(response: Response) -> Response:
    # Viewers on any site must be able to read manifests; errors carry the header too, so they see why.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
