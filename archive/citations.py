"""Citations of an item: the data of its "cite this" block and its BibTeX, RIS and CSL-JSON downloads.

Pure functions: they read an item whose relationships are loaded (contributions and their agents, media,
annotations, community, licence) and never touch the request or the database.

Credit follows ``Agent.credited_name``: an agent who may not be named (credited anonymously, or whose
consent was withdrawn) is never named in any output. An anonymous knowledge holder becomes the author
"Anonymous" only when the item has no other author; one whose consent was withdrawn is left out.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from archive.models import Item, LangValues
from archive.presenters import item_credits
from archive.vocabulary import LANGUAGES, ROLES

ANONYMOUS = "Anonymous"  # kept in English here; the page translates it

# How each data worker's role reads in a sentence: "Transcribed by X; translated by Y."
_DONE_BY = {
    "trc": "transcribed by",
    "trl": "translated by",
    "ann": "annotated by",
    "col": "collected by",
    "rev": "reviewed by",
    "pht": "photographed by",
    "rcd": "recorded by",
}


@dataclass(frozen=True)
class RoleCredit:
    """The named data workers of one role (a MARC relator code, e.g. ``trc``)."""

    role: str
    label: str  # "transcriber"
    names: tuple[str, ...]


@dataclass(frozen=True)
class Citation:
    """Everything a citation of one item says, in every format."""

    public_id: str
    kind: str
    title: str  # in the first preferred language the item has
    title_lang: str
    original_title: str  # in the item's (first) content language
    original_title_lang: str
    authors: tuple[str, ...]  # knowledge holders, or the community, or ("Anonymous",), or ()
    corporate_author: bool  # True when the author is the community
    contributors: tuple[RoleCredit, ...]  # data workers by role, in the order of vocabulary.ROLES
    date_edtf: str | None
    year: int | None  # the first year of the date (the last one for "../1912"); negative: BCE
    date_parts: tuple[tuple[int, ...], ...]  # CSL date-parts: one date, or the two ends of a range
    circa: bool  # the date is approximate (EDTF "~" or "%")
    uncertain: bool  # the date is uncertain (EDTF "?" or "%")
    publisher: str
    url: str
    licence_name: str
    licence_uri: str
    accessed: dt.date
    languages: tuple[str, ...]
    has_audio: bool

    @property
    def translated(self) -> bool:
        """Whether the title is shown in another language than the original title."""
        return self.title != self.original_title


def citation_data(item: Item, *, url: str, site_name: str, accessed: dt.date,
                  preferred_languages: tuple[str, ...]) -> Citation:
    """The citation of ``item`` as published at ``url`` by ``site_name``, read on ``accessed``, with its
    title in the first of ``preferred_languages`` (BCP 47 tags) that the item has."""
    first = (item.title[0]["value"], item.title[0]["lang"]) if item.title else ("", "")
    original, original_tag = _pick(item.title, tuple(item.languages or ())) or first
    title, title_tag = _pick(item.title, preferred_languages) or (original, original_tag)
    authors, corporate = _authors(item)
    year, parts, circa, uncertain = _date(item)
    return Citation(
        public_id=item.public_id,
        kind=item.kind,
        title=title,
        title_lang=title_tag,
        original_title=original,
        original_title_lang=original_tag,
        authors=authors,
        corporate_author=corporate,
        contributors=_contributors(item),
        date_edtf=item.date_edtf,
        year=year,
        date_parts=parts,
        circa=circa,
        uncertain=uncertain,
        publisher=site_name,
        url=url,
        licence_name=item.licence.short_name,
        licence_uri=item.licence.uri,
        accessed=accessed,
        languages=tuple(item.languages or ()),
        has_audio=any(media.kind == "audio" for media in item.media),
    )


def _pick(values: LangValues, languages: tuple[str, ...]) -> tuple[str, str] | None:
    """The first value in one of ``languages`` with its tag: the exact tag first (``ary-Latn`` is not
    ``ary-Arab``), then the primary subtag. None when no value is in any of them."""
    for language in languages:
        for value in values:
            if value["lang"].lower() == language.lower():
                return value["value"], value["lang"]
        for value in values:
            if value["lang"].split("-")[0].lower() == language.split("-")[0].lower():
                return value["value"], value["lang"]
    return None


def _authors(item: Item) -> tuple[tuple[str, ...], bool]:
    names: list[str] = []
    anonymous = False
    for contribution in item.contributions:
        role = ROLES.get(contribution.role)
        if role is None or not role.knowledge_holder:
            continue
        agent = contribution.agent
        name = agent.credited_name
        if name is not None:
            if name not in names:
                names.append(name)
        elif not agent.consent_withdrawn:
            anonymous = True  # credited anonymously; someone withdrawn is not even counted
    if names:
        return tuple(names), False
    community = item.community.credited_name if item.community is not None else None
    if community:
        return (community,), True
    return ((ANONYMOUS,) if anonymous else ()), False


def _contributors(item: Item) -> tuple[RoleCredit, ...]:
    by_role: dict[str, list[str]] = {}
    for credit in item_credits(item).data_workers:
        if credit.name is None:  # anonymous or withdrawn: never named, not even as "anonymous"
            continue
        for role in credit.roles:
            names = by_role.setdefault(role, [])
            if credit.name not in names:
                names.append(credit.name)
    order = {code: position for position, code in enumerate(ROLES)}
    return tuple(
        RoleCredit(role, ROLES[role].label if role in ROLES else role, tuple(names))
        for role, names in sorted(by_role.items(), key=lambda pair: (order.get(pair[0], len(order)), pair[0]))
    )


# ------------------------------------------------------------------------------------------ dates

_EDTF_DATE = re.compile(r"^-?[0-9X]{4}(?:-(?P<month>[0-9X]{2})(?:-(?P<day>[0-9X]{2}))?)?$")


def _precision(edtf: str) -> int:
    """1 (year), 2 (month) or 3 (day): how much of a single EDTF date is known."""
    match = _EDTF_DATE.match(edtf.rstrip("?~%"))
    if not match or "X" in edtf.lstrip("-")[:4]:
        return 1
    month, day = match["month"], match["day"]
    if month is None or "X" in month or int(month) > 12:  # seasons (21-24) are given as years
        return 1
    if day is None or "X" in day:
        return 2
    return 3


def _parts(sortable: int, precision: int) -> tuple[int, ...]:
    sign = -1 if sortable < 0 else 1
    value = abs(sortable)
    return (sign * (value // 10000), value // 100 % 100, value % 100)[:precision]


def _date(item: Item) -> tuple[int | None, tuple[tuple[int, ...], ...], bool, bool]:
    edtf = (item.date_edtf or "").strip()
    if not edtf or (item.date_start is None and item.date_end is None):
        return None, (), False, False
    if "/" in edtf:
        start_text, _, end_text = edtf.partition("/")
    else:
        start_text = end_text = edtf
    circa = "~" in edtf or "%" in edtf
    uncertain = "?" in edtf or "%" in edtf
    start = _parts(item.date_start, _precision(start_text)) if item.date_start is not None else None
    end = _parts(item.date_end, _precision(end_text)) if item.date_end is not None else None
    if start is not None and end is not None and start != end:
        parts: tuple[tuple[int, ...], ...] = (start, end)
    else:
        parts = (start or end,)  # type: ignore[assignment]
    return parts[0][0], parts, circa, uncertain


def _year_text(year: int) -> str:
    return f"{-year} BCE" if year < 0 else str(year)


def display_date(citation: Citation) -> str:
    """The date as a citation shows it: "1978", "ca. 1978", "1978?", "1930–1945", or "n.d."."""
    if citation.year is None:
        return "n.d."
    years = [_year_text(parts[0]) for parts in citation.date_parts]
    text = "–".join(dict.fromkeys(years))  # "1978", not "1978–1978" for a day range within one year
    if citation.uncertain:
        text += "?"
    return f"ca. {text}" if citation.circa else text


# ------------------------------------------------------------------------------------------ text


def _join_names(names: tuple[str, ...]) -> str:
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + ", and " + names[-1]


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "?", "!")) else text + "."


def _credits_sentence(citation: Citation, roles: set[str] | None = None) -> str:
    """ "Transcribed by X; translated by Y." for the data workers (of ``roles`` only, when given)."""
    parts = [
        f"{_DONE_BY.get(credit.role, credit.label + ':')} {_join_names(credit.names)}"
        for credit in citation.contributors
        if roles is None or credit.role in roles
    ]
    if not parts:
        return ""
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def _kind_and_languages(citation: Citation) -> str:
    kind = citation.kind.capitalize()
    names = list(dict.fromkeys(LANGUAGES.get(tag.split("-")[0].lower(), tag) for tag in citation.languages))
    return f"{kind} in {_join_names(tuple(names))}" if names else kind


def _title_text(citation: Citation) -> str:
    """“Title.” — or “Title” [original title]. when the title is a translation of the original."""
    if citation.translated and citation.original_title:
        return f"“{citation.title}” [{citation.original_title}]."
    title = citation.title or citation.original_title
    return f"“{_sentence(title)}”" if title else ""


def formatted(citation: Citation) -> str:
    """A human-readable citation in a Chicago-like author-date style:
    ``Authors. Year. “Title.” Kind. Transcribed by X; translated by Y. Site. Licence. URL (accessed YYYY-MM-DD).``
    """
    title = _title_text(citation)
    date = _sentence(display_date(citation))
    if citation.authors:
        lead = [_sentence(_join_names(citation.authors)), date, title]
    else:  # no author: the title leads
        lead = [title, date]
    parts = lead + [
        _sentence(_kind_and_languages(citation)),
        _credits_sentence(citation),
        _sentence(citation.publisher),
        _sentence(citation.licence_name),
        f"{citation.url} (accessed {citation.accessed.isoformat()}).",
    ]
    return " ".join(part for part in parts if part)


def _note(citation: Citation, roles: set[str] | None = None) -> str:
    """The licence and the data workers, for the note fields of BibTeX, RIS and CSL-JSON."""
    parts = [f"Licence: {citation.licence_name} ({citation.licence_uri})."]
    credits = _credits_sentence(citation, roles)
    if credits:
        parts.append(credits)
    return " ".join(parts)


# ------------------------------------------------------------------------------------------ BibTeX

# Braces are written as commands, not as \{ \}: BibTeX counts every brace, escaped or not, and an
# unbalanced one breaks the entry.
_BIBTEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_BIBTEX_SPECIAL = re.compile("|".join(re.escape(char) for char in _BIBTEX_ESCAPES))


def bibtex_escape(text: str) -> str:
    """``text`` with the characters that BibTeX or LaTeX would interpret escaped; other text (Arabic,
    Tifinagh, accents) passes through as UTF-8. Line breaks become spaces."""
    text = " ".join(text.split())
    return _BIBTEX_SPECIAL.sub(lambda match: _BIBTEX_ESCAPES[match.group()], text)


def _bibtex_url(url: str) -> str:
    # A URL field is read verbatim by biblatex and by \url: only characters that would break the field's
    # braces or the URL itself are percent-encoded.
    return "".join(f"%{ord(char):02X}" if char in "{}\\ \t\r\n" else char for char in url)


def _bibtex_key(public_id: str) -> str:
    key = re.sub(r"[^A-Za-z0-9_:.-]+", "-", unicodedata.normalize("NFKD", public_id).encode("ascii", "ignore").decode())
    return key.strip("-") or "item"


def bibtex(citation: Citation) -> str:
    """A ``@misc`` entry. Each name is one braced unit ({Fatima Zahra Alaoui}) so BibTeX never splits it
    into first and last names; the title is braced too so styles keep its case."""
    fields: list[tuple[str, str]] = []
    if citation.authors:
        fields.append(("author", " and ".join(f"{{{bibtex_escape(name)}}}" for name in citation.authors)))
    title = citation.title or citation.original_title
    fields.append(("title", f"{{{bibtex_escape(title)}}}"))
    if citation.translated and citation.original_title:
        fields.append(("origtitle", f"{{{bibtex_escape(citation.original_title)}}}"))
    if citation.year is not None:
        fields.append(("year", str(citation.year)))
    fields.append(("type", bibtex_escape(citation.kind.capitalize())))
    fields.append(("publisher", bibtex_escape(citation.publisher)))
    url = _bibtex_url(citation.url)
    fields.append(("howpublished", r"\url{" + url.replace("%", r"\%").replace("#", r"\#") + "}"))
    fields.append(("url", url))
    fields.append(("urldate", citation.accessed.isoformat()))
    fields.append(("note", bibtex_escape(_note(citation))))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{_bibtex_key(citation.public_id)},\n{body}\n}}\n"


# ------------------------------------------------------------------------------------------ RIS


def _ris_value(text: str) -> str:
    return " ".join(str(text).split())  # one line per tag


def ris(citation: Citation) -> str:
    """An RIS record, lines ending in CRLF, from ``TY`` to ``ER``. The access date is in ``Y2`` and the
    item's date in ``PY``/``DA`` (reference managers such as Zotero read ``DA`` as the work's date); data
    workers, the licence and the original title are in ``N1`` notes, since RIS has no tag for them."""
    lines: list[tuple[str, str]] = [("TY", "SOUND" if citation.has_audio else "GEN")]
    lines += [("AU", name) for name in citation.authors]
    lines.append(("TI", citation.title or citation.original_title))
    if citation.year is not None:
        lines.append(("PY", f"{citation.year:04d}" if citation.year >= 0 else str(citation.year)))
        first = citation.date_parts[0]
        if citation.year >= 0:
            # YYYY/MM/DD/other, unknown parts left empty: "1978///", "2019/03/14/".
            lines.append(("DA", "/".join(f"{part:02d}" if i else f"{part:04d}" for i, part in enumerate(first))
                          + "/" * (4 - len(first))))
    lines.append(("M3", citation.kind.capitalize()))
    lines.append(("PB", citation.publisher))
    lines.append(("UR", citation.url))
    lines.append(("Y2", citation.accessed.strftime("%Y/%m/%d")))
    lines += [("LA", tag) for tag in citation.languages]
    lines.append(("ID", citation.public_id))
    if citation.translated and citation.original_title:
        lines.append(("N1", f"Original title ({citation.original_title_lang}): {citation.original_title}"))
    lines.append(("N1", f"Licence: {citation.licence_name} ({citation.licence_uri})"))
    credits = _credits_sentence(citation)
    if credits:
        lines.append(("N1", credits))
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {_ris_value(value)}\r\n" for tag, value in lines)


# ------------------------------------------------------------------------------------------ CSL-JSON


def csl_json(citation: Citation) -> dict[str, Any]:
    """A CSL-JSON item (CSL 1.0.2 variables). Names are ``{"literal": ...}`` since they are not split into
    given and family names; translators are ``translator``, other data workers go to ``note``. The licence
    is in ``license``, a CSL 1.0.2 variable that the csl-data.json schema does not list yet
    (citation-style-language/schema#407)."""
    data: dict[str, Any] = {
        "id": citation.public_id,
        "type": "song" if citation.kind == "song" else "document",
        "title": citation.title or citation.original_title,
        "genre": citation.kind,
        "publisher": citation.publisher,
        "URL": citation.url,
        "accessed": {"date-parts": [[citation.accessed.year, citation.accessed.month, citation.accessed.day]]},
        "license": f"{citation.licence_name} ({citation.licence_uri})",
    }
    if citation.translated and citation.original_title:
        data["original-title"] = citation.original_title
    if citation.authors:
        data["author"] = [{"literal": name} for name in citation.authors]
    translators = next((c.names for c in citation.contributors if c.role == "trl"), ())
    if translators:
        data["translator"] = [{"literal": name} for name in translators]
    if citation.date_parts:
        issued: dict[str, Any] = {"date-parts": [list(parts) for parts in citation.date_parts]}
        if citation.circa:
            issued["circa"] = True
        data["issued"] = issued
    if citation.languages:
        data["language"] = citation.languages[0]
    other_roles = {c.role for c in citation.contributors if c.role != "trl"}
    credits = _credits_sentence(citation, other_roles) if other_roles else ""
    if credits:
        data["note"] = credits
    return data


# ------------------------------------------------------------------------------------------ files


def filename_stem(item: Item) -> str:
    """A safe ASCII file name stem for the item's downloads, e.g. ``twiza-tw-tale-0001``."""
    ascii_id = unicodedata.normalize("NFKD", item.public_id or "").encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_id).strip("-")[:80].strip("-")
    return f"twiza-{slug}" if slug else "twiza-item"


def _yaml_string(text: str) -> str:
    # JSON strings are valid YAML scalars: quotes and non-ASCII letters survive whatever the script.
    return json.dumps(text, ensure_ascii=False)


def citation_cff(citation: Citation) -> str:
    """CITATION.cff (Citation File Format 1.2.0) of the item: title, authors (knowledge holders or the
    community, then the data workers), its address and licence."""
    lines = ["cff-version: 1.2.0", "message: " + _yaml_string("If you use this material, cite it as below."),
             "type: dataset", "title: " + _yaml_string(citation.title), "authors:"]
    people = [(name, None) for name in citation.authors] or [(citation.publisher, None)]
    people += [(name, credit.label) for credit in citation.contributors for name in credit.names]
    for name, role in people:
        key = "entity" if citation.corporate_author and role is None else "name"
        lines.append(f"  - {key}: {_yaml_string(name)}")
    lines += ["identifiers:", "  - type: url", f"    value: {_yaml_string(citation.url)}",
              f"url: {_yaml_string(citation.url)}", f"license-url: {_yaml_string(citation.licence_uri)}"]
    return "\n".join(lines) + "\n"
