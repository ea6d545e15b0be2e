"""Dataset releases: the public list and release pages (data card, licences, files with sizes and SHA-256),
release files with Range, and the curators' pages to define datasets and publish releases."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required

from archive.auth import current_channel, current_viewer, safe_next
from archive.errors import ArchiveError, InvalidInput
from archive.jobs import run_in_background
from archive.models import DATASET_LAYERS
from archive.services import releases as release_service
from archive.services.downloads import log_download, pending_terms
from archive.views.downloads import checksum_headers, starts_a_download
from archive.vocabulary import KINDS, LANGUAGES, REGIONS

releases = Blueprint("releases", __name__)


@releases.get("/datasets")
def dataset_list():
    return render_template("releases/datasets.html", datasets=release_service.list_datasets())


@releases.get("/datasets/<slug>")
def dataset_page(slug: str):
    dataset = release_service.get_dataset(slug)
    if not dataset.releases:
        release_service.check_is_curator(current_viewer())
    viewer = current_viewer()
    job = release_service.latest_job(dataset) if release_service.is_curator(viewer) else None
    return render_template("releases/dataset.html", dataset=dataset, job=job,
                           job_active=job is not None and release_service.job_is_active(job))


@releases.get("/datasets/<slug>/<version>")
def release_page(slug: str, version: str):
    viewer = current_viewer()
    release = release_service.get_release(slug, version)
    try:
        release_service.check_can_download(release, viewer)
        refusal = None
    except ArchiveError as error:
        refusal = error
    card_path = release_service.release_folder(current_app.config["DATA_DIR"], release) / "README.md"
    card = card_path.read_text(encoding="utf-8") if card_path.is_file() else ""
    return render_template("releases/release.html", release=release, dataset=release.dataset, refusal=refusal, card=card,
                           withdrawn=release_service.withdrawn_since(release),
                           latest=release_service.latest_release(release.dataset),
                           terms_accepted=release_service.has_accepted_dataset_terms(viewer, release.dataset),
                           pending=pending_terms(viewer, release_service.release_licences(release)))


@releases.get("/datasets/<slug>/<version>/files/<name>")
def release_file(slug: str, version: str, name: str):
    viewer = current_viewer()
    found = release_service.file_for_download(slug, version, name, viewer, current_app.config["DATA_DIR"])
    response = send_file(found.path, mimetype=found.media_type, as_attachment=True,
                         download_name=f"{slug}-{found.release.version}-{name}", conditional=True, etag=found.sha256,
                         last_modified=found.release.published_at, max_age=86400)
    if starts_a_download() and response.status_code in (200, 206):
        log_download(viewer, "release", release=found.release, channel=current_channel())
    if found.release.dataset.audience == "public" and viewer is None:
        response.headers["Cache-Control"] = "public, max-age=86400, immutable"
    return checksum_headers(response, found.sha256)


@releases.post("/datasets/<slug>/terms")
@login_required
def accept_terms(slug: str):
    release_service.accept_dataset_terms(current_viewer(), slug)
    return redirect(safe_next(request.form.get("next"), url_for("releases.dataset_page", slug=slug)))


# ------------------------------------------------------------------------------------------ curators


def _definition(form) -> release_service.DatasetDefinition:
    return release_service.DatasetDefinition(
        slug=form.get("slug", "").strip(), title=form.get("title", ""), audience=form.get("audience", "public"),
        commercial=form.get("commercial") == "y", collection=form.get("collection") or None,
        filters={key: form.getlist(key) for key in ("kind", "region", "language")}, query=form.get("q", ""),
        licence_ids=form.getlist("licence"), layers=form.getlist("layer"), motivation=form.get("motivation", ""),
        collection_process=form.get("collection_process", ""), known_limits=form.get("known_limits", ""),
        terms=form.get("terms") or None)


@releases.route("/work/datasets", methods=["GET", "POST"])
@login_required
def curate():
    viewer = current_viewer()
    release_service.check_is_curator(viewer)
    errors, status = [], 200
    if request.method == "POST":
        try:
            dataset = release_service.define_dataset(viewer, _definition(request.form))
            return redirect(url_for("releases.dataset_page", slug=dataset.slug))
        except InvalidInput as error:
            errors, status = error.details, 422
    editing = release_service.find_dataset(request.values.get("slug", "")) if request.method == "GET" else None
    return render_template("releases/curate.html", datasets=release_service.list_datasets(published_only=False),
                           errors=errors, form=request.form, editing=editing, kinds=KINDS, regions=REGIONS,
                           languages=LANGUAGES, layers=DATASET_LAYERS,
                           licences=release_service.all_licences()), status


@releases.post("/work/datasets/<slug>/publish")
@login_required
def publish(slug: str):
    config = current_app.config
    job = release_service.request_release(slug, current_viewer())
    run_in_background(current_app._get_current_object(), release_service.run_release_job, job.id,
                      data_dir=config["DATA_DIR"], site_url=config.get("SITE_URL") or request.url_root,
                      site_name=config["SITE_NAME"])
    flash(_("The release is being built; this page shows how far it has come."), "info")
    return redirect(url_for("releases.dataset_page", slug=slug))
