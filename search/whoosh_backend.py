"""The embedded search backend: a Whoosh index under DATA_DIR/search/whoosh.

Documents are analysed by ``search.analysis`` before Whoosh sees them (fields hold space-separated
terms), so that every value is analysed by its own language tag, and queries in every applicable way.
Writers wait for the index lock, so several processes may write one after another without loss.
"""
from __future__ import annotations

import heapq
import threading
import time
from itertools import accumulate, islice, product, repeat
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from whoosh import collectors, columns, fields, index, query as wq, scoring, sorting
from whoosh.analysis import SpaceSeparatedTokenizer, Token, Tokenizer
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, W3PerDocReader, W3TermsReader, _lenfield
from whoosh.matching import FilterMatcher
from whoosh.util.numeric import byte_to_length
from whoosh.writing import CLEAR

from search import FACETS, SearchResult, analysis, bitsets, digest_of
from search.query import Leaf, ParsedQuery, Phrase, Word, parse
from search.whoosh_writer import BulkWriter

SPACE = SpaceSeparatedTokenizer()
LOCK_WAIT_SECONDS = 60.0
TEXT_FIELDS = ("exact", "stem", "key")
MIN_KEY_LENGTH = 3
# Memory a writer fills before it flushes a segment: larger means fewer segments to merge at commit
# (4,000 OLDI items: 41 s at 256 MB, 27 s at 1 GB). It is a ceiling, not an allocation.
WRITER_MB = 1024
# A prefix matches every word of the index it starts; the most frequent of them, up to this many, rank
# the results (3 letters of a 100,000-item archive start thousands of words: scoring them all took
# seconds), and items having only rarer ones come after them.
PREFIX_TERMS = 64
# "Did you mean" is a help, not an answer: it gives up on more words, or after this long.
SUGGEST_WORDS = 4
SUGGEST_SECONDS = 0.15
# Prefix words scored by our own loop over blocks of postings rather than by Whoosh's matchers (same
# scores; tests compare the two).
FAST_PREFIX_SCORES = True
COMPLETE_CANDIDATES = 200  # index words tried for autocomplete before giving up


class ExactTokenizer(Tokenizer):
    """The space-separated terms of an "exact" list of ``analysis.index_terms``, at the positions
    ``analysis.exact_positions`` gives them (a joined word at the position of its first part), so that
    phrases find the parts of joined words. ``terms_and_positions`` gives the same for the bulk writer."""

    _TERM = SpaceSeparatedTokenizer().expression

    def terms_and_positions(self, value: str) -> tuple[list[str], list[int]]:
        terms = self._TERM.findall(value)
        return terms, analysis.exact_positions(terms)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True, start_pos=0,
                 start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        matches = list(self._TERM.finditer(value))
        for match, position in zip(matches, analysis.exact_positions([m.group() for m in matches])):
            token.text = match.group()
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = token.text
            if positions:
                token.pos = start_pos + position
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            yield token


def _schema() -> fields.Schema:
    """The fields of a new index (``rebuild`` writes its index with these too). Sort keys are columns
    only: nothing searches them, and a NUMERIC field would also index 16 terms per value."""
    schema = fields.Schema(
        id=fields.ID(stored=True, unique=True),
        digest=fields.STORED(),
        visibility=fields.KEYWORD(),
        title_exact=fields.TEXT(analyzer=SPACE, phrase=False, field_boost=3.0),
        title_key=fields.TEXT(analyzer=SPACE, phrase=False, field_boost=2.0),
        exact=fields.TEXT(analyzer=ExactTokenizer(), phrase=True),
        stem=fields.TEXT(analyzer=SPACE, phrase=False),
        key=fields.TEXT(analyzer=SPACE, phrase=False, field_boost=0.7),
        date=fields.COLUMN(columns.NumericColumn("q", default=0)),
        dated=fields.COLUMN(columns.NumericColumn("B", default=0)),
        title=fields.ID(sortable=True),
        added=fields.COLUMN(columns.NumericColumn("q", default=0)),
        facets=fields.STORED(),
    )
    for name in FACETS:
        schema.add(f"f_{name}", fields.KEYWORD())
    return schema


