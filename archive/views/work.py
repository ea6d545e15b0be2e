"""The data workers' and reviewers' pages: my work, the item editor, history, the review queue.

Every form posts plain fields (multilingual values as numbered rows: ``title-0-value``, ``title-0-lang``)
and carries its CSRF token; the services decide who may do what.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from werkzeug.datastructures import MultiDict

from archive.auth import current_viewer
from archive.db import db
from archive.errors import InvalidInput, InvalidQuery
from archive.models import Licence
from archive.presenters import localized
from archive.records import item_record
from archive.services import annotations, editing, review, uploads
from archive.storage import media_store
from archive.vocabulary import CULTURAL_LABELS, KINDS, REGIONS

work = Blueprint("work", __name__, url_prefix="/work")


@work.context_processor
def _template_helpers() -> dict[str, Any]:
    return {"localized": localized}

# The language-and-script choices offered first in the editor (any valid tag may still be typed).
CONTENT_TAGS = ("ary-Arab", "ary-Latn", "zgh-Tfng", "shi-Tfng", "shi-Latn", "tzm-Tfng", "tzm-Latn", "rif-Tfng",
                "rif-Latn", "ar", "fr", "en")
EXTRA_ROWS = 1  # empty rows after the values, for adding one without JavaScript


def _rows(form: MultiDict, name: str) -> list[dict[str, str]]:
    indexes = sorted({int(key.split("-")[1]) for key in form if key.startswith(f"{name}-") and key.split("-")[1].isdigit()})
    return [{"value": form.get(f"{name}-{i}-value", ""), "lang": form.get(f"{name}-{i}-lang", "")} for i in indexes]


def _words(text: str) -> list[str]:
    return [part.strip() for part in (text or "").replace("\n", ",").split(",") if part.strip()]


def fields_from_form(form: MultiDict) -> dict[str, Any]:
    """The service's field mapping from a posted editor form."""
    fields: dict[str, Any] = {name: _rows(form, name) for name in editing.MULTILINGUAL_FIELDS}
    fields.update(kind=form.get("kind"), languages=form.getlist("languages"), region=form.get("region") or None,
                  date=form.get("date", ""), subjects=_words(form.get("subjects", "")), license=form.get("license"),
                  access=form.get("access") or "public", labels=form.getlist("labels"),
                  source=form.get("source", ""), source_url=form.get("source_url", ""))
    lat, lon = form.get("lat", "").strip(), form.get("lon", "").strip()
    fields["coordinates"] = {"lat": lat, "lon": lon} if lat or lon else None
    return fields


def _field_errors(exc: InvalidInput) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for detail in exc.details:
        name, _, message = detail.partition(": ")
        errors.setdefault(name.split("[")[0], []).append(f"{name}: {message}" if "[" in name else message)
    return errors


def _editor(record: dict[str, Any], *, item=None, base_version: int | None = None, errors=None, conflict=None, status=200):
    licences = db.session.query(Licence).order_by(Licence.id).all()
    return render_template("work/item_form.html", record=record, item=item, base_version=base_version,
                           errors=errors or {}, conflict=conflict, kinds=KINDS, regions=REGIONS, licences=licences,
                           labels=CULTURAL_LABELS, content_tags=CONTENT_TAGS, extra_rows=EXTRA_ROWS,
                           multilingual=editing.MULTILINGUAL_FIELDS), status


@work.get("")
@login_required
def dashboard():
    user = current_viewer()
    grouped = review.my_items(user)
    comments = {item.id: review.last_comment(item) for item in grouped.get("draft", []) + grouped.get("rejected", [])}
    queue = review.review_queue(user) if editing.roles_of(user) & review.REVIEWER_ROLES else None
    return render_template("work/dashboard.html", grouped=grouped, comments=comments, queue=queue,
                           can_create=bool(editing.roles_of(user) & editing.EDITOR_ROLES),
                           feedback=review.feedback_received(user), contributions=review.my_contributions(user))


@work.route("/items/new", methods=["GET", "POST"])
@login_required
def new_item():
    if request.method == "GET":
        return _editor({"kind": "tale", "license": current_app.config["DEFAULT_LICENSE"], "access": "public",
                        "title": [{"value": "", "lang": "ary-Arab"}]})
    fields = fields_from_form(request.form)
    try:
        item = editing.create_item(current_viewer(), fields)
    except InvalidInput as exc:
        return _editor(fields, errors=_field_errors(exc), status=422)
    flash(_l("Draft saved."), "info")
    return redirect(url_for("work.item", public_id=item.public_id))


