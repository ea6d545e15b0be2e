"""The first public pages: home, item list, item page, media files; and what they must never show."""
from __future__ import annotations

import re

import pytest

from archive.services.packages import import_package
from tests.conftest import tale


@pytest.fixture
def archive(app, make_package):
    lines = [
        tale(),
        tale("tw-registered", title=[{"value": "Pour les inscrits", "lang": "fr"}], access="registered"),
        tale("tw-draft-0001", title=[{"value": "Brouillon secret", "lang": "fr"}], status="draft"),
        tale("tw-private-01", title=[{"value": "Privé absolu", "lang": "fr"}], access="private"),
        tale("tw-sacred-001", title=[{"value": "Sacré", "lang": "fr"}], labels=["TK-SS"]),
        tale("tw-community", title=[{"value": "Du village", "lang": "fr"}], access="community:fishers-essaouira"),
    ]
    import_package(make_package(lines))


def test_home_counts_only_what_a_visitor_may_see(client, archive):
    page = client.get("/").get_data(as_text=True)
    assert "<strong>1</strong> document publié" in page
    for hidden in ("Pour les inscrits", "Brouillon secret", "Privé absolu", "Sacré", "Du village"):
        assert hidden not in page


def test_item_list_shows_visible_items_with_language_and_direction(client, archive):
    page = client.get("/items").get_data(as_text=True)
    assert '<strong lang="ary-Arab" dir="rtl" class="card-title">حكاية الحوت</strong>' in page
    assert '<span lang="ary-Latn" dir="ltr" class="card-alt">7ekayat l7out</span>' in page
    assert "1 document<" in page
    assert "Brouillon" not in page and "Pour les inscrits" not in page


def test_item_page_sets_lang_and_dir_on_every_value_and_credits_people(client, archive):
    response = client.get("/items/tw-tale-0001")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<h1 lang="ary-Arab" dir="rtl">حكاية الحوت</h1>' in page
    assert '<p lang="fr" dir="ltr" class="alt-title">Le conte du poisson</p>' in page
    assert '<p role="cell" lang="ary-Arab" dir="rtl">كان يا ما كان واحد الصياد</p>' in page
    assert '<p lang="fr" dir="ltr">Il était une fois</p>' in page  # the transcript's translation
    assert re.search(r'<li data-start="0.0" data-end="1.5">\s*<button type="button" class="seek" data-start="0.0"', page)
    assert re.search(r'data-agent="lalla-rqia"><a href="/contributors/lalla-rqia">Lalla Rqia</a> — narrat', page)
    assert re.search(r'data-agent="samir"><a href="/contributors/samir">Samir Oubella</a> — transcript[^,]+, photograph', page)
    assert "Fishers of Essaouira" in page
    assert 'href="http://creativecommons.org/licenses/by/4.0/"' in page
    assert "CC BY 4.0" in page


@pytest.mark.parametrize(
    "public_id, status", [("tw-draft-0001", 404), ("tw-private-01", 404), ("tw-sacred-001", 404),
                          ("tw-registered", 401), ("tw-community", 401), ("no-such-item", 404)]
)
def test_restricted_items_reveal_nothing(client, archive, public_id, status):
    response = client.get(f"/items/{public_id}")
    assert response.status_code == status
    page = response.get_data(as_text=True)
    for hidden in ("Pour les inscrits", "Brouillon secret", "Privé absolu", "Sacré", "Du village"):
        assert hidden not in page


def test_media_of_restricted_items_are_refused(client, app, archive):
    from sqlalchemy import select

    from archive.db import db
    from archive.models import Item, Media

    public_media = db.session.scalar(select(Media.public_id).join(Item).where(Item.public_id == "tw-tale-0001", Media.kind == "audio"))
    draft_media = db.session.scalar(select(Media.public_id).join(Item).where(Item.public_id == "tw-draft-0001"))
    assert client.get(f"/media/{public_media}").status_code == 200
    assert client.get(f"/media/{draft_media}").status_code == 404


