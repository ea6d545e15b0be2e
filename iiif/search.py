"""IIIF Content Search 2.0: the AnnotationPage of an item's matching annotations, paged as an embedded
AnnotationCollection when long, with a ``highlighting`` annotation per matched word; and the TermPage of
autocomplete. Pure: the view passes the results and the URLs.
"""
from __future__ import annotations

from typing import Any, Callable

from archive.services.annotation_search import AnnotationResults, CompletedWord
from iiif.manifest import Site, annotation_fields

SEARCH_CONTEXT = "http://iiif.io/api/search/2/context.json"
CONTEXT_CHARACTERS = 32  # text kept before and after a match in its TextQuoteSelector


def _annotation(site: Site, results: AnnotationResults, hit: Any) -> dict[str, Any]:
    fields = annotation_fields(site, results.item, hit.annotation)
    return {"id": fields.pop("id"), "type": "Annotation", **fields}


def context_of(text: str, start: int, end: int) -> tuple[str, str, str]:
    """The match ``text[start:end]`` with up to CONTEXT_CHARACTERS of text before and after it:
    (before, match, after)."""
    return text[max(0, start - CONTEXT_CHARACTERS):start], text[start:end], text[end:end + CONTEXT_CHARACTERS]


def _highlight(annotation_id: str, text: str, start: int, end: int, number: int, page_id: str) -> dict[str, Any]:
    prefix, exact, suffix = context_of(text, start, end)
    selector = {"type": "TextQuoteSelector", "exact": exact}
    if prefix:
        selector["prefix"] = prefix
    if suffix:
        selector["suffix"] = suffix
    return {"id": f"{page_id}#match-{number}", "type": "Annotation", "motivation": "highlighting",
            "target": {"type": "SpecificResource", "source": annotation_id, "selector": [selector]}}


def build_search_page(results: AnnotationResults, *, site: Site, page: int, per_page: int,
                      page_url: Callable[[int | None], str], ignored: list[str]) -> dict[str, Any]:
    """Page ``page`` of the search results. ``page_url(None)`` is the search's own URL (the Annotation
    Collection's id when paged), ``page_url(n)`` the URL of page n. ``ignored`` lists the parameters the
    search did not apply."""
    total = len(results.hits)
    pages = max(1, -(-total // per_page))
    paged = pages > 1
    page_id = page_url(page) if paged else page_url(None)
    document: dict[str, Any] = {"@context": SEARCH_CONTEXT, "id": page_id, "type": "AnnotationPage"}
    if paged:
        document["partOf"] = {"id": page_url(None), "type": "AnnotationCollection", "total": total,
                              "first": {"id": page_url(1), "type": "AnnotationPage"},
                              "last": {"id": page_url(pages), "type": "AnnotationPage"}}
        if page < pages:
            document["next"] = {"id": page_url(page + 1), "type": "AnnotationPage"}
        if page > 1:
            document["prev"] = {"id": page_url(page - 1), "type": "AnnotationPage"}
        document["startIndex"] = (page - 1) * per_page
    if ignored:
        document["ignored"] = ignored
    shown = results.hits[(page - 1) * per_page : page * per_page]
    document["items"] = [_annotation(site, results, hit) for hit in shown]
    highlights = []
    for hit, annotation in zip(shown, document["items"]):
        for start, end in hit.spans:
            highlights.append(_highlight(annotation["id"], hit.text, start, end, len(highlights) + 1, page_id))
    if highlights:
        document["annotations"] = [{"type": "AnnotationPage", "items": highlights}]
    return document


def build_term_page(words: list[CompletedWord], *, page_id: str, ignored: list[str]) -> dict[str, Any]:
    """The autocomplete answer: each word as written, its language and how often it occurs."""
    document: dict[str, Any] = {"@context": SEARCH_CONTEXT, "id": page_id, "type": "TermPage"}
    if ignored:
        document["ignored"] = ignored
    items = []
    for word in words:
        term: dict[str, Any] = {"value": word.word, "total": word.count}
        if word.language:
            term["language"] = word.language
        items.append(term)
    document["items"] = items
    return document
