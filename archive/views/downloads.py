"""Downloads: the files of an item with their licence, terms to accept, single files, and BagIt bundles."""
from __future__ import annotations

import base64
import datetime as dt
import json

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import login_required

from archive import citations, item_documents
from archive.auth import current_channel, current_viewer, safe_next
from archive.bundles import PayloadFile, stream_bag
from archive.errors import InvalidInput
from archive.i18n import current_language
from archive.presenters import attribution_line, licence_summary, localized
from archive.services import downloads as download_service
from archive.services import items as item_service
from archive.services import tokens as token_service
from archive.storage import media_store

downloads = Blueprint("downloads", __name__)


def checksum_headers(response: Response, sha256_hex: str) -> Response:
    """The SHA-256 of the whole file, as RFC 9530 asks (base64) and in hexadecimal, as people compare it."""
    encoded = base64.b64encode(bytes.fromhex(sha256_hex)).decode()
    response.headers["Repr-Digest"] = f"sha-256=:{encoded}:"
    response.headers["Digest"] = f"sha-256={encoded}"
    response.headers["X-Checksum-SHA256"] = sha256_hex
    return response


def starts_a_download() -> bool:
    # A resumed download or a player's seek asks for a later range: one download is logged once.
    range_header = request.headers.get("Range", "")
    return request.method == "GET" and (not range_header or range_header.replace(" ", "").startswith("bytes=0-"))


@downloads.get("/items/<public_id>/downloads")
def item_downloads(public_id: str):
    viewer = current_viewer()
    item = item_service.get_item(public_id, viewer)
    licences = download_service.licences_of(item)
    return render_template("downloads/item.html", item=item, localized=localized,
                           licences=[(licence, licence_summary(licence, item.labels)) for licence in licences],
                           pending=download_service.pending_terms(viewer, licences),
                           names={m.id: download_service.download_name(m) for m in item.media})


@downloads.post("/licences/<licence_id>/accept")
@login_required
def accept_terms(licence_id: str):
    download_service.accept_terms(current_viewer(), licence_id)
    return redirect(safe_next(request.form.get("next"), url_for("public.home")))


@downloads.get("/media/<public_id>/download")
def media_download(public_id: str):
    viewer = current_viewer()
    found = download_service.file_for_download(public_id, viewer)
    media = found.media
    response = send_file(media_store().path_for(media.sha256), mimetype=media.mime_type, as_attachment=True,
                         download_name=download_service.download_name(media), conditional=True, etag=media.sha256,
                         last_modified=media.created_at, max_age=3600)
    if starts_a_download() and response.status_code in (200, 206):
        download_service.log_download(viewer, "file", item=media.item, media=media, licence=found.licence,
                                      channel=current_channel())
    return checksum_headers(response, media.sha256)


@downloads.get("/items/<public_id>/download.zip")
def item_bundle(public_id: str):
    viewer = current_viewer()
    item = download_service.item_for_bundle(public_id, viewer)
    store = media_store()
    names = _unique_names(item.media)
    payload = [PayloadFile(f"files/{names[m.id]}", store.path_for(m.sha256), m.sha256, m.size_bytes) for m in item.media]
    item_url = url_for("public.item_page", public_id=item.public_id, _external=True)
    site = current_app.config["SITE_NAME"]
    citation = citations.citation_data(item, url=item_url, site_name=site, accessed=dt.date.today(),
                                       preferred_languages=(current_language(), "fr", "en"))
    documents = {name: _json(document) for name, document in current_app.extensions["twiza.item_documents"](item).items()}
    documents = {
        "metadata.json": _json(item_documents.metadata_jsonld(item, item_url, site)),
        **documents,
        "LICENSE.txt": item_documents.licence_text(item).encode(),
        "ATTRIBUTION.txt": item_documents.attribution_text(item, attribution_line(item, site, item_url)).encode(),
        "CITATION.cff": citations.citation_cff(citation).encode(),
    }
    info = {"Source-Organization": site, "External-Identifier": item_url,
            "External-Description": citation.title, "Bag-Group-Identifier": item.public_id}
    if request.method == "GET":
        download_service.log_download(viewer, "bundle", item=item, licence=item.licence, channel=current_channel())
    response = Response(stream_bag(item.public_id, payload, documents, info),
                        mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{item.public_id}.zip"'
    response.headers["Cache-Control"] = "private, no-store" if viewer else "public, max-age=300"
    return response


def _unique_names(media_list) -> dict[int, str]:
    names: dict[int, str] = {}
    used: set[str] = set()
    for index, media in enumerate(media_list, start=1):
        name = download_service.download_name(media)
        if name.lower() in used:
            name = f"{index:02d}-{name}"
        used.add(name.lower())
        names[media.id] = name
    return names


def _json(document) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


@downloads.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    viewer = current_viewer()
    secret, status = None, 200
    if request.method == "POST":
        try:
            _, secret = token_service.create_token(viewer, request.form.get("name", ""))
        except InvalidInput as exc:
            flash(exc.message, "error")
            status = 422
    return render_template("downloads/tokens.html", tokens=token_service.list_tokens(viewer), secret=secret), status


@downloads.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    token_service.revoke_token(current_viewer(), token_id)
    return redirect(url_for("downloads.tokens"))
