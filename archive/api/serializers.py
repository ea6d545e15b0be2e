"""Pure serializers of view objects to JSON-ready dicts."""
from __future__ import annotations

from typing import Any, Callable

from archive.models import Item
from archive.vocabulary import direction_of


def lang_values(values: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{"value": v["value"], "lang": v["lang"], "dir": direction_of(v["lang"])} for v in values]


def item_summary(item: Item, url: Callable[[Item], str]) -> dict[str, Any]:
    return {
        "id": item.public_id,
        "url": url(item),
        "kind": item.kind,
        "title": lang_values(item.title),
        "summary": lang_values(item.summary),
        "region": item.region,
        "date": item.date_edtf,
        "languages": item.languages,
        "licence": item.licence_id,
    }


def search_page(page: Any, url: Callable[[Item], str]) -> dict[str, Any]:
    return {
        "q": page.text,
        "total": page.total,
        "page": page.query.page,
        "per_page": page.query.per_page,
        "pages": page.pages,
        "sort": page.query.sort,
        "filters": {name: list(values) for name, values in page.query.filters.items()},
        "notes": page.notes,
        "suggestion": page.suggestion,
        "facets": {name: [{"value": fv.value, "count": fv.count, "selected": fv.selected} for fv in values]
                   for name, values in page.facets.items()},
        "items": [
            {**item_summary(item, url),
             "snippet": None if page.snippets.get(item.public_id) is None else {
                 "lang": page.snippets[item.public_id].lang, "dir": page.snippets[item.public_id].dir,
                 "parts": [{"text": text, "match": hit} for text, hit in page.snippets[item.public_id].parts]}}
            for item in page.items
        ],
    }
