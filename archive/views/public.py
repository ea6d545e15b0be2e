"""The public pages: home, the list of items, an item, its media files."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, send_file, url_for
from werkzeug.exceptions import BadRequest

from archive.presenters import attribution_line, item_credits, licence_summary, localized
from archive.services import items as item_service
from archive.storage import media_store
from archive.vocabulary import KINDS

public = Blueprint("public", __name__)


def _viewer():
    return None  # accounts arrive with the data workers' issue; until then everyone is a visitor


def _positive_int(name: str, default: int) -> int:
    raw = request.args.get(name, str(default))
    if not raw.isdigit() or int(raw) < 1:
        raise BadRequest(f"'{name}' must be a whole number of at least 1, not {raw!r}.")
    return int(raw)


@public.get("/")
def home():
    holdings = item_service.holdings(_viewer())
    recent = item_service.list_items(_viewer(), per_page=8)
    return render_template("public/home.html", holdings=holdings, recent=recent.items, localized=localized)


@public.get("/items")
def item_list():
    page = _positive_int("page", 1)
    kind = request.args.get("kind") or None
    if kind is not None and kind not in KINDS:
        raise BadRequest(f"Unknown kind {kind!r}; choose one of {', '.join(KINDS)}.")
    result = item_service.list_items(_viewer(), page=page, per_page=current_app.config["ITEMS_PER_PAGE"], kind=kind)
    return render_template("public/items.html", result=result, kind=kind, localized=localized)


@public.get("/items/<public_id>")
def item_page(public_id: str):
    item = item_service.get_item(public_id, _viewer())
    url = url_for("public.item_page", public_id=item.public_id, _external=True)
    return render_template(
        "public/item.html",
        item=item,
        localized=localized,
        credits=item_credits(item),
        licence=licence_summary(item.licence),
        attribution=attribution_line(item, current_app.config["SITE_NAME"], url),
    )


@public.get("/media/<public_id>")
def media_file(public_id: str):
    media = item_service.get_media(public_id, _viewer())
    response = send_file(
        media_store().path_for(media.sha256),
        mimetype=media.mime_type,
        conditional=True,  # Range requests (audio seek), If-None-Match
        etag=media.sha256,
        max_age=3600,
    )
    response.headers["Digest"] = f"sha-256={media.sha256}"
    return response
