"""The files of a dataset release, written as pure functions of items and counts: one record per item
(JSONL and CSV), sentence pairs for translation (TSV), an audio manifest of time-coded segments (JSONL), the
data card (README.md), Croissant JSON-LD metadata, release notes and the SHA-256 list. No database, no HTTP.

Agents who withdrew consent are absent: an item whose knowledge holder withdrew is not a record at all, and
the transcriptions, translations and recordings a withdrawn data worker made are left out of the others.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, TextIO

from archive.models import Agent, Item
from archive.presenters import item_credits, item_descriptions, parallel_text
from archive.vocabulary import ROLES, script_of

SPLITS = (("train", 80), ("dev", 90), ("test", 100))  # cumulative percentages
RECORDS_JSONL, RECORDS_CSV, PARALLEL_TSV, AUDIO_JSONL = "records.jsonl", "records.csv", "parallel.tsv", "audio.jsonl"
DATA_CARD, CROISSANT, NOTES, MANIFEST, CHECKSUMS = "README.md", "croissant.json", "RELEASE_NOTES.md", "manifest.json", "SHA256SUMS"
CSV_COLUMNS = ("id", "split", "kind", "language", "script", "title", "text", "translations", "licence",
               "contributors", "labels", "provenance")
PARALLEL_COLUMNS = ("id", "split", "source_language", "target_language", "source", "target", "provenance")
MEDIA_TYPES = {RECORDS_JSONL: "application/jsonlines", RECORDS_CSV: "text/csv",
               PARALLEL_TSV: "text/tab-separated-values", AUDIO_JSONL: "application/jsonlines",
               DATA_CARD: "text/markdown", CROISSANT: "application/ld+json", NOTES: "text/markdown",
               MANIFEST: "application/json", CHECKSUMS: "text/plain"}


def split_of(public_id: str) -> str:
    """train (80 %), dev (10 %) or test (10 %), from the identifier alone: the same in every release, so that
    an item never moves from training to test data between versions."""
    bucket = int(hashlib.sha256(public_id.encode()).hexdigest()[:8], 16) % 100
    return next(name for name, limit in SPLITS if bucket < limit)


def _withdrawn(agent: Agent | None) -> bool:
    return agent is not None and agent.consent_withdrawn


def _holder_withdrew(item: Item) -> bool:
    return any(_withdrawn(c.agent) and ROLES.get(c.role) and ROLES[c.role].knowledge_holder for c in item.contributions)


def withdrawn_agents(item: Item) -> set[int]:
    """The people who withdrew consent and took part in ``item``: what a release leaves out of it."""
    found = {c.agent_id for c in item.contributions if _withdrawn(c.agent)}
    found |= {a.creator_id for a in item.annotations if _withdrawn(a.creator)}
    return found | {m.creator_id for m in item.media if _withdrawn(m.creator)}


def _value(value: str, lang: str) -> dict[str, str]:
    return {"text": value, "language": lang, "script": script_of(lang), "provenance": "human"}


def _segments(item: Item, item_url: str) -> list[dict[str, Any]]:
    """Time-coded transcriptions (first) and translations of each recording, without withdrawn makers' work."""
    originals = {tag.split("-")[0] for tag in item.languages or []}
    segments = []
    for media in item.media:
        if media.kind != "audio" or _withdrawn(media.creator):
            continue
        groups: dict[tuple[float, float], list[dict[str, str]]] = {}
        for annotation in item.annotations:
            if (annotation.media_id != media.id or annotation.status != "approved" or annotation.body_value is None
                    or not (annotation.selector or "").startswith("t=") or _withdrawn(annotation.creator)):
                continue
            start, end = (float(v) for v in annotation.selector[2:].split(","))
            groups.setdefault((start, end), []).append(_value(annotation.body_value, annotation.body_language or "und"))
        for (start, end), values in sorted(groups.items()):
            values.sort(key=lambda v: v["language"].split("-")[0] not in originals)
            segments.append({"media": media.public_id, "sha256": media.sha256, "mime_type": media.mime_type,
                             "audio_url": f"{item_url.rsplit('/items/', 1)[0]}/media/{media.public_id}/download",
                             "start": start, "end": end, "values": values})
    return segments


