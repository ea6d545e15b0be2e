"""The search page."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

import search
from archive.auth import current_viewer
from archive.presenters import localized
from archive.services.browse import BrowseQuery, facet_value_names
from archive.services.search import search_items

find = Blueprint("find", __name__)


@find.get("/search")
def search_page():
    query = BrowseQuery.from_args(request.args, per_page=current_app.config["ITEMS_PER_PAGE"], extra=("q",),
                                  sorts=search.SORTS, default_sort="relevance")
    result = search_items(current_viewer(), request.args.get("q", ""), query, sort=query.sort)
    return render_template("search/results.html", result=result, query=query, localized=localized,
                           facet_names=facet_value_names())
