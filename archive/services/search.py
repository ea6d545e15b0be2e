"""Searching the archive for a viewer: the engine finds ids, the database gives the items, and the
snippets show the matching words in their own language and direction."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

import search
from archive.db import db
from archive.errors import InvalidQuery
from archive.models import Item
from archive.presenters import LocalizedValue
from archive.services.access import viewer_tokens
from archive.services.browse import BrowseQuery, FacetValue
from search import analysis
from search.query import parse as parse_query

SNIPPET_WORDS = 24


@dataclass(frozen=True)
class Snippet:
    lang: str
    dir: str
    parts: list[tuple[str, bool]]  # (text, highlighted)


@dataclass
class SearchPage:
    text: str
    query: BrowseQuery
    items: list[Item]
    total: int
    facets: dict[str, list[FacetValue]]
    snippets: dict[str, Snippet | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    suggestion: str | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.per_page))


def search_items(viewer: Any, text: str, query: BrowseQuery, sort: str = "relevance") -> SearchPage:
    """One page of the items ``viewer`` may see that match ``text`` and the facet selection."""
    if len(text) > 500:
        raise InvalidQuery("A search may be at most 500 characters long.")
    if sort not in search.SORTS:
        raise InvalidQuery(f"Unknown sort {sort!r}; use one of {', '.join(search.SORTS)}.")
    result = search.engine().query(text, visibility=viewer_tokens(viewer),
                                   filters={k: list(v) for k, v in query.filters.items()},
                                   sort=sort, page=query.page, per_page=query.per_page)
    # A hit shows the item's own columns and its snippet, which may come from an approved annotation:
    # the other layers (media, contributions, collections) would be loaded for nothing.
    by_id = {i.public_id: i for i in db.session.scalars(
        select(Item).where(Item.public_id.in_(result.ids)).options(selectinload(Item.annotations)))}
    items = [by_id[i] for i in result.ids if i in by_id]
    facets = {
        name: [FacetValue(value, count, value in query.filters.get(name, ()))
               for value, count in sorted(counts.items(), key=lambda vc: (-vc[1], vc[0]))]
        for name, counts in result.facets.items()
    }
    for name, values in query.filters.items():
        present = {fv.value for fv in facets.get(name, [])}
        facets.setdefault(name, []).extend(FacetValue(v, 0, True) for v in values if v not in present)
    snippets = {item.public_id: snippet(item, result.terms) for item in items}
    return SearchPage(text, query, items, result.total, facets, snippets, result.notes, result.suggestion)


def matching_ids(viewer: Any, text: str) -> set[str]:
    """Every item ``viewer`` may see that ``text`` (the site search's query language) matches, as public ids:
    what a saved search selects, decided by the same engine and visibility rules as the search page. Raises
    InvalidQuery for a query that is too long or that the search page would answer with a note."""
    check_saved_query(text)
    engine = search.engine()
    visibility = viewer_tokens(viewer)
    total = engine.query(text, visibility=visibility, per_page=1, with_facets=False).total
    if total == 0:
        return set()
    return set(engine.query(text, visibility=visibility, per_page=total, with_facets=False).ids)


def check_saved_query(text: str) -> None:
    """Raises InvalidQuery unless ``text`` is a query a search may be saved with: at most 500 characters,
    well formed, and naming something to find."""
    if len(text) > 500:
        raise InvalidQuery("A search may be at most 500 characters long.")
    parsed = parse_query(text)
    if parsed.notes:
        raise InvalidQuery(f"The search {text!r} is malformed ({', '.join(parsed.notes)}).")
    if parsed.empty and not parsed.filters and not parsed.excluded:
        raise InvalidQuery(f"The search {text!r} names nothing to find.")


def _matches(word: str, terms: dict[str, set[str]], lang: str) -> bool:
    return analysis.matches(word, lang, terms)


def snippet(item: Item, terms: dict[str, set[str]]) -> Snippet | None:
    """A window of the first value (title aside) that holds a matching word, with the words marked."""
    if not terms:
        return None
    candidates = [*item.summary, *item.text, *item.description,
                  *({"value": a.body_value, "lang": a.body_language or "und"} for a in item.annotations
                    if a.status == "approved" and a.body_value), *item.title]
    for value in candidates:
        # The whole value at once first: a value without a match (most of them) is not looked at word by word.
        if not _matches(value["value"], terms, value["lang"]):
            continue
        words = value["value"].split()
        known: dict[str, bool] = {}

        def hit(word: str) -> bool:
            if word not in known:
                known[word] = _matches(word, terms, value["lang"])
            return known[word]

        first = next((i for i, word in enumerate(words) if hit(word)), None)
        if first is None:
            continue
        start = max(0, first - SNIPPET_WORDS // 3)
        window = words[start : start + SNIPPET_WORDS]
        parts = [(word, hit(word)) for word in window]
        if start > 0:
            parts.insert(0, ("…", False))
        if start + SNIPPET_WORDS < len(words):
            parts.append(("…", False))
        localized = LocalizedValue(value["value"], value["lang"])
        return Snippet(value["lang"], localized.dir, parts)
    return None


def complete(viewer: Any, prefix: str) -> list[str]:
    if len(prefix) > 100:
        raise InvalidQuery("Autocomplete takes at most 100 characters.")
    return search.engine().complete(prefix, visibility=viewer_tokens(viewer))
