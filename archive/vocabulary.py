"""Controlled vocabularies of the archive: kinds, regions, access levels, statuses, roles, motivations,
cultural labels and languages. Plain data, shared by models, services, importer and templates."""
from __future__ import annotations

import re
from typing import NamedTuple

KINDS = ("tale", "proverb", "song", "poem", "narrative", "craft", "motif", "technique", "gesture", "lexicon")

# draft -> submitted -> in_review -> published; a reviewer may send an item back (to draft) or reject it.
ITEM_STATUSES = ("draft", "submitted", "in_review", "published", "rejected", "withdrawn")
# A layer is saved as a draft, submitted (pending), then approved, sent back (to draft) or rejected.
ANNOTATION_STATUSES = ("draft", "pending", "approved", "rejected")
# Who made a layer: a person, a machine (speech recognition, OCR, a tagger), or a machine and then a person
# who corrected it.
PROVENANCES = ("human", "machine", "machine-corrected")
# The roles a layer's author (and a reviewer who corrects it) is credited with.
LAYER_ROLES = ("trc", "trl", "ann")
ACCESS_LEVELS = ("public", "registered", "researcher", "community", "private")
MEDIA_KINDS = ("image", "audio", "video", "document")
AGENT_KINDS = ("person", "community")
CREDIT_AS = ("name", "pseudonym", "anonymous")
# Account roles: data workers contribute, reviewers approve, curators run the archive, admins run the server,
# researchers are approved to download research-only material.
ACCOUNT_ROLES = ("data_worker", "reviewer", "curator", "admin", "researcher")
# Certification levels of data workers, lowest first. Every level but a trainee's certifies the worker: only
# certified workers may be given the reviewer role.
CERTIFICATION_LEVELS = ("trainee", "certified_annotator", "reviewer", "trainer")
CERTIFYING_LEVELS = CERTIFICATION_LEVELS[1:]
MOTIVATIONS = ("supplementing", "tagging", "describing", "identifying", "commenting")


class Region(NamedTuple):
    slug: str
    fr: str
    ar: str
    en: str


# The twelve regions of the 2015 administrative division.
REGIONS: dict[str, Region] = {
    r.slug: r
    for r in (
        Region("tanger-tetouan-al-hoceima", "Tanger-Tétouan-Al Hoceïma", "طنجة تطوان الحسيمة", "Tangier-Tetouan-Al Hoceima"),
        Region("oriental", "L'Oriental", "الشرق", "Oriental"),
        Region("fes-meknes", "Fès-Meknès", "فاس مكناس", "Fez-Meknes"),
        Region("rabat-sale-kenitra", "Rabat-Salé-Kénitra", "الرباط سلا القنيطرة", "Rabat-Sale-Kenitra"),
        Region("beni-mellal-khenifra", "Béni Mellal-Khénifra", "بني ملال خنيفرة", "Beni Mellal-Khenifra"),
        Region("casablanca-settat", "Casablanca-Settat", "الدار البيضاء سطات", "Casablanca-Settat"),
        Region("marrakech-safi", "Marrakech-Safi", "مراكش آسفي", "Marrakesh-Safi"),
        Region("draa-tafilalet", "Drâa-Tafilalet", "درعة تافيلالت", "Draa-Tafilalet"),
        Region("souss-massa", "Souss-Massa", "سوس ماسة", "Souss-Massa"),
        Region("guelmim-oued-noun", "Guelmim-Oued Noun", "كلميم واد نون", "Guelmim-Oued Noun"),
        Region("laayoune-sakia-el-hamra", "Laâyoune-Sakia El Hamra", "العيون الساقية الحمراء", "Laayoune-Sakia El Hamra"),
        Region("dakhla-oued-ed-dahab", "Dakhla-Oued Ed-Dahab", "الداخلة وادي الذهب", "Dakhla-Oued Ed-Dahab"),
    )
}


class Role(NamedTuple):
    code: str
    label: str
    knowledge_holder: bool  # False: a data worker's (or documenter's) role


# MARC relator codes (https://id.loc.gov/vocabulary/relators). Knowledge holders and data workers are
# both credited and always told apart.
ROLES: dict[str, Role] = {
    r.code: r
    for r in (
        Role("nrt", "narrator", True),
        Role("sng", "singer", True),
        Role("art", "artisan", True),
        Role("aut", "author", True),
        Role("prf", "performer", True),
        Role("spk", "speaker", True),
        Role("trc", "transcriber", False),
        Role("trl", "translator", False),
        Role("ann", "annotator", False),
        Role("col", "collector", False),
        Role("rev", "reviewer", False),
        Role("edt", "editor", False),  # wrote or corrected the item's record in the archive
        Role("pht", "photographer", False),
        Role("rcd", "recordist", False),
    )
}