class WhooshEngine:
    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self._local = threading.local()
        self._snapshots: dict[tuple, _Snapshot] = {}
        self._snapshots_lock = threading.Lock()

    # ------------------------------------------------------------------------------------ writing

    def _index(self, create: bool = False):
        if index.exists_in(str(self.directory)):
            return index.open_dir(str(self.directory))
        if not create:
            return None
        self.directory.mkdir(parents=True, exist_ok=True)
        return index.create_in(str(self.directory), _schema())

    def _fields(self, document: dict[str, Any]) -> dict[str, Any]:
        terms: dict[str, list[str]] = {name: [] for name in TEXT_FIELDS}
        title_terms: dict[str, list[str]] = {"exact": [], "key": []}
        for text in document["texts"]:
            analysed = analysis.index_terms(text["value"], text["lang"])
            terms["exact"].extend(analysed["exact"])
            terms["key"].extend(analysed["key"])
            # A stem equal to its word is already in "exact" (queries look for stems there too): storing
            # it twice only doubles the index for every language that is not stemmed.
            exact = set(analysed["exact"])
            terms["stem"].extend(stem for stem in analysed["stem"] if stem not in exact)
            if text["part"] == "title":
                title_terms["exact"].extend(analysed["exact"])
                title_terms["key"].extend(analysed["key"])
        values = {
            "id": document["id"],
            "digest": digest_of(document),
            "visibility": " ".join(document["visibility"]),
            "title_exact": " ".join(title_terms["exact"]),
            "title_key": " ".join(title_terms["key"]),
            "title": analysis.fold_latin(document["title"])[:200] or " ",
            "added": int(document["added"] * 1000),
            "facets": document["facets"],
            **{name: " ".join(terms[name]) for name in TEXT_FIELDS},
            **{f"f_{name}": " ".join(document["facets"].get(name, [])) for name in FACETS},
        }
        if document.get("date") is not None:
            values["date"] = int(document["date"])
            values["dated"] = 1
        return values

    def upsert_many(self, documents: Iterable[dict[str, Any]], *, total: int | None = None) -> int:
        """Add or replace documents (``total``: how many, when known, lets a large batch use two processes)."""
        ix = self._index(create=True)
        with BulkWriter(ix, timeout=LOCK_WAIT_SECONDS, delay=0.05, limitmb=WRITER_MB) as writer:
            return writer.add_all(documents, self._fields, replace=True, total=total)

    def delete(self, ids: Iterable[str]) -> None:
        ix = self._index()
        if ix is None:
            return
        with ix.writer(timeout=LOCK_WAIT_SECONDS, delay=0.05) as writer:
            for public_id in ids:
                writer.delete_by_term("id", public_id)

    def rebuild(self, documents: Iterable[dict[str, Any]], *, total: int, progress: Callable[[int], None] | None = None) -> int:
        ix = self._index(create=True)
        # The current schema: an index made by an earlier version of Twiza is rewritten whole.
        with BulkWriter(ix, timeout=LOCK_WAIT_SECONDS, delay=0.05, limitmb=WRITER_MB, schema=_schema()) as writer:
            writer.mergetype = CLEAR
            return writer.add_all(documents, self._fields, replace=False, total=total, progress=progress)

    def indexed_digests(self) -> dict[str, str]:
        ix = self._index()
        if ix is None:
            return {}
        with ix.searcher() as searcher:
            return {stored["id"]: stored["digest"] for stored in searcher.all_stored_fields()}

    # ------------------------------------------------------------------------------------ reading

    def _searcher(self):
        ix = self._index()
        if ix is None:
            return None
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None and searcher.up_to_date():
            return searcher
        # A new searcher, not searcher.refresh(): a refreshed one reuses segment readers that miss
        # deletions made since (an updated document would then show its old version too).
        if searcher is not None:
            searcher.close()
        self._local.searcher = ix.searcher()
        return self._local.searcher

    def _snapshot(self, reader) -> _Snapshot:
        """The document sets of the index version ``reader`` reads, shared by every thread reading it."""
        key = _version_key(reader)
        snapshot = self._snapshots.get(key)
        if snapshot is None:
            snapshot = _Snapshot(reader)
            with self._snapshots_lock:
                # Only the newest versions are asked for again: a searcher is renewed when the index changes.
                while len(self._snapshots) >= 2:
                    self._snapshots.pop(next(iter(self._snapshots)))
                self._snapshots[key] = snapshot
        return snapshot

    def _leaf(self, leaf: Leaf, terms: dict[str, set[str]], run: _Run) -> _Part | None:
        if isinstance(leaf, Phrase):
            exact = [sorted(analysis.query_terms(w)["exact"]) for w in leaf.words]
            for word in leaf.words:
                for name, values in analysis.query_terms(word).items():
                    terms.setdefault(name, set()).update(values)
            if not all(exact):
                return None
            return self._phrase(analysis.phrase_words([e[0] for e in exact]), terms, run)
        analysed = analysis.query_terms(leaf.text)
        for name, values in analysed.items():
            terms.setdefault(name, set()).update(values)
        if leaf.prefix:
            options = [run.prefix(field, start) for field, starts, shortest in (("exact", analysed["exact"], 2),
                                                                              ("key", analysed["key"], MIN_KEY_LENGTH))
                       for start in sorted(starts) if len(start) >= shortest]
            return _Part.any(options) if options else None
        boosts: dict[tuple[str, str], float] = {}  # a term asked for twice is read once, its boosts added
        for value in sorted(analysed["exact"]):
            for key in (("exact", value), ("title_exact", value)):
                boosts[key] = boosts.get(key, 0.0) + 3.0
        for value in analysed["stem"]:
            for key in (("stem", value), ("exact", value)):
                boosts[key] = boosts.get(key, 0.0) + 2.0
        for value in analysed["key"]:
            if len(value) >= MIN_KEY_LENGTH:  # shorter skeletons match too many unrelated words
                for key in (("key", value), ("title_key", value)):
                    boosts[key] = boosts.get(key, 0.0) + 1.0
        if not boosts:
            return None
        bits = run.terms_bits(boosts)
        part = _Part(wq.Or([wq.Term(field, text, boost=boost) for (field, text), boost in boosts.items()]), bits, bits)
        # A joined word also finds its parts written apart, as a phrase (multi-variable: "multi variable").
        joined = [analysis.joined_parts(value) for value in sorted(analysed["exact"])]
        phrases = [self._phrase(parts, terms, run) for parts in joined if parts]
        return _Part.any([part, *phrases]) if phrases else part

    @staticmethod
    def _phrase(words: list[str], terms: dict[str, set[str]], run: _Run) -> _Part:
        """Exact forms in order (keys carry no positions: they would double the index), Arabic words also
        with or without the accusative alef (غالبًا)."""
        parts = []
        for variant in islice(product(*(analysis.tanwin_forms(word) for word in words)), 8):
            if all(("exact", w) in run.reader for w in variant):
                parts.append(run.phrase(variant))
                terms.setdefault("exact", set()).update(variant)
        return _Part.any(parts) if parts else _Part(wq.Phrase("exact", words), 0, 0)

    def _text_query(self, parsed: ParsedQuery, terms: dict[str, set[str]], run: _Run) -> _Part:
        """The scoring query of the positive words, what it matches, and what the whole query matches."""
        musts = []
        for group in parsed.must:
            options = [part for part in (self._leaf(leaf, terms, run) for leaf in group) if part is not None]
            if options:
                musts.append(_Part.any(options))
        positive = _Part.all(musts) if musts else _Part(wq.Every(), run.snapshot.live, run.snapshot.live)
        negatives = [part for part in (self._leaf(leaf, {}, run) for leaf in parsed.must_not) if part is not None]
        excluded = 0
        for part in negatives:
            excluded |= part.matched
        # The scoring query leaves negatives out: the documents it may return are restricted with bit sets.
        whole = _Part(positive.query, positive.matched & ~excluded, positive.scored & ~excluded, positive.scored,
                      positive.has_arrays)
        whole.scores = positive.scores
        return whole

    def query(self, text: str, *, visibility: list[str] | None, filters: dict[str, list[str]] | None = None,
              sort: str = "relevance", page: int = 1, per_page: int = 20, with_facets: bool = True) -> SearchResult:
        """Search. ``visibility`` lists the tokens the viewer may see (None: everything).

        One pass: the documents the query matches are a bit set, made from the terms' postings; the total
        and the facet counts are counted on it against the cached sets of the viewer and of each facet
        value; only the requested page is scored (or sorted) by Whoosh.
        """
        parsed = parse(text)
        merged = parsed.merged_filters(filters)
        searcher = self._searcher()
        if searcher is None:
            return SearchResult([], 0, {name: {} for name in FACETS}, parsed.notes)
        snapshot = self._snapshot(searcher.reader())
        run = _Run(searcher, snapshot)
        terms: dict[str, set[str]] = {}
        text_query = self._text_query(parsed, terms, run)
        visible = snapshot.visible(searcher.reader(), visibility)
        selected = {name: snapshot.values_bits(searcher.reader(), name, values) for name, values in merged.items()
                    if values}
        for name, values in parsed.excluded.items():
            visible &= ~snapshot.values_bits(searcher.reader(), name, values)
        allowed = visible
        for bits in selected.values():
            allowed &= bits
        matched = text_query.matched & allowed
        total = matched.bit_count()
        start = (page - 1) * per_page
        if parsed.empty and sort == "relevance":
            sort = "added"
        if total <= start:
            ids: list[str] = []
        elif sort == "relevance":
            ids = self._scored_page(searcher, text_query, matched, start, per_page)
        else:
            ids = self._sorted_page(searcher, matched, sort, start, per_page)
        facets = {}
        if with_facets:
            facets = snapshot.facet_counts(searcher.reader(), text_query.matched & visible, selected)
        suggestion = None
        if total == 0 and not parsed.empty:
            suggestion = self._did_you_mean(searcher, run, parsed, visible)
        return SearchResult(ids, total, facets, parsed.notes, suggestion, terms)

    def _scored_page(self, searcher, text_query: _Part, matched: int, start: int, per_page: int) -> list[str]:
        """Best first: the documents the scoring query scores, then those only words past the prefix
        cap matched (in index order)."""
        scored = text_query.scored & matched
        scored_count = scored.bit_count()
        docnums: list[int] = []
        if text_query.scores is not None:
            items: Iterable[tuple[int, float]] = text_query.scores.items()
            if scored != text_query.query_matches or len(text_query.scores) != text_query.query_matches.bit_count():
                shown = set(bitsets.members(scored))  # some are hidden, filtered out, negated or deleted
                items = [(docnum, score) for docnum, score in items if docnum in shown]
            # Whoosh's order: best first, then in index order.
            top = heapq.nsmallest(start + per_page, items, key=lambda item: (-item[1], item[0]))
            docnums = [docnum for docnum, _score in top[start:]]
        elif start < scored_count:
            limit = min(start + per_page, scored_count)
            # The scoring query may match documents the page must not show (hidden, filtered out, negated).
            hidden = text_query.query_matches & ~scored
            restriction = {}
            if hidden:
                if hidden.bit_count() <= scored_count:
                    restriction["mask"] = set(bitsets.members(hidden))
                else:
                    restriction["filter"] = set(bitsets.members(scored))
            if text_query.has_arrays:
                # The array matcher's bound on its best score is the best of its terms, not their sum: Whoosh
                # would drop documents by it. Its arrays are read whole anyway: score every document.
                collector = collectors.TopCollector(limit=limit, usequality=False, replace=0)
                if restriction:
                    collector = collectors.FilterCollector(collector, allow=restriction.get("filter"),
                                                           restrict=restriction.get("mask"))
                searcher.search_with_collector(text_query.query, collector)
                top = collector.results().top_n
            else:
                top = searcher.search(text_query.query, limit=limit, **restriction).top_n
            docnums = [docnum for _score, docnum in top][start:]
        if len(docnums) < per_page:
            rest = matched & ~scored
            docnums += bitsets.members(rest, skip=max(0, start - scored_count), limit=per_page - len(docnums))
        return [searcher.stored_fields(docnum)["id"] for docnum in docnums]

    def _sorted_page(self, searcher, matched: int, sort: str, start: int, per_page: int) -> list[str]:
        if sort in ("date", "-date"):
            # Undated items last in either direction.
            sortedby = sorting.MultiFacet([sorting.FieldFacet("dated", reverse=True),
                                           sorting.FieldFacet("date", reverse=(sort == "-date"))])
        elif sort == "title":
            sortedby = sorting.FieldFacet("title")
        else:
            sortedby = sorting.FieldFacet("added", reverse=True)
        live = self._snapshot(searcher.reader()).live
        restriction = {} if matched == live else {"filter": set(bitsets.members(matched))}
        results = searcher.search(wq.Every(), limit=start + per_page, sortedby=sortedby, **restriction)
        return [searcher.stored_fields(docnum)["id"] for _key, docnum in results.top_n[start:]]

    def _did_you_mean(self, searcher, run: _Run, parsed: ParsedQuery, visible: int) -> str | None:
        """A spelling from the index's own vocabulary that finds something the viewer may see."""
        words = [leaf.text for group in parsed.must for leaf in group if isinstance(leaf, Word) and not leaf.prefix]
        if not words:
            return None
        corrector = searcher.corrector("exact")
        deadline = time.monotonic() + SUGGEST_SECONDS
        corrected, changed = [], False
        for word in words[:SUGGEST_WORDS]:
            folded = sorted(analysis.query_terms(word)["exact"]) or [word]
            chosen = None
            if run.terms_bits([("exact", folded[0])]) & visible:
                chosen = folded[0]  # found as it is: the corrector would put it first (distance 0)
            elif time.monotonic() < deadline:
                # Words sharing the first letter only, as the PostgreSQL backend: the whole vocabulary
                # of a big archive takes far longer to walk.
                options = corrector.suggest(folded[0], limit=5, maxdist=2, prefix=1)
                chosen = next((o for o in options if run.terms_bits([("exact", o)]) & visible), None)
            corrected.append(chosen or word)
            changed |= chosen is not None and chosen != folded[0]
        return " ".join(corrected + words[SUGGEST_WORDS:]) if changed else None

    def complete(self, prefix: str, *, visibility: list[str] | None, limit: int = 8) -> list[str]:
        """Words of the index that start with ``prefix`` and occur in an item the viewer may see."""
        searcher = self._searcher()
        forms = sorted(analysis.query_terms(prefix)["exact"]) if prefix.strip() else []
        if searcher is None or not forms or len(forms[0]) < 2:
            return []
        reader = searcher.reader()
        run = _Run(searcher, self._snapshot(reader))
        visible = run.snapshot.visible(reader, visibility)
        found: list[str] = []
        for checked, term in enumerate(reader.expand_prefix("exact", forms[0])):
            if checked >= COMPLETE_CANDIDATES:
                break
            word = term.decode() if isinstance(term, bytes) else term
            if run.terms_bits([("exact", word)]) & visible:
                found.append(word)
            if len(found) >= limit:
                break
        return found


