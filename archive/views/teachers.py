"""Teachers' tools: a selection built in the browser, shared as a link, printed as one sheet."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for

from archive.auth import current_viewer
from archive.errors import InvalidQuery
from archive.identifiers import PUBLIC_ID
from archive.presenters import attribution_line, licence_summary, localized
from archive.services import items as item_service

teachers = Blueprint("teachers", __name__)
MAX_SELECTION = 100


@teachers.get("/selection")
def selection():
    ids = [i for i in request.args.get("ids", "").split(",") if i]
    if len(ids) > MAX_SELECTION or not all(PUBLIC_ID.match(i) for i in ids):
        raise InvalidQuery(f"'ids' takes up to {MAX_SELECTION} item identifiers separated by commas.")
    items = item_service.items_in_order(ids, current_viewer())
    site = current_app.config["SITE_NAME"]
    sheets = [
        (item, licence_summary(item.licence, item.labels),
         attribution_line(item, site, url_for("public.item_page", public_id=item.public_id, _external=True)))
        for item in items
    ]
    return render_template("teachers/selection.html", sheets=sheets, ids=",".join(i.public_id for i in items),
                           localized=localized)
