"""Collections and contributors: ordered, counted over visible items only, and every agent shown under
the name they chose (anonymous and withdrawn agents nowhere, a pseudonymous agent never by their name).

The interface defaults to French and its catalogs are written in parallel, so these tests read ids,
data attributes, names and structure, not interface wording.
"""
from __future__ import annotations

import re

import pytest

from archive.db import db
from archive.errors import InvalidQuery, NotFound
from archive.models import Agent, Contribution, Item
from archive.presenters import item_credits
from archive.services.collections import get_collection, list_collections
from archive.services.contributors import get_contributor, list_contributors
from archive.services.items import get_item
from archive.services.packages import import_package
from tests.conftest import tale

SAMIR = {"name": "Samir Oubella", "id": "samir"}
PSEUDONYMOUS = {"name": "Fadma Ouhammou", "id": "tislit"}  # credited as "Tislit n Wuzal"
ANONYMOUS = {"name": "Hassan Bennani", "id": "anon-1"}
WITHDRAWN = {"name": "Zineb Elalami", "id": "withdrawn-1"}
WITHHELD_NAMES = ("Fadma Ouhammou", "Hassan Bennani", "Zineb Elalami")
HIDDEN_WORDS = ("Brouillon secret", "Privé absolu", "Sacré", "Pour les inscrits", "Boîte secrète")
COASTAL_ORDER = ["tw-tale-0003", "tw-draft-001", "tw-tale-0001", "tw-reg-00001", "tw-tale-0002", "tw-priv-0001",
                 "tw-sacred-01"]

AGENTS = [
    {**SAMIR, "kind": "person", "region": "marrakech-safi", "consent": {"given": "2023-03-01"},
     "bio": [{"value": "Transcripteur à Essaouira.", "lang": "fr"}, {"value": "كيكتب الحكايات", "lang": "ary-Arab"}]},
    {**PSEUDONYMOUS, "kind": "person", "pseudonym": "Tislit n Wuzal", "credit_as": "pseudonym"},
    {**ANONYMOUS, "kind": "person", "credit_as": "anonymous"},
    {**WITHDRAWN, "kind": "person", "consent": {"given": "2020-01-01", "withdrawn": "2024-05-01"}},
    {"id": "fishers-essaouira", "name": "Fishers of Essaouira", "kind": "community"},
]
COLLECTIONS = [
    {"slug": "coastal-tales", "title": [{"value": "Contes de la côte", "lang": "fr"}, {"value": "حكايات الساحل", "lang": "ary-Arab"}],
     "description": [{"value": "Des contes de pêcheurs.", "lang": "fr"}], "items": COASTAL_ORDER},
    {"slug": "atlas-songs", "title": [{"value": "Chants de l'Atlas", "lang": "fr"}, {"value": "ⵉⵣⵍⴰⵏ", "lang": "zgh-Tfng"}]},
    {"slug": "secret-box", "title": [{"value": "Boîte secrète", "lang": "fr"}]},
]


def _supplement(value: str, lang: str, creator: dict | None = None, **extra) -> dict:
    line = {"media": 0, "motivation": "supplementing", "selector": "t=0,1.5", "body": {"value": value, "lang": lang}}
    if creator:
        line["creator"] = creator
    return {**line, **extra}


