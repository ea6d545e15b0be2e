"""Reading items for the public: lists, one item, the figures of the home page."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from archive.db import db
from archive.models import Item, Media
from archive.services.access import check_can_view, visible_items_clause
from archive.services.packages import _item_loading


@dataclass(frozen=True)
class ItemPage:
    items: list[Item]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def list_items(viewer: Any, *, page: int = 1, per_page: int = 24, kind: str | None = None) -> ItemPage:
    """The items ``viewer`` may see, newest dates first, one page of them."""
    condition = visible_items_clause(viewer)
    if kind:
        condition = condition & (Item.kind == kind)
    total = db.session.scalar(select(func.count(Item.id)).where(condition)) or 0
    items = db.session.scalars(
        select(Item)
        .where(condition)
        .order_by(Item.date_start.desc().nulls_last(), Item.public_id)
        .offset((page - 1) * per_page)
        .limit(per_page)
        .options(*_item_loading())
    ).all()
    return ItemPage(list(items), total, page, per_page)


def get_item(public_id: str, viewer: Any) -> Item:
    """The item ``public_id`` if ``viewer`` may see it; raises NotFound or AccessDenied."""
    item = db.session.scalar(select(Item).where(Item.public_id == public_id).options(*_item_loading()))
    return check_can_view(item, viewer)


def get_media(public_id: str, viewer: Any) -> Media:
    """A media file whose item ``viewer`` may see; raises NotFound or AccessDenied."""
    media = db.session.scalar(select(Media).where(Media.public_id == public_id))
    if media is None:
        from archive.errors import NotFound

        raise NotFound("No such media file.")
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
