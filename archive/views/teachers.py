"""Teachers' tools: a selection built in the browser, shared as a link, printed as one sheet."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request, stream_with_context, url_for

from archive.attribution_pdf import render_pdf
from archive.auth import current_channel, current_viewer
from archive.i18n import current_direction
from archive.bundles import stream_zip
from archive.errors import InvalidQuery
from archive.identifiers import PUBLIC_ID
from archive.presenters import attribution_line, licence_summary, localized
from archive.services import class_sets
from archive.services import items as item_service
from archive.services.downloads import log_download
from archive.services.images import render

teachers = Blueprint("teachers", __name__)
MAX_SELECTION = class_sets.MAX_ITEMS


def _selected_ids() -> list[str]:
    ids = [i for i in request.args.get("ids", "").split(",") if i]
    if len(ids) > MAX_SELECTION or not all(PUBLIC_ID.match(i) for i in ids):
        raise InvalidQuery(f"'ids' takes up to {MAX_SELECTION} item identifiers separated by commas.")
    return ids


@teachers.get("/selection")
def selection():
    ids = _selected_ids()
    items = item_service.items_in_order(ids, current_viewer())
    site = current_app.config["SITE_NAME"]
    sheets = [
        (item, licence_summary(item.licence, item.labels),
         attribution_line(item, site, url_for("public.item_page", public_id=item.public_id, _external=True)))
        for item in items
    ]
    return render_template("teachers/selection.html", sheets=sheets, ids=",".join(i.public_id for i in items),
                           localized=localized)


@teachers.get("/selection/class-set.zip")
def class_set():
    """The selection as one ZIP: print-ready pictures and the attribution sheet, streamed picture by picture."""
    viewer = current_viewer()
    ids = _selected_ids()
    plan = class_sets.plan_class_set(
        ids, viewer, site_name=current_app.config["SITE_NAME"],
        item_url=lambda item: url_for("public.item_page", public_id=item.public_id, _external=True),
        selection_url=lambda shown: url_for("teachers.selection", ids=",".join(shown), _external=True))
    sheet_html = render_template("teachers/attribution_sheet.html", sheet=plan.sheet)
    if request.method == "GET":
        for picture in plan.pictures:
            log_download(viewer, "file", item=picture.item, media=picture.media,
                         licence=picture.media.licence or picture.item.licence, channel=current_channel())

    def files():
        for picture in plan.pictures:
            yield picture.name, render(picture.image, picture.rendition)
        yield "attribution.html", sheet_html.encode()
        yield "attribution.pdf", render_pdf(plan.sheet, current_direction())

    folder = f"class-set-{plan.sheet.created}"
    response = Response(stream_with_context(stream_zip(folder, files())), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{folder}.zip"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
