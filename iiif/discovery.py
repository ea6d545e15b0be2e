"""IIIF Change Discovery 1.0: the OrderedCollection of the archive's public changes and its pages of
Create, Update and Delete activities on Manifests, oldest first. Pure: the view passes the page of changes
and the URLs. (There is no official JSON schema for this API; the tests check the specification's required
properties one by one.)

An archive that never had anything public has no change to list, yet the specification requires the
OrderedCollection to have a ``last`` page and every page to have at least one activity. Its stream is one
``Refresh`` activity (section 2.1.5), dated when it is read: "the complete state of the archive, as of now,
follows", and nothing follows. A consumer reading it for the first time stops there (section 3.5.2, step 2);
one that read it before looks for deletions only and finds none. The first real change replaces it.
"""
from __future__ import annotations

from typing import Any, Callable

from archive.services.publication import ChangePage

DISCOVERY_CONTEXT = "http://iiif.io/api/discovery/1/context.json"


def _when(moment: Any) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def build_change_collection(changes: ChangePage, *, collection_id: str, page_url: Callable[[int], str]) -> dict[str, Any]:
    """The OrderedCollection: its size and its first and last pages (``changes`` is its first page)."""
    return {
        "@context": DISCOVERY_CONTEXT,
        "id": collection_id,
        "type": "OrderedCollection",
        "totalItems": changes.total or 1,  # the Refresh of an empty stream counts
        "first": {"id": page_url(1), "type": "OrderedCollectionPage"},
        "last": {"id": page_url(changes.pages), "type": "OrderedCollectionPage"},
    }


def build_change_page(changes: ChangePage, *, collection_id: str, page_url: Callable[[int], str],
                      manifest_url: Callable[[str], str]) -> dict[str, Any]:
    """One OrderedCollectionPage of activities, each on the Manifest of an item (``manifest_url(public_id)``)
    and dated by its ``endTime`` in UTC."""
    page: dict[str, Any] = {
        "@context": DISCOVERY_CONTEXT,
        "id": page_url(changes.page),
        "type": "OrderedCollectionPage",
        "partOf": {"id": collection_id, "type": "OrderedCollection"},
        "startIndex": (changes.page - 1) * changes.per_page,
    }
    if changes.page > 1:
        page["prev"] = {"id": page_url(changes.page - 1), "type": "OrderedCollectionPage"}
    if changes.page < changes.pages:
        page["next"] = {"id": page_url(changes.page + 1), "type": "OrderedCollectionPage"}
    page["orderedItems"] = [
        {"type": change.activity, "object": {"id": manifest_url(public_id), "type": "Manifest"},
         "endTime": _when(change.happened_at)}
        for change, public_id in changes.changes
    ] or [{"type": "Refresh", "startTime": _when(changes.as_of)}]  # an empty stream (see above)
    return page
