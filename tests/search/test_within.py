"""search.within finds, inside an item's annotations, what the engines find in the index: joined words by
their parts, the accusative alef, Arabizi with the article."""
from __future__ import annotations

import pytest

from search import within

TEXT = "A multi-variable analysis, they're told"


@pytest.mark.parametrize("query, found", [
    ("vari*", ["multi-variable"]), ("variable", ["multi-variable"]), ('"multi variable analysis"', ["multi-variable analysis"]),
    ('"variable analysis"', ["multi-variable analysis"]), ("they", ["they're"]), ('"analysis they re"', ["analysis, they're"]),
    ('"variable multi"', None), ('"analysis multi"', None),
])
def test_joined_words_are_found_by_their_parts(query, found):
    spans = within.match(within.parse_query(query), TEXT, "en")
    assert (None if spans is None else [TEXT[a:b] for a, b in spans]) == found


def test_a_joined_query_word_finds_its_parts_written_apart():
    text = "a multi variable model"
    assert [text[a:b] for a, b in within.match(within.parse_query("multi-variable"), text, "en")] == ["multi variable"]


@pytest.mark.parametrize("query, text, lang", [
    ("l7out", "الحوت الكبير", "ary-Arab"), ("الحوت", "L7out f l-b7er", "ary-Latn"), ("كتاب", "قرا كتابًا", "ary-Arab"),
    ("كتابا", "كتاب جميل", "ary-Arab"), ('"قرا كتاب"', "قرا كتابًا", "ary-Arab"),
])
def test_cross_script_and_tanwin_as_the_engines(query, text, lang):
    assert within.match(within.parse_query(query), text, lang)


@pytest.mark.parametrize("query", ["7out", "hout", "ht", "l7"])
def test_two_consonants_without_the_article_find_nothing_by_skeleton(query):
    assert within.match(within.parse_query(query), "الحوت و حوت", "ary-Arab") is None