def _description(item: Item) -> list[dict[str, Any]]:
    """The item's description, the community's own first under TK Community Voice; a layer by someone who
    withdrew their consent is left out."""
    return [{**_value(d.value.value, d.value.lang), "provenance": d.layer.provenance if d.layer else "human",
             "community": d.community}
            for d in item_descriptions(item, layers=False) if d.layer is None or not _withdrawn(d.layer.creator)]


@dataclass
class Record:
    """One item as a release holds it."""

    data: dict[str, Any]
    segments: list[dict[str, Any]]
    agent_ids: set[int]
    pairs: list[tuple[str, str, str, str]]  # (source language, target language, source, target)


def item_record(item: Item, item_url: str, layers: Iterable[str]) -> Record | None:
    """The release record of ``item`` with the chosen layers ('text', 'translations', 'audio'), or None when
    the item must be left out (a knowledge holder withdrew consent) or holds nothing of those layers."""
    layers = set(layers)
    if _holder_withdrew(item):
        return None
    columns = parallel_text(item.text, item.languages)
    original = columns.columns[0] if columns.columns else None
    translations = [_value(v.value, v.lang) for v in columns.columns[1:]] if "translations" in layers else []
    segments = _segments(item, item_url) if "audio" in layers else []
    if "translations" not in layers:
        segments = [{**s, "values": s["values"][:1]} for s in segments]
    text = original.value if original is not None and "text" in layers else ""
    if not text and not translations and not segments:
        return None
    credits = item_credits(item)
    contributors = [{"name": c.name or "anonymous", "roles": c.roles}
                    for c in [*credits.knowledge_holders, *credits.data_workers]]
    language = original.lang if original is not None else (item.languages or ["und"])[0]
    data = {
        "id": item.public_id, "split": split_of(item.public_id), "url": item_url, "kind": item.kind,
        "title": item.title_in(*(item.languages or []), "fr", "en"),
        "language": language, "script": script_of(language), "text": text, "translations": translations,
        "description": _description(item),
        "segments": [{k: s[k] for k in ("media", "start", "end", "values")} for s in segments],
        "licence": {"id": item.licence.id, "uri": item.licence.uri}, "community": credits.community,
        "contributors": contributors, "labels": list(item.labels or []), "provenance": "human",
    }
    pairs = []
    if "translations" in layers and "text" in layers:
        for row in columns.rows:
            if row and row[0] is not None:
                pairs.extend((row[0].lang, cell.lang, row[0].value, cell.value) for cell in row[1:] if cell is not None)
    for segment in segments:
        source, *targets = segment["values"]
        pairs.extend((source["language"], t["language"], source["text"], t["text"]) for t in targets)
    agents = {c.agent_id for c in item.contributions if not _withdrawn(c.agent)}
    agents |= {a.creator_id for a in item.annotations if a.creator_id and a.status == "approved" and not _withdrawn(a.creator)}
    agents |= {m.creator_id for m in item.media if m.creator_id and not _withdrawn(m.creator)}
    return Record(data, segments, agents, pairs)


def _flat(text: str) -> str:
    # One pair per line: tabs and line breaks inside a sentence become spaces.
    return " ".join(text.split())


@dataclass
class Composition:
    """What a release holds, counted while its rows are written."""

    items: int = 0
    splits: Counter = field(default_factory=Counter)
    languages: Counter = field(default_factory=Counter)
    licences: Counter = field(default_factory=Counter)
    labels: Counter = field(default_factory=Counter)
    pairs: int = 0
    segments: int = 0
    versions: dict[str, int] = field(default_factory=dict)
    agent_ids: set[int] = field(default_factory=set)