@pytest.fixture
def archive(app, make_package):
    lines = [
        # Samir: trc (credited) + trc (annotation) + pht; Lalla Rqia: nrt.
        tale(),
        tale("tw-tale-0002", title=[{"value": "Le chameau", "lang": "fr"}],
             contributors=[{**PSEUDONYMOUS, "role": "nrt"}, {**ANONYMOUS, "role": "sng"}, {**WITHDRAWN, "role": "col"}],
             annotations=[
                 _supplement("Il était une fois", "fr", SAMIR, reviewer=PSEUDONYMOUS),  # Samir trl, Tislit rev
                 _supplement("كان يا ما كان", "ary-Arab", PSEUDONYMOUS, reviewer=SAMIR),  # Tislit trc, Samir rev
                 {"media": 1, "motivation": "tagging", "tag": "camel", "selector": "xywh=0,0,2,2",
                  "creator": ANONYMOUS, "reviewer": WITHDRAWN},
                 _supplement("واحد الصياد", "ary-Arab", SAMIR, status="pending"),
             ]),
        tale("tw-tale-0003", title=[{"value": "La source", "lang": "fr"}], region="souss-massa", contributors=[],
             collections=["coastal-tales", "atlas-songs"],
             annotations=[_supplement("kan ya ma kan", "ary-Latn", SAMIR, status="rejected"),
                          _supplement("كان يا ما كان", "ary-Arab", SAMIR)]),  # Samir trc
        # Hidden items: each would add Samir trc x2 + pht, Lalla nrt and a community item if counted.
        tale("tw-draft-001", title=[{"value": "Brouillon secret", "lang": "fr"}], status="draft",
             collections=["coastal-tales", "secret-box"]),
        tale("tw-priv-0001", title=[{"value": "Privé absolu", "lang": "fr"}], access="private",
             collections=["coastal-tales", "secret-box"]),
        tale("tw-sacred-01", title=[{"value": "Sacré", "lang": "fr"}], labels=["TK-SS"]),
        tale("tw-reg-00001", title=[{"value": "Pour les inscrits", "lang": "fr"}], access="registered"),
    ]
    import_package(make_package(lines, agents=AGENTS, collections=COLLECTIONS))


def _page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.get_data(as_text=True)


def _item_ids(page: str) -> list[str]:
    return re.findall(r'href="/items/([^"]+)"', page)


def _roles(page: str) -> dict[str, int]:
    return {role: int(count) for role, count in re.findall(r'<section class="role"[^>]*data-role="([^"]+)" data-count="(\d+)"', page)}


def _check_outline(page: str) -> None:
    levels = [int(level) for level in re.findall(r"<h([1-6])\b", page)]
    assert levels and levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels
    assert page.count("<main") == 1
    for labelled in re.findall(r'aria-labelledby="([^"]+)"', page):
        assert f'id="{labelled}"' in page


# ------------------------------------------------------------------------------------------ collections


def test_collections_are_counted_over_visible_items_only(archive):
    summaries = list_collections(None)
    assert [(s.slug, s.count) for s in summaries] == [("atlas-songs", 1), ("coastal-tales", 3)]  # by title


def test_collection_page_lists_visible_items_in_collection_order(client, archive):
    page = _page(client, "/collections/coastal-tales")
    assert _item_ids(page) == ["tw-tale-0003", "tw-tale-0001", "tw-tale-0002"]
    assert 'data-collection="coastal-tales" data-count="3"' in page
    assert '<h1 lang="fr" dir="ltr">Contes de la côte</h1>' in page
    assert '<p lang="ary-Arab" dir="rtl" class="alt-title">حكايات الساحل</p>' in page
    assert '<p lang="fr" dir="ltr" class="description">Des contes de pêcheurs.</p>' in page
    assert '<ol class="cards" start="1">' in page
    for word in HIDDEN_WORDS:
        assert word not in page
    _check_outline(page)


def test_collection_list_hides_collections_without_visible_items(client, archive):
    page = _page(client, "/collections")
    assert re.findall(r'data-collection="([^"]+)" data-count="(\d+)"', page) == [("atlas-songs", "1"), ("coastal-tales", "3")]
    assert '<p lang="zgh-Tfng" dir="ltr" class="alt-title">ⵉⵣⵍⴰⵏ</p>' in page
    for word in HIDDEN_WORDS:
        assert word not in page
    assert "secret-box" not in page
    _check_outline(page)
    _page(client, "/collections/secret-box", 404)


