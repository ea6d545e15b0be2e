"""Latin <-> Tifinagh transliteration (IRCAM) on real words."""
from __future__ import annotations

import pytest

from search.analysis import latin_to_tifinagh, tifinagh_to_latin

WORDS = [
    ("tamaziɣt", "ⵜⴰⵎⴰⵣⵉⵖⵜ"),
    ("aɣrum", "ⴰⵖⵔⵓⵎ"),
    ("tifinaɣ", "ⵜⵉⴼⵉⵏⴰⵖ"),
    ("azul", "ⴰⵣⵓⵍ"),
    ("aẓru", "ⴰⵥⵔⵓ"),
    ("agʷmar", "ⴰⴳⵯⵎⴰⵔ"),
]


@pytest.mark.parametrize(("latin", "tifinagh"), WORDS)
def test_round_trip(latin, tifinagh):
    assert latin_to_tifinagh(latin) == tifinagh
    assert tifinagh_to_latin(tifinagh) == latin
    assert tifinagh_to_latin(latin_to_tifinagh(latin)) == latin


def test_capitals_variants_and_other_characters():
    assert latin_to_tifinagh("Tamaziɣt") == "ⵜⴰⵎⴰⵣⵉⵖⵜ"
    assert latin_to_tifinagh("tamaziγt") == "ⵜⴰⵎⴰⵣⵉⵖⵜ"  # Greek gamma
    assert latin_to_tifinagh("ad\u0323") == "ⴰⴹ"  # decomposed ḍ
    assert latin_to_tifinagh("Azul, 2024!") == "ⴰⵣⵓⵍ, 2024!"
    assert tifinagh_to_latin("ⴰⵣⵓⵍ ⴼⵍⵍⴰⵡⵏ") == "azul fllawn"