# Local Contexts Traditional Knowledge and Biocultural labels.
CULTURAL_LABELS: dict[str, str] = {
    "TK-A": "TK Attribution",
    "TK-CL": "TK Clan",
    "TK-F": "TK Family",
    "TK-MC": "TK Multiple Communities",
    "TK-CV": "TK Community Voice",
    "TK-CR": "TK Creative",
    "TK-V": "TK Verified",
    "TK-NV": "TK Non-Verified",
    "TK-S": "TK Seasonal",
    "TK-WG": "TK Women General",
    "TK-MG": "TK Men General",
    "TK-MR": "TK Men Restricted",
    "TK-WR": "TK Women Restricted",
    "TK-CS": "TK Culturally Sensitive",
    "TK-SS": "TK Secret/Sacred",
    "TK-OC": "TK Open to Commercialization",
    "TK-NC": "TK Non-Commercial",
    "TK-CO": "TK Community Use Only",
    "TK-O": "TK Outreach",
    "TK-CB": "TK Open to Collaboration",
    "BC-P": "BC Provenance",
    "BC-MC": "BC Multiple Communities",
    "BC-CL": "BC Clan",
    "BC-CV": "BC Consent Verified",
    "BC-CNV": "BC Consent Non-Verified",
    "BC-R": "BC Research Use",
    "BC-CB": "BC Open to Collaboration",
    "BC-OC": "BC Open to Commercialization",
    "BC-NC": "BC Non-Commercial",
    "BC-O": "BC Outreach",
}

# Primary language subtags the archive accepts, with their English names.
LANGUAGES: dict[str, str] = {
    "ary": "Moroccan Arabic (Darija)",
    "zgh": "Standard Moroccan Tamazight",
    "shi": "Tachelhit",
    "tzm": "Central Atlas Tamazight",
    "rif": "Tarifit",
    "ber": "Berber languages",
    "kab": "Kabyle",
    "tmh": "Tamashek",
    "ar": "Arabic",
    "arq": "Algerian Arabic",
    "aeb": "Tunisian Arabic",
    "mey": "Hassaniya",
    "fr": "French",
    "en": "English",
    "es": "Spanish",
    "pt": "Portuguese",
    "it": "Italian",
    "de": "German",
    "nl": "Dutch",
    "he": "Hebrew",
    "lad": "Ladino",
    "la": "Latin",
    "und": "undetermined",
}
SCRIPTS = {"Arab": "Arabic", "Latn": "Latin", "Tfng": "Tifinagh", "Hebr": "Hebrew"}
RTL_SCRIPTS = {"Arab", "Hebr"}
# The script a language is written in when its tag names none.
DEFAULT_SCRIPTS = {"ar": "Arab", "ary": "Arab", "arq": "Arab", "aeb": "Arab", "mey": "Arab", "he": "Hebr"}

_TAG = re.compile(r"^(?P<lang>[a-zA-Z]{2,3})(?:-(?P<script>[a-zA-Z]{4}))?(?:-(?P<region>[a-zA-Z]{2}|[0-9]{3}))?$")


def normalize_language_tag(tag: str) -> str:
    """Return ``tag`` in canonical case (``zgh-Tfng``, ``fr-MA``).

    Raises ValueError naming the problem when the tag is malformed or its language or script unknown.
    """
    match = _TAG.match(tag or "")
    if not match:
        raise ValueError(f"malformed language tag {tag!r} (expected e.g. 'ary-Arab', 'zgh-Tfng', 'fr')")
    lang = match["lang"].lower()
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r} in tag {tag!r}")
    parts = [lang]
    if match["script"]:
        script = match["script"].title()
        if script not in SCRIPTS:
            raise ValueError(f"unknown script {match['script']!r} in tag {tag!r}")
        parts.append(script)
    if match["region"]:
        parts.append(match["region"].upper())
    return "-".join(parts)


def script_of(tag: str) -> str:
    """The script subtag of a language tag, or the language's usual script (Latin when unknown)."""
    parts = tag.split("-")
    for part in parts[1:]:
        if len(part) == 4:
            return part.title()
    return DEFAULT_SCRIPTS.get(parts[0].lower(), "Latn")


def direction_of(tag: str) -> str:
    """'rtl' or 'ltr' for text in the language ``tag`` (decided by its script, never by the UI locale)."""
    return "rtl" if script_of(tag) in RTL_SCRIPTS else "ltr"
