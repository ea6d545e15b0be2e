"""Text analysis for Moroccan languages.

For now: transliteration between the Latin Amazigh alphabet and Tifinagh, following the conventions of
IRCAM (Institut Royal de la Culture Amazighe), the standard taught in Moroccan schools since 2003.

    a ⴰ   b ⴱ   c ⵛ   č ⵞ   d ⴷ   ḍ ⴹ   e ⴻ   f ⴼ   g ⴳ   gʷ ⴳⵯ  ɣ ⵖ   h ⵀ
    ḥ ⵃ   ɛ ⵄ   i ⵉ   j ⵊ   k ⴽ   kʷ ⴽⵯ  l ⵍ   m ⵎ   n ⵏ   q ⵇ   r ⵔ   ṛ ⵕ
    s ⵙ   ṣ ⵚ   t ⵜ   ṭ ⵟ   u ⵓ   w ⵡ   x ⵅ   y ⵢ   z ⵣ   ẓ ⵥ
    (extended: p ⵒ, v ⵠ)

Labialisation is written with the modifier letter ʷ (U+02B7) in Latin and the tamatart ⵯ (U+2D6F) in
Tifinagh, after any consonant. Tifinagh has no case: Latin capitals are transliterated as lower case, and
``tifinagh_to_latin`` returns lower case. Characters outside the alphabet (digits, punctuation, spaces,
letters of other scripts, Latin letters such as o that the alphabet lacks) are kept as they are.
Usual stand-ins for the special letters are accepted on input: Greek ε and γ for ɛ and ɣ, and ʕ / ʿ
(ayin) for ɛ; text is NFC-normalised first, so decomposed letters (d + U+0323) work too.
"""
from __future__ import annotations

import unicodedata

LABIALIZATION_LATIN = "\u02b7"  # ʷ
LABIALIZATION_TIFINAGH = "\u2d6f"  # ⵯ

# Latin (NFC, lower case) -> Tifinagh. One Latin letter per Tifinagh letter, both ways.
LATIN_TO_TIFINAGH: dict[str, str] = {
    "a": "\u2d30",  # ⴰ ya
    "b": "\u2d31",  # ⴱ yab
    "c": "\u2d5b",  # ⵛ yac
    "č": "\u2d5e",  # ⵞ yach
    "d": "\u2d37",  # ⴷ yad
    "ḍ": "\u2d39",  # ⴹ yaḍ
    "e": "\u2d3b",  # ⴻ yey
    "f": "\u2d3c",  # ⴼ yaf
    "g": "\u2d33",  # ⴳ yag
    "ɣ": "\u2d56",  # ⵖ yaɣ
    "h": "\u2d40",  # ⵀ yah
    "ḥ": "\u2d43",  # ⵃ yaḥ
    "ɛ": "\u2d44",  # ⵄ yaɛ
    "i": "\u2d49",  # ⵉ yi
    "j": "\u2d4a",  # ⵊ yaj
    "k": "\u2d3d",  # ⴽ yak
    "l": "\u2d4d",  # ⵍ yal
    "m": "\u2d4e",  # ⵎ yam
    "n": "\u2d4f",  # ⵏ yan
    "p": "\u2d52",  # ⵒ yap (extended)
    "q": "\u2d47",  # ⵇ yaq
    "r": "\u2d54",  # ⵔ yar
    "ṛ": "\u2d55",  # ⵕ yaṛ
    "s": "\u2d59",  # ⵙ yas
    "ṣ": "\u2d5a",  # ⵚ yaṣ
    "t": "\u2d5c",  # ⵜ yat
    "ṭ": "\u2d5f",  # ⵟ yaṭ
    "u": "\u2d53",  # ⵓ yu
    "v": "\u2d60",  # ⵠ yav (extended)
    "w": "\u2d61",  # ⵡ yaw
    "x": "\u2d45",  # ⵅ yax
    "y": "\u2d62",  # ⵢ yay
    "z": "\u2d63",  # ⵣ yaz
    "ẓ": "\u2d65",  # ⵥ yaẓ
    LABIALIZATION_LATIN: LABIALIZATION_TIFINAGH,
}

TIFINAGH_TO_LATIN: dict[str, str] = {tfng: latin for latin, tfng in LATIN_TO_TIFINAGH.items()}

# Accepted on input only (never produced).
_LATIN_VARIANTS: dict[str, str] = {
    "ε": "ɛ",  # Greek small epsilon
    "γ": "ɣ",  # Greek small gamma
    "ʕ": "ɛ",
    "ʿ": "ɛ",
    "ǧ": "j",
}
_TIFINAGH_VARIANTS: dict[str, str] = {
    "\u2d57": "ɣ",  # ⵗ Tuareg yagh
    "\u2d3e": "k",  # ⴾ Tuareg yak
    "\u2d48": "q",  # ⵈ Tuareg yaq
    "\u2d46": "x",  # ⵆ Tuareg yakh
    "\u2d4c": "j",  # ⵌ Tuareg yaj
}


def latin_to_tifinagh(text: str) -> str:
    """Transliterate Latin Amazigh text (IRCAM orthography) into Tifinagh.

    >>> latin_to_tifinagh("Tamaziɣt")
    'ⵜⴰⵎⴰⵣⵉⵖⵜ'
    >>> latin_to_tifinagh("agʷmar")
    'ⴰⴳⵯⵎⴰⵔ'
    """
    out = []
    for char in unicodedata.normalize("NFC", text):
        lower = char.lower()
        lower = _LATIN_VARIANTS.get(lower, lower)
        out.append(LATIN_TO_TIFINAGH.get(lower, char))
    return "".join(out)


def tifinagh_to_latin(text: str) -> str:
    """Transliterate Tifinagh text into the Latin Amazigh alphabet (IRCAM orthography, lower case).

    >>> tifinagh_to_latin("ⵜⵉⴼⵉⵏⴰⵖ")
    'tifinaɣ'
    """
    out = []
    for char in unicodedata.normalize("NFC", text):
        out.append(TIFINAGH_TO_LATIN.get(char) or _TIFINAGH_VARIANTS.get(char, char))
    return "".join(out)
