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


def _found(text: str) -> list[str]:
    return [i.public_id for i in search_items(None, text, BrowseQuery(per_page=100)).items]


@pytest.fixture
def added_lines(demo_archive, make_package):
    """Adds public items made of (id, title values), then hides them again (the demo's total stays 27)."""
    from archive.services.packages import import_package
    from tests.conftest import tale

    added = []

    def add(*lines):
        added.extend(lines)
        import_package(make_package([tale(line_id, title=title) for line_id, title in lines]))

    yield add
    if added:
        import_package(make_package([tale(line_id, title=title, status="draft") for line_id, title in added]))
    assert search_items(None, "", BrowseQuery()).total == 27


def test_words_written_joined_or_with_tanwin_are_found_as_fts5_finds_them(added_lines):
    added_lines(("tw-joined-0001", [{"value": "An earth-like planet, they're told: a multi-variable analysis",
                                     "lang": "en"},
                                    {"value": "قصة تاريخية غالبًا عن نجم أوليًا كتابًا", "lang": "ary-Arab"}]),
                ("tw-joined-0002", [{"value": "Un livre de Muḥammad, et un livre: كتاب جميل", "lang": "fr"}]))
    for text in ('"earth like"', "they", "re", "غالب", '"تاريخية غالب"', "أولي AND غالب", "earth-like", "like",
                 "vari*", "variable", "multi", '"multi variable analysis"', '"multi-variable analysis"',
                 '"variable analysis"', '"told a multi"', "multi-variable", "كتاب"):
        assert "tw-joined-0001" in _found(text), text
    # the bare word finds the accusative and the reverse, index-side (the stem field)
    assert {"tw-joined-0001", "tw-joined-0002"} <= set(_found("كتاب")) and "tw-joined-0002" in _found("كتابا")
    # positions stay right: the parts are in order, the joined word does not push the next word away
    for text in ('"variable multi"', '"like earth"', '"analysis multi"', '"multi analysis"', '"planet re"'):
        assert "tw-joined-0001" not in _found(text), text
    for text in ('"earth-like planet"', '"planet they re told"', '"planet they\'re told"', '"planet they"'):
        assert "tw-joined-0001" in _found(text), text


def test_a_joined_query_word_finds_its_parts_written_apart(added_lines):
    added_lines(("tw-joined-0003", [{"value": "A multi variable model", "lang": "en"}]))
    assert "tw-joined-0003" in _found("multi-variable") and "tw-joined-0003" in _found('"multi-variable model"')
    assert "tw-joined-0003" not in _found("variable-multi")


def test_arabizi_with_the_article_finds_arabic_script_and_the_reverse(added_lines):
    added_lines(("tw-l7out-0001", [{"value": "الحوت الكبير", "lang": "ary-Arab"}]),
                ("tw-l7out-0002", [{"value": "L7out f l-b7er", "lang": "ary-Latn"}]),
                # two consonants without the article: the same skeleton, other words
                ("tw-l7out-0003", [{"value": "حوت و حيط", "lang": "ary-Arab"}, {"value": "A hot hat", "lang": "en"}]))
    for text in ("l7out", "el-7out", "al-hout"):
        assert "tw-l7out-0001" in _found(text), text
    assert "tw-l7out-0002" in _found("الحوت") and "tw-l7out-0002" in _found("l7out")
    for text in ("l7out", "الحوت", "7out", "hout", "ht", "h", "l", "7"):
        assert "tw-l7out-0003" not in _found(text), text
    # very short queries find only what they spell: no skeleton of two letters or fewer is looked up
    for text in ("7", "h", "l7", "ht", "el", "hot", "حوت"):
        assert not {"tw-l7out-0001", "tw-l7out-0002"} & set(_found(text)), text


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
