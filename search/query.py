"""The query language of the archive's search box, parsed into a small tree. Pure: no engine here.

    words            all must match (in any script: see analysis.query_terms)
    "a phrase"       the words in this order
    pre*             words starting with 'pre'
    a OR b           either
    -word, -"a b"    must not match
    field:value      kind:song region:souss-massa lang:zgh script:Tfng collection:… licence:… media:audio
                     role:trc decade:1950 (lang is the language facet)
    -field:value     leaves out the items that have it (-kind:proverb)

A malformed query (an unclosed quote, a dangling operator, an unknown field) is answered for any of its
words, best matches first, with a note saying what was not understood: never an error.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

FIELD_ALIASES = {"kind": "kind", "region": "region", "lang": "language", "language": "language", "script": "script",
                 "collection": "collection", "licence": "licence", "license": "licence", "media": "media",
                 "role": "role", "decade": "decade", "reuse": "reuse"}
_TOKEN = re.compile(r'(?P<neg>-)?(?:"(?P<phrase>[^"]*)"|(?P<field>[a-z]+):(?P<value>[^\s"]+)|(?P<word>[^\s"]+))')


@dataclass(frozen=True)
class Word:
    text: str
    prefix: bool = False


@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]


Leaf = Word | Phrase


@dataclass
class ParsedQuery:
    must: list[list[Leaf]] = field(default_factory=list)  # each inner list is an OR group
    must_not: list[Leaf] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)
    excluded: dict[str, list[str]] = field(default_factory=dict)  # -field:value: documents with it are left out
    notes: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.must and not self.must_not

    def merged_filters(self, filters: dict[str, list[str]] | None) -> dict[str, list[str]]:
        """The facet selection of the page joined with the field:value filters typed in the query."""
        merged = {name: list(values) for name, values in (filters or {}).items() if values}
        for name, values in self.filters.items():
            merged.setdefault(name, []).extend(v for v in values if v not in merged.get(name, []))
        return merged


def parse(text: str) -> ParsedQuery:
    parsed = ParsedQuery()
    text = (text or "").strip()
    if text.count('"') % 2:
        parsed.notes.append("unclosed-quote")
        text = text[: text.rindex('"')] + text[text.rindex('"') + 1 :]
    pending_or = False
    for match in _TOKEN.finditer(text):
        negative = bool(match["neg"])
        leaf: Leaf | None = None
        if match["phrase"] is not None:
            words = tuple(match["phrase"].split())
            if len(words) == 1:
                leaf = Word(words[0])
            elif words:
                leaf = Phrase(words)
        elif match["field"] is not None:
            name = FIELD_ALIASES.get(match["field"])
            if name is None:
                parsed.notes.append(f"unknown-field:{match['field']}")
                for word in (match["field"], match["value"]):
                    parsed.must.append([Word(word)])
                continue
            else:
                (parsed.excluded if negative else parsed.filters).setdefault(name, []).append(match["value"])
                continue
        else:
            word = match["word"]
            if word in ("AND", "&&"):
                continue
            if word in ("OR", "||"):
                if not parsed.must or negative:
                    parsed.notes.append("dangling-operator")
                else:
                    pending_or = True
                continue
            prefix = word.endswith("*")
            word = word.strip("*")
            if not word:
                parsed.notes.append("empty-prefix")
                continue
            leaf = Word(word, prefix=prefix)
        if leaf is None:
            continue
        if negative:
            parsed.must_not.append(leaf)
        elif pending_or:
            parsed.must[-1].append(leaf)
            pending_or = False
        else:
            parsed.must.append([leaf])
    if pending_or:
        parsed.notes.append("dangling-operator")
    if parsed.notes and len(parsed.must) > 1:
        # The query was not understood as written: answer for any of its words, best matches first.
        parsed.must = [[leaf for group in parsed.must for leaf in group]]
    return parsed
