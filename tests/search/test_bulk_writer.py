"""search.whoosh_writer.BulkWriter writes the index Whoosh's own writer writes, alone or with a worker.

These tests build their own Whoosh indexes from the demo archive's search documents, whatever backend the
archive uses, and compare everything a reader can see: postings (weights, positions), field lengths,
stored fields, sort columns and the order of documents.
"""
from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest
from sqlalchemy import select
from whoosh import index
from whoosh.writing import CLEAR, SegmentWriter

from archive.db import db
from archive.models import Item
from archive.services.indexing import _documents
from search import whoosh_writer
from search.whoosh_backend import ExactTokenizer, WhooshEngine, _schema
from search.whoosh_writer import BulkWriter


@pytest.fixture(scope="module")
def documents(demo_archive):
    """The demo's documents three times over (ids made distinct): about a hundred."""
    with demo_archive.app_context():
        ids = list(db.session.scalars(select(Item.public_id).order_by(Item.id)))
        base = list(_documents(ids))
    return [{**document, "id": f"{document['id']}-{copy}"} for copy in range(3) for document in base]


# Whether a worker can be forked at all; add_all also refuses to fork from a process with threads (the
# suite may have some by then), which these tests override to test the worker itself.
FORKABLE = "fork" in multiprocessing.get_all_start_methods() and (os.cpu_count() or 1) > 1


def fields_of(document):
    return WhooshEngine(Path("unused"))._fields(document)


def new_index(path: Path):
    path.mkdir()
    return index.create_in(str(path), _schema())


def dump(ix) -> dict:
    """Everything a reader sees, documents named by id; term weight totals left out (summed in float32
    per segment, they differ in the last bits when a term spans segments)."""
    seen: dict = {}
    with ix.reader() as reader:
        names = {docnum: stored["id"] for docnum, stored in reader.iter_docs()}
        seen["order"] = [names[n] for n in sorted(names)]
        seen["stored"] = {names[n]: stored for n, stored in reader.iter_docs()}
        for field in reader.indexed_field_names():
            for text in reader.lexicon(field):
                matcher = reader.postings(field, text)
                postings = []
                while matcher.is_active():
                    postings.append((names[matcher.id()], matcher.weight(), matcher.value()))
                    matcher.next()
                if postings:  # a term of deleted documents only stays in the lexicon until a merge
                    seen[field, text] = sorted(postings)
        for field in ("exact", "stem", "key", "title_exact", "title_key"):
            seen["length", field] = {names[n]: reader.doc_field_length(n, field) for n in names}
        for column in ("date", "dated", "title", "added"):
            values = reader.column_reader(column)
            seen["column", column] = {names[n]: values[n] for n in names}
    return seen


def write_stock(ix, documents) -> None:
    with SegmentWriter(ix) as writer:
        for document in documents:
            writer.update_document(**fields_of(document))