class ReleaseWriter:
    """Writes the data files of a release row by row into ``folder`` (a context manager)."""

    def __init__(self, folder: Path, layers: Iterable[str]):
        self.folder, self.layers = folder, set(layers)
        self.composition = Composition()
        self._files: dict[str, TextIO] = {}

    def __enter__(self) -> "ReleaseWriter":
        names = [RECORDS_JSONL, RECORDS_CSV, PARALLEL_TSV] + ([AUDIO_JSONL] if "audio" in self.layers else [])
        for name in names:
            self._files[name] = open(self.folder / name, "w", encoding="utf-8", newline="")
        self._csv = csv.writer(self._files[RECORDS_CSV], lineterminator="\n")
        self._csv.writerow(CSV_COLUMNS)
        self._tsv = csv.writer(self._files[PARALLEL_TSV], delimiter="\t", lineterminator="\n")
        self._tsv.writerow(PARALLEL_COLUMNS)
        return self

    def __exit__(self, *exc: Any) -> None:
        for stream in self._files.values():
            stream.close()

    @property
    def names(self) -> list[str]:
        return list(self._files)

    def write(self, record: Record, version: int) -> None:
        data, counts = record.data, self.composition
        self._files[RECORDS_JSONL].write(json.dumps(data, ensure_ascii=False) + "\n")
        self._csv.writerow([
            data["id"], data["split"], data["kind"], data["language"], data["script"], data["title"], data["text"],
            json.dumps(data["translations"], ensure_ascii=False) if data["translations"] else "",
            data["licence"]["id"], "; ".join(c["name"] for c in data["contributors"]), " ".join(data["labels"]),
            data["provenance"]])
        for source_lang, target_lang, source, target in record.pairs:
            self._tsv.writerow([data["id"], data["split"], source_lang, target_lang, _flat(source), _flat(target), "human"])
        if AUDIO_JSONL in self._files:
            for segment in record.segments:
                first, *others = segment["values"]
                self._files[AUDIO_JSONL].write(json.dumps({
                    "id": f"{data['id']}/{segment['media']}/{segment['start']:g}-{segment['end']:g}",
                    "item": data["id"], "split": data["split"], "audio_url": segment["audio_url"],
                    "audio_sha256": segment["sha256"], "mime_type": segment["mime_type"], "offset": segment["start"],
                    "duration": round(segment["end"] - segment["start"], 3), "text": first["text"],
                    "language": first["language"], "translations": others}, ensure_ascii=False) + "\n")
        counts.items += 1
        counts.splits[data["split"]] += 1
        counts.languages[data["language"]] += 1
        counts.licences[data["licence"]["id"]] += 1
        counts.labels.update(data["labels"])
        counts.pairs += len(record.pairs)
        counts.segments += len(record.segments)
        counts.versions[data["id"]] = version
        counts.agent_ids |= record.agent_ids


def sha256_and_size(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as stream:
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


# ------------------------------------------------------------------------------------------ documents

CROISSANT_CONTEXT = {
    "@language": "en", "@vocab": "https://schema.org/", "citeAs": "cr:citeAs", "column": "cr:column",
    "conformsTo": "dct:conformsTo", "cr": "http://mlcommons.org/croissant/", "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"}, "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/", "equivalentProperty": "cr:equivalentProperty", "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract", "field": "cr:field", "fileProperty": "cr:fileProperty", "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet", "format": "cr:format", "includes": "cr:includes", "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath", "key": "cr:key", "md5": "cr:md5", "parentField": "cr:parentField", "path": "cr:path",
    "recordSet": "cr:recordSet", "references": "cr:references", "regex": "cr:regex", "repeated": "cr:repeated",
    "replace": "cr:replace", "samplingRate": "cr:samplingRate", "sc": "https://schema.org/", "separator": "cr:separator", "source": "cr:source",
    "subField": "cr:subField", "transform": "cr:transform",
}
@dataclass(frozen=True)
class Column:
    """A field of a record set: a column of a CSV or TSV, or a key of a JSON Lines object (``path`` picks a key
    inside its value); ``parts`` describe the objects of a list, ``repeated`` a list of plain values."""

    name: str
    description: str
    data_type: str = "sc:Text"
    column: str | None = None  # the column or key it is read from, when not its name
    path: str | None = None
    repeated: bool = False
    parts: tuple["Column", ...] = ()


