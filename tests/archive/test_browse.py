"""Browsing: facets combine, counts equal the results they lead to, nothing hidden is ever counted."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug.datastructures import MultiDict

from archive.errors import InvalidQuery
from archive.services.browse import FACETS, BrowseQuery, browse
from archive.services.packages import import_package
from tests.conftest import tale

HIDDEN_WORDS = ("Brouillon secret", "Privé absolu", "Sacré", "Pour les inscrits")


@pytest.fixture
def archive(app, make_package):
    lines = [
        tale(),
        tale("tw-song-0001", kind="song", region="souss-massa", languages=["shi-Latn", "shi-Tfng"], license="CC-BY-NC-4.0",
             title=[{"value": "Ahwash n tmazirt", "lang": "shi-Latn"}], date="1962", collections=["atlas-songs"]),
        tale("tw-craft-001", kind="craft", region="fes-meknes", languages=["fr"], license="CC0-1.0", labels=["TK-NC"],
             title=[{"value": "Broderie de Fès", "lang": "fr"}], date="1930/1945", media=[], annotations=[],
             contributors=[{"name": "Itto", "role": "art"}]),
        tale("tw-prov-0001", kind="proverb", region="oriental", license="CC-BY-ND-4.0", date="2001", media=[], annotations=[],
             title=[{"value": "Lli bgha l3sel", "lang": "ary-Latn"}], languages=["ary-Latn"]),
        tale("tw-draft-001", kind="song", title=[{"value": "Brouillon secret", "lang": "fr"}], status="draft"),
        tale("tw-priv-0001", kind="song", title=[{"value": "Privé absolu", "lang": "fr"}], access="private"),
        tale("tw-sacred-01", kind="song", title=[{"value": "Sacré", "lang": "fr"}], labels=["TK-SS"]),
        tale("tw-reg-00001", kind="song", title=[{"value": "Pour les inscrits", "lang": "fr"}], access="registered"),
    ]
    import_package(make_package(lines))


def run(**filters) -> object:
    args = MultiDict([(k, v) for k, values in filters.items() for v in (values if isinstance(values, list) else [values])])
    return browse(None, BrowseQuery.from_args(args, per_page=24))


def test_only_visible_items_are_listed_and_counted(archive):
    result = run()
    assert result.total == 4
    assert sum(fv.count for fv in result.facets["kind"]) == 4
    assert dict((fv.value, fv.count) for fv in result.facets["kind"]) == {"tale": 1, "song": 1, "craft": 1, "proverb": 1}


def test_every_facet_count_equals_the_results_it_leads_to(archive):
    base = run(kind=["tale", "song"])
    for name in FACETS:
        for fv in base.facets[name]:
            if fv.selected:
                continue
            filters = {"kind": ["tale", "song"], name: [fv.value]} if name != "kind" else {"kind": ["tale", "song", fv.value]}
            assert run(**filters).total == (fv.count if name != "kind" else base.total + fv.count), (name, fv)


def test_facets_combine_or_within_and_across(archive):
    assert run(kind=["tale", "song"]).total == 2
    assert run(kind=["tale", "song"], region="souss-massa").total == 1
    assert run(language="shi", script="Tfng").total == 1
    assert run(reuse="commercial").total == 2  # CC-BY tale and CC-BY-ND proverb; the CC0 craft is labelled TK-NC
    assert run(reuse="remix").total == 3
    assert run(decade="1930").total == 1 and run(decade="1960").total == 1
    assert run(media="audio").total == 2 and run(role="art").total == 1
    assert run(collection="atlas-songs").total == 1 and run(licence="CC0-1.0").total == 1


def test_sorting(archive):
    by_date = [i.public_id for i in run(sort="date").items]
    assert by_date == ["tw-craft-001", "tw-song-0001", "tw-tale-0001", "tw-prov-0001"]
    assert [i.public_id for i in run(sort="-date").items] == list(reversed(by_date))
    titles = [i.title[0]["value"] for i in run(sort="title").items]
    assert titles == sorted(titles, key=str.casefold)


@pytest.mark.parametrize("args", [{"kind": "saga"}, {"region": "atlantis"}, {"sort": "colour"}, {"page": "0"},
                                  {"per_page": "1000"}, {"decade": "1955"}, {"colour": "red"}])
def test_nonsense_is_refused(archive, args):
    with pytest.raises(InvalidQuery):
        BrowseQuery.from_args(MultiDict(args), per_page=24)


def test_browse_page_links_are_shareable_and_counts_match(client, archive):
    page = client.get("/items?kind=tale&kind=song").get_data(as_text=True)
    assert "2 documents" in page or "2 items" in page
    link = re.search(r'href="([^"]+)"[^>]*data-value="souss-massa" data-count="(\d+)"', page)
    href, count = link.group(1).replace("&amp;", "&"), int(link.group(2))
    assert parse_qs(urlsplit(href).query) == {"kind": ["tale", "song"], "region": ["souss-massa"]}
    followed = client.get(href).get_data(as_text=True)
    assert followed.count('class="card"') == count == 1
    for word in HIDDEN_WORDS:
        assert word not in page and word not in followed


@pytest.mark.parametrize("query", ["page=0", "page=abc", "kind=saga", "sort=x", "bogus=1"])
def test_bad_parameters_give_a_400_page(client, archive, query):
    assert client.get(f"/items?{query}").status_code == 400
