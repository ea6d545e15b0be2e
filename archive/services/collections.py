"""Reading collections for the public: the list of collections and one collection's items, in order.

A collection is shown through the items the viewer may see: its counts never include hidden items, and a
collection none of whose items the viewer may see is neither listed nor shown (its title is not revealed).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from archive.db import db
from archive.errors import InvalidQuery, NotFound
from archive.models import Collection, CollectionMembership, Item, LangValues
from archive.services.access import visible_items_clause
from archive.services.items import ItemPage


@dataclass(frozen=True)
class CollectionSummary:
    slug: str
    title: LangValues
    description: LangValues
    count: int  # the items of the collection the viewer may see


@dataclass(frozen=True)
class CollectionPage(ItemPage):
    collection: Collection | None = None

    @property
    def start(self) -> int:
        """The place in the collection of this page's first item (1 on the first page)."""
        return (self.page - 1) * self.per_page + 1


def list_collections(viewer: Any) -> list[CollectionSummary]:
    """The collections holding at least one item ``viewer`` may see, each with the number of such items,
    sorted by title."""
    counts = dict(
        db.session.execute(
            select(CollectionMembership.collection_id, func.count())
            .join(Item, Item.id == CollectionMembership.item_id)
            .where(visible_items_clause(viewer))
            .group_by(CollectionMembership.collection_id)
        ).all()
    )
    if not counts:
        return []
    collections = db.session.scalars(select(Collection).where(Collection.id.in_(list(counts))))
    summaries = [CollectionSummary(c.slug, c.title or [], c.description or [], counts[c.id]) for c in collections]
    return sorted(summaries, key=lambda s: ((s.title[0]["value"] if s.title else s.slug).casefold(), s.slug))


def get_collection(slug: str, viewer: Any, page: int = 1, per_page: int = 24) -> CollectionPage:
    """One page of the items of collection ``slug`` that ``viewer`` may see, in the collection's order.

    Raises NotFound when there is no such collection or when the viewer may see none of its items, and
    InvalidQuery when ``page`` or ``per_page`` is below 1. A page past the last one is empty.
    """
    if page < 1 or per_page < 1:
        raise InvalidQuery("'page' and 'per_page' must be whole numbers of at least 1.")
    collection = db.session.scalar(select(Collection).where(Collection.slug == slug))
    if collection is None:
        raise NotFound("No such collection.")
    members = (
        select(Item)
        .join(CollectionMembership, CollectionMembership.item_id == Item.id)
        .where(CollectionMembership.collection_id == collection.id, visible_items_clause(viewer))
    )
    total = db.session.scalar(select(func.count()).select_from(members.subquery())) or 0
    if total == 0:
        raise NotFound("No such collection.")  # as for an unknown slug: its existence is not revealed
    offset = (page - 1) * per_page
    items: list[Item] = []
    if offset < total:  # never hand the database an offset beyond any integer it can hold
        items = list(
            db.session.scalars(
                members.order_by(CollectionMembership.position, Item.public_id).offset(offset).limit(per_page)
            )
        )
    return CollectionPage(items, total, page, per_page, collection=collection)
