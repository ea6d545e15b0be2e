"""GET /api/search and /api/autocomplete: the search page's answers as JSON."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for

import search
from archive.auth import current_viewer
from archive.api import serializers
from archive.services.browse import BrowseQuery
from archive.services.search import complete, search_items

api = Blueprint("api", __name__, url_prefix="/api")


def _item_url(item):
    return url_for("public.item_page", public_id=item.public_id, _external=True)


@api.get("/search")
def search_json():
    query = BrowseQuery.from_args(request.args, per_page=current_app.config["ITEMS_PER_PAGE"], extra=("q",),
                                  sorts=search.SORTS, default_sort="relevance")
    page = search_items(current_viewer(), request.args.get("q", ""), query, sort=query.sort)
    return jsonify(serializers.search_page(page, _item_url))


@api.get("/autocomplete")
def autocomplete_json():
    prefix = request.args.get("q", "")
    return jsonify({"q": prefix, "suggestions": complete(current_viewer(), prefix)})
