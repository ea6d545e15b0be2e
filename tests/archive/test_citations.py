"""Citations: every credited person and the licence in every format, nobody who may not be named in any,
and each format well formed (BibTeX escaping and braces, RIS lines, CSL-JSON shape)."""
from __future__ import annotations

import datetime as dt
import json
import re

import jsonschema
import pytest

from archive import citations
from archive.models import Agent, Annotation, Contribution, Item, Licence, Media
from archive.services.items import get_item
from archive.services.packages import import_package
from tests.conftest import tale

URL = "https://twiza.example/items/tw-tale-0001"
ACCESSED = dt.date(2025, 1, 2)
FORMATS = {
    "formatted": citations.formatted,
    "bibtex": citations.bibtex,
    "ris": citations.ris,
    "csl_json": lambda citation: json.dumps(citations.csl_json(citation), ensure_ascii=False),
}

# Named people of the tale below, and people who must never be named.
CREDITED = ("Lalla Rqia", "Samir Oubella", "Nadia Benjelloun")
WITHDRAWN = ("Moha Ou Said", "Youssef Ait Lhaj")
ANONYMOUS = "Itto Oubaha"


def cite(item: Item, preferred: tuple[str, ...] = ("fr", "en")) -> citations.Citation:
    return citations.citation_data(item, url=URL, site_name="Twiza", accessed=ACCESSED, preferred_languages=preferred)


def outputs(citation: citations.Citation) -> dict[str, str]:
    return {name: render(citation) for name, render in FORMATS.items()}


@pytest.fixture
def tale_item(app, make_package) -> Item:
    """The test tale with a translator, plus a narrator and a collector who withdrew consent and an
    anonymous singer."""
    line = tale()
    line["contributors"] += [
        {"name": "Moha Ou Said", "role": "nrt", "id": "moha-ou-said"},
        {"name": "Itto Oubaha", "role": "sng", "id": "kh-anon-1"},
        {"name": "Youssef Ait Lhaj", "role": "col", "id": "youssef-ait-lhaj"},
    ]
    line["annotations"][1]["creator"] = {"name": "Nadia Benjelloun", "id": "nadia-benjelloun"}
    agents = [
        {"id": "moha-ou-said", "name": "Moha Ou Said", "kind": "person",
         "consent": {"given": "2019-03-10", "withdrawn": "2024-01-15"}},
        {"id": "kh-anon-1", "name": "Itto Oubaha", "kind": "person", "credit_as": "anonymous",
         "consent": {"given": "2021-05-02"}},
        {"id": "youssef-ait-lhaj", "name": "Youssef Ait Lhaj", "kind": "person",
         "consent": {"given": "2019-03-10", "withdrawn": "2024-02-01"}},
    ]
    import_package(make_package([line], agents=agents))
    return get_item("tw-tale-0001", None)


# ------------------------------------------------------------------------------------------ in memory

LICENCE = Licence(id="CC-BY-SA-4.0", kind="cc", name="Attribution-ShareAlike 4.0 International",
                  short_name="CC BY-SA 4.0", uri="http://creativecommons.org/licenses/by-sa/4.0/",
                  commercial_use=True, derivatives=True, share_alike=True, attribution=True, click_through=False)


def agent(agent_id: int, name: str, **values) -> Agent:
    fields = dict(id=agent_id, slug=f"agent-{agent_id}", kind="person", name=name, pseudonym=None, credit_as="name",
                  consent_withdrawn_on=None)
    fields.update(values)
    return Agent(**fields)


def memory_item(*contributions: tuple[Agent, str], community: Agent | None = None, media: list[Media] | None = None,
                **values) -> Item:
    """An item built without a database, its relationships linked by hand."""
    fields = dict(public_id="tw-song-0007", kind="song", title=[{"value": "Ahidous n Ayt Wawzgit", "lang": "zgh-Latn"}],
                  languages=["zgh-Latn"], date_edtf="2021-05-02", date_start=20210502, date_end=20210502,
                  licence=LICENCE, community=community, media=media or [], annotations=[],
                  contributions=[Contribution(agent=a, role=role) for a, role in contributions])
    fields.update(values)
    return Item(**fields)


# ------------------------------------------------------------------------------------------ the data


