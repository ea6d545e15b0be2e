"""The record of what the public saw change: each time an item's public record appears, changes or leaves
the public archive, one PublicChange (Create, Update, Delete), in order. IIIF Change Discovery publishes it.

Why a record of its own rather than a reading of the revision log: what visitors see of an item also
changes without a revision of the item (an agent withdrawing consent changes the credits of every item
naming them), and whether an item was public at some moment would have to be worked out again from
snapshots with the access rules of that time. Here the rule is applied once, when the change is made,
through the same SQL condition every public listing uses (``visible_items_clause``), and the stream is a
table read in pages by its key.

Every service that changes items tracks them (the importer today; editing, review and withdrawal
services as they come)::

    changes = PublicChanges()
    changes.note_before(public_ids)   # before changing them
    ...change them, flush...
    changes.record(public_ids)        # before the commit, in the same transaction
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Iterator

from sqlalchemy import case, func, select

from archive.db import db
from archive.errors import NotFound
from archive.models import Item, PublicChange
from archive.services.access import visible_items_clause

_CHUNK = 900  # identifiers per IN (...) list: SQLite allows 999 parameters


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _visibility(public_ids: Iterable[str]) -> dict[str, tuple[int, bool]]:
    """For each existing item of ``public_ids``: (its row id, whether a visitor may see it now)."""
    found: dict[str, tuple[int, bool]] = {}
    for chunk in _chunks(list(dict.fromkeys(public_ids))):
        rows = db.session.execute(
            select(Item.public_id, Item.id, case((visible_items_clause(None), True), else_=False))
            .where(Item.public_id.in_(chunk))
        )
        found.update({public_id: (row_id, bool(public)) for public_id, row_id, public in rows})
    return found


class PublicChanges:
    """Tracks items through a change, then records what visitors saw change."""

    def __init__(self) -> None:
        self._was_public: dict[str, bool] = {}

    def note_before(self, public_ids: Iterable[str]) -> None:
        """Note whether these items are public now, before they change (unknown ids: not public)."""
        ids = [i for i in public_ids if i not in self._was_public]
        now = _visibility(ids)
        self._was_public.update({i: now.get(i, (0, False))[1] for i in ids})

    def record(self, public_ids: Iterable[str], when: dt.datetime | None = None) -> list[PublicChange]:
        """Add (not commit) the changes visitors saw for these changed items: Create when an item became
        public, Update when a public item changed, Delete when one stopped being public. Items not noted
        before did not change their visibility (their credits changed, say): Update when public."""
        when = when or dt.datetime.now(dt.timezone.utc)
        changes = []
        public_ids = list(dict.fromkeys(public_ids))
        found = _visibility(public_ids)
        # In the order given (a package's line order), not the database's: PostgreSQL returns rows in any order.
        for public_id in (i for i in public_ids if i in found):
            row_id, public = found[public_id]
            was_public = self._was_public.get(public_id, public)
            activity = {(False, True): "Create", (True, True): "Update", (True, False): "Delete"}.get((was_public, public))
            if activity:
                changes.append(PublicChange(item_id=row_id, activity=activity, happened_at=when))
        db.session.add_all(changes)
        return changes


@dataclass(frozen=True)
class ChangePage:
    changes: list[tuple[PublicChange, str]]  # each change with its item's public id
    total: int  # changes on all pages
    page: int
    pages: int  # at least 1: the first page exists even when nothing changed yet
    per_page: int
    as_of: dt.datetime  # when the changes were read (UTC)


def list_changes(page: int = 1, per_page: int = 100) -> ChangePage:
    """Page ``page`` of the public changes, oldest first. Raises NotFound for a page past the last (the
    first page exists even when nothing changed yet)."""
    as_of = dt.datetime.now(dt.timezone.utc)
    total = db.session.scalar(select(func.count(PublicChange.id))) or 0
    if page < 1 or (page > 1 and (page - 1) * per_page >= total):
        raise NotFound("No such page of changes.")
    rows = db.session.execute(
        select(PublicChange, Item.public_id).join(Item, Item.id == PublicChange.item_id)
        .order_by(PublicChange.id).offset((page - 1) * per_page).limit(per_page)
    ).all()
    pages = max(1, -(-total // per_page))
    return ChangePage([(change, public_id) for change, public_id in rows], total, page, pages, per_page, as_of)
