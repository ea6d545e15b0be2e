"""The public pages in real headless Chromium, on the demo archive: the map, facets, the four interface
languages and the Arabic mirror, our Tifinagh font, the audio transcript, print, a phone's width, the
teacher's selection, accessibility (axe-core) and page weight. Fixtures are in conftest.py."""
from __future__ import annotations

import re
from typing import Any, Callable

import pytest

from archive.demo import content

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails in CI) with the reason
    expect = None

pytestmark = pytest.mark.browser

LANGUAGES = ["fr", "ar", "en", "zgh"]
PHONE_WIDTH = 360
MAX_PAGE_WEIGHT = 150 * 1024  # bytes of HTML + CSS + JS for one item page
OWN_BYTES = {"document", "stylesheet", "script"}  # fonts, images and audio are the content's, not the page's


def _public(item: dict[str, Any]) -> bool:
    return item.get("status", "published") == "published" and item.get("access", "public") == "public"


PUBLIC_ITEMS = [item for item in content.ITEMS if _public(item)]
SONG = next(item["id"] for item in PUBLIC_ITEMS
            if item["kind"] == "song" and any(m["path"].endswith(".wav") for m in item.get("media", []))
            and any(str(a.get("section", "")) for a in item.get("annotations", [])))
PICTURE = next(item["id"] for item in PUBLIC_ITEMS if item["kind"] == "craft" and item.get("media"))
RICHEST = max(PUBLIC_ITEMS, key=lambda item: (len(item.get("annotations", [])), len(item.get("media", []))))["id"]


def item_path(public_id: str) -> str:
    return f"/items/{public_id}"


def use_language(page: Any, live_server: Any, code: str) -> None:
    """Choose the interface language without the switcher: set the cookie it sets."""
    page.context.add_cookies([{"name": "twiza_lang", "value": code, "url": live_server.url}])


def cards(page: Any) -> Any:
    return page.locator("section.results ul.cards > li.card")


# ---------------------------------------------------------------------------------------------- home


def test_home_map_has_twelve_region_links_and_a_click_filters_the_list(page: Any) -> None:
    page.goto("/")
    links = page.locator("svg.regions-map a.region-link")
    expect(links).to_have_count(12)
    regions = page.locator("svg.regions-map path.region").evaluate_all("paths => paths.map(p => p.dataset.region)")
    assert len(set(regions)) == 12
    for slug in regions:
        expect(page.locator(f'svg.regions-map a.region-link:has(path[data-region="{slug}"])')).to_have_attribute(
            "href", f"/items?region={slug}")

    counts = {slug: int(page.locator(f'svg.regions-map text.count[data-region="{slug}"]').text_content())
              for slug in regions}
    slug = max(counts, key=counts.get)
    # Click where a visitor would: on the region, at its printed count (which lets clicks through).
    box = page.locator(f'svg.regions-map text.count[data-region="{slug}"]').bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(re.compile(rf"/items\?region={slug}$"))

    selected = page.locator('.facet[data-facet="region"] a[aria-current="true"]')
    expect(selected).to_have_count(1)
    expect(selected).to_have_attribute("data-value", slug)
    expect(cards(page)).to_have_count(counts[slug])


# -------------------------------------------------------------------------------------------- browse


def _click_biggest_unselected(page: Any, facet: str) -> tuple[str, int]:
    values = page.locator(f'.facet[data-facet="{facet}"] a[data-value]:not([aria-current])')
    choices = values.evaluate_all("as => as.map(a => [a.dataset.value, Number(a.dataset.count)])")
    value, count = max(choices, key=lambda vc: vc[1])
    assert count > 0
    page.locator(f'.facet[data-facet="{facet}"] a[data-value="{value}"]').click()
    page.wait_for_load_state()
    return value, count


def test_browse_with_two_facets_applied_by_clicking(page: Any) -> None:
    page.goto("/items")
    kind, kind_count = _click_biggest_unselected(page, "kind")
    expect(page).to_have_url(re.compile(rf"kind={kind}"))
    expect(cards(page)).to_have_count(kind_count)

    region, region_count = _click_biggest_unselected(page, "region")
    expect(page).to_have_url(re.compile(rf"kind={kind}.*region={region}|region={region}.*kind={kind}"))
    assert region_count <= kind_count
    expect(cards(page)).to_have_count(region_count)
    # Both selections are shown, and each one's count is the number of results on the page.
    for facet, value in (("kind", kind), ("region", region)):
        selected = page.locator(f'.facet[data-facet="{facet}"] a[aria-current="true"]')
        expect(selected).to_have_attribute("data-value", value)
        expect(selected).to_have_attribute("data-count", str(region_count))
    expect(page.locator("#results-heading")).to_contain_text(str(region_count))


# ---------------------------------------------------------------------------------------- languages