def test_citation_data_of_the_tale(tale_item):
    citation = cite(tale_item)
    assert (citation.title, citation.title_lang) == ("Le conte du poisson", "fr")
    assert (citation.original_title, citation.original_title_lang) == ("حكاية الحوت", "ary-Arab")
    assert citation.authors == ("Lalla Rqia",) and not citation.corporate_author
    assert {c.role: c.names for c in citation.contributors} == {
        "trc": ("Samir Oubella",), "trl": ("Nadia Benjelloun",), "pht": ("Samir Oubella",)}
    assert [c.role for c in citation.contributors] == ["trc", "trl", "pht"]  # the order of vocabulary.ROLES
    assert (citation.date_edtf, citation.year, citation.date_parts, citation.circa) == ("1978~", 1978, ((1978,),), True)
    assert (citation.licence_name, citation.licence_uri) == ("CC BY 4.0", "http://creativecommons.org/licenses/by/4.0/")
    assert citation.publisher == "Twiza" and citation.url == URL and citation.accessed == ACCESSED
    assert citation.languages == ("ary-Arab",) and citation.has_audio and citation.kind == "tale"
    assert citations.display_date(citation) == "ca. 1978"


def test_the_title_follows_the_preferred_languages(tale_item):
    assert cite(tale_item, ("en", "fr")).title == "Le conte du poisson"
    assert cite(tale_item, ("ary-Latn",)).title == "7ekayat l7out"  # the exact tag before the primary subtag
    arabic = cite(tale_item, ("ary",))
    assert arabic.title == arabic.original_title == "حكاية الحوت" and not arabic.translated
    assert cite(tale_item, ("de",)).title == "حكاية الحوت"  # none preferred: the original title


# ------------------------------------------------------------------------------------------ who is named


@pytest.mark.parametrize("format_name", FORMATS)
def test_every_credited_agent_and_the_licence_appear_in_every_format(tale_item, format_name):
    text = FORMATS[format_name](cite(tale_item))
    for name in CREDITED:
        assert name in text
    assert "CC BY 4.0" in text
    if format_name != "formatted":
        assert "http://creativecommons.org/licenses/by/4.0/" in text


@pytest.mark.parametrize("format_name", FORMATS)
def test_agents_who_withdrew_consent_or_are_anonymous_appear_in_no_format(tale_item, format_name):
    citation = cite(tale_item)
    text = FORMATS[format_name](citation)
    for name in (*WITHDRAWN, ANONYMOUS):
        assert name not in text
        assert name not in repr(citation)
    assert "Anonymous" not in text  # someone else is named


def test_an_anonymous_knowledge_holder_is_anonymous_only_without_another_author():
    singer = agent(1, "Itto Oubaha", credit_as="anonymous")
    citation = cite(memory_item((singer, "sng")))
    assert citation.authors == ("Anonymous",)
    for text in outputs(citation).values():
        assert "Anonymous" in text and "Itto Oubaha" not in text

    community = agent(2, "Ayt Wawzgit", kind="community")
    with_community = cite(memory_item((singer, "sng"), community=community))
    assert with_community.authors == ("Ayt Wawzgit",) and with_community.corporate_author
    assert "{{Ayt Wawzgit}}" in citations.bibtex(with_community)

    named = cite(memory_item((singer, "sng"), (agent(3, "Fatima Zahra Alaoui"), "sng"), community=community))
    assert named.authors == ("Fatima Zahra Alaoui",) and not named.corporate_author


def test_a_withdrawn_knowledge_holder_is_left_out_entirely():
    withdrawn = agent(1, "Moha Ou Said", consent_withdrawn_on=dt.date(2024, 1, 15))
    transcriber = agent(2, "Salma Idrissi")
    citation = cite(memory_item((withdrawn, "nrt"), (transcriber, "trc")))
    assert citation.authors == ()
    for text in outputs(citation).values():
        assert "Moha Ou Said" not in text and "Anonymous" not in text
        assert "Salma Idrissi" in text
    assert citations.formatted(citation).startswith("“Ahidous n Ayt Wawzgit.” 2021.")
    assert "AU  - " not in citations.ris(citation) and "author" not in citations.csl_json(citation)


