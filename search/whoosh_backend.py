"""The embedded search backend: a Whoosh index under DATA_DIR/search/whoosh.

Documents are analysed by ``search.analysis`` before Whoosh sees them (fields hold space-separated
terms), so that every value is analysed by its own language tag, and queries in every applicable way.
Writers wait for the index lock, so several processes may write one after another without loss.
"""
from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Iterable

from whoosh import fields, index, query as wq, sorting
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.writing import CLEAR

from search import FACETS, SearchResult, analysis, digest_of
from search.query import Leaf, ParsedQuery, Phrase, Word, parse
from search.whoosh_writer import BulkWriter

SPACE = SpaceSeparatedTokenizer()
LOCK_WAIT_SECONDS = 60.0
TEXT_FIELDS = ("exact", "stem", "key")
MIN_KEY_LENGTH = 3
# Memory a writer fills before it flushes a segment: larger means fewer segments to merge at commit
# (4,000 OLDI items: 41 s at 256 MB, 27 s at 1 GB). It is a ceiling, not an allocation.
WRITER_MB = 1024


def _schema() -> fields.Schema:
    schema = fields.Schema(
        id=fields.ID(stored=True, unique=True),
        digest=fields.STORED(),
        visibility=fields.KEYWORD(),
        title_exact=fields.TEXT(analyzer=SPACE, phrase=False, field_boost=3.0),
        title_key=fields.TEXT(analyzer=SPACE, phrase=False, field_boost=2.0),
        exact=fields.TEXT(analyzer=SPACE, phrase=True),
        stem=fields.TEXT(analyzer=SPACE, phrase=False),
        key=fields.TEXT(analyzer=SPACE, phrase=False, field_boost=0.7),
        date=fields.NUMERIC(numtype=int, bits=64, signed=True, sortable=True, default=0),
        dated=fields.NUMERIC(numtype=int, bits=8, sortable=True, default=0),
        title=fields.ID(sortable=True),
        added=fields.NUMERIC(numtype=int, bits=64, sortable=True, default=0),
        facets=fields.STORED(),
    )
    for name in FACETS:
        schema.add(f"f_{name}", fields.KEYWORD())
    return schema


