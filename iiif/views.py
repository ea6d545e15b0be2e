"""IIIF Presentation endpoints. Thin: read the item through the archive's services (which refuse drafts,
private and restricted items), build, and answer JSON-LD with CORS and caching headers."""
from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Blueprint, Response, current_app, request, url_for
from flask_babel import force_locale

from archive.auth import current_viewer
from archive.errors import InvalidQuery, NotFound
from archive.services import items as item_service
from archive.services.annotation_search import complete_words, search_annotations
from archive.services.listings import Listing, list_visible
from archive.services.publication import list_changes
from archive.views.labels import KIND_LABELS
from iiif.captions import VTT_CONTENT_TYPE, build_webvtt
from iiif.collections import CollectionScope, build_collection, build_collection_page
from iiif.discovery import DISCOVERY_CONTEXT, build_change_collection, build_change_page
from iiif.manifest import (
    Site,
    archive_collection_id,
    build_annotation_page,
    build_manifest,
    curated_collection_id,
    kind_collection_id,
    language_map,
)
from iiif.search import SEARCH_CONTEXT, build_search_page, build_term_page
from iiif.search1 import SEARCH_1_CONTEXT, archive_motivations, build_annotation_list, build_term_list

iiif = Blueprint("iiif", __name__, url_prefix="/iiif/3")

CONTENT_TYPE = 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"'
SEARCH_CONTENT_TYPE = f'application/ld+json;profile="{SEARCH_CONTEXT}"'
SEARCH_1_CONTENT_TYPE = f'application/ld+json;profile="{SEARCH_1_CONTEXT}"'
DISCOVERY_CONTENT_TYPE = f'application/ld+json;profile="{DISCOVERY_CONTEXT}"'
# Content Search parameters this service does not apply: answered, and listed in `ignored`.
UNSUPPORTED_SEARCH_PARAMETERS = ("date", "user")
MAX_AGE = 300


def _site() -> Site:
    home = url_for("public.home", _external=True)
    return Site(name=current_app.config["SITE_NAME"], homepage=home, base_url=home.rstrip("/"))


@iiif.get("/<item_id>/manifest")
def manifest(item_id: str):
    item = item_service.get_item(item_id, viewer=current_viewer())
    return _json_ld(_manifest_of(item))


def _manifest_of(item) -> dict[str, Any]:
    return build_manifest(
        item, site=_site(),
        item_url=url_for("public.item_page", public_id=item.public_id, _external=True),
        media_url=lambda m: url_for("public.media_file", public_id=m.public_id, _external=True),
        derivative_url=lambda m, w: url_for("public.media_derivative", public_id=m.public_id, width=w, _external=True),
        citation_url=url_for("public.item_citation", public_id=item.public_id, fmt="bib", _external=True),
        kind_label=_kind_label(item.kind),
        image_service_url=lambda m: _image_service_url(m.public_id),
        captions_url=lambda m, language: url_for("iiif.captions", item_id=item.public_id, media_id=m.public_id,
                                                 language=language, _external=True),
    )


def item_documents(item) -> dict[str, Any]:
    """The IIIF manifest and the W3C Web Annotations of an item the caller may see, for item bundles
    (registered in ``app.extensions``: the archive package never imports iiif)."""
    site = _site()
    annotations = [annotation for media in [None, *item.media]
                   for annotation in build_annotation_page(item, media, site=site).get("items", [])]
    collection = {"@context": "http://www.w3.org/ns/anno.jsonld", "type": "AnnotationCollection",
                  "id": url_for("iiif.item_annotation_page", item_id=item.public_id, _external=True),
                  "total": len(annotations), "first": {"type": "AnnotationPage", "items": annotations}}
    return {"manifest.json": _manifest_of(item), "annotations.json": collection}


@iiif.get("/<item_id>/annotations/<media_id>")
def annotation_page(item_id: str, media_id: str):
    item = item_service.get_item(item_id, viewer=current_viewer())
    media = next((m for m in item.media if m.public_id == media_id), None)
    if media is None:
        raise NotFound("No such media file in this item.")
    return _json_ld(build_annotation_page(item, media, site=_site()))