_ID, _SPLIT = Column("id", "The item's stable identifier in the archive."), Column("split", "train, dev or test (stable across releases).")
_KIND = Column("kind", "Kind of heritage (tale, proverb, song ...).")
_LANGUAGE, _SCRIPT = Column("language", "BCP 47 tag of the original text."), Column("script", "ISO 15924 script of the original text.")
_TITLE = Column("title", "Title, in the original language when there is one.")
_TEXT = Column("text", "The original text.")
_CONTRIBUTORS = Column("contributors", "Credited people, as they chose to be credited.")
_LABELS = Column("labels", "Local Contexts labels.")
_PROVENANCE = Column("provenance", "human or machine.")
_VALUES = (Column("text", "The text."), Column("language", "Its BCP 47 tag."), Column("script", "Its ISO 15924 script."),
           Column("provenance", "human or machine."))
_RECORD_FIELDS = (_ID, _SPLIT, _KIND, _LANGUAGE, _SCRIPT, _TITLE, _TEXT, Column("licence", "Licence identifier."),
                  _CONTRIBUTORS, _LABELS, _PROVENANCE)
_RECORD_JSON_FIELDS = (
    _ID, _SPLIT, Column("url", "The item's page in the archive.", "sc:URL"), _KIND, _TITLE, _LANGUAGE, _SCRIPT, _TEXT,
    Column("translations", "Translations of the text, in the order of the archive's columns.", repeated=True, parts=_VALUES),
    Column("description", "The item's description; under the TK Community Voice label the community's own comes first.",
           repeated=True, parts=(*_VALUES, Column("community", "In the community's own words.", "sc:Boolean"))),
    Column("segments", "Time-coded segments of the item's recordings (their texts are the lines of audio.jsonl).",
           repeated=True, parts=(Column("media", "The recording's identifier."),
                                 Column("start", "Start, in seconds.", "sc:Float"), Column("end", "End, in seconds.", "sc:Float"))),
    Column("licence", "Licence identifier.", column="licence", path="id"),
    Column("licence_uri", "The licence's address.", "sc:URL", column="licence", path="uri"),
    Column("community", "The community the item comes from, as it chose to be credited."),
    Column("contributors", _CONTRIBUTORS.description, repeated=True,
           parts=(Column("name", "Name, pseudonym or 'anonymous'."),
                  Column("roles", "MARC relator codes (nrt narrator, trc transcriber, trl translator ...).", repeated=True))),
    Column("labels", _LABELS.description, repeated=True), _PROVENANCE,
)
_AUDIO_FIELDS = (
    Column("id", "The segment: item/recording/start-end."), Column("item", "The item it comes from."), _SPLIT,
    Column("audio_url", "The recording, to download.", "sc:URL"), Column("audio_sha256", "The recording's SHA-256."),
    Column("mime_type", "The recording's media type."), Column("offset", "Start of the segment, in seconds.", "sc:Float"),
    Column("duration", "Length of the segment, in seconds.", "sc:Float"), Column("text", "Its transcription."),
    Column("language", "BCP 47 tag of the transcription."),
    Column("translations", "Translations of the transcription.", repeated=True, parts=_VALUES),
)
_PARALLEL_FIELDS = (Column("id", "The item the pair comes from."), Column("split", "train, dev or test."),
                    Column("source_language", "BCP 47 tag of the source."), Column("target_language", "BCP 47 tag of the target."),
                    Column("source", "Source sentence or segment."), Column("target", "Its translation."), _PROVENANCE)