class WhooshEngine:
    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self._local = threading.local()

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
        with BulkWriter(ix, timeout=LOCK_WAIT_SECONDS, delay=0.05, limitmb=WRITER_MB) as writer:
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

    def _leaf(self, leaf: Leaf, terms: dict[str, set[str]]) -> wq.Query | None:
        if isinstance(leaf, Phrase):
            exact = [sorted(analysis.query_terms(w)["exact"]) for w in leaf.words]
            for word in leaf.words:
                for name, values in analysis.query_terms(word).items():
                    terms.setdefault(name, set()).update(values)
            # Phrases match exact forms in order (keys carry no positions: they would double the index).
            return wq.Phrase("exact", [e[0] for e in exact]) if all(exact) else None
        analysed = analysis.query_terms(leaf.text)
        for name, values in analysed.items():
            terms.setdefault(name, set()).update(values)
        if leaf.prefix:
            options = [wq.Prefix("exact", e) for e in analysed["exact"] if len(e) >= 2]
            options += [wq.Prefix("key", k) for k in analysed["key"] if len(k) >= MIN_KEY_LENGTH]
            return wq.Or(options) if options else None
        options = []
        for value in analysed["exact"]:
            options += [wq.Term("exact", value, boost=3.0), wq.Term("title_exact", value, boost=3.0)]
        for value in analysed["stem"]:
            options += [wq.Term("stem", value, boost=2.0), wq.Term("exact", value, boost=2.0)]
        for value in analysed["key"]:
            if len(value) >= MIN_KEY_LENGTH:  # shorter skeletons match too many unrelated words
                options += [wq.Term("key", value), wq.Term("title_key", value)]
        return wq.Or(options) if options else None

    def _text_query(self, parsed: ParsedQuery, terms: dict[str, set[str]]) -> wq.Query:
        musts = []
        for group in parsed.must:
            options = [q for q in (self._leaf(leaf, terms) for leaf in group) if q is not None]
            if options:
                musts.append(wq.Or(options) if len(options) > 1 else options[0])
        positive: wq.Query = wq.And(musts) if musts else wq.Every()
        negatives = [q for q in (self._leaf(leaf, {}) for leaf in parsed.must_not) if q is not None]
        return wq.AndNot(positive, wq.Or(negatives)) if negatives else positive

    @staticmethod
    def _filter(visibility: list[str] | None, filters: dict[str, list[str]], skip: str | None = None) -> wq.Query | None:
        clauses = []
        if visibility is not None:
            clauses.append(wq.Or([wq.Term("visibility", token) for token in visibility]))
        for name, values in filters.items():
            if name != skip and values:
                clauses.append(wq.Or([wq.Term(f"f_{name}", value) for value in values]))
        return wq.And(clauses) if clauses else None

    def query(self, text: str, *, visibility: list[str] | None, filters: dict[str, list[str]] | None = None,
              sort: str = "relevance", page: int = 1, per_page: int = 20, with_facets: bool = True) -> SearchResult:
        """Search. ``visibility`` lists the tokens the viewer may see (None: everything)."""
        parsed = parse(text)
        merged = parsed.merged_filters(filters)
        searcher = self._searcher()
        if searcher is None:
            return SearchResult([], 0, {name: {} for name in FACETS}, parsed.notes)
        terms: dict[str, set[str]] = {}
        text_query = self._text_query(parsed, terms)
        sortedby, reverse = None, False
        if sort == "date" or sort == "-date":
            # Undated items last in either direction.
            sortedby = sorting.MultiFacet([sorting.FieldFacet("dated", reverse=True),
                                           sorting.FieldFacet("date", reverse=(sort == "-date"))])
        elif sort == "title":
            sortedby = "title"
        if parsed.empty and sort == "relevance":
            sortedby, reverse = sorting.FieldFacet("added", reverse=True), False
        results = searcher.search_page(text_query, page, pagelen=per_page, filter=self._filter(visibility, merged),
                                       sortedby=sortedby, reverse=reverse)
        ids = [hit["id"] for hit in results]
        facets = self._facets(searcher, text_query, visibility, merged) if with_facets else {}
        suggestion = None
        if results.total == 0 and not parsed.empty:
            suggestion = self._did_you_mean(searcher, parsed, visibility)
        return SearchResult(ids, results.total, facets, parsed.notes, suggestion, terms)

    def _facets(self, searcher, text_query, visibility, filters) -> dict[str, dict[str, int]]:
        """Disjunctive counts: each facet's counts apply every other facet's selection."""
        base = self._filter(visibility, {})
        matched = searcher.search(text_query, filter=base, limit=None, scored=False, sortedby=None)
        docnums = list(matched.docs())
        rows = [searcher.stored_fields(n)["facets"] for n in docnums]
        counts: dict[str, dict[str, int]] = {}
        for name in FACETS:
            counter: Counter[str] = Counter()
            for facets in rows:
                if all(set(facets.get(other, ())) & set(values) for other, values in filters.items() if other != name and values):
                    counter.update(facets.get(name, ()))
            counts[name] = dict(counter)
        return counts

    def _did_you_mean(self, searcher, parsed: ParsedQuery, visibility) -> str | None:
        """A spelling from the index's own vocabulary that finds something the viewer may see."""
        corrector = searcher.corrector("exact")
        words = [leaf.text for group in parsed.must for leaf in group if isinstance(leaf, Word) and not leaf.prefix]
        if not words:
            return None
        corrected, changed = [], False
        for word in words:
            folded = sorted(analysis.query_terms(word)["exact"]) or [word]
            options = corrector.suggest(folded[0], limit=5, maxdist=2)
            chosen = next((o for o in options if self._visible_hit(searcher, o, visibility)), None)
            corrected.append(chosen or word)
            changed |= chosen is not None and chosen != folded[0]
        return " ".join(corrected) if changed else None

    def _visible_hit(self, searcher, term: str, visibility) -> bool:
        return bool(searcher.search(wq.Term("exact", term), filter=self._filter(visibility, {}), limit=1).scored_length())

    def complete(self, prefix: str, *, visibility: list[str] | None, limit: int = 8) -> list[str]:
        """Words of the index that start with ``prefix`` and occur in an item the viewer may see."""
        searcher = self._searcher()
        forms = sorted(analysis.query_terms(prefix)["exact"]) if prefix.strip() else []
        if searcher is None or not forms or len(forms[0]) < 2:
            return []
        found: list[str] = []
        reader = searcher.reader()
        for term in reader.expand_prefix("exact", forms[0]):
            word = term.decode() if isinstance(term, bytes) else term
            if self._visible_hit(searcher, word, visibility):
                found.append(word)
            if len(found) >= limit:
                break
        return found