_LENGTH_OF_BYTE = [byte_to_length(b) if b else None for b in range(256)]


def _version_key(reader) -> tuple:
    """What identifies the documents a reader sees: its index generation and its segments (a rebuilt
    index starts its generations again; a deletion changes a segment's count)."""
    segments = [r.segment() for r, _base in reader.leaf_readers()]
    return (reader.generation(), tuple((s.segment_id(), s.deleted_count()) for s in segments if s is not None))


def _postings(reader, fieldname: str, text: str, builder: bitsets.Builder) -> None:
    """Adds the document numbers of one term to ``builder``, deleted documents included (callers keep
    to the snapshot's live documents). Reads whole blocks of postings, not one posting at a time."""
    for segment, base in reader.leaf_readers():
        if (fieldname, text) not in segment:
            continue
        matcher = segment.postings(fieldname, text)
        if isinstance(matcher, FilterMatcher):  # the segment's deletions: the live set removes them
            matcher = matcher.child
        _add_ids(matcher, builder, base)


def _add_ids(matcher, builder: bitsets.Builder, base: int) -> None:
    if isinstance(matcher, W3LeafMatcher) and not matcher._byteids:
        while matcher.is_active():
            if matcher._data is None:
                matcher._read_data()
            builder.add(accumulate(matcher._data[0]), base)  # block ids are delta-encoded
            matcher._next_block()
    else:
        builder.add(matcher.all_ids(), base)


