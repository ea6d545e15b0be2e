"""Search through the services, the pages and the API: cross-script matching, access, facets, sync."""
from __future__ import annotations

import subprocess
import sys

import pytest
from werkzeug.datastructures import MultiDict

from archive.services.browse import BrowseQuery
from archive.services.indexing import check_index
from archive.services.search import complete, search_items
from tests.search.conftest import RELEVANCE


def find(text: str, **filters) -> list[str]:
    args = MultiDict([(k, v) for k, values in filters.items() for v in (values if isinstance(values, list) else [values])])
    query = BrowseQuery.from_args(args, per_page=50)
    return [item.public_id for item in search_items(None, text, query).items]


def test_recall_at_ten_of_the_relevance_set_is_at_least_ninety_percent(demo_archive):
    hits, misses = 0, []
    for case in RELEVANCE["queries"]:
        top = find(case["q"])[:10]
        found = all(expected in top for expected in case["expect"])
        hits += found
        if not found:
            misses.append((case["q"], case["expect"], top[:5]))
    recall = hits / len(RELEVANCE["queries"])
    assert recall >= 0.9, f"recall@10 = {recall:.2f}; misses: {misses}"


@pytest.mark.parametrize("case", RELEVANCE["hidden"], ids=lambda c: c["id"])
def test_hidden_items_never_appear_or_count(demo_archive, demo_client, case):
    page = search_items(None, case["q"], BrowseQuery(per_page=100))
    assert case["id"] not in [item.public_id for item in page.items]
    assert sum(fv.count for fv in page.facets["kind"]) == page.total == len(page.items)
    api = demo_client.get("/api/search", query_string={"q": case["q"], "per_page": 100}).json
    assert case["id"] not in [i["id"] for i in api["items"]] and api["total"] == page.total
    html = demo_client.get("/search", query_string={"q": case["q"]}).get_data(as_text=True)
    assert f'data-item="{case["id"]}"' not in html


def test_a_restricted_items_unique_word_finds_nothing_anywhere(demo_archive, demo_client, make_package):
    from archive.services.packages import import_package
    from tests.conftest import tale

    secret = [tale(f"tw-secret-{n:03d}", title=[{"value": "Zqurtlimbax", "lang": "fr"}], media=[], annotations=[], **extra)
              for n, extra in enumerate([{"status": "draft"}, {"access": "private"}, {"access": "registered"},
                                         {"access": "researcher"}, {"labels": ["TK-SS"]}, {"status": "withdrawn"}])]
    import_package(make_package(secret, files={}))
    page = search_items(None, "Zqurtlimbax", BrowseQuery())
    assert page.total == 0 and page.items == []
    assert not any(fv.count for values in page.facets.values() for fv in values)
    api = demo_client.get("/api/search", query_string={"q": "zqurtlimbax"}).json
    assert api["total"] == 0 and not any(f["count"] for values in api["facets"].values() for f in values)
    assert demo_client.get("/api/autocomplete", query_string={"q": "zqur"}).json["suggestions"] == []
    assert search_items(None, "zqurtlimbex", BrowseQuery()).suggestion is None  # did-you-mean stays silent
    assert 'class="hit"' not in demo_client.get("/search", query_string={"q": "Zqurtlimbax"}).get_data(as_text=True)
    assert search_items(None, "", BrowseQuery()).total == 27  # the browse-all count ignores them too


def test_facet_counts_equal_the_results_they_lead_to(demo_archive):
    base = search_items(None, "", BrowseQuery())
    assert base.total == 27
    for name, values in base.facets.items():
        for fv in values[:4]:
            assert len(find("", **{name: fv.value})) == fv.count, (name, fv)


def test_fields_filter_and_operators(demo_archive):
    assert set(find("kind:song")) == {"ahwash-tafraout-1998", "ahidous-azrou-1952", "nini-ya-momo-rabat"}
    assert find("region:souss-massa kind:song") == ["ahwash-tafraout-1998"]
    both = set(find("broderie OR poterie"))
    assert {"terz-fassi", "terz-rbati", "fekhkhar-asfi", "fekhkhar-tamegroute"} <= both
    assert "terz-rbati" not in find("broderie -rabat")
    assert find("lang:zgh kind:craft") == ["fekhkhar-tamegroute"]


def test_a_minus_before_a_field_leaves_its_items_out_of_results_totals_and_facets(demo_archive):
    songs = {"ahwash-tafraout-1998", "ahidous-azrou-1952", "nini-ya-momo-rabat"}
    everything = set(find(""))
    assert set(find("-kind:song")) == everything - songs
    assert set(find("kind:song -region:souss-massa")) == songs - {"ahwash-tafraout-1998"}
    assert not set(find("-kind:song -kind:tale")) & (songs | set(find("kind:tale")))
    page = search_items(None, "-kind:song", BrowseQuery())
    assert page.total == len(everything) - len(songs) and not page.notes
    kinds = {fv.value: fv.count for fv in page.facets["kind"]}
    assert "song" not in kinds and sum(kinds.values()) == page.total
    assert set(find("broderie -region:fes-meknes")) == set(find("broderie")) - set(find("region:fes-meknes"))


