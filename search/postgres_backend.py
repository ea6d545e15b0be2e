"""The PostgreSQL search backend (TWIZA_SEARCH_BACKEND=postgres), for deployments with several
application servers sharing one database, where a shared Whoosh folder will not do.

Documents are analysed by ``search.analysis`` exactly as for Whoosh; the terms are stored in one
``tsvector`` column, each lexeme prefixed by its analysis (``x`` exact, ``s`` stem, ``k`` key) and
weighted A in titles, so one GIN index answers words, phrases (positions) and prefixes (``:*``).
This module is the only code that writes full-text SQL.
"""
from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from itertools import islice, product
from typing import Any, Callable, Iterable

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSQUERY, TSVECTOR

from search import FACETS, SearchResult, analysis, digest_of
from search.query import Leaf, ParsedQuery, Phrase, Word, parse

MIN_KEY_LENGTH = 3
UPSERT_BATCH = 500
SEARCH_METADATA = sa.MetaData(naming_convention={"ix": "ix_%(column_0_label)s", "pk": "pk_%(table_name)s"})

search_documents = sa.Table(
    "search_documents",
    SEARCH_METADATA,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("digest", sa.String(40), nullable=False),
    sa.Column("visibility", ARRAY(sa.Text()), nullable=False),
    sa.Column("facet_tokens", ARRAY(sa.Text()), nullable=False),
    sa.Column("facets", JSONB(), nullable=False),
    sa.Column("terms", TSVECTOR(), nullable=False),
    sa.Column("title_sort", sa.Text(), nullable=False),
    sa.Column("date", sa.BigInteger()),
    sa.Column("added", sa.BigInteger(), nullable=False),
    sa.Index("ix_search_documents_terms", "terms", postgresql_using="gin"),
    sa.Index("ix_search_documents_visibility", "visibility", postgresql_using="gin"),
    sa.Index("ix_search_documents_facet_tokens", "facet_tokens", postgresql_using="gin"),
)