def _words_starting(reader, fieldname: str, start: str) -> dict[str, list[tuple[Any, int, Any]]]:
    """The words of a field that start with ``start``, each with its (segment, doc base, term info) in
    every segment that has it: one walk of each segment's term index, no lookup per word."""
    prefix = start.encode("utf-8")
    words: dict[str, list[tuple[Any, int, Any]]] = {}
    for segment, base in reader.leaf_readers():
        terms = getattr(segment, "_terms", None)
        if not isinstance(terms, W3TermsReader):
            for word in segment.expand_prefix(fieldname, start):
                words.setdefault(word.decode() if isinstance(word, bytes) else word, []).append((segment, base, None))
            continue
        for (name, tbytes), info in terms.items_from(fieldname, prefix):
            if name != fieldname or not tbytes.startswith(prefix):
                break
            words.setdefault(tbytes.decode("utf-8"), []).append((segment, base, info))
    return words


def _add_word(fieldname: str, word: str, places: list[tuple[Any, int, Any]], builder: bitsets.Builder) -> None:
    for segment, base, info in places:
        if info is None:
            matcher = segment.postings(fieldname, word)
            _add_ids(getattr(matcher, "child", matcher) if isinstance(matcher, FilterMatcher) else matcher, builder, base)
        elif info.is_inlined():  # a rare word: its postings are in its term info
            builder.add(info.inlined_postings()[0], base)
        else:
            matcher = segment.codec().postings_reader(segment._terms._postfile, info, segment.schema[fieldname].format)
            _add_ids(matcher, builder, base)