@pytest.mark.parametrize("code", LANGUAGES)
def test_item_page_in_each_interface_language(new_page: Callable[..., Any], code: str) -> None:
    # Start from a browser that prefers another language, so that the switch is the switcher's doing.
    page = new_page(locale="en-US" if code != "en" else "fr-FR")
    page.goto(item_path(SONG))
    start = page.locator("html").get_attribute("lang")
    assert start != code

    page.locator(f'nav.languages a[hreflang="{code}"]').click()
    page.wait_for_url(re.compile(rf"{item_path(SONG)}\??$"))
    html = page.locator("html")
    expect(html).to_have_attribute("lang", code)
    expect(html).to_have_attribute("dir", "rtl" if code == "ar" else "ltr")
    expect(page.locator(f'nav.languages a[hreflang="{code}"]')).to_have_attribute("aria-current", "true")
    expect(page.locator("article.item h1")).to_be_visible()

    # The choice is remembered: the next page, reached through the menu, is in the same language.
    page.locator("nav.main-nav a").first.click()
    page.wait_for_url(re.compile(r"/items$"))
    expect(html).to_have_attribute("lang", code)
    expect(page.locator(f'nav.languages a[hreflang="{code}"]')).to_have_attribute("aria-current", "true")


def _centre_x(page: Any, selector: str) -> float:
    box = page.locator(selector).bounding_box()
    return box["x"] + box["width"] / 2


def test_arabic_interface_is_mirrored(page: Any) -> None:
    page.goto(item_path(SONG))
    header_width = page.locator("header.site").bounding_box()["width"]
    assert _centre_x(page, "header.site a.brand") < header_width / 2
    assert _centre_x(page, "nav.languages") > header_width / 2

    page.locator('nav.languages a[hreflang="ar"]').click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    # Not only the attribute: the layout itself is flipped.
    assert _centre_x(page, "header.site a.brand") > header_width / 2
    assert _centre_x(page, "nav.languages") < header_width / 2
    heading = page.locator("#credits-h").bounding_box()
    main = page.locator("main").bounding_box()
    assert heading["x"] + heading["width"] > main["x"] + main["width"] * 0.75  # headings start on the right


# --------------------------------------------------------------------------------------------- fonts


@pytest.mark.parametrize("selector", ['header.site .brand span[lang="zgh-Tfng"]', 'article.item h1[lang$="-Tfng"]'],
                         ids=["brand", "item-title"])
def test_tifinagh_is_rendered_with_our_own_font(page: Any, page_log: Any, live_server: Any, selector: str) -> None:
    page.goto(item_path(SONG))
    assert page.evaluate("() => document.fonts.ready.then(() => true)")
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    assert node, f"no element {selector}"
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    text = page.locator(selector).text_content()
    tifinagh = sum(1 for char in text if "\u2d30" <= char <= "\u2d7f")
    assert tifinagh, text
    ours = [f for f in fonts if f["familyName"] == "Noto Sans Tifinagh" and f["isCustomFont"]]
    assert ours and ours[0] is fonts[0], fonts
    # Every Tifinagh letter drawn with our font; any other face may only draw the rest (spaces).
    assert ours[0]["glyphCount"] >= tifinagh, fonts
    assert sum(f["glyphCount"] for f in fonts if f not in ours) <= len(text) - tifinagh, fonts

    font_files = [url for url in page_log.requests if "tifinagh" in url and url.endswith(".woff2")]
    assert font_files, "the Tifinagh font was never requested"
    assert all(url.startswith(f"{live_server.url}/static/vendor/fonts/") for url in font_files), font_files


# --------------------------------------------------------------------------------------------- audio


def test_transcript_segment_seeks_the_player_and_is_highlighted(page: Any) -> None:
    page.goto(item_path(SONG))
    player = "audio[data-player]"
    page.wait_for_function(f"document.querySelector('{player}').readyState >= 1")  # metadata: it can seek
    segments = page.locator("ol.transcript li[data-start]")
    assert segments.count() >= 2
    segment = segments.nth(1)
    start = float(segment.get_attribute("data-start"))
    assert start > 0.3
    page.evaluate(f"""() => {{
        const player = document.querySelector('{player}');
        window.twizaSeeked = new Promise(done => player.addEventListener('seeked', () => done(player.currentTime), {{once: true}}));
    }}""")

    segment.locator("button.seek").click()
    assert abs(page.evaluate("() => window.twizaSeeked") - start) <= 0.3
    expect(segment).to_have_class(re.compile(r"\bactive\b"))
    expect(segment).to_have_attribute("aria-current", "true")
    expect(segments.nth(0)).not_to_have_class(re.compile(r"\bactive\b"))


# --------------------------------------------------------------------------------------------- print