@iiif.get("/<item_id>/annotations")
def item_annotation_page(item_id: str):
    item = item_service.get_item(item_id, viewer=current_viewer())
    return _json_ld(build_annotation_page(item, None, site=_site()))


@iiif.get("/<item_id>/captions/<media_id>/<language>.vtt")
def captions(item_id: str, media_id: str, language: str):
    item = item_service.get_item(item_id, viewer=current_viewer())
    media = next((m for m in item.media if m.public_id == media_id and m.kind != "image"), None)
    if media is None:
        raise NotFound("No such recording in this item.")
    text = build_webvtt(item, media, language)
    if text is None:
        raise NotFound(f"This recording has no captions in {language}.")
    response = Response(text, content_type=VTT_CONTENT_TYPE)
    response.set_etag(hashlib.sha256(text.encode()).hexdigest()[:32])
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response.make_conditional(request)


# ------------------------------------------------------------------------------------- content search


@iiif.get("/<item_id>/search")
def content_search(item_id: str):
    results, page, per_page, page_url = _search(item_id, "iiif.content_search", _motivations())
    return _json_ld(build_search_page(results, site=_site(), page=page, per_page=per_page, page_url=page_url,
                                      ignored=_ignored()), SEARCH_CONTENT_TYPE)


@iiif.get("/<item_id>/search/1")
def content_search_1(item_id: str):
    results, page, per_page, page_url = _search(item_id, "iiif.content_search_1", archive_motivations(_motivations()))
    return _json_ld(build_annotation_list(results, site=_site(), page=page, per_page=per_page, page_url=page_url,
                                          ignored=_ignored()), SEARCH_1_CONTENT_TYPE)


