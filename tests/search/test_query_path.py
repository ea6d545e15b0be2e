"""The query path's shortcuts give the plain answers: facet counts, totals and pages computed with bit sets
and cached document sets equal a naive count over the items, and a capped prefix loses no item."""
from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

import search
from archive.db import db
from archive.models import Item, User
from archive.services.access import check_can_view, viewer_tokens
from archive.services.browse import BrowseQuery
from archive.services.indexing import search_document
from archive.services.search import search_items
from search import FACETS, bitsets
from search.query import parse

STAFF = User(email="staff@example.org", roles=["curator"])


def _visible_documents(viewer) -> list[dict]:
    documents = []
    for item in db.session.scalars(select(Item)):
        try:
            check_can_view(item, viewer)
        except Exception:  # NotFound, AccessDenied: not for this viewer
            continue
        documents.append(search_document(item))
    return documents


def _naive_counts(documents: list[dict], selection: dict[str, list[str]]) -> dict[str, dict[str, int]]:
    counts = {}
    for name in FACETS:
        counter: Counter[str] = Counter()
        for document in documents:
            facets = document["facets"]
            if all(set(facets.get(other, ())) & set(values) for other, values in selection.items() if other != name):
                counter.update(facets.get(name, ()))
        counts[name] = dict(counter)
    return counts


@pytest.mark.parametrize("viewer", [None, STAFF], ids=["visitor", "staff"])
@pytest.mark.parametrize("selection", [{}, {"kind": ["craft"]}, {"kind": ["craft", "song"], "region": ["fes-meknes"]},
                                       {"language": ["ary"], "script": ["Latn"]}], ids=repr)
def test_facet_counts_equal_a_naive_count_over_the_visible_items(demo_archive, viewer, selection):
    documents = _visible_documents(viewer)
    page = search_items(viewer, "", BrowseQuery(filters={k: tuple(v) for k, v in selection.items()}, per_page=100))
    counts = {name: {fv.value: fv.count for fv in values if fv.count} for name, values in page.facets.items()}
    assert counts == _naive_counts(documents, selection)
    expected_total = sum(1 for d in documents if all(set(d["facets"].get(n, ())) & set(v) for n, v in selection.items()))
    assert page.total == expected_total == len(page.items)


def test_facet_counts_of_a_text_query_equal_a_naive_count_over_its_hits(demo_archive):
    everything = search_items(None, "", BrowseQuery(per_page=100))
    for text in ("broderie", "العسل", "ⴰⵎⴰⵏ", "ahwash OR poterie", "\"water is life\"", "bro*", "broderie -rabat"):
        page = search_items(None, text, BrowseQuery(per_page=100))
        hits = {item.public_id for item in page.items}
        assert page.total == len(hits) > 0, text
        documents = [search_document(item) for item in everything.items if item.public_id in hits]
        counts = {name: {fv.value: fv.count for fv in values if fv.count} for name, values in page.facets.items()}
        assert counts == _naive_counts(documents, {}), text


def test_staff_and_visitors_do_not_share_cached_sets(demo_archive):
    visitor = search_items(None, "", BrowseQuery(per_page=100))
    staff = search_items(STAFF, "", BrowseQuery(per_page=100))
    again = search_items(None, "", BrowseQuery(per_page=100))
    assert staff.total == len(_visible_documents(STAFF)) > visitor.total == again.total == 27
    assert viewer_tokens(STAFF) is None


# Whoosh only --------------------------------------------------------------------------------------------

@pytest.fixture
def whoosh_engine(demo_archive):
    engine = search.engine()
    if type(engine).__name__ != "WhooshEngine":
        pytest.skip("the Whoosh backend's own shortcuts")
    return engine


def test_block_reading_of_postings_equals_whooshs_own(whoosh_engine, make_package):
    from archive.services.packages import import_package
    from search.whoosh_backend import _postings
    from tests.conftest import tale

    # Another segment, and a deleted document in it (an update replaces the document).
    import_package(make_package([tale("tw-segment-0001")]))
    import_package(make_package([tale("tw-segment-0001", status="draft")]))
    searcher = whoosh_engine._searcher()
    reader = searcher.reader()
    assert len(list(reader.leaf_readers())) > 1 and reader.doc_count_all() > reader.doc_count()
    size = reader.doc_count_all()
    checked = 0
    for fieldname in ("exact", "key", "visibility", "f_kind"):
        for term in reader.lexicon(fieldname):
            text = term.decode()
            builder = bitsets.Builder(size)
            _postings(reader, fieldname, text, builder)
            assert builder.bits() & whoosh_engine._snapshot(reader).live == bitsets.of(
                searcher.docs_for_query(search.whoosh_backend.wq.Term(fieldname, text)), size), (fieldname, text)
            checked += 1
    assert checked > 100