def _field(prefix: str, file_id: str, spec: Column, within: str | None = None) -> dict[str, Any]:
    """A Croissant field; within a list of objects (``within``: its column), it reads its own key of each."""
    field_id = f"{prefix}/{spec.name}"
    field: dict[str, Any] = {"@type": "cr:Field", "@id": field_id, "name": spec.name, "description": spec.description,
                             "dataType": spec.data_type}
    if spec.repeated:
        field["repeated"] = True
    if spec.parts:
        field["subField"] = [_field(field_id, file_id, part, spec.column or spec.name) for part in spec.parts]
        return field
    source: dict[str, Any] = {"fileObject": {"@id": file_id}, "extract": {"column": within or spec.column or spec.name}}
    path = spec.path or (spec.name if within else None)
    if path:
        source["transform"] = {"jsonPath": path}
    field["source"] = source
    return field


def _record_set(name: str, file_id: str, fields: tuple[Column, ...], description: str) -> dict[str, Any]:
    return {"@type": "cr:RecordSet", "@id": name, "name": name, "description": description,
            "field": [_field(name, file_id, spec) for spec in fields]}


@dataclass(frozen=True)
class ReleaseInfo:
    """What the documents say about a release besides its rows."""

    slug: str
    title: str
    version: str
    published: str  # ISO date
    url: str
    site_name: str
    audience: str
    commercial: bool
    layers: list[str]
    motivation: str
    collection_process: str
    known_limits: str
    source: str
    licences: dict[str, tuple[str, str]]  # id -> (name, uri)
    withdrawn_agents: int  # agents with consent withdrawn whose data this release leaves out


def croissant(info: ReleaseInfo, files: dict[str, tuple[str, int]], languages: list[str]) -> dict[str, Any]:
    """Croissant 1.0 JSON-LD of a release: its data files with their SHA-256, the columns of the records (CSV) and
    pairs (TSV), and the fields of the JSON Lines records and audio segments, nested lists included."""
    distribution = [{"@type": "cr:FileObject", "@id": name, "name": name, "contentUrl": name,
                     "contentSize": f"{size} B", "encodingFormat": MEDIA_TYPES[name], "sha256": digest}
                    for name, (digest, size) in files.items() if name in (RECORDS_CSV, PARALLEL_TSV, RECORDS_JSONL, AUDIO_JSONL)]
    return {
        "@context": CROISSANT_CONTEXT, "@type": "sc:Dataset", "conformsTo": "http://mlcommons.org/croissant/1.0",
        "name": info.slug, "alternateName": info.title,
        "description": info.motivation or info.title, "version": info.version, "datePublished": info.published,
        "url": info.url, "license": [uri for _name, uri in info.licences.values()],
        "creator": {"@type": "sc:Organization", "name": info.site_name},
        "citeAs": f"{info.site_name}. {info.title}, version {info.version} ({info.published}). {info.url}",
        "inLanguage": languages,
        "distribution": distribution,
        "recordSet": [
            _record_set("records", RECORDS_CSV, _RECORD_FIELDS, "One record per item."),
            _record_set("pairs", PARALLEL_TSV, _PARALLEL_FIELDS, "Source and target sentence pairs for translation."),
            _record_set("records_jsonl", RECORDS_JSONL, _RECORD_JSON_FIELDS,
                        "One record per item, with its translations, segments, licence and credits as JSON."),
            *([_record_set("audio", AUDIO_JSONL, _AUDIO_FIELDS, "One time-coded segment of a recording per line, "
                           "for speech recognition.")] if AUDIO_JSONL in files else []),
        ],
    }


def _table(counter: Counter, heading: str) -> str:
    rows = "".join(f"| {key} | {count} |\n" for key, count in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))
    return f"| {heading} | records |\n|---|---|\n{rows}" if rows else "(none)\n"