def _search(item_id: str, endpoint: str, motivations: list[str]):
    """The search the request asks for: the results, the page wanted, the page size and the URLs of pages."""
    text = request.args.get("q", "")
    page = _whole_number("page", default=1)
    results = search_annotations(item_id, current_viewer(), text, motivations)
    per_page = current_app.config["IIIF_SEARCH_PAGE_SIZE"]
    pages = max(1, -(-len(results.hits) // per_page))
    if page > pages:
        raise InvalidQuery(f"'page' must be between 1 and {pages} for this search.")

    def page_url(number: int | None) -> str:
        return url_for(endpoint, item_id=item_id, q=text, motivation=" ".join(_motivations()) or None,
                       page=number, _external=True)

    return results, page, per_page, page_url


@iiif.get("/<item_id>/autocomplete")
def autocomplete(item_id: str):
    words, page_id = _complete(item_id, "iiif.autocomplete", _motivations())
    return _json_ld(build_term_page(words, page_id=page_id, ignored=_ignored()), SEARCH_CONTENT_TYPE)


@iiif.get("/<item_id>/autocomplete/1")
def autocomplete_1(item_id: str):
    words, list_id = _complete(item_id, "iiif.autocomplete_1", archive_motivations(_motivations()))

    def search_url(word: str) -> str:
        return url_for("iiif.content_search_1", item_id=item_id, q=word,
                       motivation=" ".join(_motivations()) or None, _external=True)

    return _json_ld(build_term_list(words, list_id=list_id, search_url=search_url, ignored=_ignored()),
                    SEARCH_1_CONTENT_TYPE)


def _complete(item_id: str, endpoint: str, motivations: list[str]):
    """The words that complete the request's prefix, and the URL of the answer."""
    prefix = request.args.get("q", "")
    if not prefix.strip():
        raise InvalidQuery("'q' is required: the first letters of the word to complete.")
    _item, words = complete_words(item_id, current_viewer(), prefix, motivations, _whole_number("min", default=1))
    answer_id = url_for(endpoint, item_id=item_id, q=prefix, motivation=" ".join(_motivations()) or None,
                        min=request.args.get("min"), _external=True)
    return words, answer_id


def _motivations() -> list[str]:
    return request.args.get("motivation", "").split()


def _ignored() -> list[str]:
    return [name for name in UNSUPPORTED_SEARCH_PARAMETERS if name in request.args]


def _whole_number(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise InvalidQuery(f"'{name}' must be a whole number of at least 1, not {raw[:20]!r}.")
    return int(raw)


# ---------------------------------------------------------------------------------- change discovery


@iiif.get("/discovery", defaults={"page": None})
@iiif.get("/discovery/page/<int:page>")
def discovery(page: int | None):
    changes = list_changes(1 if page is None else page, current_app.config["IIIF_DISCOVERY_PAGE_SIZE"])
    collection_id = url_for("iiif.discovery", _external=True)

    def page_url(number: int) -> str:
        return url_for("iiif.discovery", page=number, _external=True)

    if page is None:
        document = build_change_collection(changes, collection_id=collection_id, page_url=page_url)
    else:
        document = build_change_page(changes, collection_id=collection_id, page_url=page_url,
                                     manifest_url=lambda i: url_for("iiif.manifest", item_id=i, _external=True))
    return _json_ld(document, DISCOVERY_CONTENT_TYPE)


# ------------------------------------------------------------------------------------------ collections


@iiif.get("/collection", defaults={"page": None})
@iiif.get("/collection/page/<int:page>")
def archive_collection(page: int | None):
    site = _site()
    scope = CollectionScope(archive_collection_id(site), {"none": [site.name]}, url_for("public.item_list", _external=True))
    return _collection(scope, page, _listing(page))


@iiif.get("/kinds/<kind>", defaults={"page": None})
@iiif.get("/kinds/<kind>/page/<int:page>")
def kind_collection(kind: str, page: int | None):
    site = _site()
    scope = CollectionScope(kind_collection_id(site, kind), _kind_label(kind),
                            url_for("public.item_list", kind=kind, _external=True))
    return _collection(scope, page, _listing(page, kind=kind))


@iiif.get("/collections/<slug>", defaults={"page": None})
@iiif.get("/collections/<slug>/page/<int:page>")
def curated_collection(slug: str, page: int | None):
    listing = _listing(page, collection_slug=slug)
    collection = listing.collection
    scope = CollectionScope(curated_collection_id(_site(), slug), language_map(collection.title) or {"none": [slug]},
                            url_for("community.collection", slug=slug, _external=True),
                            language_map(collection.description) or None)
    return _collection(scope, page, listing)


def _listing(page: int | None, **scope: str) -> Listing:
    return list_visible(current_viewer(), page=1 if page is None else page,
                        per_page=current_app.config["IIIF_COLLECTION_PAGE_SIZE"], **scope)


def _collection(scope: CollectionScope, page: int | None, listing: Listing) -> Response:
    """The top Collection (``page`` None) or one of its pages; a Collection small enough to list its
    manifests itself has no pages."""
    if page is None:
        return _json_ld(build_collection(_site(), scope, listing, _image_service_url))
    if listing.pages == 1:
        raise NotFound("This collection is not paged: it lists its manifests itself.")
    return _json_ld(build_collection_page(_site(), scope, listing, _image_service_url))


def _image_service_url(media_id: str) -> str:
    return url_for("iiif_image.base", identifier=media_id, _external=True)


def _kind_label(kind: str) -> dict[str, list[str]]:
    """The name of a kind in every interface language, as a language map."""
    label = KIND_LABELS.get(kind)
    if label is None:
        return {"none": [kind]}
    names: dict[str, list[str]] = {}
    for language in current_app.config["INTERFACE_LANGUAGES"]:
        with force_locale(language):
            names[language] = [str(label)]
    return names


def _json_ld(document: dict[str, Any], content_type: str = CONTENT_TYPE) -> Response:
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    response = Response(body, content_type=content_type)
    response.set_etag(hashlib.sha256(body.encode()).hexdigest()[:32])
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.vary.add("Accept")
    return response.make_conditional(request)


@iiif.after_request
def cors(response: Response) -> Response:
    # Viewers on any site must be able to read manifests; errors carry the header too, so they see why.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
