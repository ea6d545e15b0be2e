"""What the search index holds for an item, and keeping it in step with the database.

``search_document`` alone decides what is indexed; services call ``index_items`` after they commit.
"""
from __future__ import annotations

from typing import Any, Iterable, Iterator

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

import search
from archive.db import db
from archive.licensing import reuses
from archive.models import Item
from archive.services.access import visibility_tokens
from archive.services.loading import item_loading
from archive.vocabulary import script_of

# How much a match in each part of an item counts.
FIELD_WEIGHTS = {"title": 4.0, "place": 2.0, "subject": 2.0, "summary": 1.5, "tag": 1.5, "contributor": 1.5,
                 "description": 1.0, "text": 1.0, "annotation": 1.0}


def search_document(item: Item) -> dict[str, Any]:
    """The plain document the search module indexes for ``item``."""
    texts: list[dict[str, Any]] = []

    def add(part: str, values: Iterable[dict[str, str]]) -> None:
        texts.extend({"part": part, "value": v["value"], "lang": v["lang"]} for v in values if v.get("value"))

    add("title", item.title)
    add("summary", item.summary)
    add("description", item.description)
    add("text", item.text)
    add("place", item.place)
    add("subject", ({"value": s, "lang": "und"} for s in item.subjects or []))
    for annotation in item.annotations:
        if annotation.status != "approved":
            continue
        if annotation.body_value:
            add("annotation", [{"value": annotation.body_value, "lang": annotation.body_language or "und"}])
        if annotation.tag:
            add("tag", [{"value": annotation.tag, "lang": "und"}])
    names = {c.agent.credited_name for c in item.contributions if c.agent.credited_name}
    if item.community and item.community.credited_name:
        names.add(item.community.credited_name)
    add("contributor", ({"value": name, "lang": "und"} for name in sorted(names)))
    languages = item.languages or [v["lang"] for v in item.text] or [v["lang"] for v in item.title]
    decade = None
    if item.date_start is not None:
        year = abs(item.date_start) // 10000 * (1 if item.date_start >= 0 else -1)
        decade = str(year - year % 10)
    facets = {
        "kind": [item.kind],
        "region": [item.region] if item.region else [],
        "language": sorted({tag.split("-")[0] for tag in languages}),
        "script": sorted({script_of(tag) for tag in languages}),
        "collection": sorted(m.collection.slug for m in item.memberships),
        "licence": [item.licence_id],
        "reuse": sorted(reuses(item.licence, item.labels or [])),
        "media": sorted({m.kind for m in item.media}),
        "role": sorted({c.role for c in item.contributions}),
        "decade": [decade] if decade else [],
    }
    return {
        "id": item.public_id,
        "visibility": visibility_tokens(item),
        "texts": texts,
        "facets": facets,
        "date": item.date_start,
        "title": item.title[0]["value"] if item.title else "",
        "added": item.created_at.timestamp() if item.created_at else 0.0,
        "version": item.version,
    }


def _documents(public_ids: list[str]) -> Iterator[dict[str, Any]]:
    # A session of its own: reading thousands of items here must neither keep them in memory nor detach the
    # objects the caller still holds (the item just saved, the signed-in user).
    with Session(db.engine) as session:
        for start in range(0, len(public_ids), 500):
            chunk = public_ids[start : start + 500]
            for item in session.scalars(select(Item).where(Item.public_id.in_(chunk)).options(*item_loading())):
                yield search_document(item)
            session.expunge_all()


def index_items(public_ids: list[str]) -> int:
    """Bring the index up to date for these items (after their transaction committed)."""
    if not public_ids:
        return 0
    return search.engine().upsert_many(_documents(public_ids), total=len(public_ids))


def reindex_all(progress=None) -> int:
    """Rebuild the whole index from the database."""
    ids = list(db.session.scalars(select(Item.public_id).order_by(Item.id)))
    return search.engine().rebuild(_documents(ids), total=len(ids), progress=progress)


def check_index() -> dict[str, list[str]]:
    """Items missing from the index, stale in it (their document changed), or in it but not in the database."""
    ids = list(db.session.scalars(select(Item.public_id)))
    expected = {document["id"]: search.digest_of(document) for document in _documents(ids)}
    indexed = search.engine().indexed_digests()
    return {
        "missing": sorted(set(expected) - set(indexed)),
        "stale": sorted(i for i, d in expected.items() if i in indexed and indexed[i] != d),
        "extra": sorted(set(indexed) - set(expected)),
    }
