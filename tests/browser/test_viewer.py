"""The IIIF viewer on an item page, in real headless Chromium: Mirador (from npm, served by the archive) is
fetched only when the visitor opens it, loads the item's manifest and annotations, asks our own server for
the image (tiles from our IIIF Image API service when the manifest declares one) and shows the region
annotation; nothing is asked of another host (checked by the page fixtures at teardown). Without
JavaScript the page's own responsive images show the media and the viewer stays out of the way."""
from __future__ import annotations

import json
import re
import urllib.request
from typing import Any, Callable

import pytest

from archive.demo import content

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails in CI) with the reason
    expect = None

pytestmark = pytest.mark.browser

REGION_ITEM = "terz-fassi"  # an embroidery picture with approved region tags
REGION_TAG = "losange à branches"
TILE = re.compile(r"/(full|\d+,\d+,\d+,\d+)/(max|\d*,\d*|\^?!?\d+,\d+|pct:[\d.]+)/0/default\.(jpg|png|webp)$")


def _demo_item(public_id: str) -> dict[str, Any]:
    return next(item for item in content.ITEMS if item["id"] == public_id)


def _requested(page: Any, log: Any, predicate: Callable[[str], bool], what: str) -> list[str]:
    """The requests so far that satisfy ``predicate``, waiting up to 20 s for a first one."""
    for _ in range(100):
        found = [url for url in log.requests if predicate(url)]
        if found:
            return found
        page.wait_for_timeout(200)
    raise AssertionError(f"the viewer never asked for {what}; it asked for: {log.requests}")


def test_the_demo_item_has_the_region_this_test_looks_for() -> None:
    tags = [a.get("tag") for a in _demo_item(REGION_ITEM)["annotations"] if a.get("box")]
    assert REGION_TAG in tags


def test_viewer_loads_the_manifest_our_images_and_the_region_annotation(page: Any, page_log: Any, live_server: Any) -> None:
    page.goto(f"/items/{REGION_ITEM}")
    page.wait_for_load_state("networkidle")
    assert not any("mirador" in url for url in page_log.requests), "Mirador must wait until the viewer is opened"
    page.locator("section.viewer button.open-viewer").click()

    manifest_url = live_server(f"/iiif/3/{REGION_ITEM}/manifest")
    _requested(page, page_log, lambda url: url == manifest_url, "the manifest")
    _requested(page, page_log, lambda url: f"/iiif/3/{REGION_ITEM}/annotations/" in url, "the annotation page")
    expect(page.locator("#iiif-viewer")).to_contain_text(REGION_TAG, timeout=20_000)

    with urllib.request.urlopen(manifest_url) as response:
        manifest = json.load(response)
    body = manifest["items"][0]["items"][0]["items"][0]["body"]
    services = [s["id"] for s in body.get("service", []) if s.get("type") == "ImageService3"]
    if services:  # the image service is there: the viewer asks it for tiles
        tiles = _requested(page, page_log, lambda url: any(url.startswith(s + "/") and TILE.search(url) for s in services),
                           "tiles from the image service")
        assert all(urllib.parse.urlsplit(t).path.startswith("/iiif/3/image/") for t in tiles)
    else:  # no image service declared: the viewer shows the image the manifest names, from our server
        _requested(page, page_log, lambda url: url == body["id"], f"the image {body['id']}")
    expect(page.locator("#iiif-viewer canvas").first).to_be_visible()


def test_viewer_plays_a_recording_and_lists_its_time_coded_transcription(page: Any, page_log: Any, live_server: Any) -> None:
    recording = next(item for item in content.ITEMS if item.get("status", "published") == "published"
                     and item.get("access", "public") == "public"
                     and any(str(m.get("path", "")).endswith(".wav") for m in item.get("media", []))
                     and any(a.get("motivation") == "supplementing" for a in item.get("annotations", [])))
    line = next(a["body"]["value"] for a in recording["annotations"] if a.get("motivation") == "supplementing")
    page.goto(f"/items/{recording['id']}")
    page.locator("section.viewer button.open-viewer").click()
    viewer = page.locator("#iiif-viewer")
    expect(viewer.locator("audio")).to_have_count(1, timeout=20_000)
    expect(viewer).to_contain_text(line.split("\n")[0].strip(), timeout=20_000)
    for error_panel in ("Une erreur est survenue", "An error occurred"):  # Mirador's error panel, fr or en
        expect(viewer).not_to_contain_text(error_panel)
    _requested(page, page_log, lambda url: url.endswith(".wav") or "/media/" in url, "the recording")