def _doc_frequency(places: list[tuple[Any, int, Any]], reader, fieldname: str, word: str) -> int:
    if any(info is None for _segment, _base, info in places):
        return reader.doc_frequency(fieldname, word)
    return sum(info.doc_frequency() for _segment, _base, info in places)


class _Snapshot:
    """Document sets of one version of the index: its live documents, the documents each set of viewer
    tokens may see and those of each facet value. Computed when first asked for, then kept while the
    version is current; several threads and processes may read one version, and a new version (another
    process's commit included) has a new key."""

    def __init__(self, reader):
        self.size = reader.doc_count_all()
        builder = bitsets.Builder(self.size)
        for segment, base in reader.leaf_readers():
            builder.add(segment.all_doc_ids(), base)
        self.live = builder.bits()
        self._visible: dict[tuple[str, ...] | None, int] = {}
        self._facets: dict[str, dict[str, int]] = {}
        self._lengths: dict[tuple[str, str], list[int]] = {}
        self._lock = threading.Lock()

    def field_lengths(self, segment, fieldname: str) -> list[int] | None:
        """Every document's length of a field in one segment, as Whoosh's scorer reads them one by one
        (a byte each, decoded), read at once. None when the segment is not stored the way this reads."""
        key = (segment.segment().segment_id(), fieldname)
        lengths = self._lengths.get(key)
        if lengths is None:
            perdoc = getattr(segment, "_perdoc", None)
            if not isinstance(perdoc, W3PerDocReader):
                return None
            column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            if column is None or getattr(column, "_fixedlen", None) != 1:
                return None
            raw = column._dbfile.get(column._basepos, column._count) if column._count else b""
            lengths = [_LENGTH_OF_BYTE[b] for b in raw]
            lengths += [None] * (segment.doc_count_all() - len(lengths))  # as Whoosh: no length stored
            self._lengths[key] = lengths
        return lengths

    def term_bits(self, reader, fieldname: str, text: str) -> int:
        builder = bitsets.Builder(self.size)
        _postings(reader, fieldname, text, builder)
        return builder.bits() & self.live

    def visible(self, reader, tokens: list[str] | None) -> int:
        key = None if tokens is None else tuple(sorted(set(tokens)))
        bits = self._visible.get(key)
        if bits is None:
            if key is None:
                bits = self.live
            else:
                builder = bitsets.Builder(self.size)
                for token in key:
                    _postings(reader, "visibility", token, builder)
                bits = builder.bits() & self.live
            self._visible[key] = bits
        return bits

    def facet_values(self, reader, name: str) -> dict[str, int]:
        values = self._facets.get(name)
        if values is None:
            with self._lock:
                values = self._facets.get(name)
                if values is None:
                    fieldname = f"f_{name}"
                    values = {}
                    for term in reader.lexicon(fieldname):
                        value = term.decode() if isinstance(term, bytes) else term
                        values[value] = self.term_bits(reader, fieldname, value)
                    self._facets[name] = values
        return values

    def values_bits(self, reader, name: str, selected: list[str]) -> int:
        """The documents having any of the ``selected`` values of facet ``name``."""
        values = self.facet_values(reader, name)
        bits = 0
        for value in selected:
            bits |= values.get(value, 0)
        return bits

    def facet_counts(self, reader, matched: int, selected: dict[str, int]) -> dict[str, dict[str, int]]:
        """Disjunctive counts: each facet's counts apply every other facet's selection."""
        counts: dict[str, dict[str, int]] = {}
        for name in FACETS:
            base = matched
            for other, bits in selected.items():
                if other != name:
                    base &= bits
            found = {}
            if base:
                for value, bits in self.facet_values(reader, name).items():
                    count = (base & bits).bit_count()
                    if count:
                        found[value] = count
            counts[name] = found
        return counts


