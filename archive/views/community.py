"""The community pages: collections, and the people and communities who made the archive."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from archive.auth import current_viewer
from archive.errors import InvalidQuery
from archive.presenters import localized
from archive.services import collections as collection_service
from archive.services import contributors as contributor_service

community = Blueprint("community", __name__)


def _page() -> int:
    raw = request.args.get("page", "1")
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise InvalidQuery(f"'page' must be a whole number of at least 1, not {raw!r}.")
    return int(raw)


@community.get("/collections")
def collections():
    summaries = collection_service.list_collections(current_viewer())
    return render_template("community/collections.html", collections=summaries, localized=localized)


@community.get("/collections/<slug>")
def collection(slug: str):
    result = collection_service.get_collection(slug, current_viewer(), page=_page(), per_page=current_app.config["ITEMS_PER_PAGE"])
    return render_template("community/collection.html", result=result, localized=localized)


@community.get("/contributors")
def contributors():
    summaries = contributor_service.list_contributors(current_viewer())
    return render_template("community/contributors.html", contributors=summaries)


@community.get("/contributors/<slug>")
def contributor(slug: str):
    view = contributor_service.get_contributor(slug, current_viewer())
    return render_template("community/contributor.html", contributor=view, localized=localized)
