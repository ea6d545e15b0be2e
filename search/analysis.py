"""Text analysis for the languages and scripts of Morocco, for the search index.

Moroccan heritage is written in Arabic script (Darija, Arabic, sometimes Amazigh), in Latin "Arabizi"
with digits (3 for ع, 7 for ح, 9 for ق), in Tifinagh, in Latin Amazigh transcription and in French
and English. This module turns any of them into comparable terms for the index backends (Whoosh,
PostgreSQL), which call it and never analyse text themselves. Pure standard library.

What the index calls (every table, with examples and known limits, is in docs/search-languages.md):

- ``words(text)``: tokens, in any of the scripts (hyphens and apostrophes inside words, Arabizi digits
  inside words, one script per token).
- ``normalize_arabic(text)``, ``fold_latin(text)``: the "exact" form of Arabic-script and Latin words.
- ``skeleton(word)``: one cross-script consonant key, so that تمازيغت, ⵜⴰⵎⴰⵣⵉⵖⵜ, tamaziɣt and
  tamazight all give ``tmzɣt``, and الحوت, l7out and el-7out give ``ht``.
- ``index_terms(text, lang)``: the three analyses ("exact", "stem", "key") of a stored value, by its
  own BCP 47 tag; ``query_terms(word)``: the same analyses of one query word, in every applicable way.
- ``exact_positions(terms)``: where the index puts the exact terms (the parts of a joined word,
  ``joined_parts``, follow it); ``phrase_words`` and ``tanwin_forms``: what a quoted phrase looks for.
- ``stem_fr``, ``stem_en``, ``stem_ar``: light stems (``stem_ar``: the accusative alef, كتابا -> كتاب).
- ``script_of_text(text)``: "Arab", "Tfng" or "Latn".
- ``latin_to_tifinagh`` and ``tifinagh_to_latin``: IRCAM transliteration, described below.

Latin <-> Tifinagh follows the conventions of IRCAM (Institut Royal de la Culture Amazighe), the
standard taught in Moroccan schools since 2003.

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

import re
import unicodedata
from functools import lru_cache
from itertools import chain
from typing import Callable

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



# One translation table for the two dictionaries above (same result as a lookup per character).
_TIFINAGH_TABLE = str.maketrans({**_TIFINAGH_VARIANTS, **TIFINAGH_TO_LATIN})


def tifinagh_to_latin(text: str) -> str:
    """Transliterate Tifinagh text into the Latin Amazigh alphabet (IRCAM orthography, lower case).

    >>> tifinagh_to_latin("ⵜⵉⴼⵉⵏⴰⵖ")
    'tifinaɣ'
    """
    return unicodedata.normalize("NFC", text).translate(_TIFINAGH_TABLE)


# Scripts and tokens ------------------------------------------------------------------------------------

_ARABIC_BLOCKS = "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"
_TIFINAGH_BLOCK = "\u2d30-\u2d7f"
# Inside an Arabic-script word: letters, marks, tatweel and Arabic-Indic digits, not the block's
# punctuation (، ؛ ؟ ٪ ٫ ٬ ۔ ...).
_ARABIC_WORD_CHARS = (
    "\u0610-\u061a\u0620-\u0669\u066e-\u06d3\u06d5-\u06dc\u06df-\u06e8\u06ea-\u06fc\u06ff"
    "\u0750-\u077f\u08a0-\u08ff\ufb50-\ufd3d\ufd50-\ufdfb\ufe70-\ufefc"
)
_TIFINAGH_WORD_CHARS = "\u2d30-\u2d6f\u2d7f"  # letters, tamatart ⵯ, joiner; not the separator ⵰
_OTHER_WORD_CHAR = rf"[^\W_{_ARABIC_BLOCKS}{_TIFINAGH_BLOCK}]"  # Latin, digits and any other script
_COMBINING_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"

_ARABIC_RUN = rf"[{_ARABIC_WORD_CHARS}]+(?:[\u200c\u200d]+[{_ARABIC_WORD_CHARS}]+)*"
_TIFINAGH_RUN = rf"[{_TIFINAGH_WORD_CHARS}]+"
_OTHER_RUN = rf"{_OTHER_WORD_CHAR}+(?:[{_COMBINING_MARKS}]+{_OTHER_WORD_CHAR}*)*"
_HYPHEN = "[-\u2010\u2011]"
_HYPHEN_OR_APOSTROPHE = "[-\u2010\u2011'\u2019]"
# One script per token; hyphens join runs of the same script (d-dar, ⵢⴻⵏⵏⴰ-ⵢⴰⵙ), apostrophes join Latin
# runs (l'ahwash, aujourd'hui). ASCII digits belong to the Latin runs, so l7out and 3lach stay whole.
_WORD_RE = re.compile(
    rf"{_ARABIC_RUN}(?:{_HYPHEN}{_ARABIC_RUN})*"
    rf"|{_TIFINAGH_RUN}(?:{_HYPHEN}{_TIFINAGH_RUN})*"
    rf"|{_OTHER_RUN}(?:{_HYPHEN_OR_APOSTROPHE}{_OTHER_RUN})*"
)

_ARABIC_LETTER_RE = re.compile(
    "[\u0620-\u064a\u066e\u066f\u0671-\u06d3\u06d5\u06ee\u06ef\u06fa-\u06fc\u06ff"
    "\u0750-\u077f\u08a0-\u08c9\ufb50-\ufdfb\ufe70-\ufefc]"
)
_TIFINAGH_LETTER_RE = re.compile("[\u2d30-\u2d67]")
_OTHER_LETTER_RE = re.compile(rf"[^\W\d_{_ARABIC_BLOCKS}{_TIFINAGH_BLOCK}]")
_FIRST_LETTER_RE = re.compile(rf"([{_ARABIC_BLOCKS}])|([{_TIFINAGH_BLOCK}])|[^\W_]")


def words(text: str) -> list[str]:
    """The words of ``text``, as written (no case or accent change), in reading order.

    A word is a run of letters, combining marks and digits of one script: Arabic script (with its
    diacritics, tatweel and Arabic-Indic digits), Tifinagh (with the tamatart ⵯ), or Latin and anything
    else (with ɣ ɛ ḍ ʷ ..., ASCII digits, so Arabizi l7out, 3lach, 9alb are one word each). Hyphens join
    runs of the same script (d-dar, el-7out, Anti-Atlas, ⵢⴻⵏⵏⴰ-ⵢⴰⵙ) and apostrophes join Latin runs
    (l'ahwash, l’ahwash). A change of script without a space (فاس2024) starts a new word; punctuation,
    underscores and spaces separate words.

    >>> words("L'ahwash d-dar, l7out (الحوت) ⵜⴰⵎⴰⵣⵉⵖⵜ!")
    ["L'ahwash", 'd-dar', 'l7out', 'الحوت', 'ⵜⴰⵎⴰⵣⵉⵖⵜ']
    """
    return _WORD_RE.findall(text)


def script_of_text(text: str) -> str:
    """"Arab", "Tfng" or "Latn": the ISO 15924 code of the script most of the letters of ``text`` are in.

    Digits, marks and punctuation do not count. Letters of scripts other than Arabic and Tifinagh count as
    Latin. Ties go to Latin, then to Arabic; text without letters gives "Latn".
    """
    latin = len(_OTHER_LETTER_RE.findall(text))
    tifinagh = len(_TIFINAGH_LETTER_RE.findall(text))
    arabic = len(_ARABIC_LETTER_RE.findall(text))
    if arabic > latin and arabic >= tifinagh:
        return "Arab"
    if tifinagh > latin:
        return "Tfng"
    return "Latn"


def _script_of_word(word: str) -> str:
    """The script of a word's first letter or digit (a word from ``words`` has only one)."""
    match = _FIRST_LETTER_RE.search(word)
    if match is None or match.lastindex is None:
        return "Latn"
    return "Arab" if match.lastindex == 1 else "Tfng"


# Arabic ----------------------------------------------------------------------------------------------

_DIGITS: dict[int, str] = {0x0660 + i: str(i) for i in range(10)}  # Arabic-Indic ٠١٢٣٤٥٦٧٨٩
_DIGITS.update({0x06F0 + i: str(i) for i in range(10)})  # Eastern Arabic-Indic ۰۱۲۳۴۵۶۷۸۹

# Letter unification (documented in docs/search-languages.md, "Arabic normalisation").
ARABIC_NORMALIZATION: dict[str, str] = {
    "\u0623": "\u0627",  # أ -> ا
    "\u0625": "\u0627",  # إ -> ا
    "\u0622": "\u0627",  # آ -> ا
    "\u0671": "\u0627",  # ٱ (alef wasla) -> ا
    "\u0672": "\u0627",  # ٲ (alef with wavy hamza above) -> ا
    "\u0673": "\u0627",  # ٳ (alef with wavy hamza below) -> ا
    "\u0649": "\u064a",  # ى (alef maqsura) -> ي
    "\u06cc": "\u064a",  # ی (Persian yeh) -> ي
    "\u0629": "\u0647",  # ة (ta marbuta) -> ه
    "\u06c0": "\u0647",  # ۀ (heh with yeh above) -> ه
    "\u0624": "\u0648",  # ؤ -> و
    "\u0626": "\u064a",  # ئ -> ي
    "\u06a9": "\u0643",  # ک (keheh) -> ك
}
# Removed: tashkeel (fathatan ... sukun, hamza and madda marks U+064B–U+065F), superscript alef U+0670,
# tatweel U+0640, Quranic annotation marks, and invisible format characters (ZWNJ, ZWJ, LRM, RLM, ALM).
_ARABIC_REMOVED = (
    [*range(0x064B, 0x0660), 0x0670, 0x0640, *range(0x0610, 0x061B), *range(0x06D6, 0x06DD),
     *range(0x06DF, 0x06E9), *range(0x06EA, 0x06EE), *range(0x200B, 0x2010), 0x061C]
)
_ARABIC_TABLE: dict[int, str | None] = {ord(k): v for k, v in ARABIC_NORMALIZATION.items()}
_ARABIC_TABLE.update(_DIGITS)
_ARABIC_TABLE.update({code: None for code in _ARABIC_REMOVED})
_PRESENTATION_FORMS_RE = re.compile("[\ufb50-\ufdff\ufe70-\ufeff]")


def normalize_arabic(text: str) -> str:
    """Arabic-script text in one comparable spelling (the "exact" form of Arabic-script words).

    Strips tashkeel (U+064B–U+065F, U+0670), tatweel and Quranic marks; unifies the alef forms
    أ إ آ ٱ -> ا, ى -> ي, ة -> ه, ؤ -> و, ئ -> ي (and Persian ی ک -> ي ك); turns Arabic-Indic and Eastern
    Arabic-Indic digits into ASCII digits; removes invisible joiners and direction marks. Presentation
    forms (ﻻ, ﷲ, ﮊ ...) are decomposed first. Other characters are kept as they are.

    >>> normalize_arabic("الْقُرْآن ٢٠٢٤ مدرسةٌ")
    'القران 2024 مدرسه'
    """
    if _PRESENTATION_FORMS_RE.search(text):
        text = unicodedata.normalize("NFKC", text)
    return text.translate(_ARABIC_TABLE)


# Latin -----------------------------------------------------------------------------------------------

# Letters that NFKD does not decompose, IRCAM stand-ins (as in _LATIN_VARIANTS), and typographic
# apostrophes and hyphens, which fold to ' and -.
LATIN_FOLDING: dict[str, str] = {
    "œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i",
    "ε": "ɛ", "γ": "ɣ", "ʕ": "ɛ", "ʿ": "ɛ", "ǧ": "j",
    "\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2010": "-", "\u2011": "-",
}
_DROP_MARKS: dict[int, str | None] = {
    code: None for start, end in ((0x0300, 0x0370), (0x1AB0, 0x1B00), (0x1DC0, 0x1E00), (0x20D0, 0x2100),
                                  (0xFE20, 0xFE30)) for code in range(start, end)
}


def _accent_free_letters() -> dict[str, str]:
    """Precomposed Latin letters -> what NFKD without marks gives (é -> e, ḍ -> d), computed once, so
    that the usual accented letters are folded by one str.translate instead of two normalisations."""
    table = {}
    for code in chain(range(0x00C0, 0x0250), range(0x1E00, 0x1F00)):
        char = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        if base and base != char and base.isascii():
            table[char] = base
    return table


_ACCENT_FREE = _accent_free_letters()
_FOLD_TABLE: dict[int, str | None] = {
    **_DROP_MARKS, **str.maketrans({**_ACCENT_FREE, **LATIN_FOLDING, LABIALIZATION_LATIN: "w"})
}
_UNFOLDED_RE = re.compile("[^\x00-\x7fɣɛ]")  # left after the table: needs the full NFKD way


def fold_latin(text: str) -> str:
    """Latin text lower-cased and without accents (the "exact" form of Latin and Tifinagh words).

    NFKD folding drops the accents of French (é -> e, ç -> c, ï -> i) and the dots of Latin Amazigh
    (ḍ -> d, ḥ -> h, ṣ -> s); œ -> oe, æ -> ae, ß -> ss; the letters ɣ and ɛ stay (Greek γ ε and ʕ ʿ
    become them); ʷ -> w. Digits are kept (Arabizi needs 3 7 9 2 5), and typographic apostrophes and
    hyphens become ' and -.

    >>> fold_latin("Œuvre Façade Tamaziɣt ḍḍAR l’7out")
    "oeuvre facade tamaziɣt ddar l'7out"
    """
    text = text.lower()
    if text.isascii():
        return text
    text = unicodedata.normalize("NFC", text).translate(_FOLD_TABLE)
    if _UNFOLDED_RE.search(text):
        text = unicodedata.normalize("NFKD", text).translate(_DROP_MARKS)
        text = unicodedata.normalize("NFC", text)
    return text


# Skeleton --------------------------------------------------------------------------------------------

# Arabic-script letters -> skeleton symbols (a letter that normalize_arabic unifies, such as ة or أ, goes
# where its unified form goes). ا و ي ى ء stand for vowels (matres lectionis) and hamza: they become the
# placeholder "a", which separates letters until the vowels are dropped. Marks, tatweel and anything else
# in the Arabic blocks are removed.
ARABIC_SKELETON: dict[str, str] = {
    "ب": "b", "ت": "t", "ث": "t", "ج": "j", "ح": "h", "خ": "x", "د": "d", "ذ": "d", "ر": "r",
    "ز": "z", "س": "s", "ش": "c", "ص": "s", "ض": "d", "ط": "t", "ظ": "d", "ع": "3", "غ": "ɣ",
    "ف": "f", "ق": "q", "ك": "k", "ل": "l", "م": "m", "ن": "n", "ه": "h",
    "ا": "a", "و": "a", "ي": "a", "ء": "a",
    # Maghrebi and Amazigh letters
    "ڭ": "g", "گ": "g", "ڨ": "g", "ڤ": "v", "پ": "p", "چ": "c", "ژ": "z", "ڕ": "r", "ٻ": "b",
    "ڪ": "k", "ڢ": "f", "ڧ": "q",
}
# Latin letters that need a decision before accents are folded away (ḥ would become h, ǧ g). ḥ is
# written 7 until the digraphs are replaced (sḥ is not sh), then 7 -> h with the Arabizi digits.
LATIN_SKELETON_LETTERS: dict[str, str] = {
    "ḥ": "7", "ɛ": "3", "ʕ": "3", "ʿ": "3", "ε": "3", "γ": "ɣ", "ǧ": "j", "ʷ": "",
    "œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "t", "ı": "i",
    "\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u02be": "", "\u2d7f": "",
}
# Digraphs, replaced in this order (a word whose Latin script has a one-letter spelling for them).
LATIN_DIGRAPHS: tuple[tuple[str, str], ...] = (
    ("sh", "c"), ("ch", "c"), ("kh", "x"), ("gh", "ɣ"), ("th", "t"), ("dh", "d"), ("ph", "f"), ("dj", "j"),
)
# Arabizi digits; hamza (2), apostrophes, hyphens and dots go (so d-dar is a geminate, like ddar).
LATIN_SKELETON_DIGITS: dict[str, str] = {
    "9": "q", "5": "x", "7": "h", "2": "", "'": "", "-": "", "\u2010": "", "\u2011": "", ".": "",
}
# Vowels, dropped once geminates are single: a e i o u, the glides w y (و ي in Arabic script), schwa.
SKELETON_VOWELS = "aeiouywə"
# Proclitic + article fused in Arabic script: و ب ف ك + ال (والقمر, بالخير, فالحيط, كالعادة).
_ARABIC_PROCLITIC_ARTICLES = ("وال", "بال", "فال", "كال")
_FRENCH_ELISION_RE = re.compile(r"^(?:qu|jusqu|lorsqu|puisqu|[cdjlmnst])'(?=.)")


def _arabic_skeleton_table() -> dict[int, str | None]:
    """One table that does normalize_arabic and ARABIC_SKELETON at once (أ -> a, ة -> h, ٣ -> 3)."""
    table: dict[int, str | None] = dict.fromkeys(chain(range(0x0600, 0x0700), range(0x0750, 0x0780)))
    table.update({ord(k): v for k, v in ARABIC_SKELETON.items()})
    table.update({ord(k): table.get(ord(v)) for k, v in ARABIC_NORMALIZATION.items()})
    table.update(_DIGITS)
    table.update({code: None for code in (*range(0x200B, 0x2010), 0x2D, 0x2010, 0x2011)})  # joiners, hyphens
    return table


_ARABIC_SKELETON_TABLE = _arabic_skeleton_table()
_LATIN_SKELETON_LETTERS_TABLE: dict[int, str | None] = {
    **_DROP_MARKS, **str.maketrans({**_ACCENT_FREE, **LATIN_SKELETON_LETTERS})
}
_LATIN_SKELETON_DIGITS_TABLE = str.maketrans(LATIN_SKELETON_DIGITS)
_DROP_VOWELS_TABLE = str.maketrans("", "", SKELETON_VOWELS)
_UNSKELETONED_RE = re.compile("[^\x00-\x7fɣ]")
_REPEATS_RE = re.compile(r"(.)(?=\1)")  # a character followed by the same one: removed
_ASCII_DIGITS_TABLE = str.maketrans({chr(c): v for c, v in _DIGITS.items()})


def _arabic_letters(word: str) -> str:
    """Skeleton symbols of an Arabic-script word, vowels still in (as "a")."""
    if _PRESENTATION_FORMS_RE.search(word):
        word = unicodedata.normalize("NFKC", word)
    if word[:1] in ("و", "ب", "ف", "ك"):
        normalized = word.translate(_ARABIC_TABLE)
        if len(normalized) > 4 and normalized.startswith(_ARABIC_PROCLITIC_ARTICLES):
            rest = normalized[3:].translate(_ARABIC_SKELETON_TABLE)
            consonants = _REPEATS_RE.sub("", rest).translate(_DROP_VOWELS_TABLE)
            if len(consonants) - consonants.endswith("h") >= 2:  # وال + دة is والدة (mother), not "and the"
                return rest
    return word.translate(_ARABIC_SKELETON_TABLE)


def _latin_letters(word: str) -> str:
    """Skeleton symbols of a Latin word, vowels still in."""
    word = word.lower()
    if not word.isascii():
        word = unicodedata.normalize("NFC", word).translate(_LATIN_SKELETON_LETTERS_TABLE)
        if _UNSKELETONED_RE.search(word):
            word = unicodedata.normalize("NFKD", word).translate(_DROP_MARKS)
    if "'" in word:
        word = _FRENCH_ELISION_RE.sub("", word, count=1)
    if "h" in word or "dj" in word:
        for digraph, letter in LATIN_DIGRAPHS:
            word = word.replace(digraph, letter)
    return word.translate(_LATIN_SKELETON_DIGITS_TABLE)


def _parse_script(script_hint: str | None) -> str | None:
    if script_hint in ("Arab", "Tfng", "Latn") or not script_hint:
        return script_hint
    for part in script_hint.replace("_", "-").split("-"):
        code = part.title()
        if code in ("Arab", "Tfng", "Latn"):
            return code
    return None


@lru_cache(maxsize=1 << 14)
def skeleton(word: str, script_hint: str | None = None) -> str:
    """One cross-script key for ``word``: its consonants, spelled the same way whatever the script.

    Arabic script (Darija, Arabic, Amazigh), Arabizi, Latin Amazigh (with or without ɣ ḍ ḥ ɛ ...),
    Tifinagh and French transcriptions of the same word meet: ``tamazight``, ``tamaziɣt``, ``ⵜⴰⵎⴰⵣⵉⵖⵜ``
    and ``تمازيغت`` all give ``tmzɣt``; ``l7out``, ``el-7out`` and ``الحوت`` give ``ht``.

    1. Letters by script. Arabic script: a fused proclitic + article (وال بال فال كال) is dropped, then
       ``normalize_arabic`` and ``ARABIC_SKELETON``. Tifinagh: ``tifinagh_to_latin``, then as Latin.
       Latin: lower case, ``LATIN_SKELETON_LETTERS`` (ḥ -> h, ɛ -> 3 ...), accents folded (ḍ -> d,
       č -> c), a French elision dropped (d'azru), ``LATIN_DIGRAPHS`` (ch sh -> c, kh -> x, gh -> ɣ ...),
       ``LATIN_SKELETON_DIGITS`` (9 -> q, 5 -> x, 7 -> h, 2 and hyphens dropped).
    2. Geminates become single (sellef, ssma, ḍḍ, d-dar; Arabic has lost its shadda already).
    3. Vowels are dropped: a e i o u w y (ا و ي ى ء in Arabic script).
    4. A final h after a consonant is dropped (ة/ه of مدينة = the a of mdina; Latin -ah, -eh).
    5. A leading l is dropped while at least two consonants follow (the article: l-, el-, al-, ال).

    ``script_hint`` ("Arab", "Tfng", "Latn", or a BCP 47 tag with a script subtag) skips the detection
    and must then be the word's script. A number gives its ASCII digits; a word without consonants
    ("ya", "و") gives "". See docs/search-languages.md for the tables and the known collisions.
    """
    return _skeleton(word, _parse_script(script_hint) or _script_of_word(word))


def _skeleton(word: str, script: str) -> str:
    keys = _keys(word, script)
    return keys[0] if keys else ""


# A Latin word beginning with an assimilated article: d-dar, z-zin, ch-chems, n-nas (a consonant, or a
# digraph, doubled across a hyphen).
_ASSIMILATED_ARTICLE_RE = re.compile(r"(sh|ch|th|dh|[b-df-hj-np-tv-zḍṣṭẓṛɣ])[-\u2010\u2011]\1", re.IGNORECASE)


def _keys(word: str, script: str) -> tuple[str, ...]:
    """The skeleton of a word (steps 1 to 5 of ``skeleton``), then its article key: a word written with the
    article (الحوت, l7out, el-7out, d-dar) whose skeleton has only two consonants also gives "l" + them
    (``lht``), which only other spellings with the article share. Empty for a word without consonants."""
    if word.isdecimal():
        return (word.translate(_ASCII_DIGITS_TABLE),)
    if script == "Arab":
        letters = _arabic_letters(word)
    elif script == "Tfng":
        letters = _latin_letters(tifinagh_to_latin(word))
    else:
        letters = _latin_letters(word)
    consonants = _REPEATS_RE.sub("", letters).translate(_DROP_VOWELS_TABLE)
    if len(consonants) > 1 and consonants[-1] == "h":
        consonants = consonants[:-1]
    key = consonants
    while len(key) > 2 and key[0] == "l":
        key = key[1:]
    if len(key) == 2 and (key != consonants or (script == "Latn" and _ASSIMILATED_ARTICLE_RE.match(word))):
        return (key, "l" + key)
    return (key,) if key else ()


# Stemming: small light stemmers of our own (suffix stripping in the spirit of Savoy's light stemmers) --

_FR_SUFFIXES: tuple[tuple[str, str, int], ...] = (  # suffix, replacement, word longer than
    ("issement", "ir", 9),
    ("isation", "", 9),
    ("ement", "", 7),
    ("ation", "", 8),
    ("ition", "", 8),
    ("atrice", "", 8),
    ("ateur", "", 7),
    ("trice", "teur", 6),
    ("euse", "eur", 5),
    ("ienne", "ien", 6),
    ("iere", "ier", 5),
    ("elle", "el", 6),
    ("ive", "if", 5),
    ("ique", "", 8),
)


def stem_fr(word: str) -> str:
    """A light French stem of a folded word (``fold_latin``): elision, plural, common suffixes.

    >>> [stem_fr(w) for w in ("brodeuses", "brodeur", "tisserandes", "chevaux", "l'ahwash", "mariee")]
    ['brodeu', 'brodeu', 'tiserand', 'cheval', 'ahwash', 'mari']
    """
    if "'" in word:
        word = _FRENCH_ELISION_RE.sub("", word, count=1)
    if len(word) > 5 and word.endswith("aux") and word[-4] != "e":
        word = word[:-3] + "al"
    elif len(word) > 3 and word[-1] in "sx" and word[-2] != word[-1]:
        word = word[:-1]
    for suffix, replacement, longer_than in _FR_SUFFIXES:
        if len(word) > longer_than and word.endswith(suffix):
            word = word[: -len(suffix)] + replacement
            break
    if len(word) > 4:
        word = _REPEATS_RE.sub("", word)
        if len(word) > 4 and word[-1] == "r":
            word = word[:-1]
        for _ in range(2):
            if len(word) > 4 and word[-1] == "e":
                word = word[:-1]
    return word


def stem_ar(word: str) -> str:
    """The light stem of a normalised Arabic-script word (``normalize_arabic``): without the final alef of the
    indefinite accusative (tanwin fath, كتابًا written كتابا once its mark is stripped), so that it meets the
    word without it. Only words of four letters or more, and not after another alef or a ه (كتابها is "her
    book", not كتابه; ة takes its tanwin without an alef): ما, هذا, ولا, بلا, هنا keep theirs. The alef after
    the و of a plural verb goes too (كانوا, as Darija writes كانو).

    >>> [stem_ar(w) for w in ("كتابا", "شكرا", "كانوا", "كتابها", "جدا", "دنيا")]
    ['كتاب', 'شكر', 'كانو', 'كتابها', 'جدا', 'دني']
    """
    if len(word) >= 4 and word[-1] == "ا" and word[-2] not in "اه" and _ARABIC_LETTER_RE.match(word[-2]):
        return word[:-1]
    return word


def _en_consonant_pattern(word: str) -> str:
    """c/v per letter, Porter's way: y is a vowel after a consonant."""
    out = []
    for index, char in enumerate(word):
        if char in "aeiou":
            out.append("v")
        elif char == "y" and index and out[-1] == "c":
            out.append("v")
        else:
            out.append("c")
    return "".join(out)


def _en_measure(stem: str) -> int:
    return _REPEATS_RE.sub("", _en_consonant_pattern(stem)).count("vc")


def _en_ends_cvc(stem: str) -> bool:
    return len(stem) >= 3 and _en_consonant_pattern(stem)[-3:] == "cvc" and stem[-1] not in "wxy"


def stem_en(word: str) -> str:
    """A light English stem of a folded word: possessive, then Porter's steps 1 and 5.

    >>> [stem_en(w) for w in ("weaving", "weaves", "stories", "hoping", "Jha's".lower())]
    ['weav', 'weav', 'stori', 'hope', 'jha']
    """
    if word.endswith("'s"):
        word = word[:-2]
    word = word.rstrip("'")
    if len(word) <= 3:
        return word
    # step 1a
    if word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("ies"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    # step 1b
    if word.endswith("eed"):
        if _en_measure(word[:-3]) > 0:
            word = word[:-1]
    else:
        for suffix in ("ed", "ing"):
            stem = word[: -len(suffix)]
            if word.endswith(suffix) and "v" in _en_consonant_pattern(stem):
                word = stem
                if word.endswith(("at", "bl", "iz")):
                    word += "e"
                elif len(word) > 1 and word[-1] == word[-2] and word[-1] not in "aeiouylsz":
                    word = word[:-1]
                elif _en_measure(word) == 1 and _en_ends_cvc(word):
                    word += "e"
                break
    # step 1c
    if word.endswith("y") and "v" in _en_consonant_pattern(word[:-1]):
        word = word[:-1] + "i"
    # step 5
    if word.endswith("e"):
        stem = word[:-1]
        measure = _en_measure(stem)
        if measure > 1 or (measure == 1 and not _en_ends_cvc(stem)):
            word = stem
    if word.endswith("ll") and _en_measure(word) > 1:
        word = word[:-1]
    return word


# Stopwords: small lists, in "exact" form (folded, normalised) -----------------------------------------

STOPWORDS_EN = frozenset(
    "a an and are as at be but by for from had has have he her his if in into is it its no not of on or "
    "she such that the their then there these they this to was were which will with".split()
)
STOPWORDS_FR = frozenset(
    "a au aux avec c ce ces cet cette d dans de des du elle elles en est et eux il ils j je l la le les "
    "leur leurs lui m ma mais me meme mes moi mon n ne nos notre nous on ou par pas pour qu que qui s sa "
    "se ses son sont sur t ta te tes toi ton tu un une vos votre vous y".split()
)
# Arabic and Darija in Arabic script, normalised (على and إلى are written علي and الي after
# normalize_arabic: the name علي is a homograph of على and is lost from "stem" and "key").
STOPWORDS_AR = frozenset(
    "في من الي علي عن ان او و ف ب ل ك ما لا لم لن قد مع هذا هذه ذلك تلك التي الذي الذين هو هي هم "
    "كان كانت ثم حتي اللي ديال ديل هاد هادي هادا واش باش بلي شي ملي".split()
)
STOPWORDS_ARABIZI = frozenset(
    "f fi l li lli w wa ou b bi m3a 3la 3ela men mn ma la had hadi hada dyal dial ila wach bach bli belli "
    "chi shi melli ki 7ta 7tta hta el al".split()
)
# Amazigh in IRCAM Latin (Tifinagh words are transliterated first).
STOPWORDS_AMAZIGH = frozenset(
    "n d i s g ɣ f x ad ar ur da nna nns nnsn nnsnt sg zg xf ɣf nɣ is as ay lli zund maca ula".split()
)
_ALL_LATIN_STOPWORDS = STOPWORDS_EN | STOPWORDS_FR | STOPWORDS_ARABIZI | STOPWORDS_AMAZIGH

# BCP 47 primary language subtags -> how values in them are analysed.
ARABIC_LANGUAGES = frozenset("ar arb ary arq aeb ayl arz apc ajp acm afb ars mey".split())
AMAZIGH_LANGUAGES = frozenset(
    "ber zgh shi tzm rif kab tmh taq thv ttq thz tmz jbn zen shy grr oua gha siz sds tia".split()
)
_EMPTY: frozenset[str] = frozenset()
_LATIN_STOPWORDS_BY_KIND = {"fr": STOPWORDS_FR, "en": STOPWORDS_EN, "ar": STOPWORDS_ARABIZI}


def _language_kind(lang: str | None) -> str:
    primary = (lang or "").replace("_", "-").split("-", 1)[0].lower()
    if primary in ("fr", "fra", "fre"):
        return "fr"
    if primary in ("en", "eng"):
        return "en"
    if primary in ARABIC_LANGUAGES:
        return "ar"
    if primary in AMAZIGH_LANGUAGES:
        return "ber"
    return ""


def _stopwords(kind: str, script: str) -> frozenset[str]:
    """The stopwords of a word in ``script`` inside a value of language ``kind`` (table in the docs, §8)."""
    if script == "Arab":
        return STOPWORDS_AR if kind == "ar" else _EMPTY
    if kind == "ber":
        return STOPWORDS_AMAZIGH
    if script == "Tfng":
        return _EMPTY
    return _LATIN_STOPWORDS_BY_KIND.get(kind, _EMPTY)


def _exact(word: str, script: str) -> str:
    if script == "Arab":
        return normalize_arabic(word)
    if script == "Tfng":
        return fold_latin(tifinagh_to_latin(word))
    return fold_latin(word)


# Hyphens and apostrophes, as they are in exact forms (Arabic-script words keep U+2010 and U+2011).
_JOINER_RE = re.compile("[-'\u2010\u2011]")


def joined_parts(exact: str) -> list[str]:
    """The parts of a word written joined by hyphens or apostrophes, from its exact form
    (``multi-variable`` -> ``multi``, ``variable``; ``l'anti-atlas`` -> ``l``, ``anti``, ``atlas``), or []
    for a word that is not joined (fewer than two parts). The index keeps the parts as words of their own
    after the joined word: see ``index_terms``."""
    if not _JOINER_RE.search(exact):
        return []
    parts = [part for part in _JOINER_RE.split(exact) if part]
    return parts if len(parts) > 1 else []


def exact_positions(exact_terms: list[str]) -> list[int]:
    """The position of each term of an "exact" list of ``index_terms`` (from 0): a joined word is at the
    position of its first part, which follows it, and every other word one further. Both backends index
    phrases by these positions, so ``"multi variable"`` finds ``multi-variable`` and ``"variable
    analysis"`` finds ``multi-variable analysis``."""
    positions, position = [], 0
    for term in exact_terms:
        positions.append(position)
        if not joined_parts(term):
            position += 1
    return positions


def _stems(exact: str, stemmer: Callable[[str], str], stopwords: frozenset[str]) -> tuple[str, ...]:
    """The stem of a word and, for a hyphenated word (Anti-Atlas, peut-être, d-dar), of each of its parts
    (not a stopword, a single letter or an assimilated article)."""
    stems = [stemmer(exact)]
    if "-" in exact:
        parts = exact.split("-")
        for index, part in enumerate(parts):
            following = parts[index + 1] if index + 1 < len(parts) else ""
            # not one letter, nor an assimilated article (d-dar, ch-chari), nor a stopword
            if len(part) > 1 and not (len(part) == 2 and following.startswith(part)) and part not in stopwords:
                stems.append(stemmer(part))
    return tuple(dict.fromkeys(stems))


# Large enough for the vocabulary of a big import (10,000 OLDI items in three languages: about 150,000
# words): with a cache that overflows, least-recently-used eviction misses on nearly every rare word and
# indexing takes twice as long. At most some 100 MB, filled only by that much text.
@lru_cache(maxsize=1 << 18)
def _analyse(word: str, kind: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(exact forms, stems, keys) of one word in a value of language ``kind``. The exact forms are the
    word's, then its parts if it is joined (``joined_parts``); stems and keys are empty for a stopword."""
    script = _script_of_word(word)
    exact = _exact(word, script)
    exacts = (exact, *joined_parts(exact)) if exact else ()
    stopwords = _stopwords(kind, script)
    if exact in stopwords:
        return exacts, (), ()
    if script == "Latn" and kind == "fr":
        stems = _stems(exact, stem_fr, stopwords)
    elif script == "Latn" and kind == "en":
        stems = _stems(exact, stem_en, stopwords)
    elif script == "Arab":
        stems = _stems(exact, stem_ar, stopwords)
    else:
        stems = _stems(exact, str, stopwords)
    return exacts, stems, _keys(word, script)


def index_terms(text: str, lang: str | None) -> dict[str, list[str]]:
    """The terms of one stored value, analysed by its own BCP 47 tag (``ary-Arab``, ``zgh-Tfng``, ``fr``).

    - "exact": every word, folded: ``normalize_arabic`` for Arabic script, ``tifinagh_to_latin`` then
      ``fold_latin`` for Tifinagh, ``fold_latin`` for Latin. A word joined by hyphens or apostrophes is
      followed by its parts (``multi-variable multi variable``), at the positions ``exact_positions`` gives.
    - "stem": for French and English values, light stems of the Latin words (``stem_fr``, ``stem_en``);
      for Arabic-script words, ``stem_ar`` (the accusative alef); for any other word, the exact word. A
      hyphenated word also gives the stems of its parts, after its own (Anti-Atlas: anti-atla, anti, atla;
      d-dar: d-dar, dar).
    - "key": the ``skeleton`` of every word that has one, followed by its article key when it has one
      (الحوت: ``ht``, ``lht``).

    Stopwords of the value's language are left out of "stem" and "key" (kept in "exact"): French,
    English, Arabic and Darija (Arabic script and Arabizi), Amazigh. Each word is analysed in its own
    script, so a Latin name inside an Arabic value is folded as Latin. The lists are in text order; the
    three lists are not aligned with each other.

    >>> index_terms("Les brodeuses de Fès", "fr")
    {'exact': ['les', 'brodeuses', 'de', 'fes'], 'stem': ['brodeu', 'fes'], 'key': ['brdss', 'fs']}
    """
    kind = _language_kind(lang)
    analysed = [_analyse(word, kind) for word in _WORD_RE.findall(text)]
    return {
        "exact": [exact for exacts, _stems, _keys in analysed for exact in exacts],
        "stem": [stem for _exacts, stems, _keys in analysed for stem in stems],
        "key": [key for _exacts, _stems, keys in analysed for key in keys],
    }


def query_terms(word: str) -> dict[str, set[str]]:
    """The terms one query word can match, in every analysis that applies, without knowing its language.

    - Latin: "exact" its folded form; "stem" its French and English stems and the folded form itself
      (what non-French, non-English values store as stems); "key" its skeleton, read as Arabizi or
      Latin Amazigh, and its article key.
    - Arabic script: the normalised form ("exact"), its light stem ``stem_ar`` ("stem"), the skeleton and
      article key.
    - Tifinagh: the Latin transliteration, folded ("exact" and "stem"), and the skeleton.

    A stopword keeps its "exact" form but loses the stems and key of the languages it is a stopword
    of, so "stem" and "key" may be empty (the index leaves such words to "exact", or drops them).
    A string that holds several words (``words``) gives the union of their terms. Keys shorter than
    three letters are returned too; the backends do not look them up (too many unrelated words share
    them), which is what the article key is for.

    >>> {name: sorted(terms) for name, terms in query_terms("l7out").items()}
    {'exact': ['l7out'], 'stem': ['l7out'], 'key': ['ht', 'lht']}
    """
    terms: dict[str, set[str]] = {"exact": set(), "stem": set(), "key": set()}
    for token in _WORD_RE.findall(word):
        script = _script_of_word(token)
        exact = _exact(token, script)
        if not exact:
            continue
        terms["exact"].add(exact)
        if script == "Latn":
            if exact not in STOPWORDS_FR:
                terms["stem"].add(stem_fr(exact))
            if exact not in STOPWORDS_EN:
                terms["stem"].add(stem_en(exact))
            if exact not in STOPWORDS_ARABIZI and exact not in STOPWORDS_AMAZIGH:
                terms["stem"].add(exact)
            is_stopword = exact in _ALL_LATIN_STOPWORDS
        else:
            is_stopword = exact in (STOPWORDS_AR if script == "Arab" else STOPWORDS_AMAZIGH)
            if not is_stopword:
                terms["stem"].add(stem_ar(exact) if script == "Arab" else exact)
        if not is_stopword:
            terms["key"].update(_keys(token, script))
    return terms


# Query-side variants -------------------------------------------------------------------------------------
# Forms the words of a quoted phrase may have been indexed as, which its own analysis does not give: a
# phrase matches exact forms in order, and the tanwin alef is only stemmed away in "stem".


def phrase_words(exact_words: list[str]) -> list[str]:
    """The exact words a phrase is indexed as: a joined word by its parts (``multi-variable analysis`` ->
    ``multi``, ``variable``, ``analysis``), which ``exact_positions`` puts one after the other."""
    return [part for word in exact_words for part in (joined_parts(word) or [word])]


def tanwin_forms(exact: str) -> list[str]:
    """The word and its other spelling with or without the tanwin alef (``stem_ar``), for phrases:
    ``غالب`` -> ``غالب``, ``غالبا``; ``غالبا`` -> ``غالبا``, ``غالب``; other words alone.

    >>> tanwin_forms("غالب")
    ['غالب', 'غالبا']
    """
    if not exact or _script_of_word(exact) != "Arab":
        return [exact]
    stem = stem_ar(exact)
    if stem != exact:
        return [exact, stem]
    return [exact, exact + "ا"] if stem_ar(exact + "ا") == exact else [exact]


def matches(text: str, lang: str | None, terms: dict[str, set[str]]) -> bool:
    """Whether a word of ``text``, analysed as ``index_terms`` would, has one of ``terms`` ("exact", "stem",
    "key" -> sets) in the same analysis. Stops at the first such word (for snippets: most values have none,
    and long ones would otherwise be analysed whole)."""
    kind = _language_kind(lang)
    exact_terms, stem_terms, key_terms = (terms.get(name, set()) for name in ("exact", "stem", "key"))
    for word in _WORD_RE.findall(text):
        exacts, stems, keys = _analyse(word, kind)
        if (any(e in exact_terms for e in exacts) or any(k in key_terms for k in keys)
                or any(s in stem_terms for s in stems)):
            return True
    return False