def test_media_support_range_requests_and_etags(client, archive):
    from sqlalchemy import select

    from archive.db import db
    from archive.models import Media

    media = db.session.scalar(select(Media).where(Media.kind == "audio"))
    whole = client.get(f"/media/{media.public_id}")
    assert whole.headers["Content-Type"] == "audio/wav" and whole.headers["ETag"] == f'"{media.sha256}"'
    part = client.get(f"/media/{media.public_id}", headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and len(part.data) == 100 and part.data == whole.data[:100]
    beyond = client.get(f"/media/{media.public_id}", headers={"Range": f"bytes={len(whole.data) + 10}-"})
    assert beyond.status_code == 416
    assert client.get(f"/media/{media.public_id}", headers={"If-None-Match": f'"{media.sha256}"'}).status_code == 304


@pytest.mark.parametrize("query", ["page=0", "page=abc", "page=-3", "kind=saga"])
def test_bad_parameters_give_a_400_page_not_a_500(client, archive, query):
    response = client.get(f"/items?{query}")
    assert response.status_code == 400
    assert "Erreur 400" in response.get_data(as_text=True)


def test_errors_answer_json_to_api_clients(client, archive):
    response = client.get("/items/nothing-here", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.json["message"] == "No such item."


def test_pagination(client, app, make_package):
    import_package(make_package([tale(f"tw-many-{n:04d}", annotations=[], media=[]) for n in range(30)], files={}))
    first = client.get("/items").get_data(as_text=True)
    second = client.get("/items?page=2").get_data(as_text=True)
    assert "30 documents" in first and "page 1 / 2" in first and "page 2 / 2" in second
    assert first.count('class="card"') == 24 and second.count('class="card"') == 6


def test_pages_carry_an_etag_and_answer_304_when_unchanged(client, archive):
    first = client.get("/items/tw-tale-0001")
    assert first.headers["ETag"] and "Accept-Language" in first.headers["Vary"]
    again = client.get("/items/tw-tale-0001", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


@pytest.mark.parametrize("accept, lang, dir_, word", [("ar", "ar", "rtl", "تصفَّح"), ("en-GB,en;q=0.8", "en", "ltr", "Browse"),
                                                   ("zgh", "zgh", "ltr", None), ("de", "fr", "ltr", "Parcourir")])
def test_the_interface_language_follows_the_browser_then_the_switcher(client, archive, accept, lang, dir_, word):
    page = client.get("/items", headers={"Accept-Language": accept}).get_data(as_text=True)
    assert f'<html lang="{lang}" dir="{dir_}">' in page
    if word:
        assert word in page
    switched = client.get("/language/ar?next=/items", headers={"Accept-Language": accept})
    assert switched.status_code == 302 and switched.headers["Location"] == "/items"
    assert '<html lang="ar" dir="rtl">' in client.get("/items", headers={"Accept-Language": accept}).get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil"])
def test_the_language_switcher_never_redirects_off_site(client, target):
    response = client.get("/language/en", query_string={"next": target})
    assert response.headers["Location"] == "/"


def test_error_pages_speak_the_visitors_language(client, archive):
    page = client.get("/items/none-such", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page and "404" in page


def test_citations_download_in_three_formats(client, archive):
    bib = client.get("/items/tw-tale-0001/cite.bib")
    assert bib.status_code == 200 and "@misc{tw-tale-0001" in bib.get_data(as_text=True)
    assert 'filename="twiza-tw-tale-0001.bib"' in bib.headers["Content-Disposition"]
    ris = client.get("/items/tw-tale-0001/cite.ris").get_data(as_text=True)
    assert ris.startswith("TY  - ") and "AU  - Lalla Rqia" in ris
    csl = client.get("/items/tw-tale-0001/cite.csl.json").json
    assert csl[0]["id"] == "tw-tale-0001" and {"literal": "Lalla Rqia"} in csl[0]["author"]
    assert client.get("/items/tw-draft-0001/cite.bib").status_code == 404


def test_the_selection_shows_only_visible_items_in_the_given_order(client, archive):
    page = client.get("/selection?ids=tw-draft-0001,tw-tale-0001,tw-private-01").get_data(as_text=True)
    assert 'data-item="tw-tale-0001"' in page
    assert "Brouillon secret" not in page and "Privé absolu" not in page
    assert client.get("/selection?ids=../etc/passwd").status_code == 400


def test_attribution_and_credits_leave_out_who_withdrew_consent(client, app, make_package):
    agents = [{"id": "kh-withdrawn", "name": "Moha Withdrawn", "kind": "person",
               "consent": {"given": "2020-01-01", "withdrawn": "2024-01-01"}}]
    line = tale(contributors=[{"name": "Lalla Rqia", "role": "nrt"}, {"name": "Moha Withdrawn", "role": "sng", "id": "kh-withdrawn"},
                              {"name": "Samir Oubella", "role": "trc", "id": "samir"}])
    import_package(make_package([line], agents=agents))
    page = client.get("/items/tw-tale-0001").get_data(as_text=True)
    attribution = re.search(r'<textarea id="attribution"[^>]*>([^<]*)</textarea>', page).group(1)
    assert "Lalla Rqia" in attribution and "Samir Oubella" in attribution and "CC BY 4.0" in attribution
    assert "Moha" not in page and "kh-withdrawn" not in page


def test_related_items_never_include_hidden_ones(client, archive):
    page = client.get("/items/tw-tale-0001").get_data(as_text=True)
    for hidden in ("Pour les inscrits", "Brouillon secret", "Privé absolu", "Sacré", "Du village"):
        assert hidden not in page


def test_arabic_plurals_use_their_own_forms(client, app, make_package):
    import_package(make_package([tale(f"tw-plural-{n:04d}", media=[], annotations=[]) for n in range(5)], files={}))
    page = client.get("/items", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert "5 وثائق" in page


def test_a_client_accepting_anything_gets_the_error_page_and_json_clients_get_json(client, archive):
    page = client.get("/items/tw-draft-0001", headers={"Accept": "*/*"})
    assert page.status_code == 404 and page.mimetype == "text/html"
    data = client.get("/items/tw-draft-0001", headers={"Accept": "application/json"})
    assert data.status_code == 404 and data.json["status"] == 404