def test_the_bulk_writer_writes_what_whoosh_writes(documents, tmp_path):
    stock, bulk = new_index(tmp_path / "stock"), new_index(tmp_path / "bulk")
    half = len(documents) // 2
    for part in (documents[:half], documents[half // 2 :]):  # the second commit replaces a quarter
        write_stock(stock, part)
        with BulkWriter(bulk) as writer:
            writer.add_all(part, fields_of, replace=True)
    assert dump(bulk) == dump(stock)
    with stock.searcher() as searcher:
        assert searcher.doc_count() == len(documents)


def test_merged_segments_and_spilled_segments_keep_every_posting(documents, tmp_path):
    stock, bulk = new_index(tmp_path / "stock"), new_index(tmp_path / "bulk")
    write_stock(stock, documents)
    for start in range(0, len(documents), 10):  # small segments, merged by the next writers
        with BulkWriter(bulk) as writer:
            writer.add_all(documents[start : start + 10], fields_of, replace=True)
    with BulkWriter(bulk) as writer:
        writer._limit = 20_000  # bytes: a new segment every few documents
        writer.add_all(documents[::2], fields_of, replace=True)
        spilled = len(writer._finished_segments)
    assert spilled > 2
    assert dump(bulk)["order"] != dump(stock)["order"]  # replaced documents moved to the end ...
    assert {k: v for k, v in dump(bulk).items() if k != "order"} == {k: v for k, v in dump(stock).items() if k != "order"}


@pytest.mark.skipif(not FORKABLE, reason="needs fork and two processors")
def test_a_worker_process_writes_the_same_index_in_the_same_order(documents, tmp_path, monkeypatch):
    monkeypatch.setattr(whoosh_writer, "_can_fork", lambda: True)
    monkeypatch.setattr(whoosh_writer, "PARALLEL_MIN_DOCUMENTS", 10)
    monkeypatch.setattr(whoosh_writer, "_BATCH", 7)
    alone, together = new_index(tmp_path / "alone"), new_index(tmp_path / "together")
    for ix, total in ((alone, None), (together, len(documents))):
        with BulkWriter(ix) as writer:
            writer.add_all(documents[:40], fields_of, replace=True)
        with BulkWriter(ix) as writer:  # replaces 20 of them, in both halves
            writer.add_all(documents[20:], fields_of, replace=True, total=total and len(documents) - 20)
        with BulkWriter(ix) as writer:
            writer.mergetype = CLEAR
            count = writer.add_all(documents, fields_of, replace=False, total=total)
        assert count == len(documents)
    assert len(together._segments()) > 1
    assert dump(together) == dump(alone)


@pytest.mark.skipif(not FORKABLE, reason="needs fork and two processors")
@pytest.mark.parametrize("failing_at, error", [(40, RuntimeError), (-1, ValueError)], ids=["worker", "this process"])
def test_a_failure_in_either_process_leaves_the_index_as_it_was(documents, tmp_path, monkeypatch, failing_at, error):
    monkeypatch.setattr(whoosh_writer, "_can_fork", lambda: True)
    monkeypatch.setattr(whoosh_writer, "PARALLEL_MIN_DOCUMENTS", 10)
    ix = new_index(tmp_path / "ix")
    with BulkWriter(ix) as writer:
        writer.add_all(documents[:30], fields_of, replace=True)
    before, files = dump(ix), sorted(os.listdir(tmp_path / "ix"))

    def failing(document):
        if document["id"] == documents[failing_at]["id"]:  # in the worker's half, or the last of ours
            raise ValueError("cannot analyse this one")
        return fields_of(document)

    with pytest.raises(error, match="cannot analyse this one"):
        with BulkWriter(ix) as writer:
            writer.add_all(documents[30:], failing, replace=True, total=len(documents) - 30)
    assert dump(index.open_dir(str(tmp_path / "ix"))) == before
    assert sorted(os.listdir(tmp_path / "ix")) == files  # no segment left behind


def test_a_rebuild_rewrites_an_index_of_an_earlier_schema_with_the_current_one(documents, tmp_path, monkeypatch):
    """An index made before sort keys were columns only and joined words had their parts at a shared position:
    `flask search reindex` (rebuild) gives the index the current schema, with a worker too."""
    from whoosh import fields
    from whoosh.analysis import SpaceSeparatedTokenizer

    monkeypatch.setattr(whoosh_writer, "_can_fork", lambda: True)
    monkeypatch.setattr(whoosh_writer, "PARALLEL_MIN_DOCUMENTS", 10)
    earlier = _schema()
    for name in ("date", "added"):
        earlier.remove(name)
        earlier.add(name, fields.NUMERIC(numtype=int, bits=64, signed=True, sortable=True, default=0))
    earlier.remove("exact")
    earlier.add("exact", fields.TEXT(analyzer=SpaceSeparatedTokenizer(), phrase=True))
    (tmp_path / "ix").mkdir()
    index.create_in(str(tmp_path / "ix"), earlier)
    engine = WhooshEngine(tmp_path / "ix")
    engine.upsert_many(documents[:10])
    assert "added" in index.open_dir(str(tmp_path / "ix")).reader().indexed_field_names()
    engine.rebuild(iter(documents), total=len(documents) if FORKABLE else 0)
    current = index.open_dir(str(tmp_path / "ix"))
    assert [type(current.schema[name]) for name in ("date", "dated", "added")] == [fields.COLUMN] * 3
    assert type(current.schema["exact"].analyzer) is ExactTokenizer
    assert "added" not in current.reader().indexed_field_names()
    stock = new_index(tmp_path / "stock")
    write_stock(stock, documents)
    assert dump(current) == dump(stock)