def test_collection_pages(client, app, archive):
    app.config["ITEMS_PER_PAGE"] = 2
    first = _page(client, "/collections/coastal-tales")
    assert _item_ids(first) == ["tw-tale-0003", "tw-tale-0001"]
    assert 'rel="next" href="/collections/coastal-tales?page=2"' in first
    second = _page(client, "/collections/coastal-tales?page=2")
    assert _item_ids(second) == ["tw-tale-0002"] and '<ol class="cards" start="3">' in second
    assert 'rel="prev" href="/collections/coastal-tales"' in second
    assert _item_ids(_page(client, "/collections/coastal-tales?page=99999999999999999999999")) == []
    result = get_collection("coastal-tales", None, page=2, per_page=2)
    assert (result.total, result.pages, [i.public_id for i in result.items]) == (3, 2, ["tw-tale-0002"])


@pytest.mark.parametrize("query", ["page=0", "page=-1", "page=abc", "page=1.5", "page=", "page=١"])
def test_bad_page_is_a_400(client, archive, query):
    assert client.get(f"/collections/coastal-tales?{query}").status_code == 400


def test_service_refuses_bad_pages_and_unknown_collections(archive):
    with pytest.raises(InvalidQuery):
        get_collection("coastal-tales", None, page=0)
    for slug in ("no-such-collection", "secret-box"):
        with pytest.raises(NotFound):
            get_collection(slug, None)


@pytest.mark.parametrize("url", ["/collections/no-such-collection", "/contributors/no-such-person"])
def test_unknown_slugs_are_404(client, archive, url):
    assert client.get(url).status_code == 404


# ------------------------------------------------------------------------------------------ contributors


def test_contributor_roles_and_counts_cover_visible_items_only(archive):
    samir = get_contributor("samir", None)
    counts = {work.role: work.count for work in samir.roles}
    assert counts == {"trc": 3, "trl": 1, "rev": 1, "pht": 3}  # hidden items would add trc 8, pht 4
    items = {work.role: [item.public_id for item in work.items] for work in samir.roles}
    assert sorted(items["trc"]) == ["tw-tale-0001", "tw-tale-0003"]
    assert sorted(items["pht"]) == ["tw-tale-0001", "tw-tale-0002", "tw-tale-0003"]
    assert samir.languages == ["ary-Arab", "fr"]
    assert samir.regions == ["marrakech-safi", "souss-massa"]
    assert (samir.annotations_approved, samir.annotations_written) == (3, 5)  # one pending, one rejected
    assert samir.approval_share == pytest.approx(0.6)
    assert [work.role for work in samir.roles] == ["trc", "trl", "rev", "pht"]  # vocabulary order


def test_contributor_page_agrees_with_item_credits(archive):
    for slug in ("samir", "tislit", "lalla-rqia"):
        contributor = get_contributor(slug, None)
        on_page: dict[str, set[str]] = {}
        for work in contributor.roles:
            for item in work.items:
                on_page.setdefault(item.public_id, set()).add(work.role)
        credited: dict[str, set[str]] = {}
        for public_id in ("tw-tale-0001", "tw-tale-0002", "tw-tale-0003"):
            credits = item_credits(get_item(public_id, None))
            for credit in credits.knowledge_holders + credits.data_workers:
                if credit.agent_slug == slug:
                    credited.setdefault(public_id, set()).update(credit.roles)
        assert on_page == credited, slug


def test_credits_on_layers_count_once_the_layer_is_public(archive):
    item = db.session.query(Item).filter_by(public_id="tw-tale-0002").one()
    lalla = db.session.query(Agent).filter_by(slug="lalla-rqia").one()
    approved, pending = (next(a for a in item.annotations if a.status == status) for status in ("approved", "pending"))
    db.session.add_all([Contribution(agent=lalla, role="col", item=item, annotation=approved),
                        Contribution(agent=lalla, role="col", item=item, annotation=pending)])
    db.session.commit()
    assert {w.role: w.count for w in get_contributor("lalla-rqia", None).roles} == {"nrt": 1, "col": 1}


