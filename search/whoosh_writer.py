"""A Whoosh segment writer for bulk indexing: imports and ``flask search reindex``.

Whoosh's own writer sends every posting (one term in one document) through a sorting pool as a tuple,
sorts them all at commit and then, posting by posting, reads the document's field length back from the
segment it has just written. On an import of 10,000 OLDI items (6 million postings) that was most of the
indexing time. ``BulkWriter`` keeps postings in memory term by term instead: documents get increasing
numbers, so each term's postings are already in order, and the lengths are kept from when the document
was added. Committing is one pass over the sorted terms. The segment it writes is the one Whoosh writes:
same codec, same files, same bytes for each posting.

Everything else is Whoosh's ``SegmentWriter``: the index lock, deletions of replaced documents, merging
small segments at commit (their postings come through the pool and join ours), the table of contents.
When the postings held in memory pass ``limitmb``, the segment is finished and a new one begun; all of
them are published together by the one commit, so readers never see half an import.

``BulkWriter.add_all`` writes many documents at once. Given their number (at least
``PARALLEL_MIN_DOCUMENTS``) and a second processor, it forks one worker process that analyses and
writes the first half or so (``WORKER_SHARE``) into segments of its own while this process reads every
document from the database and writes the rest. Each process writes its segment files as soon as it has
its last document, so the two writes overlap too. The worker's segments come first in the index, so
documents keep the order in which they were given. The worker never commits: this writer, which holds the index lock, publishes its
segments with its own, or drops them (``cancel``).
"""
from __future__ import annotations

import multiprocessing
import os
import queue
import threading
import traceback
from array import array
from collections import Counter
from typing import Any, Callable, Iterable

from whoosh import formats
from whoosh.analysis import RegexTokenizer
from whoosh.index import clean_files
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import PostingPool, SegmentWriter

# Below this many documents a second process costs more than it saves (forking, sending documents).
PARALLEL_MIN_DOCUMENTS = 1000
_BATCH = 100  # documents sent to the worker at a time
# The worker's part of the documents: a little more than half, as this process also reads them all from
# the database (about a tenth of the work of indexing them).
WORKER_SHARE = 0.55

# Estimated bytes per posting held in memory: a document number and a frequency in two arrays (the
# amortised growth of arrays included), and four per position.
_POSTING_BYTES = 10
_POSITION_BYTES = 4


class _Term:
    """The postings of one term of a pre-tokenized field: document numbers, frequencies and, for
    positional fields, every position, flattened (a document's positions are ``freq`` items long)."""

    __slots__ = ("docs", "freqs", "positions")

    def __init__(self, positional: bool):
        self.docs = array("I")
        self.freqs = array("I")
        self.positions = array("I") if positional else None