@work.route("/items/<public_id>/edit", methods=["GET", "POST"])
@login_required
def edit_item(public_id: str):
    item = editing.item_for_editing(public_id, current_viewer())
    if request.method == "GET":
        return _editor(editing.editable_part(item_record(item)), item=item, base_version=item.version)
    fields = fields_from_form(request.form)
    base = request.form.get("base_version", "")
    if not base.isdigit():
        raise InvalidQuery("The form lacks the version it was opened on: reload the editor.")
    try:
        editing.update_item(current_viewer(), public_id, fields, int(base))
    except editing.EditConflict as conflict:
        differences = editing.compare_records(conflict.current, conflict.yours, conflict.fields)
        # The form keeps the editor's values, now based on the version saved meanwhile.
        return _editor(fields, item=conflict.item, base_version=conflict.item.version, conflict=differences, status=409)
    except InvalidInput as exc:
        return _editor(fields, item=item, base_version=int(base), errors=_field_errors(exc), status=422)
    flash(_l("Saved."), "info")
    return redirect(url_for("work.item", public_id=public_id))


@work.get("/items/<public_id>")
@login_required
def item(public_id: str):
    user = current_viewer()
    item = review.workflow_item(public_id, user)
    steps = review.available_steps(user, item, two_person_rule=current_app.config["TWO_PERSON_RULE"])
    return render_template("work/item.html", item=item, events=review.events(item), steps=steps,
                           can_edit=editing.can_edit(user, item))


@work.post("/items/<public_id>/media")
@login_required
def upload_media(public_id: str):
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidInput("Choose a file to upload.", details=["file: no file was sent"])
    label_text = request.form.get("label", "").strip()
    label = [{"value": label_text, "lang": request.form.get("label_lang") or "fr"}] if label_text else []
    config = current_app.config
    media = uploads.add_media(current_viewer(), public_id, upload.stream, upload.filename, store=media_store(),
                              max_bytes=config["MAX_MEDIA_BYTES"], max_pixels=config["MAX_IMAGE_PIXELS"], label=label,
                              licence_id=request.form.get("licence") or None,
                              keep_location=request.form.get("keep_location") == "on",
                              uploader_is_creator=request.form.get("uploader_is_creator") == "on")
    flash(_l("%(name)s was added (%(kind)s).", name=media.original_filename or media.public_id, kind=media.kind), "info")
    return redirect(url_for("work.item", public_id=public_id))


@work.post("/items/<public_id>/workflow")
@login_required
def workflow(public_id: str):
    base = request.form.get("base_version", "")
    review.transition(current_viewer(), public_id, request.form.get("action", ""), comment=request.form.get("comment"),
                      base_version=int(base) if base.isdigit() else None,
                      two_person_rule=current_app.config["TWO_PERSON_RULE"])
    flash(_l("Done."), "info")
    return redirect(url_for("work.item", public_id=public_id))


@work.get("/items/<public_id>/history")
@login_required
def history(public_id: str):
    item = review.workflow_item(public_id, current_viewer())
    return render_template("work/history.html", item=item, revisions=editing.history(item),
                           can_edit=editing.can_edit(current_viewer(), item))


@work.get("/items/<public_id>/compare")
@login_required
def compare(public_id: str):
    item = review.workflow_item(public_id, current_viewer())
    raw = (request.args.get("from", ""), request.args.get("to", ""))
    if not all(value.isdigit() for value in raw):
        raise InvalidQuery("Choose two versions to compare ('from' and 'to' are version numbers).")
    older, newer = int(raw[0]), int(raw[1])
    return render_template("work/compare.html", item=item, older=older, newer=newer,
                           differences=editing.compare_versions(item, older, newer))


@work.post("/items/<public_id>/restore/<int:version>")
@login_required
def restore(public_id: str, version: int):
    base = request.form.get("base_version", "")
    if not base.isdigit():
        raise InvalidQuery("The form lacks the version it was opened on: reload the history.")
    try:
        editing.restore_version(current_viewer(), public_id, version, int(base))
    except editing.EditConflict:
        flash(_l("Someone saved this item meanwhile: look at the history again before restoring."), "error")
        return redirect(url_for("work.history", public_id=public_id))
    flash(_l("Version %(version)s restored as a new version.", version=version), "info")
    return redirect(url_for("work.item", public_id=public_id))


@work.get("/review")
@login_required
def queue():
    user = current_viewer()
    return render_template("work/queue.html", queue=review.review_queue(user),
                           layer_queue=annotations.review_queue(user, two_person_rule=current_app.config["TWO_PERSON_RULE"]))