class _Run:
    """One request's reading of the index: the terms it looked up, and prefix expansions."""

    def __init__(self, searcher, snapshot: _Snapshot):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.snapshot = snapshot
        self._terms: dict[tuple[str, str], int] = {}

    def terms_bits(self, fields_terms: Iterable[tuple[str, str]], every: bool = False) -> int:
        """The documents having any of the terms (all of them with ``every``)."""
        bits = self.snapshot.live if every else 0
        for key in fields_terms:
            term = self._terms.get(key)
            if term is None:
                term = self._terms[key] = self.snapshot.term_bits(self.reader, *key)
            bits = bits & term if every else bits | term
        return bits

    def phrase(self, words: tuple[str, ...]) -> _Part:
        """A phrase's documents and their scores in one walk of its words' postings and positions (a
        phrase finds few documents, but checking positions is what costs): a query that is this phrase
        alone is then ranked without a second walk."""
        phrase = wq.Phrase("exact", list(words))
        scores = {docnum: score for score, docnum in self.searcher.search(phrase, limit=None).top_n}
        bits = bitsets.of(scores, self.snapshot.size) & self.snapshot.live
        part = _Part(phrase, bits, bits)
        part.scores = scores
        return part

    def prefix(self, fieldname: str, start: str) -> _Part:
        """The words of the index starting with ``start``, looked up once: all of them match; the
        PREFIX_TERMS most frequent are scored (a short prefix of a big index has thousands)."""
        words = _words_starting(self.reader, fieldname, start)
        if not words:
            return _Part(wq.NullQuery, 0, 0)
        if len(words) <= PREFIX_TERMS:
            frequent = sorted(words)
        else:
            frequency = {w: _doc_frequency(places, self.reader, fieldname, w) for w, places in words.items()}
            frequent = sorted(sorted(words, key=lambda w: (-frequency[w], w))[:PREFIX_TERMS])
        scores = self._bm25f(fieldname, frequent, words) if FAST_PREFIX_SCORES else None
        if scores is not None:
            scored = bitsets.of(scores, self.snapshot.size) & self.snapshot.live
        else:
            scored_builder = bitsets.Builder(self.snapshot.size)
            for word in frequent:
                _add_word(fieldname, word, words[word], scored_builder)
            scored = scored_builder.bits() & self.snapshot.live
        matched = scored
        if len(frequent) < len(words):
            rest = bitsets.Builder(self.snapshot.size)
            chosen = set(frequent)
            for word, places in words.items():
                if word not in chosen:
                    _add_word(fieldname, word, places, rest)
            matched |= rest.bits() & self.snapshot.live
        part = _Part(_ScoredTogether([wq.Term(fieldname, w) for w in frequent]), matched, scored)
        part.scores = scores
        return part

    def _bm25f(self, fieldname: str, words: list[str], places: dict[str, list[tuple[Any, int, Any]]]):
        """The scores Whoosh's array matcher gives an Or of these words (BM25F, the same arithmetic in the
        same order, so the same floats), computed over blocks of postings without a matcher per document.
        None where the index or the weighting is not what this reads (Whoosh then scores)."""
        searcher = self.searcher
        weighting = searcher.weighting
        if type(weighting) is not scoring.BM25F or weighting._field_B:
            return None
        B, K1 = weighting.B, weighting.K1
        avgfl = searcher.avg_field_length(fieldname) or 1
        scores: dict[int, float] = {}
        get = scores.get
        for word in words:
            idf = searcher.idf(fieldname, word)
            for segment, base, info in places[word]:
                lengths = self.snapshot.field_lengths(segment, fieldname) if info is not None else None
                if lengths is None:
                    return None
                for ids, weights in _blocks(segment, fieldname, info):
                    for docnum, tf in zip(ids, weights):
                        fl = lengths[docnum]
                        docnum += base
                        scores[docnum] = get(docnum, 0.0) + idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))
        return scores