def test_a_withdrawn_community_is_not_named_either():
    community = agent(2, "Ayt Wawzgit", kind="community", consent_withdrawn_on=dt.date(2024, 1, 15))
    citation = cite(memory_item((agent(1, "Itto Oubaha", credit_as="anonymous"), "sng"), community=community,
                                title=[{"value": "Ahidous", "lang": "zgh-Latn"}]))
    assert citation.authors == ("Anonymous",)
    assert all("Ayt Wawzgit" not in text for text in outputs(citation).values())


def test_a_pseudonym_is_credited_and_the_name_behind_it_never_shown():
    holder = agent(1, "Fatima Zahra Alaoui", pseudonym="Mi Fatima", credit_as="pseudonym")
    citation = cite(memory_item((holder, "nrt")))
    for text in outputs(citation).values():
        assert "Mi Fatima" in text and "Fatima Zahra Alaoui" not in text


# ------------------------------------------------------------------------------------------ formats


def test_formatted_reads_like_a_chicago_citation(tale_item):
    assert citations.formatted(cite(tale_item)) == (
        "Lalla Rqia. ca. 1978. “Le conte du poisson” [حكاية الحوت]. Tale in Moroccan Arabic (Darija). "
        "Transcribed by Samir Oubella; translated by Nadia Benjelloun; photographed by Samir Oubella. "
        "Twiza. CC BY 4.0. https://twiza.example/items/tw-tale-0001 (accessed 2025-01-02)."
    )


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def test_bibtex_escapes_special_characters_and_braces_every_name():
    holders = [(agent(1, "Fatima Zahra Alaoui"), "nrt"), (agent(2, "Ben & Fils 100%"), "art")]
    title = [{"value": "Zellige & 100% {motifs} #1 $5 a_b ~x^2 C:\\dir", "lang": "fr"}]
    entry = citations.bibtex(cite(memory_item(*holders, title=title, languages=["fr"])))
    assert entry.startswith("@misc{tw-song-0007,\n") and entry.endswith("}\n")
    assert "author = {{Fatima Zahra Alaoui} and {Ben \\& Fils 100\\%}}" in entry
    assert ("title = {{Zellige \\& 100\\% \\textbraceleft{}motifs\\textbraceright{} \\#1 \\$5 a\\_b "
            "\\textasciitilde{}x\\textasciicircum{}2 C:\\textbackslash{}dir}}") in entry
    assert _balanced(entry)  # BibTeX counts every brace, even escaped ones


def test_bibtex_of_the_tale(tale_item):
    entry = citations.bibtex(cite(tale_item))
    assert "author = {{Lalla Rqia}}" in entry
    assert "title = {{Le conte du poisson}}" in entry and "origtitle = {{حكاية الحوت}}" in entry
    assert "year = {1978}" in entry and "urldate = {2025-01-02}" in entry
    assert f"url = {{{URL}}}" in entry and f"howpublished = {{\\url{{{URL}}}}}" in entry
    assert "publisher = {Twiza}" in entry
    assert _balanced(entry)


def test_ris_lines_end_with_crlf_from_ty_to_er(tale_item):
    record = citations.ris(cite(tale_item))
    assert record.endswith("\r\n") and "\n" not in record.replace("\r\n", "")
    lines = record.split("\r\n")[:-1]
    assert lines[0] == "TY  - SOUND" and lines[-1] == "ER  - "
    assert all(re.fullmatch(r"[A-Z][A-Z0-9]  - .*", line) for line in lines)
    tags = [line[:2] for line in lines]
    assert tags.count("TY") == 1 and tags.count("ER") == 1
    for expected in ("AU  - Lalla Rqia", "TI  - Le conte du poisson", "PY  - 1978", "DA  - 1978///", "PB  - Twiza",
                     f"UR  - {URL}", "Y2  - 2025/01/02", "LA  - ary-Arab", "ID  - tw-tale-0001",
                     "N1  - Original title (ary-Arab): حكاية الحوت"):
        assert expected in lines


def test_ris_is_generic_without_audio():
    image = Media(kind="image", mime_type="image/png")
    record = citations.ris(cite(memory_item((agent(1, "Fatima Zahra Alaoui"), "art"), media=[image], kind="motif")))
    assert record.startswith("TY  - GEN\r\n")
    assert "DA  - 2021/05/02/\r\n" in record


