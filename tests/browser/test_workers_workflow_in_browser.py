"""The issue's "done when", tried as a new user would, through the real pages in headless Chromium.

A curator keeps a vocabulary of motifs and invites a data worker (the invitation link comes from the mail,
which goes to the log when no SMTP server is set); the worker accepts, creates an item, uploads a recording
and a picture, transcribes and translates the recording in time-coded segments with the player's "Mark
start" and "Mark end" buttons, tags a region of the picture with a vocabulary term, submits everything; a
certified reviewer corrects the translation, approves the other layers and publishes the item. The public
page, the IIIF manifest and annotation pages, the BagIt bundle and the full export then credit each person
for their own layer: the worker as transcriber, translator and annotator, the reviewer as reviewer and, for
the layer she corrected, as its translator too.
"""
from __future__ import annotations

import io
import json
import logging
import re
import wave
import zipfile
from pathlib import Path
from typing import Any, Callable

import pytest
from PIL import Image, ImageDraw

from tests.browser.test_layers_in_browser import draw_region
from tests.browser.test_pages_in_browser import sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails in CI) with the reason
    expect = None

pytestmark = pytest.mark.browser

NEW_WORKER_EMAIL = "youssef.worker@example.org"
NEW_WORKER_NAME = "Youssef Amrani"
NEW_WORKER_PASSWORD = "a long new worker password"
REVIEWER_NAME = "Khadija Bennani"
TITLE = "Ahidous n Ayt Hdiddou"
TRANSCRIPTION = "ⴰⵀⵉⴷⵓⵙ ⵏ ⵉⵎⵏⵙⵉ"
TRANSLATION = "La danse du soir"
CORRECTED = "L'ahidous du soir"
TERM_LABEL = "ⴰⵎⵙⴽⵓⵍ"
SECONDS = 4


