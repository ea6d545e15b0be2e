"""IIIF Presentation 3.0 Collections: the whole archive, one per kind, one per curated collection.

Presentation 3 has no paging properties for Collections (``first``/``last``/``next`` belong to Annotation
Collections only), so a large Collection is paged the way the specification suggests, as a Collection of
Collections: when a listing holds more than one page, the top Collection's ``items`` are references to its
page Collections ("Items 1–100", ...), each of which lists its Manifests and is ``partOf`` the top one.
A small listing is one Collection that lists its Manifests directly. Each Manifest reference carries a
small thumbnail of the item's first image, from its Image API service, so that a viewer can show the list
without opening every Manifest. Pure: no request, no database.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from archive.services.listings import ListedImage, Listing
from iiif.manifest import PRESENTATION_CONTEXT, Site, language_map, manifest_id, provider


@dataclass(frozen=True)
class CollectionScope:
    """What a Collection gathers: its id (the top Collection's URI), label, summary and HTML page."""

    id: str
    label: dict[str, list[str]]
    homepage: str
    summary: dict[str, list[str]] | None = None

    def page_id(self, page: int) -> str:
        return f"{self.id}/page/{page}"


THUMBNAIL_BOX = 200  # a listed Manifest's thumbnail fits in this square (never enlarged)


def image_thumbnail(service_url: str, image: ListedImage, box: int = THUMBNAIL_BOX) -> dict[str, Any]:
    """A thumbnail of ``image`` within ``box`` x ``box`` pixels from its Image API service at ``service_url``,
    in the canonical size form (``w,h``), with the service for viewers that prefer to ask it themselves."""
    scale = min(1.0, box / max(image.width, image.height))
    width, height = max(1, round(image.width * scale)), max(1, round(image.height * scale))
    return {"id": f"{service_url}/full/{width},{height}/0/default.jpg", "type": "Image", "format": "image/jpeg",
            "width": width, "height": height,
            "service": [{"id": service_url, "type": "ImageService3", "profile": "level2"}]}


def _manifest_refs(site: Site, listing: Listing, image_service_url: Callable[[str], str]) -> list[dict[str, Any]]:
    refs = []
    for item in listing.items:
        ref: dict[str, Any] = {"id": manifest_id(site, item), "type": "Manifest", "label": language_map(item.title)}
        image = listing.images.get(item.public_id)
        if image is not None:
            ref["thumbnail"] = [image_thumbnail(image_service_url(image.public_id), image)]
        refs.append(ref)
    return refs


def _range_label(first: int, last: int) -> dict[str, list[str]]:
    return {"en": [f"Items {first}–{last}"], "fr": [f"Éléments {first} à {last}"]}


def _bounds(listing: Listing, page: int) -> tuple[int, int]:
    first = (page - 1) * listing.per_page + 1
    return first, min(listing.total, page * listing.per_page)


def _frame(site: Site, scope: CollectionScope, collection_id: str, label: dict[str, list[str]]) -> dict[str, Any]:
    collection: dict[str, Any] = {"@context": PRESENTATION_CONTEXT, "id": collection_id, "type": "Collection",
                                  "label": label}
    if scope.summary:
        collection["summary"] = scope.summary
    collection["provider"] = provider(site)
    collection["homepage"] = [{"id": scope.homepage, "type": "Text", "label": scope.label, "format": "text/html"}]
    return collection


def build_collection(site: Site, scope: CollectionScope, listing: Listing,
                     image_service_url: Callable[[str], str]) -> dict[str, Any]:
    """The top Collection of ``scope``: its Manifests when ``listing`` (its first page) is all there is,
    else references to its page Collections. ``image_service_url(media public id)`` is an image's Image
    API service."""
    collection = _frame(site, scope, scope.id, scope.label)
    if listing.pages == 1:
        collection["items"] = _manifest_refs(site, listing, image_service_url)
    else:
        collection["items"] = [{"id": scope.page_id(page), "type": "Collection", "label": _range_label(*_bounds(listing, page))}
                               for page in range(1, listing.pages + 1)]
    return collection


def build_collection_page(site: Site, scope: CollectionScope, listing: Listing,
                          image_service_url: Callable[[str], str]) -> dict[str, Any]:
    """Page ``listing.page`` of ``scope``'s Collection: a Collection of its Manifests, part of the top one."""
    first, last = _bounds(listing, listing.page)
    label = {key: [f"{values[0]} ({first}–{last})"] for key, values in scope.label.items()}
    collection = _frame(site, scope, scope.page_id(listing.page), label)
    collection["partOf"] = [{"id": scope.id, "type": "Collection", "label": scope.label}]
    collection["items"] = _manifest_refs(site, listing, image_service_url)
    return collection
