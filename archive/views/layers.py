"""The annotation editor: layers per media file (time-coded segments on audio and video, regions drawn on
images, tags from the curated vocabularies), their review, and the vocabularies curators maintain.

Forms post plain fields (``selector``, ``body_value``, ``body_lang``, ``tag``, ``term``); the player and
the region drawing only fill the ``selector`` field, which can also be typed, so everything works without
JavaScript. The services decide who may do what.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l, ngettext
from flask_login import login_required
from werkzeug.datastructures import MultiDict

from archive.auth import current_viewer
from archive.errors import InvalidInput, NotFound
from archive.presenters import localized
from archive.services import annotations as layers
from archive.services.review import workflow_item
from archive.views.work import CONTENT_TAGS, _field_errors

layers_pages = Blueprint("layers", __name__, url_prefix="/work")


@layers_pages.context_processor
def _template_helpers() -> dict[str, Any]:
    return {"localized": localized}


def layer_fields(form: MultiDict, media_public_id: str) -> dict[str, Any]:
    """The service's layer fields from a posted layer form."""
    return {"media": media_public_id, "motivation": form.get("motivation") or None,
            "selector": form.get("selector", ""), "tag": form.get("tag", ""), "term": form.get("term", ""),
            "body": {"value": form.get("body_value", ""), "lang": form.get("body_lang", "")}}


def _media_of(item, media_public_id: str):
    media = next((m for m in item.media if m.public_id == media_public_id), None)
    if media is None:
        raise NotFound("No such media file on this item.")
    return media


def _editor(item, media, *, errors=None, typed=None, status=200):
    user = current_viewer()
    rule = current_app.config["TWO_PERSON_RULE"]
    media_layers = next(entry.layers for entry in layers.layers_by_media(item, user) if entry.media is media)
    return render_template("work/layers.html", item=item, media=media, layers=media_layers,
                           vocabularies=layers.vocabularies(), content_tags=CONTENT_TAGS, errors=errors or {},
                           regions=[a.selector for a in media_layers if (a.selector or "").startswith("xywh=")],
                           typed=typed or {}, can_add=layers.can_add_layers(user, item),
                           editable={a.id for a in media_layers if layers.can_edit_layer(user, a)},
                           reviewable={a.id for a in media_layers if layers.may_review_layer(user, a, two_person_rule=rule)},
                           own_drafts=[a for a in media_layers if a.status == "draft" and layers.is_own_layer(user, a)]), status


@layers_pages.get("/items/<public_id>/media/<media_id>")
@login_required
def editor(public_id: str, media_id: str):
    item = workflow_item(public_id, current_viewer())
    return _editor(item, _media_of(item, media_id))


@layers_pages.post("/items/<public_id>/media/<media_id>")
@login_required
def create(public_id: str, media_id: str):
    item = workflow_item(public_id, current_viewer())
    media = _media_of(item, media_id)
    try:
        layers.create_layer(current_viewer(), public_id, layer_fields(request.form, media_id))
    except InvalidInput as exc:
        return _editor(item, media, errors=_field_errors(exc), typed=request.form, status=422)
    flash(_l("Annotation saved as a draft."), "info")
    return redirect(url_for("layers.editor", public_id=public_id, media_id=media_id))


@layers_pages.post("/layers/<layer_id>")
@login_required
def change(layer_id: str):
    """Save (own draft), withdraw, or review a layer, as the button pressed says."""
    user, form = current_viewer(), request.form
    annotation = layers.layer(layer_id, user)
    item, media = annotation.item, annotation.media
    action = form.get("action", "")
    base = int(form["base_version"]) if form.get("base_version", "").isdigit() else None
    try:
        if action == "save":
            layers.update_layer(user, layer_id, layer_fields(form, media.public_id), base)
        elif action == "withdraw":
            layers.withdraw_layer(user, layer_id)
        else:
            layers.review_layer(user, layer_id, action, comment=form.get("comment"),
                                fields=layer_fields(form, media.public_id), base_version=base,
                                two_person_rule=current_app.config["TWO_PERSON_RULE"])
    except InvalidInput as exc:
        return _editor(item, media, errors={layer_id: [*exc.details]}, status=422)
    flash(_l("Done."), "info")
    return redirect(url_for("layers.editor", public_id=item.public_id, media_id=media.public_id))


@layers_pages.post("/items/<public_id>/media/<media_id>/submit")
@login_required
def submit(public_id: str, media_id: str):
    submitted = layers.submit_layers(current_viewer(), public_id)
    flash(ngettext("%(num)d annotation submitted for review.", "%(num)d annotations submitted for review.",
                   len(submitted)), "info")
    return redirect(url_for("layers.editor", public_id=public_id, media_id=media_id))


@layers_pages.get("/vocabularies")
@login_required
def vocabularies():
    return render_template("work/vocabularies.html", vocabularies=layers.vocabularies(), content_tags=CONTENT_TAGS,
                           can_maintain=bool(layers.roles_of(current_viewer()) & layers.STAFF_ROLES))


def _labels(form: MultiDict) -> list[dict[str, str]]:
    # The form offers one row per script; the rows left empty are not labels.
    return [{"value": value, "lang": lang} for value, lang in zip(form.getlist("label_value"), form.getlist("label_lang"))
            if value.strip()]


@layers_pages.post("/vocabularies")
@login_required
def maintain_vocabularies():
    form = request.form
    if form.get("vocabulary"):
        layers.add_term(current_viewer(), form["vocabulary"], form.get("slug", ""), _labels(form))
    else:
        layers.create_vocabulary(current_viewer(), form.get("slug", ""), _labels(form))
    flash(_l("Saved."), "info")
    return redirect(url_for("layers.vocabularies"))