def test_contributor_page_shows_roles_with_matching_counts(client, archive):
    page = _page(client, "/contributors/samir")
    assert _roles(page) == {"trc": 3, "trl": 1, "rev": 1, "pht": 3}
    assert 'data-role="trc" data-count="3" data-items="2"' in page
    assert '<li data-role="pht" data-count="3">' in page
    section = page.split('id="role-trc"')[1].split("</section>")[0]
    assert sorted(_item_ids(section)) == ["tw-tale-0001", "tw-tale-0003"]
    assert 'data-approved="3" data-written="5"' in page
    assert '<li data-language="ary-Arab">' in page and '<li data-language="fr">' in page
    assert '<p lang="ary-Arab" dir="rtl" class="bio">كيكتب الحكايات</p>' in page
    assert '<h1><bdi class="agent-name">Samir Oubella</bdi></h1>' in page
    for word in HIDDEN_WORDS:
        assert word not in page
    _check_outline(page)


def test_community_page_lists_its_items(client, archive):
    page = _page(client, "/contributors/fishers-essaouira")
    assert _roles(page) == {"community": 3}
    assert 'data-kind="community"' in page
    assert sorted(_item_ids(page)) == ["tw-tale-0001", "tw-tale-0002", "tw-tale-0003"]
    _check_outline(page)


def test_pseudonymous_agent_is_shown_by_pseudonym(client, archive):
    page = _page(client, "/contributors/tislit")
    assert '<h1><bdi class="agent-name">Tislit n Wuzal</bdi></h1>' in page
    assert _roles(page) == {"nrt": 1, "trc": 1, "rev": 1}
    assert "Fadma" not in page and "Ouhammou" not in page


def test_contributor_list(client, archive):
    names = [(s.slug, s.name, s.count) for s in list_contributors(None)]
    assert names == [("fishers-essaouira", "Fishers of Essaouira", 3), ("lalla-rqia", "Lalla Rqia", 1),
                     ("samir", "Samir Oubella", 8), ("tislit", "Tislit n Wuzal", 3)]
    page = _page(client, "/contributors")
    people = page.split('id="people-heading"')[1].split("</section>")[0]
    assert re.findall(r'data-agent="([^"]+)" data-kind="person" data-count="(\d+)"', people) == [
        ("lalla-rqia", "1"), ("samir", "8"), ("tislit", "3")]
    assert '<li data-role="trc" data-count="3">' in people
    assert 'data-agent="fishers-essaouira" data-kind="community" data-count="3"' in page
    assert '<bdi class="agent-name">Tislit n Wuzal</bdi>' in page
    _check_outline(page)


@pytest.mark.parametrize("slug", ["anon-1", "withdrawn-1"])
def test_agents_who_may_not_be_named_have_no_page(client, archive, slug):
    assert client.get(f"/contributors/{slug}").status_code == 404
    with pytest.raises(NotFound):
        get_contributor(slug, None)


def test_withheld_names_appear_on_no_page(client, archive):
    urls = ["/", "/items", "/items/tw-tale-0001", "/items/tw-tale-0002", "/items/tw-tale-0003",
            "/collections", "/collections/coastal-tales", "/collections/atlas-songs", "/contributors"]
    listed = re.findall(r'href="(/contributors/[^"]+)"', _page(client, "/contributors"))
    assert sorted(listed) == ["/contributors/fishers-essaouira", "/contributors/lalla-rqia", "/contributors/samir",
                              "/contributors/tislit"]
    for url in urls + listed:
        page = _page(client, url)
        for name in WITHHELD_NAMES:
            assert name not in page, (name, url)
        for slug in ("anon-1", "withdrawn-1"):
            assert f"/contributors/{slug}" not in page, (slug, url)
