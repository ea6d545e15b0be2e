"""The public pages: home, the list of items, an item, its media files."""
from __future__ import annotations

import datetime as dt
import json

from flask import Blueprint, Response, current_app, render_template, request, send_file, url_for

from archive.auth import current_viewer
from archive.views.downloads import checksum_headers
from archive import citations
from archive.i18n import current_language
from archive.presenters import (
    attribution_line,
    image_regions,
    item_credits,
    licence_summary,
    localized,
    parallel_text,
    timed_segments,
)
from archive.services.derivatives import image_derivative, widths_for
from archive.services import items as item_service
from archive.services.browse import BrowseQuery, browse, facet_value_names
from archive.storage import media_store

public = Blueprint("public", __name__)
VIEWABLE_MEDIA = ("image", "audio", "video")  # what the IIIF viewer shows; documents are links


@public.get("/")
def home():
    holdings = item_service.holdings(current_viewer())
    recent = item_service.list_items(current_viewer(), per_page=8, sort="recent")
    return render_template("public/home.html", holdings=holdings, recent=recent.items, localized=localized,
                           featured=item_service.featured_items(current_viewer()))


@public.get("/items")
def item_list():
    query = BrowseQuery.from_args(request.args, per_page=current_app.config["ITEMS_PER_PAGE"])
    result = browse(current_viewer(), query)
    return render_template("public/items.html", result=result, query=query, localized=localized,
                           facet_names=facet_value_names())


@public.get("/items/<public_id>")
def item_page(public_id: str):
    item = item_service.get_item(public_id, current_viewer())
    citation = _citation(item)
    return render_template(
        "public/item.html",
        item=item,
        localized=localized,
        credits=item_credits(item),
        licence=licence_summary(item.licence, item.labels),
        attribution=attribution_line(item, current_app.config["SITE_NAME"], citation.url),
        citation=citations.formatted(citation),
        parallel=parallel_text(item.text, item.languages),
        segments={m.id: timed_segments(m, item) for m in item.media if m.kind in ("audio", "video")},
        widths={m.id: widths_for(m) for m in item.media if m.kind == "image"},
        image_regions={m.id: image_regions(m, item) for m in item.media if m.kind == "image"},
        related=item_service.related_items(item, current_viewer()),
        viewable=any(m.kind in VIEWABLE_MEDIA for m in item.media),
    )


CITATION_FORMATS = {
    "bib": ("application/x-bibtex", citations.bibtex),
    "ris": ("application/x-research-info-systems", citations.ris),
    "csl.json": ("application/vnd.citationstyles.csl+json", lambda c: json.dumps([citations.csl_json(c)], ensure_ascii=False, indent=2)),
}


@public.get("/items/<public_id>/cite.<any(bib, ris, 'csl.json'):fmt>")
def item_citation(public_id: str, fmt: str):
    item = item_service.get_item(public_id, current_viewer())
    mimetype, render = CITATION_FORMATS[fmt]
    response = Response(render(_citation(item)), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{citations.filename_stem(item)}.{fmt}"'
    return response


def _citation(item):
    url = url_for("public.item_page", public_id=item.public_id, _external=True)
    return citations.citation_data(item, url=url, site_name=current_app.config["SITE_NAME"], accessed=dt.date.today(),
                                   preferred_languages=(current_language(), "fr", "en"))


@public.get("/media/<public_id>")
def media_file(public_id: str):
    media = item_service.get_media(public_id, current_viewer())
    response = send_file(
        media_store().path_for(media.sha256),
        mimetype=media.mime_type,
        conditional=True,  # Range requests (audio seek), If-None-Match
        etag=media.sha256,
        max_age=3600,
        last_modified=media.created_at,
    )
    return checksum_headers(response, media.sha256)


@public.get("/media/<public_id>/w<int:width>.jpg")
def media_derivative(public_id: str, width: int):
    media = item_service.get_media(public_id, current_viewer())
    response = Response(image_derivative(media, width), mimetype="image/jpeg")
    response.set_etag(f"{media.sha256}-{width}")
    response.cache_control.public = True
    response.cache_control.max_age = 30 * 24 * 3600
    return response.make_conditional(request)