def test_print_view_keeps_attribution_and_licence_and_drops_navigation(page: Any) -> None:
    page.goto(item_path(SONG))
    page.emulate_media(media="print")
    expect(page.locator("section.licence")).to_be_visible()
    expect(page.locator('section.licence a[rel="license"]')).to_be_visible()
    attribution = page.locator("textarea#attribution")
    expect(attribution).to_be_visible()
    assert "Twiza" in attribution.input_value() and item_path(SONG) in attribution.input_value()
    for nav in page.locator("header.site nav").all():
        expect(nav).to_be_hidden()
    buttons = page.locator("button").all()
    assert buttons
    for button in buttons:
        expect(button).to_be_hidden()

    page.emulate_media(media="screen")
    expect(page.locator("header.site nav.main-nav")).to_be_visible()


# ------------------------------------------------------------------------------------- phone width


@pytest.mark.parametrize("language", ["fr", "ar"])
@pytest.mark.parametrize("path", ["/", "/items", item_path(SONG), item_path(PICTURE)],
                         ids=["home", "browse", "item-song", "item-picture"])
def test_no_horizontal_scroll_at_phone_width(new_page: Callable[..., Any], live_server: Any, path: str,
                                             language: str) -> None:
    page = new_page(width=PHONE_WIDTH, height=800)
    use_language(page, live_server, language)
    page.goto(path)
    expect(page.locator("html")).to_have_attribute("lang", language)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width > PHONE_WIDTH + 1:
        wide = page.evaluate("""(limit) => [...document.querySelectorAll('body *:not(.skip)')]
            .filter(e => { const r = e.getBoundingClientRect(); return r.width && (r.right > limit || r.left < -1); })
            .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))""", PHONE_WIDTH + 1)
        pytest.fail(f"{path} is {scroll_width} px wide at {PHONE_WIDTH} px; too wide: {wide}")


# ----------------------------------------------------------------------------------------- selection


def _expect_sheet(page: Any, ids: list[str], live_server: Any) -> None:
    sheet = page.locator("ol.sheet > li.sheet-item")
    expect(sheet).to_have_count(len(ids))
    assert sheet.evaluate_all("lis => lis.map(li => li.dataset.item)") == ids
    for public_id in ids:
        entry = page.locator(f'li.sheet-item[data-item="{public_id}"]')
        expect(entry.locator("h2 a")).to_have_attribute("href", item_path(public_id))
        attribution = entry.locator(".sheet-attribution")
        expect(attribution).to_be_visible()
        expect(attribution).to_contain_text("Twiza")
        expect(attribution).to_contain_text(f"{live_server.url}{item_path(public_id)}")
        expect(entry.locator('.sheet-licence a[rel="license"]')).to_be_visible()


def test_teachers_selection_is_built_opened_and_shared(page: Any, new_page: Callable[..., Any],
                                                       live_server: Any) -> None:
    ids = [SONG, PICTURE]
    for public_id in ids:
        page.goto(item_path(public_id))
        button = page.locator("button.select-toggle")
        expect(button).to_have_attribute("aria-pressed", "false")
        button.click()
        expect(button).to_have_attribute("aria-pressed", "true")
    expect(page.locator("[data-selection-count]")).to_have_text("2")

    # The header link carries the selection from any page, the home page included.
    page.goto("/")
    expect(page.locator("[data-selection-count]")).to_have_text("2")
    page.locator("a[data-selection-link]").click()
    page.wait_for_url(re.compile(r"/selection\?ids="))
    _expect_sheet(page, ids, live_server)

    shared = page.locator("input#share").input_value()
    assert shared == f"{live_server.url}/selection?ids={','.join(ids)}"
    elsewhere = new_page()  # another browser: nothing in its storage
    elsewhere.goto(shared)
    _expect_sheet(elsewhere, ids, live_server)
    expect(elsewhere.locator("[data-selection-count]")).to_have_text("0")


# ---------------------------------------------------------------------------------------------- axe


AXE_PAGES = {
    "home": ("/", "fr"),
    "browse": ("/items", "fr"),
    "browse-filtered": ("/items?kind=craft&region=fes-meknes", "fr"),
    "item-fr": (item_path(SONG), "fr"),
    "item-ar": (item_path(SONG), "ar"),
    "item-picture-ar": (item_path(PICTURE), "ar"),
    "selection": (f"/selection?ids={SONG},{PICTURE}", "fr"),
    "sign-in-ar": ("/sign-in", "ar"),
    "register": ("/register", "fr"),
}


