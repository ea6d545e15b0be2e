"""The annotation editor in real headless Chromium: a data worker draws a region on an image with
Annotorious, types a Tifinagh tag on the on-screen keyboard, saves and submits; a reviewer corrects and
approves; the public page then credits both."""
from __future__ import annotations

import re
from typing import Any, Callable

import pytest

from tests.browser.test_pages_in_browser import PICTURE, sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails in CI) with the reason
    expect = None

pytestmark = pytest.mark.browser

TAG = "ⴰⵣⵓⵍ"
CORRECTED = "ⴰⵣⵓⵍ ⵏ ⵜⴰⵣⵔⴱⵉⵜ"


def draw_region(page: Any, start: tuple[float, float], end: tuple[float, float]) -> None:
    """Drag on the editor's image from ``start`` to ``end`` (fractions of its width and height), as a person
    draws a region with Annotorious."""
    image = page.locator("img[data-annotate]")
    expect(image).to_be_visible()
    page.wait_for_function("document.querySelector('img[data-annotate]').complete")
    image.scroll_into_view_if_needed()
    box = image.bounding_box()
    page.mouse.move(box["x"] + box["width"] * start[0], box["y"] + box["height"] * start[1])
    page.mouse.down()
    middle = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
    page.mouse.move(box["x"] + box["width"] * middle[0], box["y"] + box["height"] * middle[1], steps=8)
    page.mouse.move(box["x"] + box["width"] * end[0], box["y"] + box["height"] * end[1], steps=8)
    page.mouse.up()


def test_a_region_drawn_and_tagged_in_tifinagh_is_corrected_by_a_reviewer_and_credited(new_page: Callable[..., Any]) -> None:
    from tests.browser.conftest import REVIEWER_EMAIL, WORKER_EMAIL

    worker = new_page()
    sign_in(worker, WORKER_EMAIL)
    worker.goto(f"/work/items/{PICTURE}")
    worker.locator("[data-annotate-media]").first.click()
    # Away from the demo's own regions (a click on one selects it instead of drawing) and from the
    # on-screen keyboard at the bottom of the window.
    draw_region(worker, (0.55, 0.12), (0.85, 0.4))
    selector = worker.locator("#new-selector")
    expect(selector).to_have_value(re.compile(r"^xywh=\d+,\d+,\d+,\d+$"))
    x, y, w, h = (int(v) for v in selector.input_value()[5:].split(","))
    assert w > 0 and h > 0  # in the image's own pixels, whatever its size on screen

    worker.locator("#new-tag").click()
    keyboard = worker.locator("[data-tifinagh-keyboard]")
    for letter in TAG:
        keyboard.locator(f'[data-key="{letter}"]').click()
    expect(worker.locator("#new-tag")).to_have_value(TAG)
    worker.locator("form[data-new-layer] button[type=submit]").click()
    layer = worker.locator("li[data-layer]", has_text=TAG)
    expect(layer).to_have_attribute("data-status", "draft")
    worker.locator("[data-submit-layers]").click()
    expect(layer).to_have_attribute("data-status", "pending")

    reviewer = new_page()
    sign_in(reviewer, REVIEWER_EMAIL)
    reviewer.goto("/work/review")
    reviewer.locator(".layer-queue li", has_text=TAG).get_by_role("link").click()
    layer = reviewer.locator("li[data-status=pending]", has_text=TAG)
    layer.locator("summary").click()
    layer.locator("input[name=tag]").fill(CORRECTED)
    layer.locator("button[value=correct]").click()
    expect(reviewer.locator("li[data-layer]", has_text=CORRECTED)).to_have_attribute("data-status", "approved")

    visitor = new_page()
    visitor.goto(f"/items/{PICTURE}")
    region = visitor.locator("ul.regions li", has_text=CORRECTED)
    expect(region).to_be_visible()
    expect(region.locator(".layer-credit")).to_contain_text("Amina Aït Ali")
    expect(region.locator(".layer-credit")).to_contain_text("Khadija Bennani")
    credits = visitor.locator("section.credits")
    expect(credits).to_contain_text("Amina Aït Ali")
    expect(credits).to_contain_text("Khadija Bennani")


def test_the_annotation_editor_has_no_serious_accessibility_violations(page: Any, axe: Callable[[Any], list]) -> None:
    from tests.browser.conftest import WORKER_EMAIL

    sign_in(page, WORKER_EMAIL)
    page.goto(f"/work/items/{PICTURE}")
    page.locator("[data-annotate-media]").first.click()
    expect(page.locator("img[data-annotate]")).to_be_visible()
    violations = axe(page)
    assert not violations, "\n".join(f"{v['impact']} {v['id']}: {v['help']}" for v in violations)
