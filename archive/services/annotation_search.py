"""Searching the annotations of one item (IIIF Content Search): the approved annotations whose text or
tag matches a query, analysed as the site's search analyses it, and the words that complete a prefix.

Access is checked as for the item itself: a restricted item raises AccessDenied, a draft, private or
missing one NotFound. Only approved annotations are ever searched or completed.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from archive.errors import InvalidQuery
from archive.models import Annotation, Item
from archive.services.items import get_item
from search import within

MAX_QUERY_LENGTH = 500


@dataclass(frozen=True)
class AnnotationHit:
    annotation: Annotation
    text: str  # the searched text: the body, else the tag
    spans: list[tuple[int, int]]  # where the query's words matched in ``text``


@dataclass(frozen=True)
class AnnotationResults:
    item: Item
    hits: list[AnnotationHit]  # all of them, in the item's order of annotations
    unused: list[str]  # parts of the query that do not apply within an item (field:value filters)


@dataclass(frozen=True)
class CompletedWord:
    word: str
    language: str | None
    count: int


def _searchable(item: Item, motivations: list[str] | None) -> list[tuple[Annotation, str, str | None]]:
    """(annotation, text, language) for each approved annotation (of one of ``motivations`` when given):
    its body with the body's language, or its tag (no language) when it has no body."""
    found = []
    for annotation in item.annotations:
        if annotation.status != "approved" or (motivations and annotation.motivation not in motivations):
            continue
        if annotation.body_value:
            found.append((annotation, annotation.body_value, annotation.body_language))
        if annotation.tag:
            found.append((annotation, annotation.tag, None))
    return found


def search_annotations(public_id: str, viewer: Any, text: str, motivations: list[str] | None = None) -> AnnotationResults:
    """The approved annotations of item ``public_id`` matching ``text`` (every one when ``text`` is blank),
    each once with its matched spans. Raises NotFound, AccessDenied, or InvalidQuery for an over-long query."""
    if len(text) > MAX_QUERY_LENGTH:
        raise InvalidQuery(f"A search may be at most {MAX_QUERY_LENGTH} characters long.")
    item = get_item(public_id, viewer)
    query = within.parse_query(text)
    hits: dict[int, AnnotationHit] = {}
    for annotation, value, language in _searchable(item, motivations):
        if annotation.id in hits:
            continue
        spans = within.match(query, value, language)
        if spans is not None:
            hits[annotation.id] = AnnotationHit(annotation, value, spans)
    return AnnotationResults(item, list(hits.values()), query.unused)


def complete_words(public_id: str, viewer: Any, prefix: str, motivations: list[str] | None = None,
                   min_count: int = 1) -> tuple[Item, list[CompletedWord]]:
    """The words of item ``public_id``'s approved annotations that start with ``prefix`` (in any script).
    Raises NotFound, AccessDenied, or InvalidQuery for an over-long prefix or a ``min_count`` below 1."""
    if len(prefix) > 100:
        raise InvalidQuery("Autocomplete takes at most 100 characters.")
    if min_count < 1:
        raise InvalidQuery("'min' must be a whole number of at least 1.")
    item = get_item(public_id, viewer)
    values = [(value, language) for _annotation, value, language in _searchable(item, motivations)]
    return item, [CompletedWord(w, lang, n) for w, lang, n in within.complete(prefix, values, min_count=min_count)]