def test_item_pages_without_pictures_or_recordings_have_no_viewer(page: Any, page_log: Any) -> None:
    textual = next(item["id"] for item in content.ITEMS if not item.get("media")
                   and item.get("status", "published") == "published" and item.get("access", "public") == "public")
    page.goto(f"/items/{textual}")
    expect(page.locator("section.viewer")).to_have_count(0)
    assert not any("viewer.js" in url or "mirador" in url for url in page_log.requests)


def test_without_javascript_the_responsive_images_show_and_no_viewer(browser: Any, live_server: Any) -> None:
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto(f"/items/{REGION_ITEM}")
        picture = page.locator("figure.media-image img").first
        expect(picture).to_be_visible()
        assert picture.get_attribute("srcset")
        assert picture.evaluate("img => img.complete && img.naturalWidth > 0")
        expect(page.locator("section.viewer")).to_be_hidden()
        assert not any("mirador" in url for url in requested)
    finally:
        context.close()


SEARCH_ITEM = "ahwash-tafraout-1998"  # a song whose recording has an approved, time-coded transcription


def test_the_viewer_searches_the_transcription(page: Any, page_log: Any, live_server: Any) -> None:
    # Mirador 4 offers its search panel for a Content Search 1.0 service (the manifest declares 1.0 beside 2.0).
    line = next(a["body"]["value"] for a in _demo_item(SEARCH_ITEM)["annotations"]
                if a.get("motivation") == "supplementing" and a.get("status", "approved") == "approved")
    word = max(re.findall(r"\w+", line), key=len)
    page.goto(f"/items/{SEARCH_ITEM}")
    page.locator("section.viewer button.open-viewer").click()
    viewer = page.locator("#iiif-viewer")
    viewer.get_by_role("tab", name="Rechercher").click()  # Mirador speaks the page's language (fr)
    field = viewer.get_by_role("combobox")
    field.fill(word)
    field.press("Enter")
    search_url = live_server(f"/iiif/3/{SEARCH_ITEM}/search/1?q={word}")
    _requested(page, page_log, lambda url: url == search_url, "the Content Search 1.0 service")
    # The hit: the recording's canvas, and the matched word in bold within its line.
    hit = viewer.locator("li").filter(has=page.locator("strong", has_text=word)).first
    expect(hit).to_be_visible(timeout=20_000)
    expect(hit.locator("strong")).to_have_text(word)
    label = next(v["value"] for v in _demo_item(SEARCH_ITEM)["media"][0]["label"] if v["lang"] == "fr")
    expect(hit).to_contain_text(label)
    expect(hit).to_contain_text(line.split(word)[1].split()[0].strip(",. "))  # the text that follows the word


def test_every_public_demo_item_opens_in_the_viewer(page: Any, page_log: Any) -> None:
    """Pictures and recordings alike: Mirador shows each one, without its error panel."""
    shown = [item for item in content.ITEMS if item.get("media") and item.get("status", "published") == "published"
             and item.get("access", "public") == "public"]
    assert any(m["path"].endswith(".wav") for item in shown for m in item["media"])
    for item in shown:
        page.goto(f"/items/{item['id']}")
        page.locator("section.viewer button.open-viewer").click()
        viewer = page.locator("#iiif-viewer")
        recording = item["media"][0]["path"].endswith(".wav")
        expect(viewer.locator("audio" if recording else "canvas").first).to_be_attached(timeout=20_000)
        expect(viewer.get_by_role("tab", name="Rechercher")).to_be_visible()
        expect(viewer).not_to_contain_text("Une erreur est survenue")  # Mirador's error panel (fr)