def _recording() -> bytes:
    """Four seconds of a quiet tone, 8 kHz mono PCM: a WAV any browser plays."""
    import math

    frames = b"".join(int(3000 * math.sin(2 * math.pi * 440 * n / 8000)).to_bytes(2, "little", signed=True)
                      for n in range(8000 * SECONDS))
    out = io.BytesIO()
    with wave.open(out, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(8000)
        sound.writeframes(frames)
    return out.getvalue()


def _picture() -> bytes:
    image = Image.new("RGB", (640, 480), (236, 224, 200))
    draw = ImageDraw.Draw(image)
    for x in range(40, 640, 80):
        draw.polygon([(x, 240), (x + 40, 180), (x + 80, 240), (x + 40, 300)], outline=(120, 40, 30), width=6)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


class _MailLog(logging.Handler):
    """The mails the live server wrote to its log (it has no SMTP server), as a person reads them there."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("Mail not sent"):
            self.messages.append(record.getMessage())


@pytest.fixture
def mail_log(live_server: Any):
    handler = _MailLog()
    live_server.app.logger.addHandler(handler)
    yield handler
    live_server.app.logger.removeHandler(handler)


def _seek(page: Any, seconds: float) -> None:
    """Move the player to ``seconds`` as a person dragging its cursor does, and wait until it is there."""
    page.wait_for_function("document.querySelector('[data-layer-player]').readyState >= 1")
    page.evaluate("""(t) => new Promise((done) => {
        const player = document.querySelector('[data-layer-player]');
        player.addEventListener('seeked', () => done(), {once: true});
        player.currentTime = t;
    })""", seconds)


def _new_layer(page: Any, *, text: str, lang: str) -> None:
    form = page.locator("form[data-new-layer]")
    form.locator("#new-motivation").select_option("supplementing")
    form.locator("#new-body-value").fill(text)
    form.locator("#new-body-lang").fill(lang)
    form.locator("button[type=submit]").click()
    expect(page.locator("li[data-layer]", has_text=text)).to_have_attribute("data-status", "draft")


def test_a_new_worker_invited_by_a_curator_is_credited_with_the_reviewer_everywhere(
        new_page: Callable[..., Any], live_server: Any, mail_log: _MailLog, tmp_path: Path) -> None:
    from tests.browser.conftest import CURATOR_EMAIL, REVIEWER_EMAIL

    # -- the curator keeps a vocabulary of motifs and invites a data worker
    curator = new_page()
    sign_in(curator, CURATOR_EMAIL)
    curator.goto("/work/vocabularies")
    new_vocabulary = curator.locator("form", has=curator.locator("#new-slug"))
    new_vocabulary.locator("#new-slug").fill("motifs-e2e")
    new_vocabulary.locator("#new-label-1").fill("ⵉⵎⵙⴽⴰⵍ")
    new_vocabulary.locator("#new-label-3").fill("Motifs")
    new_vocabulary.locator("button[type=submit]").click()
    vocabulary = curator.locator("section[data-vocabulary=motifs-e2e]")
    expect(vocabulary).to_be_visible()
    vocabulary.locator("#motifs-e2e-slug").fill("losange")
    vocabulary.locator("#motifs-e2e-label-1").fill(TERM_LABEL)
    vocabulary.locator("#motifs-e2e-label-3").fill("losange")
    vocabulary.locator("button[type=submit]").click()
    expect(curator.locator("section[data-vocabulary=motifs-e2e] li[data-term=losange]")).to_contain_text(TERM_LABEL)

    curator.goto("/manage/invitations")
    curator.locator("#email").fill(NEW_WORKER_EMAIL)
    curator.locator("#roles").select_option("data_worker")
    curator.get_by_role("main").locator("form.account-form button[type=submit]").click()
    expect(curator.get_by_role("status")).to_be_visible()
    [mail] = [m for m in mail_log.messages if NEW_WORKER_EMAIL in m]
    [link] = re.findall(r"https?://\S+/invitations/\S+", mail)
    assert link.startswith(live_server.url)

    # -- the worker accepts the invitation: a new account, signed in
    worker = new_page()
    worker.goto(link)
    worker.locator("#display_name").fill(NEW_WORKER_NAME)
    worker.locator("#password").fill(NEW_WORKER_PASSWORD)
    worker.locator("#confirm").fill(NEW_WORKER_PASSWORD)
    worker.get_by_role("main").locator("button[type=submit]").click()
    expect(worker.locator(".account-nav")).to_contain_text("Mon travail")

    # -- creates an item and uploads a recording and a picture
    worker.goto("/work/items/new")
    worker.locator("#kind").select_option("song")
    worker.locator("#title-0-lang").fill("zgh-Latn")
    worker.locator("#title-0-value").fill(TITLE)
    worker.locator("#languages").select_option(["zgh-Tfng"])
    worker.locator("#region").select_option("draa-tafilalet")
    worker.locator("#license").select_option("CC-BY-4.0")
    worker.locator("form.item-editor button[type=submit]").click()
    expect(worker.locator("h1")).to_contain_text(TITLE)
    item_path = urlpath(worker.url)
    item_id = item_path.rstrip("/").rsplit("/", 1)[-1]
    for name, mime, payload, label in (("ahidous.wav", "audio/wav", _recording(), "Enregistrement"),
                                       ("tapis.png", "image/png", _picture(), "Tapis")):
        worker.locator("#file").set_input_files({"name": name, "mimeType": mime, "buffer": payload})
        worker.locator("#label").fill(label)
        worker.locator("#uploader_is_creator, input[name=uploader_is_creator]").first.check()
        worker.locator("section.upload button[type=submit]").click()
        expect(worker.locator("[data-annotate-media]", has_text=label)).to_be_visible()

    # -- transcribes and translates the recording, segment by segment, marking on the player
    worker.locator("[data-annotate-media]", has_text="Enregistrement").click()
    expect(worker.locator("[data-marks]")).to_be_visible()
    for text, lang in ((TRANSCRIPTION, "zgh-Tfng"), (TRANSLATION, "fr")):
        _seek(worker, 0.5)
        worker.locator("[data-mark=start]").click()
        _seek(worker, 2.25)
        worker.locator("[data-mark=end]").click()
        expect(worker.locator("#new-selector")).to_have_value("t=0.5,2.25")
        _new_layer(worker, text=text, lang=lang)
    worker.locator("[data-submit-layers]").click()
    for text in (TRANSCRIPTION, TRANSLATION):
        expect(worker.locator("li[data-layer]", has_text=text)).to_have_attribute("data-status", "pending")
        expect(worker.locator("li[data-layer]", has_text=text).locator(".selector")).to_have_text("t=0.5,2.25")

    # -- tags a region of the picture with the vocabulary's term
    worker.goto(item_path)
    worker.locator("[data-annotate-media]", has_text="Tapis").click()
    draw_region(worker, (0.2, 0.3), (0.5, 0.6))
    expect(worker.locator("#new-selector")).to_have_value(re.compile(r"^xywh=\d+,\d+,\d+,\d+$"))
    worker.locator("#new-term").select_option(label=f"{TERM_LABEL} · losange")
    worker.locator("form[data-new-layer] button[type=submit]").click()
    tag = worker.locator("li[data-layer]", has_text=TERM_LABEL)
    expect(tag).to_have_attribute("data-status", "draft")
    worker.locator("[data-submit-layers]").click()
    expect(tag).to_have_attribute("data-status", "pending")

    # -- and submits the item for review
    worker.goto(item_path)
    worker.locator("button[name=action][value=submit]").click()
    expect(worker.locator("[data-status]").first).to_have_attribute("data-status", "submitted")

    # -- a certified reviewer corrects the translation, approves the rest and publishes the item
    reviewer = new_page()
    sign_in(reviewer, REVIEWER_EMAIL)
    reviewer.goto("/work/review")
    reviewer.locator(".layer-queue li", has_text=TRANSLATION).get_by_role("link").first.click()
    translation = reviewer.locator("li[data-status=pending]", has_text=TRANSLATION)
    translation.locator("summary").click()
    translation.locator("textarea[name=body_value]").fill(CORRECTED)
    translation.locator("button[value=correct]").click()
    expect(reviewer.locator("li[data-layer]", has_text=CORRECTED)).to_have_attribute("data-status", "approved")
    transcription = reviewer.locator("li[data-status=pending]", has_text=TRANSCRIPTION)
    transcription.locator("summary").click()
    transcription.locator("button[value=approve]").click()
    expect(reviewer.locator("li[data-layer]", has_text=TRANSCRIPTION)).to_have_attribute("data-status", "approved")
    reviewer.goto("/work/review")
    reviewer.locator(".layer-queue li", has_text=TERM_LABEL).get_by_role("link").first.click()
    tag = reviewer.locator("li[data-status=pending]", has_text=TERM_LABEL)
    tag.locator("summary").click()
    tag.locator("button[value=approve]").click()
    expect(reviewer.locator("li[data-layer]", has_text=TERM_LABEL)).to_have_attribute("data-status", "approved")
    reviewer.goto(item_path)
    reviewer.locator("button[name=action][value=approve]").click()
    expect(reviewer.locator("[data-status]").first).to_have_attribute("data-status", "published")

    # -- the public page credits each person for their own layer
    visitor = new_page()
    visitor.goto(f"/items/{item_id}")
    segment = visitor.locator("ol.transcript li")
    expect(segment).to_have_count(1)
    transcribed = segment.locator(".segment-credit").nth(0)
    translated = segment.locator(".segment-credit").nth(1)
    expect(segment).to_contain_text(TRANSCRIPTION)
    expect(segment).to_contain_text(CORRECTED)
    expect(transcribed).to_contain_text(f"{NEW_WORKER_NAME} (transcripteur")
    expect(transcribed).to_contain_text(f"{REVIEWER_NAME} (relecteur")
    expect(translated).to_contain_text(f"{NEW_WORKER_NAME} (traducteur")
    expect(translated).to_contain_text(re.compile(re.escape(REVIEWER_NAME) + r" \(traducteur, relecteur"))
    region = visitor.locator("ul.regions li", has_text=TERM_LABEL)
    expect(region.locator(".layer-credit")).to_contain_text(f"{NEW_WORKER_NAME} (annotateur")
    expect(region.locator(".layer-credit")).to_contain_text(f"{REVIEWER_NAME} (relecteur")
    expect(visitor.locator("section.credits")).to_contain_text(NEW_WORKER_NAME)
    expect(visitor.locator("section.credits")).to_contain_text(REVIEWER_NAME)

    # -- so do the IIIF manifest and its annotation pages
    manifest = visitor.request.get(f"/iiif/3/{item_id}/manifest").json()
    labels = _annotation_labels(visitor, manifest)
    captions = _captions(visitor, manifest)
    assert set(captions) == {"zgh-Tfng", "fr"}
    assert "00:00:00.500 --> 00:00:02.250" in captions["fr"] and CORRECTED in captions["fr"]
    assert TRANSCRIPTION in captions["zgh-Tfng"]
    assert labels[TRANSCRIPTION] == {"creator": [NEW_WORKER_NAME],
                                     "label": f"{NEW_WORKER_NAME} (transcriber); {REVIEWER_NAME} (reviewer)"}
    assert labels[CORRECTED] == {"creator": [NEW_WORKER_NAME, REVIEWER_NAME],
                                 "label": f"{NEW_WORKER_NAME} (translator); {REVIEWER_NAME} (translator, reviewer)"}
    assert labels[TERM_LABEL] == {"creator": [NEW_WORKER_NAME],
                                  "label": f"{NEW_WORKER_NAME} (annotator); {REVIEWER_NAME} (reviewer)"}

    # -- and the BagIt bundle a visitor downloads
    bundle = visitor.request.get(f"/items/{item_id}/download.zip")
    assert bundle.status == 200
    with zipfile.ZipFile(io.BytesIO(bundle.body())) as bag:
        names = {Path(name).name: name for name in bag.namelist()}
        attribution = bag.read(names["ATTRIBUTION.txt"]).decode()
        annotations = json.loads(bag.read(names["annotations.json"]))
    assert NEW_WORKER_NAME in attribution and REVIEWER_NAME in attribution
    bundled = {_body_text(a): a for a in _annotation_items(annotations)}
    assert {c["name"] for c in _as_list(bundled[CORRECTED]["creator"])} == {NEW_WORKER_NAME, REVIEWER_NAME}
    assert _as_list(bundled[TRANSCRIPTION]["creator"])[0]["name"] == NEW_WORKER_NAME

    # -- and the archive's full export, layer by layer
    from archive.services.packages import export_package

    with live_server.app.app_context():
        export_package(tmp_path / "export")
    [record] = [json.loads(line) for line in (tmp_path / "export" / "items.jsonl").read_text().splitlines()
                if json.loads(line)["id"] == item_id]
    credits = {(a.get("body") or {}).get("value") or a.get("tag"): sorted((c["name"], c["role"]) for c in a["contributors"])
               for a in record["annotations"]}
    assert credits == {
        TRANSCRIPTION: [(REVIEWER_NAME, "rev"), (NEW_WORKER_NAME, "trc")],
        CORRECTED: [(REVIEWER_NAME, "rev"), (REVIEWER_NAME, "trl"), (NEW_WORKER_NAME, "trl")],
        TERM_LABEL: [(REVIEWER_NAME, "rev"), (NEW_WORKER_NAME, "ann")],
    }
    assert {a["status"] for a in record["annotations"]} == {"approved"}
    assert all(a["creator"]["name"] == NEW_WORKER_NAME and a["reviewer"]["name"] == REVIEWER_NAME
               for a in record["annotations"])


def urlpath(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).path


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _captions(page: Any, manifest: dict[str, Any]) -> dict[str, str]:
    """The WebVTT captions the manifest offers for its recordings, by language."""
    return {annotation["body"]["language"]: page.request.get(annotation["body"]["id"]).text()
            for canvas in manifest["items"] for reference in canvas.get("annotations", [])
            if reference["id"].endswith("/captions") for annotation in reference["items"]}


def _body_text(annotation: dict[str, Any]) -> str:
    bodies = _as_list(annotation.get("body") or [])
    return next(b["value"] for b in bodies if "value" in b)


def _annotation_items(document: Any) -> list[dict[str, Any]]:
    """Every W3C annotation in a JSON document (a page, a list of pages, a collection ...)."""
    found: list[dict[str, Any]] = []
    if isinstance(document, dict):
        if document.get("type") == "Annotation":
            return [document]
        for value in document.values():
            found += _annotation_items(value)
    elif isinstance(document, list):
        for value in document:
            found += _annotation_items(value)
    return found


def _annotation_labels(page: Any, manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each annotation of the manifest's annotation pages (fetched as a IIIF client does), by its text:
    its creators' names and its credit label."""
    found = {}
    for canvas in manifest["items"]:
        for reference in canvas.get("annotations", []):
            if reference["id"].endswith("/captions"):  # WebVTT files of the same layers: see _captions
                continue
            annotation_page = reference if reference.get("items") else page.request.get(reference["id"]).json()
            for annotation in _annotation_items(annotation_page):
                found[_body_text(annotation)] = {
                    "creator": [c["name"] for c in _as_list(annotation.get("creator", []))],
                    "label": annotation.get("label", {}).get("en", [""])[0],
                }
    return found
