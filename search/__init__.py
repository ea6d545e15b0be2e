"""The search engine adapter. The only code that imports Whoosh (and, for PostgreSQL, the only code that
writes full-text SQL). It knows documents, not models: `archive.services.indexing` builds them.

    engine().upsert_many(documents)   add or replace documents (plain dicts)
    engine().delete(ids)
    engine().query(text, visibility=..., filters=..., sort=..., page=..., per_page=...)
    engine().rebuild(documents, total=..., progress=...)
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, current_app

FACETS = ("kind", "region", "language", "script", "collection", "licence", "reuse", "media", "role", "decade")
SORTS = ("relevance", "date", "-date", "title")


@dataclass
class SearchResult:
    ids: list[str]
    total: int
    facets: dict[str, dict[str, int]]
    notes: list[str] = field(default_factory=list)
    suggestion: str | None = None
    terms: dict[str, set[str]] = field(default_factory=dict)  # analysed query terms, for highlighting


# What the index makes of a document besides the document itself: raised when the analysis or the index's
# layout changes, so that `flask search check` reports every entry stale and `flask search reindex` rewrites
# them. 2: parts of joined words, the Arabic accusative stem, article keys, column-only sort keys.
INDEX_VERSION = 2


def digest_of(document: dict[str, Any]) -> str:
    """A fingerprint of a document (and of INDEX_VERSION): the index keeps it, so a stale entry can be found."""
    payload = json.dumps([INDEX_VERSION, document], sort_keys=True, ensure_ascii=False)
    return hashlib.sha1(payload.encode()).hexdigest()


def engine() -> Any:
    return current_app.extensions["twiza.search"]


def init_app(app: Flask) -> None:
    backend = app.config.get("SEARCH_BACKEND", "whoosh")
    if backend == "whoosh":
        from search.whoosh_backend import WhooshEngine

        app.extensions["twiza.search"] = WhooshEngine(Path(app.config["DATA_DIR"]) / "search" / "whoosh")
    elif backend == "postgres":
        from search.postgres_backend import PostgresEngine

        # The application's own database (Flask-SQLAlchemy's engine), which must be PostgreSQL.
        app.extensions["twiza.search"] = PostgresEngine(lambda: current_app.extensions["sqlalchemy"].engine)
    else:
        raise ValueError(f"unknown TWIZA_SEARCH_BACKEND {backend!r}: use 'whoosh' or 'postgres'")