def _lexeme(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def _tsvector(document: dict[str, Any]) -> str:
    """A tsvector literal: prefixed lexemes with positions (exact terms in text order, a joined word at the
    position of its first part: ``analysis.exact_positions``), titles weighted A."""
    entries: dict[str, list[str]] = {}
    position = 0
    for text in document["texts"]:
        analysed = analysis.index_terms(text["value"], text["lang"])
        weight = "A" if text["part"] == "title" else ""
        start = position
        for term, offset in zip(analysed["exact"], analysis.exact_positions(analysed["exact"])):
            position = min(start + offset + 1, 16383)
            entries.setdefault("x" + term, []).append(f"{position}{weight}")
        exact = set(analysed["exact"])
        for prefix, name in (("s", "stem"), ("k", "key")):
            for term in analysed[name]:
                if prefix == "s" and term in exact:
                    continue  # already there as an exact word, which queries for stems also look at
                entries.setdefault(prefix + term, []).append(f"{max(position, 1)}{weight}")
        position += 1  # values do not run into each other in phrases
    return " ".join(f"{_lexeme(lexeme)}:{','.join(positions[:256])}" for lexeme, positions in entries.items())


def _as_tsquery(text: str):
    """The query as written: its lexemes are analysed already, and to_tsquery's parser would cut the joined
    ones again (earth-like into earth-like <-> earth <-> like, they're into they <-> re)."""
    return sa.cast(text, TSQUERY)


def _batches(documents: Iterable[dict[str, Any]], size: int):
    iterator = iter(documents)
    while batch := list(islice(iterator, size)):
        yield batch


def _tsquery_term(lexeme: str, prefix: bool = False) -> str:
    return _lexeme(lexeme) + (":*" if prefix else "")


def _phrase(words: list[str], terms: dict[str, set[str]]) -> str:
    """As the Whoosh backend: exact forms in order, Arabic words also with or without the accusative alef
    (غالبًا)."""
    choices = [analysis.tanwin_forms(word) for word in words]
    terms.setdefault("exact", set()).update(w for choice in choices for w in choice)
    options = ["(" + " <-> ".join(_tsquery_term("x" + w) for w in variant) + ")"
               for variant in islice(product(*choices), 8)]
    return "(" + " | ".join(options) + ")"


class PostgresEngine:
    def __init__(self, engine_factory: Callable[[], sa.Engine]):
        self._engine_factory = engine_factory

    @property
    def engine(self) -> sa.Engine:
        return self._engine_factory()

    def _row(self, document: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": document["id"],
            "digest": digest_of(document),
            "visibility": list(document["visibility"]),
            "facet_tokens": [f"{name}:{value}" for name in FACETS for value in document["facets"].get(name, [])],
            "facets": json.dumps(document["facets"], ensure_ascii=False),
            "terms": _tsvector(document),
            "title_sort": analysis.fold_latin(document["title"])[:200],
            "date": document.get("date"),
            "added": int(document["added"] * 1000),
        }

    _UPSERT = sa.text(
        "INSERT INTO search_documents (id, digest, visibility, facet_tokens, facets, terms, title_sort, date, added) "
        "VALUES (:id, :digest, :visibility, :facet_tokens, CAST(:facets AS jsonb), CAST(:terms AS tsvector), "
        ":title_sort, :date, :added) ON CONFLICT (id) DO UPDATE SET digest = EXCLUDED.digest, "
        "visibility = EXCLUDED.visibility, facet_tokens = EXCLUDED.facet_tokens, facets = EXCLUDED.facets, "
        "terms = EXCLUDED.terms, title_sort = EXCLUDED.title_sort, date = EXCLUDED.date, added = EXCLUDED.added"
    )

    def upsert_many(self, documents: Iterable[dict[str, Any]], *, total: int | None = None) -> int:
        """Add or replace documents, in one transaction."""
        with self.engine.begin() as connection:
            return self._write(connection, documents)

    def _write(self, connection, documents: Iterable[dict[str, Any]]) -> int:
        """Write rows a batch at a time. A thread analyses the next batch while the database writes this
        one (the database driver lets other threads run while it waits for the server)."""
        count = 0
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="twiza-search-rows") as analysis:
            pending = None
            for batch in _batches(documents, UPSERT_BATCH):
                rows = analysis.submit(lambda batch=batch: [self._row(document) for document in batch])
                if pending is not None:
                    count += self._upsert(connection, pending.result())
                pending = rows
            if pending is not None:
                count += self._upsert(connection, pending.result())
        return count

    def _upsert(self, connection, rows: list[dict[str, Any]]) -> int:
        connection.execute(self._UPSERT, rows)
        return len(rows)

    def delete(self, ids: Iterable[str]) -> None:
        with self.engine.begin() as connection:
            connection.execute(search_documents.delete().where(search_documents.c.id.in_(list(ids))))

    def rebuild(self, documents: Iterable[dict[str, Any]], *, total: int, progress: Callable[[int], None] | None = None) -> int:
        def counted():
            for document in documents:
                yield document
                if progress:
                    progress(1)

        # One transaction: searches see the old index until the new one is complete.
        with self.engine.begin() as connection:
            connection.execute(search_documents.delete())
            return self._write(connection, counted())

    def indexed_digests(self) -> dict[str, str]:
        with self.engine.connect() as connection:
            return dict(connection.execute(sa.select(search_documents.c.id, search_documents.c.digest)).all())

    # ------------------------------------------------------------------------------------ reading

    def _leaf(self, leaf: Leaf, terms: dict[str, set[str]]) -> str | None:
        if isinstance(leaf, Phrase):
            words = []
            for word in leaf.words:
                analysed = analysis.query_terms(word)
                for name, values in analysed.items():
                    terms.setdefault(name, set()).update(values)
                if not analysed["exact"]:
                    return None
                words.append(sorted(analysed["exact"])[0])
            return _phrase(analysis.phrase_words(words), terms)
        analysed = analysis.query_terms(leaf.text)
        for name, values in analysed.items():
            terms.setdefault(name, set()).update(values)
        if leaf.prefix:
            options = [_tsquery_term("x" + e, prefix=True) for e in analysed["exact"] if len(e) >= 2]
            options += [_tsquery_term("k" + k, prefix=True) for k in analysed["key"] if len(k) >= MIN_KEY_LENGTH]
        else:
            options = [_tsquery_term("x" + e) for e in analysed["exact"]]
            # A joined word also finds its parts written apart, as a phrase (multi-variable: "multi variable").
            options += [_phrase(parts, terms) for parts in map(analysis.joined_parts, sorted(analysed["exact"])) if parts]
            options += [_tsquery_term(prefix + s) for s in analysed["stem"] for prefix in ("s", "x")]
            options += [_tsquery_term("k" + k) for k in analysed["key"] if len(k) >= MIN_KEY_LENGTH]
        return "(" + " | ".join(options) + ")" if options else None

    def _tsquery(self, parsed: ParsedQuery, terms: dict[str, set[str]]) -> str | None:
        groups = []
        for group in parsed.must:
            options = [q for q in (self._leaf(leaf, terms) for leaf in group) if q]
            if options:
                groups.append("(" + " | ".join(options) + ")")
        negatives = [q for q in (self._leaf(leaf, {}) for leaf in parsed.must_not) if q]
        if not groups:
            return ("!(" + " | ".join(negatives) + ")") if negatives else None
        query = " & ".join(groups)
        if negatives:
            query += " & !(" + " | ".join(negatives) + ")"
        return query

    @staticmethod
    def _conditions(tsquery: str | None, visibility: list[str] | None, filters: dict[str, list[str]], skip: str | None = None,
                    excluded: dict[str, list[str]] | None = None):
        table = search_documents.c
        conditions = []
        if tsquery is not None:
            conditions.append(table.terms.op("@@")(_as_tsquery(tsquery)))
        if visibility is not None:
            conditions.append(table.visibility.op("&&")(sa.cast(visibility, ARRAY(sa.Text()))))
        for name, values in filters.items():
            if name != skip and values:
                conditions.append(table.facet_tokens.op("&&")(sa.cast([f"{name}:{v}" for v in values], ARRAY(sa.Text()))))
        left_out = [f"{name}:{v}" for name, values in (excluded or {}).items() for v in values]
        if left_out:
            conditions.append(sa.not_(table.facet_tokens.op("&&")(sa.cast(left_out, ARRAY(sa.Text())))))
        return conditions

    def query(self, text: str, *, visibility: list[str] | None, filters: dict[str, list[str]] | None = None,
              sort: str = "relevance", page: int = 1, per_page: int = 20, with_facets: bool = True) -> SearchResult:
        parsed = parse(text)
        merged = parsed.merged_filters(filters)
        terms: dict[str, set[str]] = {}
        tsquery = self._tsquery(parsed, terms)
        table = search_documents.c
        conditions = self._conditions(tsquery, visibility, merged, excluded=parsed.excluded)
        if sort in ("date", "-date"):
            order = [table.date.is_(None), table.date.asc() if sort == "date" else table.date.desc(), table.id]
        elif sort == "title":
            order = [table.title_sort, table.id]
        elif tsquery is not None:
            order = [sa.func.ts_rank(table.terms, _as_tsquery(tsquery)).desc(), table.id]
        else:
            order = [table.added.desc(), table.id]
        with self.engine.connect() as connection:
            total = connection.scalar(sa.select(sa.func.count()).select_from(search_documents).where(*conditions))
            ids = list(connection.scalars(sa.select(table.id).where(*conditions).order_by(*order)
                                          .offset((page - 1) * per_page).limit(per_page)))
            facets = self._facets(connection, tsquery, visibility, merged, parsed.excluded) if with_facets else {}
            suggestion = None
            if total == 0 and not parsed.empty:
                suggestion = self._did_you_mean(connection, parsed, visibility)
        return SearchResult(ids, total or 0, facets, parsed.notes, suggestion, terms)

    def _facets(self, connection, tsquery, visibility, filters, excluded) -> dict[str, dict[str, int]]:
        """Disjunctive counts: one grouped count for the unselected facets, one per selected facet."""
        counts: dict[str, dict[str, int]] = {name: {} for name in FACETS}
        token = sa.func.unnest(search_documents.c.facet_tokens).label("token")

        def grouped(skip: str | None) -> Counter[str]:
            inner = sa.select(token).where(*self._conditions(tsquery, visibility, filters, skip=skip, excluded=excluded)).subquery()
            rows = connection.execute(sa.select(inner.c.token, sa.func.count()).group_by(inner.c.token))
            return Counter(dict(rows.all()))

        shared = grouped(None)
        for name in FACETS:
            source = grouped(name) if filters.get(name) else shared
            prefix = name + ":"
            counts[name] = {t[len(prefix):]: n for t, n in source.items() if t.startswith(prefix)}
        return counts

    def _vocabulary(self, connection, visibility, like: str, limit: int) -> list[tuple[str, int]]:
        """Exact words of visible documents matching a LIKE pattern, most frequent first."""
        if visibility is None:
            inner = "SELECT terms FROM search_documents"
        else:
            # Tokens are the access service's own ("public", "community:<slug>"); quotes are stripped anyway.
            tokens = ",".join('"' + "".join(c for c in t if c not in "\"'\\{}") + '"' for t in visibility)
            inner = f"SELECT terms FROM search_documents WHERE visibility && '{{{tokens}}}'::text[]"
        rows = connection.execute(
            sa.text("SELECT word, ndoc FROM ts_stat(:inner) WHERE word LIKE :like ORDER BY ndoc DESC, word LIMIT :limit"),
            {"inner": inner, "like": like, "limit": limit},
        )
        return [(word[1:], n) for word, n in rows]

    def _did_you_mean(self, connection, parsed: ParsedQuery, visibility) -> str | None:
        words = [leaf.text for group in parsed.must for leaf in group if isinstance(leaf, Word) and not leaf.prefix]
        corrected, changed = [], False
        for word in words:
            folded = sorted(analysis.query_terms(word)["exact"]) or [word]
            target = folded[0]
            candidates = self._vocabulary(connection, visibility, "x" + target[:1].replace("%", "") + "%", 5000)
            best = min(((_distance(target, c), -n, c) for c, n in candidates if abs(len(c) - len(target)) <= 2),
                       default=None)
            if best and 0 < best[0] <= 2:
                corrected.append(best[2])
                changed = True
            else:
                corrected.append(word)
        return " ".join(corrected) if changed and words else None

    def complete(self, prefix: str, *, visibility: list[str] | None, limit: int = 8) -> list[str]:
        forms = sorted(analysis.query_terms(prefix)["exact"]) if prefix.strip() else []
        if not forms or len(forms[0]) < 2:
            return []
        pattern = "x" + forms[0].replace("\\", "").replace("%", "").replace("_", "\\_") + "%"
        with self.engine.connect() as connection:
            return [word for word, _n in self._vocabulary(connection, visibility, pattern, limit)]


def _distance(a: str, b: str) -> int:
    """Levenshtein distance (small words only)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]