@pytest.mark.parametrize("text, note", [('"unclosed phrase', "unclosed-quote"), ("OR", "dangling-operator"),
                                        ("broderie OR", "dangling-operator"), ("colour:red broderie", "unknown-field:colour"),
                                        ("*", "empty-prefix"), ("(((", None), ("broderie AND", None)])
def test_a_malformed_query_answers_for_its_words_with_a_note(demo_archive, demo_client, text, note):
    assert demo_client.get("/search", query_string={"q": text}).status_code == 200
    api = demo_client.get("/api/search", query_string={"q": text})
    assert api.status_code == 200
    assert (note in api.json["notes"]) if note else api.json["notes"] == []
    if "broderie" in text:
        assert "terz-fassi" in [i["id"] for i in api.json["items"]]


def test_did_you_mean_comes_from_the_index_vocabulary(demo_archive):
    page = search_items(None, "brofewie", BrowseQuery())
    assert page.total == 0 and page.suggestion == "broderie"


def test_snippets_highlight_in_the_matching_language(demo_archive):
    page = search_items(None, "العسل", BrowseQuery())
    snippet = page.snippets["lli-bgha-l-3sel"]
    assert snippet.dir == "rtl" and any(hit for _text, hit in snippet.parts)


def test_sorting_and_paging(demo_archive):
    by_title = search_items(None, "", BrowseQuery(per_page=50), sort="title").items
    assert len(by_title) == 27
    first = search_items(None, "", BrowseQuery(page=1, per_page=10))
    third = search_items(None, "", BrowseQuery(page=3, per_page=10))
    assert len(first.items) == 10 and len(third.items) == 7 and first.pages == 3


def test_api_search_has_the_same_parameters_and_facets(demo_archive, demo_client):
    data = demo_client.get("/api/search", query_string={"q": "broderie", "kind": "craft"}).json
    assert {i["id"] for i in data["items"][:2]} == {"terz-fassi", "terz-rbati"}
    assert data["filters"] == {"kind": ["craft"]} and "region" in data["facets"]
    assert data["items"][0]["title"][0]["dir"] in ("rtl", "ltr")
    assert demo_client.get("/api/search", query_string={"kind": "saga"}).status_code == 400
    assert demo_client.get("/api/search", query_string={"kind": "saga"}).json["message"].startswith("Unknown kind")


def test_autocomplete_offers_words_of_visible_items(demo_archive, demo_client):
    data = demo_client.get("/api/autocomplete", query_string={"q": "brod"}).json
    assert "broderie" in data["suggestions"]


def test_the_index_follows_imports_and_check_is_clean(demo_archive, make_package):
    from tests.conftest import tale
    from archive.services.packages import import_package

    assert check_index() == {"missing": [], "stale": [], "extra": []}
    import_package(make_package([tale("tw-new-00001", title=[{"value": "Zouzou le poisson", "lang": "fr"}])]))
    assert find("zouzou") == ["tw-new-00001"]
    import_package(make_package([tale("tw-new-00001", title=[{"value": "Zouzou le poisson", "lang": "fr"}], status="draft")]))
    assert find("zouzou") == []
    assert check_index() == {"missing": [], "stale": [], "extra": []}


def test_reindex_and_check_commands(demo_archive):
    runner = demo_archive.test_cli_runner()
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0 and "items indexed" in result.output
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 0, result.output
    assert "missing: 0" in result.output and "stale: 0" in result.output


CONCURRENT_WRITER = """
import sys
from app import create_app
from archive.services.indexing import index_items
app = create_app({"DATA_DIR": sys.argv[1], "DATABASE_URL": sys.argv[2] or None, "SECRET_KEY": "x"})
with app.app_context():
    for _ in range(3):
        index_items(sys.argv[3].split(","))
"""


def test_two_processes_indexing_at_once_lose_nothing(demo_archive, tmp_path):
    from flask import current_app
    from sqlalchemy import select

    from archive.db import db
    from archive.models import Item

    import os

    import search

    ids = list(db.session.scalars(select(Item.public_id).order_by(Item.public_id)))
    url = current_app.config.get("DATABASE_URL") or ""
    data_dir = current_app.config["DATA_DIR"]
    search.engine().rebuild(iter(()), total=0)  # empty the index: the two writers must fill it
    assert len(check_index()["missing"]) == len(ids)
    env = {**os.environ, "TWIZA_SEARCH_BACKEND": current_app.config["SEARCH_BACKEND"]}
    procs = [subprocess.Popen([sys.executable, "-c", CONCURRENT_WRITER, data_dir, url, ",".join(part)], env=env)
             for part in (ids[::2], ids[1::2])]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    assert check_index() == {"missing": [], "stale": [], "extra": []}


def test_the_backend_under_test_is_the_configured_one(demo_archive):
    import search
    from tests.conftest import TEST_DATABASE_URL, TEST_SEARCH_BACKEND

    expected = TEST_SEARCH_BACKEND if TEST_DATABASE_URL else "whoosh"
    assert type(search.engine()).__name__ == {"whoosh": "WhooshEngine", "postgres": "PostgresEngine"}[expected]