def test_bit_set_members_skip_and_limit():
    bits = bitsets.of([0, 3, 8, 9, 64, 1000], 2000)
    assert bitsets.members(bits) == [0, 3, 8, 9, 64, 1000]
    assert bitsets.members(bits, skip=2, limit=3) == [8, 9, 64]
    assert bitsets.members(bits, skip=6) == [] and bitsets.members(0) == [] and bits.bit_count() == 6


def test_a_capped_prefix_finds_every_item_and_ranks_the_frequent_words_first(whoosh_engine, monkeypatch):
    from search import whoosh_backend

    text = "ta*"  # every word starting with ta (exact forms only: keys need 3 letters)
    uncapped = whoosh_engine.query(text, visibility=["public"], per_page=100)
    searcher = whoosh_engine._searcher()
    reader = searcher.reader()
    words = [w.decode() for w in reader.expand_prefix("exact", "ta")]
    assert len(words) > 4
    monkeypatch.setattr(whoosh_backend, "PREFIX_TERMS", 3)
    capped = whoosh_engine.query(text, visibility=["public"], per_page=100)
    assert capped.total == uncapped.total and sorted(capped.ids) == sorted(uncapped.ids)
    assert capped.facets == uncapped.facets
    frequent = sorted(words, key=lambda w: (-reader.doc_frequency("exact", w), w))[:3]
    frequent_docs = set()
    for word in frequent:
        frequent_docs |= set(searcher.docs_for_query(whoosh_backend.wq.Term("exact", word)))
    docnum = {searcher.stored_fields(n)["id"]: n for n in reader.all_doc_ids()}
    with_frequent = [i for i in capped.ids if docnum[i] in frequent_docs]
    # Items having one of the frequent words come first, then the others.
    assert capped.ids[: len(with_frequent)] == with_frequent
    assert 0 < len(with_frequent) < capped.total
    # Pages cut the same order.
    pages = [whoosh_engine.query(text, visibility=["public"], page=p, per_page=5).ids for p in range(1, 30)]
    assert [i for page in pages for i in page] == capped.ids


def test_did_you_mean_and_autocomplete_keep_to_visible_items(whoosh_engine):
    assert whoosh_engine.query("brofewie", visibility=["public"]).suggestion == "broderie"
    assert "broderie" in whoosh_engine.complete("brod", visibility=["public"])
    assert parse("brod*").must[0][0].prefix


def test_words_written_joined_or_with_tanwin_are_found_as_fts5_finds_them(demo_archive, make_package):
    from archive.services.packages import import_package
    from tests.conftest import tale

    title = [{"value": "An earth-like planet, they're told", "lang": "en"},
             {"value": "قصة تاريخية غالبًا عن نجم أوليًا", "lang": "ary-Arab"}]
    line = tale("tw-joined-0001", title=title)
    import_package(make_package([line]))
    try:
        for text in ('"earth like"', "they", "غالب", '"تاريخية غالب"', "أولي AND غالب", "earth-like"):
            assert "tw-joined-0001" in [i.public_id for i in search_items(None, text, BrowseQuery(per_page=100)).items], text
    finally:
        import_package(make_package([tale("tw-joined-0001", title=title, status="draft")]))
    assert search_items(None, "", BrowseQuery()).total == 27


def test_prefix_walk_of_the_term_index_equals_whooshs_prefix_query(whoosh_engine):
    from search.whoosh_backend import _Run, wq

    searcher = whoosh_engine._searcher()
    reader = searcher.reader()
    run = _Run(searcher, whoosh_engine._snapshot(reader))
    for fieldname, start in (("exact", "ta"), ("exact", "br"), ("exact", "ال"), ("key", "tmz"), ("exact", "zzzz")):
        expected = bitsets.of(searcher.docs_for_query(wq.Prefix(fieldname, start)), reader.doc_count_all())
        assert run.prefix(fieldname, start).matched == expected & run.snapshot.live, (fieldname, start)


@pytest.mark.parametrize("cap", [64, 3])
def test_our_prefix_scores_rank_as_whooshs_matchers(whoosh_engine, monkeypatch, cap):
    from search import whoosh_backend

    monkeypatch.setattr(whoosh_backend, "PREFIX_TERMS", cap)
    texts = ("ta*", "bro*", "ال*", "tmz*", "a*", "ta* -broderie")
    fast = [whoosh_engine.query(t, visibility=["public"], per_page=100) for t in texts]
    monkeypatch.setattr(whoosh_backend, "FAST_PREFIX_SCORES", False)
    slow = [whoosh_engine.query(t, visibility=["public"], per_page=100) for t in texts]
    for text, a, b in zip(texts, fast, slow):
        assert (a.ids, a.total, a.facets) == (b.ids, b.total, b.facets), text
    assert sum(r.total for r in fast) > 20