# A small schema of our own for the parts of CSL-JSON we write (CSL 1.0.2 variables).
_DATE = {"type": "object", "additionalProperties": False, "required": ["date-parts"], "properties": {
    "date-parts": {"type": "array", "minItems": 1, "maxItems": 2,
                   "items": {"type": "array", "minItems": 1, "maxItems": 3, "items": {"type": "integer"}}},
    "circa": {"type": "boolean"}}}
_NAMES = {"type": "array", "minItems": 1, "items": {
    "type": "object", "required": ["literal"], "additionalProperties": False,
    "properties": {"literal": {"type": "string", "minLength": 1}}}}
CSL_ITEM = {
    "type": "object", "additionalProperties": False, "required": ["id", "type", "title", "URL", "accessed"],
    "properties": {
        "id": {"type": "string"}, "type": {"enum": ["document", "song"]}, "title": {"type": "string"},
        "original-title": {"type": "string"}, "genre": {"type": "string"}, "publisher": {"type": "string"},
        "URL": {"type": "string"}, "language": {"type": "string"}, "license": {"type": "string"},
        "note": {"type": "string"}, "author": _NAMES, "translator": _NAMES, "issued": _DATE, "accessed": _DATE,
    },
}


def test_csl_json_is_valid_json_with_the_required_keys(tale_item):
    data = json.loads(json.dumps(citations.csl_json(cite(tale_item)), ensure_ascii=False))
    jsonschema.validate(data, CSL_ITEM)
    assert data["id"] == "tw-tale-0001" and data["type"] == "document" and data["genre"] == "tale"
    assert data["author"] == [{"literal": "Lalla Rqia"}]
    assert data["translator"] == [{"literal": "Nadia Benjelloun"}]
    assert data["note"] == "Transcribed by Samir Oubella; photographed by Samir Oubella."
    assert data["issued"] == {"date-parts": [[1978]], "circa": True}
    assert data["accessed"] == {"date-parts": [[2025, 1, 2]]}
    assert data["license"] == "CC BY 4.0 (http://creativecommons.org/licenses/by/4.0/)"
    assert data["original-title"] == "حكاية الحوت" and data["language"] == "ary-Arab"


def test_csl_json_of_a_song_dated_by_an_interval():
    item = memory_item((agent(1, "Fatima Zahra Alaoui"), "sng"), date_edtf="1930/1945", date_start=19300101,
                       date_end=19451231)
    citation = cite(item)
    data = citations.csl_json(citation)
    jsonschema.validate(data, CSL_ITEM)
    assert data["type"] == "song" and data["issued"] == {"date-parts": [[1930], [1945]]}
    assert citations.display_date(citation) == "1930–1945"
    assert "year = {1930}" in citations.bibtex(citation)


def test_an_undated_item_is_n_d():
    undated = memory_item((agent(1, "Fatima Zahra Alaoui"), "sng"), date_edtf=None, date_start=None, date_end=None)
    citation = cite(undated)
    assert citation.year is None and "n.d." in citations.formatted(citation)
    assert "issued" not in citations.csl_json(citation)
    assert "year =" not in citations.bibtex(citation) and "PY  - " not in citations.ris(citation)


@pytest.mark.parametrize("format_name", FORMATS)
def test_arabic_and_tifinagh_titles_survive_unchanged(tale_item, format_name):
    assert "حكاية الحوت" in FORMATS[format_name](cite(tale_item, ("ary-Arab",)))
    tifinagh = memory_item((agent(1, "ⵉⵜⵜⵓ ⵓⴱⴰⵀⴰ"), "sng"), title=[{"value": "ⴰⵃⵉⴷⵓⵙ", "lang": "zgh-Tfng"}],
                           languages=["zgh-Tfng"])
    text = FORMATS[format_name](cite(tifinagh, ("zgh",)))
    assert "ⴰⵃⵉⴷⵓⵙ" in text and "ⵉⵜⵜⵓ ⵓⴱⴰⵀⴰ" in text


def test_filename_stem_is_safe_ascii(tale_item):
    assert citations.filename_stem(tale_item) == "twiza-tw-tale-0001"
    assert citations.filename_stem(memory_item(public_id="Tw Été/../01")) == "twiza-tw-ete-01"
    assert citations.filename_stem(memory_item(public_id="حكاية")) == "twiza-item"
