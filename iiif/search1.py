"""IIIF Content Search 1.0, beside 2.0 (iiif.search) for the viewers that only know 1.0 (Mirador 4 shows its
search panel for a ``http://iiif.io/api/search/1/search`` service, not for a ``SearchService2``).

The same results, in 1.0's Presentation 2 shape: an ``sc:AnnotationList`` whose ``resources`` are the
matching annotations (``oa:Annotation`` with ``resource`` and ``on``) and whose ``hits`` say what matched
and the text around it; paged in an ``sc:Layer`` (``within``) that also lists the ``ignored`` parameters;
and the ``search:TermList`` of autocomplete. Pure: the view passes the results and the URLs.

Presentation 2 has no ``supplementing`` motivation: transcriptions and translations were ``sc:painting``,
which is also what a 1.0 client asks for with ``motivation=painting``.
"""
from __future__ import annotations

from typing import Any, Callable

from archive.models import Annotation as ArchiveAnnotation
from archive.services.annotation_search import AnnotationHit, AnnotationResults, CompletedWord
from archive.vocabulary import MOTIVATIONS
from iiif.manifest import Site, annotation_target, annotation_uri
from iiif.search import context_of

PRESENTATION_2_CONTEXT = "http://iiif.io/api/presentation/2/context.json"
SEARCH_1_CONTEXT = "http://iiif.io/api/search/1/context.json"


def archive_motivations(requested: list[str]) -> list[str]:
    """The archive's motivations for a 1.0 ``motivation`` parameter: ``painting`` (transcriptions and
    translations), ``non-painting`` (everything else), or a motivation by name, with or without ``oa:``.
    An unknown name stays as it is, so that it matches nothing, as the specification asks."""
    wanted: list[str] = []
    for name in requested:
        name = name.removeprefix("oa:").removeprefix("sc:")
        if name == "painting":
            wanted.append("supplementing")
        elif name == "non-painting":
            wanted += [m for m in MOTIVATIONS if m != "supplementing"]
        else:
            wanted.append(name)
    return list(dict.fromkeys(wanted))


def _motivation(annotation: ArchiveAnnotation) -> str:
    return "sc:painting" if annotation.motivation == "supplementing" else f"oa:{annotation.motivation}"


def _on(site: Site, results: AnnotationResults, annotation: ArchiveAnnotation) -> Any:
    """What the annotation is on: the canvas, a region of it (``#xywh=``), or, for a time span, the canvas
    with a fragment selector (so that clients that look for a canvas by its id find it)."""
    target = annotation_target(site, results.item, annotation)
    if annotation.selector and annotation.selector.startswith("t="):
        canvas = target.partition("#")[0]
        return {"@type": "oa:SpecificResource", "full": canvas,
                "selector": {"@type": "oa:FragmentSelector", "value": annotation.selector}}
    return target


def _resource(annotation: ArchiveAnnotation) -> Any:
    bodies: list[dict[str, Any]] = []
    if annotation.tag:
        bodies.append({"@type": "oa:Tag", "chars": annotation.tag})
    if annotation.body_value is not None:
        body = {"@type": "cnt:ContentAsText", "chars": annotation.body_value, "format": annotation.body_format}
        if annotation.body_language:
            body["language"] = annotation.body_language
        bodies.append(body)
    return bodies[0] if len(bodies) == 1 else bodies


def _hit(annotation_id: str, hit: AnnotationHit) -> dict[str, Any]:
    """A ``search:Hit``: the first match with the text before and after it, and every match as a
    TextQuoteSelector when there are several."""
    document: dict[str, Any] = {"@type": "search:Hit", "annotations": [annotation_id]}
    if not hit.spans:  # a blank query lists every annotation: nothing in particular matched
        return document
    quotes = [context_of(hit.text, start, end) for start, end in hit.spans]
    before, match, after = quotes[0]
    document.update(match=match, before=before, after=after)
    if len(quotes) > 1:
        document["selectors"] = [{"@type": "oa:TextQuoteSelector", "exact": exact, "prefix": prefix, "suffix": suffix}
                                 for prefix, exact, suffix in quotes]
    return document


def build_annotation_list(results: AnnotationResults, *, site: Site, page: int, per_page: int,
                          page_url: Callable[[int | None], str], ignored: list[str]) -> dict[str, Any]:
    """Page ``page`` of the results as a Content Search 1.0 AnnotationList. ``page_url(None)`` is the
    search's own URL (the list's id when it is not paged), ``page_url(n)`` the URL of page n; ``ignored``
    lists the parameters the search did not apply."""
    total = len(results.hits)
    pages = max(1, -(-total // per_page))
    paged = pages > 1
    document: dict[str, Any] = {"@context": [PRESENTATION_2_CONTEXT, SEARCH_1_CONTEXT],
                                "@id": page_url(page) if paged else page_url(None), "@type": "sc:AnnotationList"}
    if paged or ignored:
        layer: dict[str, Any] = {"@type": "sc:Layer", "total": total}
        if paged:
            layer.update(first=page_url(1), last=page_url(pages))
        if ignored:
            layer["ignored"] = ignored
        document["within"] = layer
    if paged:
        if page < pages:
            document["next"] = page_url(page + 1)
        if page > 1:
            document["prev"] = page_url(page - 1)
        document["startIndex"] = (page - 1) * per_page
    shown = results.hits[(page - 1) * per_page : page * per_page]
    resources, hits = [], []
    for hit in shown:
        annotation_id = annotation_uri(site, results.item, hit.annotation)  # as in Presentation 3 and Search 2.0
        resources.append({"@id": annotation_id, "@type": "oa:Annotation", "motivation": _motivation(hit.annotation),
                          "resource": _resource(hit.annotation), "on": _on(site, results, hit.annotation)})
        hits.append(_hit(annotation_id, hit))
    document["resources"] = resources
    document["hits"] = hits
    return document


def build_term_list(words: list[CompletedWord], *, list_id: str, search_url: Callable[[str], str],
                    ignored: list[str]) -> dict[str, Any]:
    """The Content Search 1.0 autocomplete answer: each word, the search for it (``search_url(word)``) and
    how often it occurs."""
    document: dict[str, Any] = {"@context": SEARCH_1_CONTEXT, "@id": list_id, "@type": "search:TermList"}
    if ignored:
        document["ignored"] = ignored
    document["terms"] = [{"match": word.word, "url": search_url(word.word), "count": word.count} for word in words]
    return document
