"""Searching within a handful of values (the annotations of one item) in Python, with the same query
language and the same analysis as the site's search engines, so that a query finds the same words here as
there: a Latin query finds a Tifinagh transcription, ``l7out`` finds الحوت, ``brodeuse`` finds
``brodeuses``.

Why not the index: the engines index whole items, and their hits say which item matched, not which
annotation nor where in it. One item holds at most a few hundred annotations, so analysing them on the
fly costs little (the word analysis is cached) and the answer is exact: which values match and where.

    find(query, values)        -> for each value, the matched word spans, or None when it does not match
    complete(prefix, values)   -> the words of the values that start with the prefix, with their counts

A value matches when every group of the query (its words, phrases and prefixes; ``a OR b``) matches one
of its words and no excluded (``-word``) one does. ``field:value`` filters have no meaning within an item
and are reported in ``Query.unused``.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable

from search import analysis
from search.query import Leaf, Phrase, Word, parse

MIN_KEY_LENGTH = 3  # as the engines: shorter consonant skeletons match too many unrelated words
MIN_PREFIX_LENGTH = 2


@dataclass(frozen=True)
class AnalysedWord:
    start: int
    end: int
    text: str
    exact: str
    parts: tuple[str, ...]  # of a joined word (analysis.joined_parts), which the index keeps as words too
    stems: frozenset[str]
    keys: frozenset[str]


@dataclass(frozen=True)
class Query:
    text: str
    must: list[list[Leaf]]
    must_not: list[Leaf]
    unused: list[str] = field(default_factory=list)  # field:value filters, which do not apply here

    @property
    def empty(self) -> bool:
        return not self.must and not self.must_not


def analysed_words(text: str, lang: str | None) -> list[AnalysedWord]:
    """The words of ``text`` with their place in it and their analyses, as the index would store them for a
    value in language ``lang``."""
    found: list[AnalysedWord] = []
    position = 0
    for word in analysis.words(text):
        start = text.find(word, position)
        position = start + len(word)
        terms = analysis.index_terms(word, lang)
        exact = terms["exact"][0] if terms["exact"] else ""
        found.append(AnalysedWord(start, position, word, exact, tuple(terms["exact"][1:]), frozenset(terms["stem"]),
                                  frozenset(terms["key"])))
    return found


def parse_query(text: str) -> Query:
    parsed = parse(text)
    unused = [f"{name}:{value}" for name, values in parsed.filters.items() for value in values]
    return Query(text, parsed.must, parsed.must_not, unused)


@lru_cache(maxsize=1024)
def _query_terms(word: str) -> dict[str, frozenset[str]]:
    return {name: frozenset(values) for name, values in analysis.query_terms(word).items()}


def _word_matches(leaf: Word, word: AnalysedWord) -> bool:
    terms = _query_terms(leaf.text)
    exacts = (word.exact, *word.parts)
    if leaf.prefix:
        return (any(len(e) >= MIN_PREFIX_LENGTH and x.startswith(e) for e in terms["exact"] for x in exacts)
                or any(len(k) >= MIN_KEY_LENGTH and key.startswith(k) for k in terms["key"] for key in word.keys))
    return (any(x in terms["exact"] for x in exacts)
            or bool(terms["stem"] & (word.stems | set(exacts)))
            or any(len(key) >= MIN_KEY_LENGTH and key in terms["key"] for key in word.keys))


def _phrase_spans(wanted: list[str], words: list[AnalysedWord]) -> list[tuple[int, int]]:
    """Where the exact forms ``wanted`` follow each other, as the index places them (``exact_positions``: a
    joined word's parts one after the other), Arabic words with or without the accusative alef."""
    tokens = [(word, exact) for word in words for exact in (word.parts or (word.exact,))]
    forms = [set(analysis.tanwin_forms(w)) for w in wanted]
    spans = []
    for index in range(len(tokens) - len(forms) + 1):
        if all(tokens[index + offset][1] in choice for offset, choice in enumerate(forms)):
            spans.append((tokens[index][0].start, tokens[index + len(forms) - 1][0].end))
    return sorted(set(spans))


def _leaf_spans(leaf: Leaf, words: list[AnalysedWord]) -> list[tuple[int, int]]:
    if isinstance(leaf, Phrase):
        # As the engines: a phrase matches the exact forms of its words, in order.
        wanted = [sorted(_query_terms(w)["exact"]) for w in leaf.words]
        if not all(wanted):
            return []
        return _phrase_spans(analysis.phrase_words([forms[0] for forms in wanted]), words)
    spans = [(w.start, w.end) for w in words if _word_matches(leaf, w)]
    if not leaf.prefix:
        # As the engines: a joined word also finds its parts written apart (multi-variable: "multi variable").
        for parts in map(analysis.joined_parts, sorted(_query_terms(leaf.text)["exact"])):
            if parts:
                spans += _phrase_spans(parts, words)
    return sorted(set(spans))


def match(query: Query, text: str, lang: str | None) -> list[tuple[int, int]] | None:
    """The spans (start, end) of ``text`` that the query's words matched, in order; None when ``text`` does
    not match. An empty query matches every value, with no span."""
    words = analysed_words(text, lang)
    spans: set[tuple[int, int]] = set()
    for group in query.must:
        group_spans = [span for leaf in group for span in _leaf_spans(leaf, words)]
        if not group_spans:
            return None
        spans.update(group_spans)
    if any(_leaf_spans(leaf, words) for leaf in query.must_not):
        return None
    return sorted(spans)


def find(query: Query, values: Iterable[tuple[str, str | None]]) -> list[list[tuple[int, int]] | None]:
    """For each (text, lang) of ``values``, its matched spans, or None."""
    return [match(query, text, lang) for text, lang in values]


def complete(prefix: str, values: Iterable[tuple[str, str | None]], *, min_count: int = 1,
             limit: int = 20) -> list[tuple[str, str | None, int]]:
    """The words of ``values`` whose folded form starts with the folded ``prefix`` (in any script: a Latin
    prefix completes Tifinagh words too), as (word as first written, its value's language, occurrences),
    occurring at least ``min_count`` times, in alphabetical order of their folded forms. Terms are single
    words, so a prefix of several words, or one that folds to fewer than two letters, completes nothing."""
    prefix_words = analysis.words(prefix)
    if len(prefix_words) != 1 or prefix.strip() != prefix_words[0]:
        return []
    forms = _query_terms(prefix_words[0])["exact"]
    wanted = next(iter(forms), "")
    if len(wanted) < MIN_PREFIX_LENGTH:
        return []
    counts: Counter[str] = Counter()
    first_seen: dict[str, tuple[str, str | None]] = {}
    for text, lang in values:
        for word in analysed_words(text, lang):
            if word.exact.startswith(wanted):
                counts[word.exact] += 1
                first_seen.setdefault(word.exact, (word.text, lang))
    chosen = sorted(exact for exact, count in counts.items() if count >= min_count)[:limit]
    return [(first_seen[exact][0], first_seen[exact][1], counts[exact]) for exact in chosen]
