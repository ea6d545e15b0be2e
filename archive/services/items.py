"""Reading items for the public: lists, one item, the figures of the home page."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from archive.db import db
from archive.models import CollectionMembership, Item, Media
from archive.services.access import check_can_view, visible_items_clause
from archive.services.loading import item_loading


@dataclass(frozen=True)
class ItemPage:
    items: list[Item]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def list_items(viewer: Any, *, page: int = 1, per_page: int = 24, kind: str | None = None,
               sort: str = "date") -> ItemPage:
    """The items ``viewer`` may see, one page of them: newest dates first, or last added ('recent')."""
    condition = visible_items_clause(viewer)
    if kind:
        condition = condition & (Item.kind == kind)
    total = db.session.scalar(select(func.count(Item.id)).where(condition)) or 0
    items = db.session.scalars(
        select(Item)
        .where(condition)
        .order_by(*((Item.created_at.desc(), Item.id.desc()) if sort == "recent"
                    else (Item.date_start.desc().nulls_last(), Item.public_id)))
        .offset((page - 1) * per_page)
        .limit(per_page)
        .options(*item_loading())
    ).all()
    return ItemPage(list(items), total, page, per_page)


def get_item(public_id: str, viewer: Any) -> Item:
    """The item ``public_id`` if ``viewer`` may see it; raises NotFound or AccessDenied."""
    item = db.session.scalar(select(Item).where(Item.public_id == public_id).options(*item_loading()))
    return check_can_view(item, viewer)


def get_media(public_id: str, viewer: Any) -> Media:
    """A media file whose item ``viewer`` may see, by the public rules or the editorial ones (an author's
    draft, an item waiting for its reviewer: they play and annotate its files); raises NotFound or
    AccessDenied."""
    from archive.services.editing import may_see

    media = db.session.scalar(select(Media).where(Media.public_id == public_id))
    if media is None:
        from archive.errors import NotFound

        raise NotFound("No such media file.")
    if viewer is None or not may_see(viewer, media.item):
        check_can_view(media.item, viewer)
    return media


@dataclass(frozen=True)
class Holdings:
    total: int
    by_kind: list[tuple[str, int]]
    by_region: list[tuple[str, int]]
    by_language: list[tuple[str, int]]


def holdings(viewer: Any) -> Holdings:
    """What the archive holds, counted over the items ``viewer`` may see."""
    condition = visible_items_clause(viewer)
    by_kind = db.session.execute(select(Item.kind, func.count()).where(condition).group_by(Item.kind)).all()
    by_region = db.session.execute(
        select(Item.region, func.count()).where(condition, Item.region.is_not(None)).group_by(Item.region)
    ).all()
    languages: Counter[str] = Counter()
    for tags in db.session.scalars(select(Item.languages).where(condition)):
        languages.update({tag.split("-")[0] for tag in tags or []})
    return Holdings(
        total=sum(count for _kind, count in by_kind),
        by_kind=sorted(((k, c) for k, c in by_kind), key=lambda kc: -kc[1]),
        by_region=sorted(((r, c) for r, c in by_region), key=lambda rc: -rc[1]),
        by_language=languages.most_common(),
    )


def related_items(item: Item, viewer: Any, limit: int = 6) -> list[Item]:
    """Visible items sharing the item's collections first, then its kind and region, then its kind."""
    condition = visible_items_clause(viewer) & (Item.id != item.id)
    collection_ids = [m.collection_id for m in item.memberships]
    found: list[Item] = []
    candidates = []
    if collection_ids:
        candidates.append(select(Item).join(CollectionMembership).where(
            condition, CollectionMembership.collection_id.in_(collection_ids)).order_by(CollectionMembership.position))
    if item.region:
        candidates.append(select(Item).where(condition, Item.kind == item.kind, Item.region == item.region))
    candidates.append(select(Item).where(condition, Item.kind == item.kind).order_by(Item.date_start.desc().nulls_last()))
    for statement in candidates:
        for candidate in db.session.scalars(statement.limit(limit * 2)).unique():
            if candidate not in found:
                found.append(candidate)
            if len(found) >= limit:
                return found
    return found


def items_in_order(public_ids: list[str], viewer: Any) -> list[Item]:
    """The items among ``public_ids`` that ``viewer`` may see, in the given order; others are left out
    silently, so a shared list reveals nothing about hidden items."""
    rows = db.session.scalars(
        select(Item).where(Item.public_id.in_(public_ids), visible_items_clause(viewer)).options(*item_loading())
    )
    by_id = {item.public_id: item for item in rows}
    return [by_id[i] for i in dict.fromkeys(public_ids) if i in by_id]


def featured_items(viewer: Any, limit: int = 6) -> list[Item]:
    """The first visible item of each collection: what the curators put at the head of their collections."""
    condition = visible_items_clause(viewer)
    rows = db.session.execute(
        select(CollectionMembership.collection_id, Item.id).join(Item).where(condition)
        .order_by(CollectionMembership.collection_id, CollectionMembership.position)
    ).all()
    firsts: list[int] = []
    seen: set[int] = set()
    for collection_id, item_id in rows:
        if collection_id not in seen and item_id not in firsts:
            seen.add(collection_id)
            firsts.append(item_id)
    items = {i.id: i for i in db.session.scalars(select(Item).where(Item.id.in_(firsts[:limit])).options(*item_loading()))}
    return [items[i] for i in firsts[:limit]]