def data_card(info: ReleaseInfo, counts: Composition) -> str:
    """The data card: motivation, composition, collection process, consent, licences, known limits."""
    licences = "".join(f"- **{lid}** ({name}, {uri}): {counts.licences[lid]} records\n"
                       for lid, (name, uri) in sorted(info.licences.items()))
    commercial = ("Offered for commercial use: records whose licence forbids it, or that carry a Non-Commercial "
                  "label of their community (TK NC, BC NC), are left out." if info.commercial else
                  "Not offered for commercial use: check each record's licence and labels before any reuse.")
    audience = ("Public: only items that anyone may see in the archive." if info.audience == "public" else
                "Researchers: items open to signed-in researchers; downloading needs the researcher role and "
                "accepting the dataset's terms.")
    return f"""# {info.title}

Version {info.version}, published {info.published} by {info.site_name}. {info.url}

## Motivation
{info.motivation or "(not given)"}

## Composition
{counts.items} records ({info.source}); layers: {", ".join(info.layers)}; {counts.pairs} sentence pairs;
{counts.segments} time-coded audio segments. Audience: {audience}

Splits are deterministic (from each identifier's SHA-256) and stable across releases:

{_table(counts.splits, "split")}
{_table(counts.languages, "language")}
Local Contexts labels:

{_table(counts.labels, "label")}
## Collection process
{info.collection_process or "(not given)"}

## Consent
Every record comes from the archive, where knowledge holders and communities chose how they are credited
(by name, pseudonym or anonymously). Material labelled TK Secret/Sacred or TK Seasonal is never released.
People who withdraw their consent are absent from every later release: {info.withdrawn_agents} such people's
records, transcriptions and translations are left out of this one. Earlier releases show a notice when someone
they hold withdrew; please use the latest release and delete older copies.

## Licences
{licences or "(none)"}
{commercial}

## Known limits
{info.known_limits or "(not given)"}

## Files
See `SHA256SUMS` (check with `sha256sum -c SHA256SUMS`), `croissant.json` (Croissant 1.0) and `RELEASE_NOTES.md`.
"""


def release_notes(info: ReleaseInfo, counts: Composition, previous: dict[str, Any] | None,
                  agents_removed: int, listed: int = 100) -> str:
    """What changed since the previous release's manifest: records added, removed and updated, and withdrawals."""
    if previous is None:
        return f"# {info.title} {info.version}\n\nFirst release: {counts.items} records.\n"
    before: dict[str, int] = previous.get("items", {})
    now = counts.versions
    added = sorted(set(now) - set(before))
    removed = sorted(set(before) - set(now))
    updated = sorted(key for key in set(now) & set(before) if now[key] != before[key])

    def section(title: str, ids: list[str]) -> str:
        shown = ", ".join(ids[:listed]) + (f" … and {len(ids) - listed} more" if len(ids) > listed else "")
        return f"## {title}: {len(ids)}\n{shown}\n\n" if ids else f"## {title}: 0\n\n"

    notes = (f"# {info.title} {info.version}\n\nSince version {previous.get('version')}: {counts.items} records "
             f"(was {len(before)}).\n\n")
    notes += section("Added", added) + section("Removed", removed) + section("Updated", updated)
    if agents_removed:
        notes += (f"## Consent withdrawn\n{agents_removed} people withdrew their consent since the previous release: "
                  "their records, transcriptions and translations are no longer included.\n")
    return notes


def manifest(info: ReleaseInfo, counts: Composition) -> str:
    """The item versions of the release, so that the next release can say what changed."""
    return json.dumps({"dataset": info.slug, "version": info.version, "items": counts.versions},
                      ensure_ascii=False, sort_keys=True)


def checksums(files: dict[str, tuple[str, int]]) -> str:
    """The `sha256sum -c` format: '<hex>  <name>' per line."""
    out = io.StringIO()
    for name, (digest, _size) in sorted(files.items()):
        out.write(f"{digest}  {name}\n")
    return out.getvalue()