@pytest.mark.parametrize("name", list(AXE_PAGES))
def test_no_serious_accessibility_violations(page: Any, live_server: Any, axe: Callable[[Any], list], name: str) -> None:
    path, language = AXE_PAGES[name]
    use_language(page, live_server, language)
    page.goto(path)
    expect(page.locator("html")).to_have_attribute("lang", language)
    violations = axe(page)
    assert not violations, "\n".join(
        f"{v['impact']} {v['id']}: {v['help']}\n" + "\n".join(f"    {n['target']}: {n['summary']}" for n in v["nodes"][:5])
        for v in violations)


# ------------------------------------------------------------------------------------------- accounts


REGISTERED_ITEM = next(item for item in content.ITEMS if item.get("access") == "registered")


def test_sign_in_opens_registered_items_and_sign_out_closes_them(page: Any, page_log: Any) -> None:
    from tests.browser.conftest import READER_EMAIL, READER_PASSWORD

    title = REGISTERED_ITEM["title"][0]["value"]
    response = page.goto(item_path(REGISTERED_ITEM["id"]))
    assert response.status == 401
    page.get_by_role("main").get_by_role("link", name="Se connecter").click()
    page.get_by_label("Adresse électronique").fill(READER_EMAIL)
    page.get_by_label("Mot de passe").fill(READER_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Se connecter").click()
    # Back on the page asked for, now readable, with the account in the header.
    expect(page).to_have_url(re.compile(re.escape(item_path(REGISTERED_ITEM["id"])) + "$"))
    expect(page.locator("h1")).to_contain_text(title)
    expect(page.locator(".account-nav")).to_contain_text("Nadia Benali")
    page.locator(".account-nav").get_by_role("button", name="Se déconnecter").click()
    assert page.goto(item_path(REGISTERED_ITEM["id"])).status == 401
    expected = f"401 GET {page.url}"
    assert page_log.errors == [expected, expected]  # the two refusals asked for here, nothing else
    page_log.errors.clear()


def sign_in(page: Any, email: str) -> None:
    from tests.browser.conftest import READER_PASSWORD

    page.goto("/sign-in")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(READER_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Se connecter").click()
    expect(page.locator(".account-nav")).to_contain_text("Mon travail")


def test_a_data_worker_writes_a_draft_in_tifinagh_with_the_on_screen_keyboard(page: Any) -> None:
    from tests.browser.conftest import WORKER_EMAIL

    sign_in(page, WORKER_EMAIL)
    page.goto("/work/items/new")
    title = page.locator("#title-0-value")
    page.locator("#title-0-lang").fill("zgh-Tfng")
    expect(title).to_have_attribute("dir", "ltr")
    title.click()
    keyboard = page.locator("[data-tifinagh-keyboard]")
    for letter in "ⴰⵣⵓⵍ":
        keyboard.locator(f'[data-key="{letter}"]').click()
    expect(title).to_have_value("ⴰⵣⵓⵍ")
    # A second title in Arabic-script Darija: a new row, right to left as soon as its tag says so.
    page.locator('fieldset[data-field="title"] [data-add-row]').click()
    page.locator("#title-1-lang").fill("ary-Arab")
    expect(page.locator("#title-1-value")).to_have_attribute("dir", "rtl")
    page.locator("#title-1-value").fill("السلام")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("h1")).to_have_text("ⴰⵣⵓⵍ")
    expect(page.locator("[data-status]")).to_have_text("draft")
    page.get_by_role("button", name="Soumettre à la relecture").click()
    expect(page.locator("[data-status]")).to_have_text("submitted")


def test_the_editor_has_no_serious_accessibility_violations(page: Any, axe: Callable[[Any], list]) -> None:
    from tests.browser.conftest import WORKER_EMAIL

    sign_in(page, WORKER_EMAIL)
    page.goto("/work/items/new")
    violations = axe(page)
    assert not violations, "\n".join(f"{v['impact']} {v['id']}: {v['help']}" for v in violations)


# ------------------------------------------------------------------------------------------- weight


def test_item_page_weight(page: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """The page's own bytes (HTML, CSS, JS), not the content's (fonts, images, audio), stay small."""
    own: list[tuple[str, int]] = []
    page.on("requestfinished", lambda request: request.resource_type in OWN_BYTES and own.append(
        (request.url, len(request.response().body()))))
    page.goto(item_path(RICHEST), wait_until="load")
    page.wait_for_load_state("networkidle")
    kinds = {url.rsplit("/", 1)[-1] or url for url, _ in own}
    assert any(k.startswith(RICHEST) for k in kinds) and "twiza.css" in kinds and "twiza.js" in kinds, kinds
    total = sum(size for _, size in own)
    with capsys.disabled():
        print(f"\nitem page weight ({item_path(RICHEST)}): {total} bytes = {total / 1024:.1f} KB of HTML+CSS+JS "
              f"in {len(own)} responses: " + ", ".join(f"{url.rsplit('/', 1)[-1]} {size}" for url, size in own))
    assert total < MAX_PAGE_WEIGHT
