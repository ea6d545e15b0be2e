"""Interface labels of the vocabularies, translatable (the vocabularies themselves are codes)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "tale": _l("tale"), "proverb": _l("proverb"), "song": _l("song"), "poem": _l("poem"),
    "narrative": _l("historical narrative"), "craft": _l("craft"), "motif": _l("motif"),
    "technique": _l("technique"), "gesture": _l("gesture"), "lexicon": _l("lexicon"),
}

ROLE_LABELS = {
    "nrt": _l("narrator"), "sng": _l("singer"), "art": _l("artisan"), "aut": _l("author"),
    "prf": _l("performer"), "spk": _l("speaker"), "trc": _l("transcriber"), "trl": _l("translator"),
    "ann": _l("annotator"), "col": _l("collector"), "rev": _l("reviewer"), "edt": _l("editor"), "pht": _l("photographer"),
    "rcd": _l("recordist"),
}

ACCOUNT_ROLE_LABELS = {
    "data_worker": _l("data worker"), "reviewer": _l("reviewer"), "curator": _l("curator"), "admin": _l("admin"),
    "researcher": _l("researcher"),
}

CERTIFICATION_LABELS = {
    "trainee": _l("trainee"), "certified_annotator": _l("certified annotator"), "reviewer": _l("certified reviewer"),
    "trainer": _l("trainer"),
}

CREDIT_AS_LABELS = {"name": _l("by name"), "pseudonym": _l("by a pseudonym"), "anonymous": _l("not named")}

REGION_LABELS = {
    "tanger-tetouan-al-hoceima": _l("Tangier-Tetouan-Al Hoceima"),
    "oriental": _l("Oriental"),
    "fes-meknes": _l("Fez-Meknes"),
    "rabat-sale-kenitra": _l("Rabat-Sale-Kenitra"),
    "beni-mellal-khenifra": _l("Beni Mellal-Khenifra"),
    "casablanca-settat": _l("Casablanca-Settat"),
    "marrakech-safi": _l("Marrakesh-Safi"),
    "draa-tafilalet": _l("Draa-Tafilalet"),
    "souss-massa": _l("Souss-Massa"),
    "guelmim-oued-noun": _l("Guelmim-Oued Noun"),
    "laayoune-sakia-el-hamra": _l("Laayoune-Sakia El Hamra"),
    "dakhla-oued-ed-dahab": _l("Dakhla-Oued Ed-Dahab"),
}

LANGUAGE_LABELS = {
    "ary": _l("Darija (Moroccan Arabic)"), "zgh": _l("Standard Moroccan Tamazight"), "shi": _l("Tachelhit"),
    "tzm": _l("Central Atlas Tamazight"), "rif": _l("Tarifit"), "ar": _l("Arabic"), "fr": _l("French"),
    "en": _l("English"), "es": _l("Spanish"), "he": _l("Hebrew"), "ber": _l("Amazigh languages"),
}

SCRIPT_LABELS = {"Arab": _l("Arabic script"), "Latn": _l("Latin script"), "Tfng": _l("Tifinagh"), "Hebr": _l("Hebrew script")}

MEDIA_KIND_LABELS = {"image": _l("image"), "audio": _l("audio"), "video": _l("video"), "document": _l("document")}

MOTIVATION_LABELS = {
    "supplementing": _l("transcription or translation"), "tagging": _l("region tag"),
    "describing": _l("description"), "identifying": _l("identification"), "commenting": _l("comment"),
}

# Local Contexts labels: what each one asks of the people who use the material.
CULTURAL_LABEL_TEXTS = {
    "TK-A": (_l("TK Attribution"), _l("The community asks that its name be given with this material, as its source.")),
    "TK-CL": (_l("TK Clan"), _l("This material belongs to a particular clan, whose protocols apply.")),
    "TK-F": (_l("TK Family"), _l("This material belongs to a particular family, whose permission is needed for uses beyond viewing.")),
    "TK-MC": (_l("TK Multiple Communities"), _l("Several communities share responsibility for this material.")),
    "TK-CV": (_l("TK Community Voice"), _l("The community's own description of this material comes first.")),
    "TK-CR": (_l("TK Creative"), _l("This material was made by a person or community whose creative contribution is to be recognised.")),
    "TK-V": (_l("TK Verified"), _l("The community has verified that this material is shared appropriately.")),
    "TK-NV": (_l("TK Non-Verified"), _l("The community has not verified how this material is shared.")),
    "TK-S": (_l("TK Seasonal"), _l("This material is to be heard or used only at certain times of year.")),
    "TK-WG": (_l("TK Women General"), _l("This material is usually shared among women.")),
    "TK-MG": (_l("TK Men General"), _l("This material is usually shared among men.")),
    "TK-MR": (_l("TK Men Restricted"), _l("This material is restricted to men.")),
    "TK-WR": (_l("TK Women Restricted"), _l("This material is restricted to women.")),
    "TK-CS": (_l("TK Culturally Sensitive"), _l("This material is culturally sensitive: use it with care and respect.")),
    "TK-SS": (_l("TK Secret/Sacred"), _l("This material is secret or sacred and is not shared publicly.")),
    "TK-OC": (_l("TK Open to Commercialization"), _l("The community is open to commercial use, with its agreement.")),
    "TK-NC": (_l("TK Non-Commercial"), _l("The community asks that this material not be used commercially.")),
    "TK-CO": (_l("TK Community Use Only"), _l("This material is for the community's own use.")),
    "TK-O": (_l("TK Outreach"), _l("The community shares this material for education and outreach.")),
    "TK-CB": (_l("TK Open to Collaboration"), _l("The community is open to working with researchers on this material.")),
    "BC-P": (_l("BC Provenance"), _l("The community is the source of this material and must be named.")),
    "BC-MC": (_l("BC Multiple Communities"), _l("Several communities are the source of this material.")),
    "BC-CL": (_l("BC Clan"), _l("A clan is the source of this material.")),
    "BC-CV": (_l("BC Consent Verified"), _l("The community has verified that consent was given.")),
    "BC-CNV": (_l("BC Consent Non-Verified"), _l("Consent has not been verified by the community.")),
    "BC-R": (_l("BC Research Use"), _l("The community allows research use.")),
    "BC-CB": (_l("BC Open to Collaboration"), _l("The community is open to collaboration on research.")),
    "BC-OC": (_l("BC Open to Commercialization"), _l("The community is open to commercial use, with its agreement.")),
    "BC-NC": (_l("BC Non-Commercial"), _l("The community asks that this material not be used commercially.")),
    "BC-O": (_l("BC Outreach"), _l("The community shares this material for education and outreach.")),
}


def label_of(mapping: dict, code: str | None) -> str:
    return str(mapping.get(code, code or ""))


def language_label(tag: str) -> str:
    """'Darija (Moroccan Arabic), Arabic script' for 'ary-Arab'."""
    parts = tag.split("-")
    name = label_of(LANGUAGE_LABELS, parts[0])
    scripts = [str(SCRIPT_LABELS[p]) for p in parts[1:] if p in SCRIPT_LABELS]
    return ", ".join([name, *scripts])