class BulkWriter(SegmentWriter):
    """``SegmentWriter`` with in-memory postings (see the module's docstring).

    Fields whose analyzer only splits on spaces and whose format is ``Positions`` or ``Frequency``
    (Twiza's text fields: the values are already analysed) are tokenized here, as are fields whose
    tokenizer gives its terms and their positions at once (``terms_and_positions(value)``, as the
    ``exact`` field's); other fields go through their own ``index()``. Per-document boosts (``_boost``,
    ``_FIELD_boost``), term vectors and spelling fields are not supported (Twiza uses none): the
    constructor or ``add_document`` raises ValueError.

    ``schema``, when given, replaces the index's own for what this writer writes and commits (a rebuild
    with ``mergetype = CLEAR`` writes an index of the current schema).
    """

    def __init__(self, ix, limitmb: int = 128, schema=None, **kwargs: Any):
        super().__init__(ix, limitmb=limitmb, **kwargs)
        if schema is not None:
            self.schema = schema
        self._limit = limitmb * 1024 * 1024
        unsupported = [name for name, field in self.schema.items() if field.vector or field.separate_spelling()]
        if unsupported:
            raise ValueError(f"BulkWriter writes neither term vectors nor spelling fields: {unsupported}")
        self._split = {name: self._space_split(field) for name, field in self.schema.items()}
        self._finished_segments: list = []  # segments written before the current one (and the worker's)
        self._worker: _Worker | None = None
        self._reset_postings()

    @staticmethod
    def _space_split(field) -> Callable[[str], tuple[list[str], list[int] | None]] | None:
        """value -> (terms, their positions or None for one after the other), if ``field`` is one we
        can index here: a space-separated one, or one whose tokenizer says where its terms are."""
        analyzer = getattr(field, "analyzer", None)
        if type(field.format) not in (formats.Positions, formats.Frequency):
            return None
        positioned = getattr(analyzer, "terms_and_positions", None)
        if positioned is not None:
            return positioned
        if (type(analyzer) is RegexTokenizer and not analyzer.gaps
                and analyzer.expression.pattern == r"[^ \t\r\n]+"):
            findall = analyzer.expression.findall
            return lambda value: (findall(value), None)
        return None

    def _reset_postings(self) -> None:
        self._terms: dict[str, dict[bytes, _Term]] = {}  # pre-tokenized fields
        self._other: dict[str, dict[bytes, list[tuple[int, float, bytes, int]]]] = {}  # the rest
        self._lengths: dict[str, bytearray] = {}  # field -> length byte per document number
        self._held = 0  # estimated bytes of postings held

    # ---------------------------------------------------------------------------------------- adding

    def add_document(self, **fields: Any) -> None:
        self._check_state()
        if any(name.startswith("_") and name.endswith("boost") for name in fields):
            raise ValueError("BulkWriter does not support document or field boosts")
        schema = self.schema
        perdocwriter = self.perdocwriter
        docnum = self.docnum
        names = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, names)
        perdocwriter.start_doc(docnum)
        try:
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                field = schema[name]
                length = 0
                if field.indexed:
                    split = self._split[name]
                    if split is not None and isinstance(value, str):
                        length = self._add_tokens(name, field, *split(value), docnum)
                    else:
                        length = self._add_other(name, field, value, docnum)
                    if field.scorable and length:
                        lengths = self._lengths.setdefault(name, bytearray())
                        if len(lengths) <= docnum:
                            lengths.extend(bytes(docnum + 1 - len(lengths)))
                        lengths[docnum] = length_to_byte(length)
                stored = fields.get(f"_stored_{name}", value)
                perdocwriter.add_field(name, field, stored if field.stored else None, length if field.scorable else 0)
                column = field.column_type
                if column and stored is not None:
                    perdocwriter.add_column_value(name, column, field.to_column_value(stored))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1
        if self._held > self._limit:
            self._start_new_segment()

    def _add_tokens(self, name: str, field, tokens: list[str], positions: list[int] | None, docnum: int) -> int:
        terms = self._terms.setdefault(name, {})
        positional = field.format.__class__ is formats.Positions
        if positional:
            where: dict[str, list[int]] = {}
            for position, token in zip(positions, tokens) if positions is not None else enumerate(tokens):
                where.setdefault(token, []).append(position)
            counts = {token: len(positions) for token, positions in where.items()}
        else:
            counts = Counter(tokens)
        for token, freq in counts.items():
            btext = token.encode("utf-8")
            term = terms.get(btext)
            if term is None:
                term = terms[btext] = _Term(positional)
            term.docs.append(docnum)
            term.freqs.append(freq)
            if positional:
                term.positions.extend(where[token])
        self._held += _POSTING_BYTES * len(counts) + (_POSITION_BYTES * len(tokens) if positional else 0)
        return len(tokens)

    def _add_other(self, name: str, field, value: Any, docnum: int) -> int:
        terms = self._other.setdefault(name, {})
        postings = list(field.index(value))
        length = sum(freq for _btext, freq, _weight, _vbytes in postings)
        # what Whoosh would read back from the length column (lengths are stored as one byte)
        stored_length = byte_to_length(length_to_byte(length)) if field.scorable and length else 0
        for btext, _freq, weight, vbytes in postings:
            terms.setdefault(btext, []).append((docnum, weight, vbytes or b"", stored_length))
            self._held += 64 + len(vbytes or b"")
        return length

    def add_all(self, documents: Iterable[Any], fields_of: Callable[[Any], dict[str, Any]], *, replace: bool,
                total: int | None = None, progress: Callable[[int], None] | None = None) -> int:
        """Add ``fields_of(document)`` for every document (``replace``: first delete the documents that
        have the same value in a unique field, as ``update_document``); return how many were added.

        With ``total`` (the number of documents) of at least PARALLEL_MIN_DOCUMENTS and a second
        processor, the first WORKER_SHARE of them are written by a forked worker (see the module's
        docstring). Raises what writing raised, here or in the worker (RuntimeError with its traceback).
        """
        parallel = total and total >= PARALLEL_MIN_DOCUMENTS and _can_fork()
        share = int(total * WORKER_SHARE) if parallel else 0
        if share:
            self._worker = _Worker(self, fields_of, replace)
        count, batch = 0, []
        for document in documents:
            if count < share:
                batch.append(document)
                if len(batch) >= _BATCH or count + 1 == share:
                    self._worker.send(batch)
                    batch = []
                if count + 1 == share:
                    self._worker.end_input()  # it writes its segment while we add the rest
            else:
                fields = fields_of(document)
                self.update_document(**fields) if replace else self.add_document(**fields)
            count += 1
            if progress:
                progress(1)
        if share:
            if self._added:
                # Write our segment now, while the worker writes its own, rather than after it at commit.
                self._start_new_segment()
            segments, unique_terms = self._worker.finish()
            self._worker = None
            for name, value in unique_terms:
                self.delete_by_term(name, value)
            self._finished_segments[:0] = segments
        return count

    def cancel(self) -> None:
        worker = self._worker
        if worker is not None:
            worker.stop()
            self._worker = None
            # The worker's segment files are in no table of contents: remove them (and ours) now rather
            # than at the next commit. Nobody else can have written: we hold the lock.
            super().cancel()
            clean_files(self.storage, self.indexname, self.generation - 1, self.segments)
        else:
            super().cancel()

    def finish_segments(self) -> list:
        """The segments written, without committing them (the worker's end)."""
        if self._added:
            self._finished_segments.append(self._finalize_segment())
        else:
            self._close_segment()
        self.is_closed = True
        return self._finished_segments

    # -------------------------------------------------------------------------------------- segments

    def _start_new_segment(self) -> None:
        """Finish the segment being written (it is published at commit with the others) and begin one."""
        self._finished_segments.append(self._finalize_segment())
        codec = self.codec
        self.newsegment = codec.new_segment(self.storage, self.indexname)
        self.compound = self.compound and self.newsegment.should_assemble()
        self.perdocwriter = codec.per_document_writer(self.storage, self.newsegment)
        self.fieldwriter = codec.field_writer(self.storage, self.newsegment)
        self.pool = PostingPool(self._tempstorage, self.newsegment, limitmb=self._limit // (1024 * 1024))
        self.docnum = self.docbase = 0
        self._added = False
        self._reset_postings()

    def _commit_toc(self, segments) -> None:
        # Existing segments first, then the new ones in the order their documents were given.
        current = [s for s in segments if s is self.newsegment]
        super()._commit_toc([s for s in segments if s is not self.newsegment] + self._finished_segments + current)

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        if self.pool.current or self.pool.runs:
            self._take_pooled_postings()
        fieldwriter = self.fieldwriter
        for name in sorted(set(self._terms) | set(self._other)):
            field = self.schema[name]
            fieldwriter.start_field(name, field)
            if name in self._terms:
                self._write_terms(fieldwriter, field, self._terms[name], self._lengths.get(name))
            else:
                self._write_other(fieldwriter, self._other[name])
            fieldwriter.finish_field()
        fieldwriter.close()
        self._reset_postings()

    def _take_pooled_postings(self) -> None:
        """Postings of segments merged into this one at commit (Whoosh's merge policy put them in the
        pool, numbered after our documents): they join the generic postings, lengths read back."""
        reader = self.per_document_reader()
        try:
            for name, btext, docnum, weight, vbytes in self.pool.iter_postings():
                if docnum == -1:  # a spelling word, not a posting (no such fields here)
                    continue
                length = reader.doc_field_length(docnum, name)
                if name in self._terms:  # move this field's postings to the generic form first
                    self._other[name] = self._as_other(self.schema[name], self._terms.pop(name),
                                                       self._lengths.get(name))
                self._other.setdefault(name, {}).setdefault(btext, []).append((docnum, weight, vbytes or b"", length))
        finally:
            reader.close()

    @staticmethod
    def _postings(field, term: _Term, lengths: bytearray | None):
        """(docnum, weight, encoded value, length) of each posting of a pre-tokenized term, as Whoosh's
        own ``Positions`` and ``Frequency`` formats would give them."""
        boost = field.format.field_boost
        positions, start = term.positions, 0
        encode = field.format.encode if positions is not None else None
        for docnum, freq in zip(term.docs, term.freqs):
            if positions is not None:
                value = encode(positions[start : start + freq].tolist())
                start += freq
            else:
                value = pack_uint(freq)
            yield docnum, freq * boost, value, byte_to_length(lengths[docnum]) if lengths else 0

    def _as_other(self, field, terms: dict[bytes, _Term], lengths):
        return {btext: list(self._postings(field, term, lengths)) for btext, term in terms.items()}

    def _write_terms(self, fieldwriter, field, terms: dict[bytes, _Term], lengths: bytearray | None) -> None:
        add = fieldwriter.add
        for btext in sorted(terms):
            fieldwriter.start_term(btext)
            for docnum, weight, value, length in self._postings(field, terms[btext], lengths):
                add(docnum, weight, value, length)
            fieldwriter.finish_term()

    @staticmethod
    def _write_other(fieldwriter, terms: dict[bytes, list[tuple[int, float, bytes, int]]]) -> None:
        add = fieldwriter.add
        for btext in sorted(terms):
            fieldwriter.start_term(btext)
            for docnum, weight, value, length in terms[btext]:
                add(docnum, weight, value, length)
            fieldwriter.finish_term()


def _can_fork() -> bool:
    """A second processor, fork, and no other thread: a thread holding a lock while we fork could leave
    the worker waiting for it forever (web servers with threads index large batches in one process)."""
    try:
        processors = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        processors = os.cpu_count() or 1
    return (processors > 1 and "fork" in multiprocessing.get_all_start_methods()
            and threading.active_count() == 1)


class _Worker:
    """The forked process of ``BulkWriter.add_all``: documents go in through a queue (its feeder thread
    sends them, so this process does not wait for the worker), segments come back."""

    def __init__(self, writer: BulkWriter, fields_of: Callable[[Any], dict[str, Any]], replace: bool):
        context = multiprocessing.get_context("fork")
        self.jobs = context.Queue()
        self.results = context.Queue()
        unique = [name for name, field in writer.schema.items() if field.unique] if replace else []
        ix = writer.storage.open_index(writer.indexname)
        self.process = context.Process(target=_work, daemon=True, name="twiza-index-worker",
                                       args=(ix, writer._limit // (1024 * 1024), writer.schema, fields_of, unique,
                                             self.jobs, self.results))
        self.process.start()
        self._ended = False

    def send(self, batch: list[Any]) -> None:
        self.jobs.put(batch)

    def end_input(self) -> None:
        """No more documents: the worker writes its segments."""
        self.jobs.put(None)
        self._ended = True

    def finish(self) -> tuple[list, list[tuple[str, Any]]]:
        """The worker's segments and the unique terms of its documents, once it has written them."""
        if not self._ended:
            self.end_input()
        while True:
            try:
                status, payload = self.results.get(timeout=1.0)
                break
            except queue.Empty:
                if not self.process.is_alive():
                    raise RuntimeError(f"the index worker stopped (exit code {self.process.exitcode})") from None
        self.process.join()
        self._close()
        if status != "ok":
            raise RuntimeError(f"the index worker failed:\n{payload}")
        return payload

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()
        self._close()

    def _close(self) -> None:
        for channel in (self.jobs, self.results):
            channel.cancel_join_thread()  # documents not yet sent to a stopped worker are dropped
            channel.close()


def _work(ix, limitmb: int, schema, fields_of, unique: list[str], jobs, results) -> None:
    writer = None
    try:
        writer = BulkWriter(ix, _lk=False, limitmb=limitmb, schema=schema)
        unique_terms = []
        while (batch := jobs.get()) is not None:
            for document in batch:
                fields = fields_of(document)
                unique_terms.extend((name, fields[name]) for name in unique if fields.get(name) is not None)
                writer.add_document(**fields)
        results.put(("ok", (writer.finish_segments(), unique_terms)))
    except BaseException:
        if writer is not None and not writer.is_closed:
            writer._close_segment()
        results.put(("error", traceback.format_exc()))