def _blocks(segment, fieldname: str, info) -> Iterator[tuple[Iterable[int], Iterable[float]]]:
    """(document numbers, term frequencies) of a term's postings in one segment, a block at a time."""
    if info.is_inlined():
        ids, weights, _values = info.inlined_postings()
        yield ids, weights if weights is not None else repeat(1.0)
        return
    matcher = segment.codec().postings_reader(segment._terms._postfile, info, segment.schema[fieldname].format)
    while matcher.is_active():
        matcher._read_data()
        matcher._read_weights()
        yield accumulate(matcher._data[0]), matcher._weights
        matcher._next_block()


class _ScoredTogether(wq.Or):
    """An Or of many terms read into arrays of scores a block of documents at a time (Whoosh's array
    matcher), rather than a tree of union matchers that advances every term one document at a time."""

    matcher_type = wq.Or.ARRAY_MATCHER


class _Part:
    """A piece of a query: Whoosh's scoring query, the documents the piece matches, those of them the
    scoring query scores, and all the scoring query matches (before negatives)."""

    __slots__ = ("query", "matched", "scored", "query_matches", "has_arrays", "scores")

    def __init__(self, query: wq.Query, matched: int, scored: int, query_matches: int | None = None,
                 has_arrays: bool | None = None):
        self.query, self.matched, self.scored = query, matched, scored
        self.query_matches = scored if query_matches is None else query_matches
        self.has_arrays = isinstance(query, _ScoredTogether) if has_arrays is None else has_arrays
        # The score of every document the scoring query matches, when already computed (deleted ones too).
        self.scores: dict[int, float] | None = None

    @staticmethod
    def any(parts: list[_Part]) -> _Part:
        if len(parts) == 1:
            return parts[0]
        matched = scored = 0
        for part in parts:
            matched |= part.matched
            scored |= part.scored
        whole = _Part(wq.Or([part.query for part in parts]), matched, scored,
                      has_arrays=any(part.has_arrays for part in parts))
        if len(parts) == 2 and parts[0].scores is not None and parts[1].scores is not None:
            # Whoosh's union adds the two scores: a sum of two is the same in either order.
            first, second = parts[0].scores, parts[1].scores
            whole.scores = {**first, **second}
            for docnum in first.keys() & second.keys():
                whole.scores[docnum] = first[docnum] + second[docnum]
        return whole

    @staticmethod
    def all(parts: list[_Part]) -> _Part:
        if len(parts) == 1:
            return parts[0]
        matched, scored = parts[0].matched, parts[0].scored
        for part in parts[1:]:
            matched &= part.matched
            scored &= part.scored
        return _Part(wq.And([part.query for part in parts]), matched, scored,
                     has_arrays=any(part.has_arrays for part in parts))
