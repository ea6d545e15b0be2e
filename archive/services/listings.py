"""Lists of the items a viewer may see, light and in a stable order, for machine-readable collections
(IIIF Collections): the whole archive, one kind, or one curated collection.

Only what a listing shows is loaded (identifier, title, kind, and the first image of each item for its
thumbnail), never an item's layers, so that a page of a hundred entries costs two queries. The order never changes when items are added: the whole archive and a
kind list items in the order they entered the archive, a curated collection in its curators' order.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import load_only

from archive.db import db
from archive.errors import NotFound
from archive.models import Collection, CollectionMembership, Item, Media
from archive.services.access import visible_items_clause
from archive.services.items import ItemPage
from archive.vocabulary import KINDS


@dataclass(frozen=True)
class ListedImage:
    """An item's first image with a pixel size (the first image canvas of its manifest)."""

    public_id: str
    width: int
    height: int


@dataclass(frozen=True)
class Listing(ItemPage):
    """One page of a listing: ``items`` (light: public_id, title, kind), the ``total`` over all pages."""

    collection: Collection | None = None  # for a curated collection's listing
    images: dict[str, ListedImage] = field(default_factory=dict)  # the listed items' first images, by item public id


def _first_images(items: list[Item]) -> dict[str, ListedImage]:
    public_ids = {item.id: item.public_id for item in items}
    rows = db.session.execute(
        select(Media.item_id, Media.public_id, Media.width, Media.height)
        .where(Media.item_id.in_(public_ids), Media.kind == "image", Media.width.is_not(None))
        .order_by(Media.item_id, Media.position, Media.id)
    ) if public_ids else []
    images: dict[str, ListedImage] = {}
    for item_id, media_id, width, height in rows:
        images.setdefault(public_ids[item_id], ListedImage(media_id, width, height))
    return images


def list_visible(viewer: Any, *, page: int = 1, per_page: int = 100, kind: str | None = None,
                 collection_slug: str | None = None) -> Listing:
    """Page ``page`` of the items ``viewer`` may see: all of them, those of ``kind``, or those of the
    curated collection ``collection_slug``.

    Raises NotFound for an unknown kind or collection, for a kind or collection of which the viewer may see
    nothing (its existence is not revealed), and for a page past the last (page 1 of an empty archive
    exists).
    """
    if page < 1 or per_page < 1:
        raise NotFound("No such page.")
    condition = visible_items_clause(viewer)
    collection = None
    statement = select(Item)
    if kind is not None:
        if kind not in KINDS:
            raise NotFound("No such kind of item.")
        condition = condition & (Item.kind == kind)
        order = (Item.id,)
    elif collection_slug is not None:
        collection = db.session.scalar(select(Collection).where(Collection.slug == collection_slug))
        if collection is None:
            raise NotFound("No such collection.")
        statement = statement.join(CollectionMembership, CollectionMembership.item_id == Item.id)
        condition = condition & (CollectionMembership.collection_id == collection.id)
        order = (CollectionMembership.position, Item.id)
    else:
        order = (Item.id,)
    total = db.session.scalar(select(func.count()).select_from(statement.where(condition).subquery())) or 0
    if total == 0 and (kind is not None or collection is not None):
        raise NotFound("No such collection." if collection is not None else "No such kind of item.")
    offset = (page - 1) * per_page
    if page > 1 and offset >= total:
        raise NotFound("No such page.")
    items = list(db.session.scalars(
        statement.where(condition).order_by(*order).offset(offset).limit(per_page)
        .options(load_only(Item.public_id, Item.title, Item.kind))
    ))
    return Listing(items, total, page, per_page, collection, _first_images(items))
