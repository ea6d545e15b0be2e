"""Import and export of Twiza packages (see docs/import-format.md).

An import validates the whole package before writing anything; a refused package lists every error by
file, line and field, and leaves the archive as it was: database untouched and no new media file kept.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from flask import current_app
from jsonschema import Draft202012Validator
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from archive import identifiers, records
from archive.db import db
from archive.edtf import EDTFError, parse_edtf
from archive.errors import PackageError
from archive.models import (
    Agent,
    Annotation,
    Collection,
    CollectionMembership,
    Contribution,
    Item,
    Licence,
    Media,
    Vocabulary,
    VocabularyTerm,
)
from archive.services.annotations import selector_problem
from archive.services.loading import item_loading
from archive.services.publication import PublicChanges
from archive.services.revisions import record_revision
from archive.sniff import UnreadableMedia, claimed_mime, probe
from archive.storage import media_store, sha256_of_file
from archive.vocabulary import CULTURAL_LABELS, ROLES, normalize_language_tag

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "import-format.schema.json"
LANG_FIELDS = ("title", "summary", "description", "text", "place")
BATCH = 500
Progress = Callable[[int], None]


@dataclass
class ImportReport:
    items_created: int = 0
    items_updated: int = 0
    items_unchanged: int = 0
    agents_created: int = 0
    agents_updated: int = 0
    collections_created: int = 0
    collections_updated: int = 0
    vocabularies_created: int = 0
    vocabularies_updated: int = 0
    files_stored: int = 0
    files_already_stored: int = 0

    @property
    def changed(self) -> bool:
        return any((self.items_created, self.items_updated, self.agents_created, self.agents_updated,
                    self.collections_created, self.collections_updated, self.vocabularies_created,
                    self.vocabularies_updated, self.files_stored))


@dataclass
class ExportReport:
    items: int = 0
    agents: int = 0
    collections: int = 0
    vocabularies: int = 0
    files: int = 0


# --------------------------------------------------------------------------------------------- reading


@dataclass
class _Line:
    file: str
    number: int
    data: dict[str, Any]


@dataclass
class _Plan:
    """A validated package, normalised to package records, ready to be written."""

    items: list[tuple[_Line, dict[str, Any]]] = field(default_factory=list)
    agents: dict[str, dict[str, Any]] = field(default_factory=dict)
    declared_agents: set[str] = field(default_factory=set)  # slugs defined in agents.jsonl
    collections: dict[str, dict[str, Any]] = field(default_factory=dict)
    collection_orders: dict[str, list[str]] = field(default_factory=dict)
    # slug -> the vocabulary as it will be: the package's terms, then the archive's others
    vocabularies: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)  # sha256 -> file in the package
    probes: dict[str, Any] = field(default_factory=dict)  # sha256 -> sniff.Probe


_ANNOTATION_KEYWORDS = frozenset({"description", "examples", "$comment", "title", "default"})


def _inline_definitions(node: Any, definitions: dict[str, Any], within: tuple[str, ...] = ()) -> Any:
    """The schema with each local ``$ref`` replaced by its definition. Following a reference costs
    jsonschema a registry lookup each time; inlined, validating a package line is about twice as fast.
    The errors and their messages are the same. (The package schema has no recursive definitions.)"""
    if isinstance(node, list):
        return [_inline_definitions(value, definitions, within) for value in node]
    if not isinstance(node, dict):
        return node
    node = {key: _inline_definitions(value, definitions, within) for key, value in node.items() if key != "$defs"}
    reference = node.get("$ref")
    if not (isinstance(reference, str) and reference.startswith("#/$defs/")):
        return node
    name = reference.removeprefix("#/$defs/")
    if name in within:
        raise ValueError(f"the package schema's definition {name!r} refers to itself: it cannot be inlined")
    target = _inline_definitions(definitions[name], definitions, (*within, name))
    siblings = {key: value for key, value in node.items() if key != "$ref" and key not in _ANNOTATION_KEYWORDS}
    if not siblings:
        return target
    if isinstance(target, dict) and not set(siblings) & set(target):
        return {**target, **siblings}
    return {"allOf": [target], **siblings}


def _validators() -> dict[str, Draft202012Validator]:
    schema = json.loads(SCHEMA_PATH.read_text())
    definitions = schema.get("$defs", {})
    return {
        "item": Draft202012Validator(_inline_definitions(schema, definitions)),
        "agent": Draft202012Validator(_inline_definitions(definitions["agent"], definitions)),
        "collection": Draft202012Validator(_inline_definitions(definitions["collection"], definitions)),
        "vocabulary": Draft202012Validator(_inline_definitions(definitions["vocabulary"], definitions)),
    }


def _field_path(parts: Iterator[Any]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(line)"


class _Errors:
    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, file: str, line: int | None, path: str, message: str) -> None:
        where = f"{file}:{line}" if line else file
        self.messages.append(f"{where}: {path}: {message}")


def _read_jsonl(root: Path, name: str, errors: _Errors, *, required: bool) -> list[_Line]:
    path = root / name
    if not path.is_file():
        if required:
            errors.add(name, None, "(file)", f"missing: a package needs {name}")
        return []
    lines = []
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        errors.add(name, None, "(file)", f"not UTF-8 text ({exc.reason} at byte {exc.start})")
        return []
    # Only "\n" ends a line: str.splitlines() would also split inside values holding U+2028 or U+0085.
    for number, raw in enumerate(text.split("\n"), start=1):
        raw = raw.removesuffix("\r")
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            errors.add(name, number, "(line)", f"invalid JSON: {exc.msg} at column {exc.colno}")
            continue
        if not isinstance(data, dict):
            errors.add(name, number, "(line)", "invalid JSON: a line must hold one JSON object")
            continue
        lines.append(_Line(name, number, data))
    return lines


class _PackageReader:
    """Validates a package and normalises it into a _Plan, reading the database but never writing."""

    def __init__(self, root: Path):
        self.root = root
        self.root_resolved = root.resolve()
        self.errors = _Errors()
        self.plan = _Plan()
        self.validators = _validators()
        self.licences = set(db.session.scalars(select(Licence.id)))
        self.max_bytes = current_app.config["MAX_MEDIA_BYTES"]
        self.max_pixels = current_app.config["MAX_IMAGE_PIXELS"]
        self._probes: dict[Path, tuple[str, Any] | str] = {}
        self.access_communities: list[tuple[_Line, str]] = []
        self.term_refs: list[tuple[_Line, str, str]] = []  # (line, field path, "vocabulary/term")

    def read(self) -> _Plan:
        if not self.root.is_dir():
            raise PackageError(f"{self.root} is not a folder", details=[f"{self.root}: (package): not a folder"])
        item_lines = _read_jsonl(self.root, "items.jsonl", self.errors, required=True)
        agent_lines = _read_jsonl(self.root, "agents.jsonl", self.errors, required=False)
        collection_lines = _read_jsonl(self.root, "collections.jsonl", self.errors, required=False)
        vocabulary_lines = _read_jsonl(self.root, "vocabularies.jsonl", self.errors, required=False)
        for line in agent_lines:
            self._read_agent(line)
        for line in collection_lines:
            self._read_collection(line)
        for line in vocabulary_lines:
            self._read_vocabulary(line)
        seen_ids: dict[str, int] = {}
        for line in item_lines:
            record = self._read_item(line)
            if record is None:
                continue
            if record["id"] in seen_ids:
                self.errors.add(line.file, line.number, "id",
                                f"duplicate id {record['id']!r} (first on line {seen_ids[record['id']]})")
                continue
            seen_ids[record["id"]] = line.number
            self.plan.items.append((line, record))
        self._check_access_communities()
        self._check_terms()
        self._check_collection_orders(collection_lines, seen_ids)
        self._check_identifier_clashes()
        if self.errors.messages:
            count = len(self.errors.messages)
            raise PackageError(f"the package was refused: {count} error{'s' if count > 1 else ''}; nothing was changed",
                               details=self.errors.messages)
        return self.plan

    # -- generic checks

    def _schema_errors(self, kind: str, line: _Line) -> bool:
        found = False
        for error in sorted(self.validators[kind].iter_errors(line.data), key=lambda e: list(e.absolute_path)):
            found = True
            self.errors.add(line.file, line.number, _field_path(iter(error.absolute_path)), error.message)
        return found

    def _lang_values(self, line: _Line, path: str, values: list[dict[str, str]] | None) -> list[dict[str, str]]:
        normalized = []
        for index, value in enumerate(values or []):
            tag = self._tag(line, f"{path}[{index}].lang", value["lang"])
            normalized.append({"value": value["value"], "lang": tag})
        return normalized

    def _tag(self, line: _Line, path: str, tag: str) -> str:
        try:
            return normalize_language_tag(tag)
        except ValueError as exc:
            self.errors.add(line.file, line.number, path, f"bad language tag: {exc}")
            return tag

    # -- agents, collections and vocabularies

    def _new_slug(self, kind: str, line: _Line, key: str, seen: Any, what: str) -> str | None:
        """The line's id when the line passes the schema and the id is new in its file; otherwise None, with
        the errors noted."""
        if self._schema_errors(kind, line):
            return None
        slug = line.data[key]
        if slug in seen:
            self.errors.add(line.file, line.number, key, f"duplicate {what} {slug!r}")
            return None
        return slug

    def _read_agent(self, line: _Line) -> None:
        slug = self._new_slug("agent", line, "id", self.plan.declared_agents, "agent id")
        if slug is None:
            return
        data = line.data
        record: dict[str, Any] = {"id": slug, "name": data["name"], "kind": data.get("kind", "person")}
        if data.get("credit_as") in ("pseudonym", "anonymous"):
            # The id appears in public addresses (/contributors/<id>): it must not give the name away.
            name_words = {w for w in identifiers.slugify(data["name"]).split("-") if len(w) >= 3}
            if name_words & set(slug.split("-")):
                self.errors.add(line.file, line.number, "id",
                                f"the id {slug!r} reveals the name of an agent credited as {data['credit_as']}; choose a neutral id")
        for key in ("pseudonym",):
            if data.get(key):
                record[key] = data[key]
        if data.get("credit_as", "name") != "name":
            record["credit_as"] = data["credit_as"]
        if data.get("region"):
            record["region"] = data["region"]
        bio = self._lang_values(line, "bio", data.get("bio"))
        if bio:
            record["bio"] = bio
        if data.get("orcid"):
            record["orcid"] = data["orcid"]
        consent = data.get("consent") or {}
        for key in ("given", "withdrawn"):
            if consent.get(key):
                try:
                    dt.date.fromisoformat(consent[key])
                except ValueError:
                    self.errors.add(line.file, line.number, f"consent.{key}", f"{consent[key]!r} is not a date")
        if consent:
            record["consent"] = {k: consent[k] for k in ("given", "withdrawn") if consent.get(k)}
        self.plan.agents[slug] = record
        self.plan.declared_agents.add(slug)

    def _read_collection(self, line: _Line) -> None:
        slug = self._new_slug("collection", line, "slug", self.plan.collections, "collection")
        if slug is None:
            return
        data = line.data
        record: dict[str, Any] = {"slug": slug, "title": self._lang_values(line, "title", data["title"])}
        description = self._lang_values(line, "description", data.get("description"))
        if description:
            record["description"] = description
        self.plan.collections[slug] = record
        if "items" in data:
            self.plan.collection_orders[slug] = list(data["items"])

    def _read_vocabulary(self, line: _Line) -> None:
        slug = self._new_slug("vocabulary", line, "slug", self.plan.vocabularies, "vocabulary")
        if slug is None:
            return
        data = line.data
        terms, seen = [], set()
        for index, term in enumerate(data.get("terms", [])):
            if term["slug"] in seen:
                self.errors.add(line.file, line.number, f"terms[{index}].slug", f"duplicate term {term['slug']!r}")
                continue
            seen.add(term["slug"])
            terms.append({"slug": term["slug"], "labels": self._lang_values(line, f"terms[{index}].labels", term["labels"])})
        existing = db.session.scalar(select(Vocabulary).where(Vocabulary.slug == slug))
        if existing is not None:  # a package adds and relabels terms; it never removes one (layers may use it)
            terms += [t for t in records.vocabulary_record(existing)["terms"] if t["slug"] not in seen]
        self.plan.vocabularies[slug] = {"slug": slug, "label": self._lang_values(line, "label", data["label"]),
                                        "terms": terms}

    def _check_terms(self) -> None:
        """Each annotation's term must be in the package's vocabularies or the archive's."""
        for line, path, ref in self.term_refs:
            vocabulary_slug, term_slug = ref.split("/", 1)
            planned = self.plan.vocabularies.get(vocabulary_slug)
            if planned is not None:
                found = any(t["slug"] == term_slug for t in planned["terms"])
            else:
                found = db.session.scalar(select(VocabularyTerm.id).join(Vocabulary).where(
                    Vocabulary.slug == vocabulary_slug, VocabularyTerm.slug == term_slug)) is not None
            if not found:
                self.errors.add(line.file, line.number, path,
                                f"unknown term {ref!r}: define it in vocabularies.jsonl or in the archive")

    def _agent(self, line: _Line, path: str, ref: dict[str, str] | None, kind: str = "person",
               **extra: str) -> dict[str, str] | None:
        """Resolve an agent reference to {name, ...extra, id} ({...extra, id} for an agent who withdrew consent),
        planning a new agent when the archive has none."""
        if ref is None:
            return None
        slug = ref.get("id") or identifiers.slugify(ref["name"])
        record = self.plan.agents.get(slug)
        if record is None:
            existing = db.session.scalar(select(Agent).where(Agent.slug == slug))
            if existing is None and "name" not in ref:
                self.errors.add(line.file, line.number, path,
                                f"unknown agent {slug!r}: an agent named by id alone must be in agents.jsonl or the archive")
                return records.reference(slug, None, True, **extra)
            record = records.agent_record(existing) if existing else {"id": slug, "name": ref["name"], "kind": kind}
            self.plan.agents[slug] = record
        if kind == "community" and record["kind"] != "community":
            self.errors.add(line.file, line.number, path, f"agent {slug!r} is a {record['kind']}, not a community")
        return records.reference(slug, record["name"], bool(record.get("consent", {}).get("withdrawn")), **extra)

    # -- items

    def _read_item(self, line: _Line) -> dict[str, Any] | None:
        if self._schema_errors("item", line):
            return None
        data = line.data
        file, number = line.file, line.number
        title = self._lang_values(line, "title", data["title"])
        item_id = data.get("id") or identifiers.derive(
            "tw", data["kind"], title[0]["value"], data.get("source_url", ""), length=10
        )
        record: dict[str, Any] = {"id": item_id, "kind": data["kind"], "title": title}
        for key in ("summary", "description", "text"):
            values = self._lang_values(line, key, data.get(key))
            if values:
                record[key] = values
        languages = [self._tag(line, f"languages[{i}]", tag) for i, tag in enumerate(data.get("languages", []))]
        if languages:
            record["languages"] = languages
        if data.get("region"):
            record["region"] = data["region"]
        place = self._lang_values(line, "place", data.get("place"))
        if place:
            record["place"] = place
        if "coordinates" in data:
            record["coordinates"] = {"lat": float(data["coordinates"]["lat"]), "lon": float(data["coordinates"]["lon"])}
        if data.get("date"):
            try:
                parse_edtf(data["date"])
                record["date"] = data["date"].strip()
            except EDTFError as exc:
                self.errors.add(file, number, "date", str(exc))
        if data.get("subjects"):
            record["subjects"] = data["subjects"]
        community = self._agent(line, "community", data.get("community"), kind="community")
        if community:
            record["community"] = community
        if data.get("collections"):
            record["collections"] = sorted(set(data["collections"]))
            for slug in record["collections"]:
                self._plan_collection(slug)
        if data["license"] not in self.licences:
            self.errors.add(file, number, "license", f"unknown licence {data['license']!r} (known: {', '.join(sorted(self.licences))})")
        record["license"] = data["license"]
        access = data.get("access", "public")
        if access.startswith("community:"):
            self.access_communities.append((line, access.split(":", 1)[1]))
        record["access"] = access
        labels = data.get("labels", [])
        for index, label in enumerate(labels):
            if label not in CULTURAL_LABELS:
                self.errors.add(file, number, f"labels[{index}]", f"unknown cultural label {label!r}")
        if labels:
            record["labels"] = labels
        record["status"] = data.get("status", "published")
        contributors = self._contributors(line, "contributors", data.get("contributors", []))
        if contributors:
            record["contributors"] = contributors
        media, sizes = self._read_media(line, item_id, data.get("media", []))
        if media:
            record["media"] = media
        annotations = self._read_annotations(line, item_id, data.get("annotations", []), sizes)
        if annotations:
            record["annotations"] = annotations
        for key in ("source", "source_url"):
            if data.get(key):
                record[key] = data[key]
        return record

    def _plan_collection(self, slug: str) -> None:
        if slug in self.plan.collections:
            return
        existing = db.session.scalar(select(Collection).where(Collection.slug == slug))
        self.plan.collections[slug] = (
            records.collection_record(existing) if existing else {"slug": slug, "title": [{"value": slug, "lang": "und"}]}
        )

    def _read_media(self, line: _Line, item_id: str, entries: list[dict[str, Any]]):
        normalized, sizes = [], []
        for index, entry in enumerate(entries):
            path = f"media[{index}]"
            measured = self._probe(line, path, entry)
            sizes.append(measured[1] if measured else None)
            if measured is None:
                normalized.append({})
                continue
            sha, found = measured
            record: dict[str, Any] = {
                "id": entry.get("id") or identifiers.derive("m", item_id, str(index), sha, length=10),
                "sha256": sha,
                "mime": found.mime_type,
            }
            label = self._lang_values(line, f"{path}.label", entry.get("label"))
            if label:
                record["label"] = label
            if entry.get("license"):
                if entry["license"] not in self.licences:
                    self.errors.add(line.file, line.number, f"{path}.license", f"unknown licence {entry['license']!r}")
                record["license"] = entry["license"]
            creator = self._agent(line, f"{path}.creator", entry.get("creator"))
            if creator:
                record["creator"] = creator
            normalized.append(record)
        return normalized, sizes

    def _probe(self, line: _Line, path: str, entry: dict[str, Any]):
        relative = entry["path"]
        candidate = (self.root / relative).resolve()
        if not candidate.is_relative_to(self.root_resolved):
            self.errors.add(line.file, line.number, f"{path}.path", f"{relative!r} points outside the package")
            return None
        if candidate not in self._probes:
            self._probes[candidate] = self._measure(candidate, relative)
        result = self._probes[candidate]
        if isinstance(result, str):
            self.errors.add(line.file, line.number, f"{path}.path", result)
            return None
        sha, found = result
        claimed = claimed_mime(relative, entry.get("mime"))
        if claimed is not None and claimed != found.mime_type:
            self.errors.add(line.file, line.number, f"{path}.path",
                            f"{relative!r} claims to be {claimed} but its bytes are {found.mime_type}")
            return None
        if entry.get("sha256") and entry["sha256"] != sha:
            self.errors.add(line.file, line.number, f"{path}.sha256",
                            f"checksum mismatch for {relative!r}: the file's SHA-256 is {sha}")
            return None
        self.plan.files.setdefault(sha, candidate)
        self.plan.probes[sha] = found
        return sha, found

    def _measure(self, candidate: Path, relative: str):
        if not candidate.is_file():
            return f"missing media file {relative!r}"
        size = candidate.stat().st_size
        if size > self.max_bytes:
            return f"{relative!r} is {size} bytes, over the limit of {self.max_bytes}"
        try:
            found = probe(candidate, max_pixels=self.max_pixels)
        except UnreadableMedia as exc:
            return f"unreadable media file {relative!r}: {exc}"
        return sha256_of_file(candidate), found

    def _contributors(self, line: _Line, path: str, entries: list[dict[str, Any]]) -> list[dict[str, str]]:
        contributors = []
        for index, contributor in enumerate(entries):
            if contributor["role"] not in ROLES:
                self.errors.add(line.file, line.number, f"{path}[{index}].role", f"unknown role {contributor['role']!r}")
            contributors.append(self._agent(line, f"{path}[{index}]", contributor, role=contributor["role"]))
        return contributors

    def _read_annotations(self, line: _Line, item_id: str, entries: list[dict[str, Any]], sizes: list[Any]):
        normalized = []
        for index, entry in enumerate(entries):
            path = f"annotations[{index}]"
            record: dict[str, Any] = {"id": entry.get("id") or identifiers.derive("a", item_id, str(index), length=10)}
            media_index = entry.get("media")
            measured = None
            if media_index is not None:
                if media_index >= len(sizes):
                    self.errors.add(line.file, line.number, f"{path}.media",
                                    f"media index {media_index} does not exist (the item has {len(sizes)} media file{'s' if len(sizes) != 1 else ''})")
                else:
                    measured = sizes[media_index]
                record["media"] = media_index
            record["motivation"] = entry["motivation"]
            body = entry.get("body")
            if body:
                normalized_body = {"value": body["value"], "lang": self._tag(line, f"{path}.body.lang", body["lang"])}
                if body.get("format", "text/plain") != "text/plain":
                    normalized_body["format"] = body["format"]
                record["body"] = normalized_body
            if entry.get("tag"):
                record["tag"] = entry["tag"]
            if entry.get("term"):
                record["term"] = entry["term"]
                self.term_refs.append((line, f"{path}.term", entry["term"]))
            if not body and not entry.get("tag"):
                self.errors.add(line.file, line.number, path, "an annotation needs a body or a tag")
            selector = entry.get("selector")
            if selector:
                record["selector"] = selector
                if media_index is None:
                    self.errors.add(line.file, line.number, f"{path}.selector", "a selector needs a media file to select from")
                elif measured is not None:
                    self._check_selector(line, f"{path}.selector", selector, measured)
            if entry.get("provenance", "human") != "human":
                record["provenance"] = entry["provenance"]
            for key in ("creator", "reviewer"):
                ref = self._agent(line, f"{path}.{key}", entry.get(key))
                if ref:
                    record[key] = ref
            contributors = self._contributors(line, f"{path}.contributors", entry.get("contributors", []))
            if contributors:
                record["contributors"] = contributors
            record["status"] = entry.get("status", "approved")
            normalized.append(record)
        return normalized

    def _check_selector(self, line: _Line, path: str, selector: str, measured: Any) -> None:
        problem = selector_problem(selector, measured)
        if problem:
            self.errors.add(line.file, line.number, path, problem)

    def _check_access_communities(self) -> None:
        """community:<slug> must name a community the package or the archive defines."""
        for line, slug in self.access_communities:
            record = self.plan.agents.get(slug)
            if record is None:
                existing = db.session.scalar(select(Agent).where(Agent.slug == slug))
                record = records.agent_record(existing) if existing else None
                if record is not None:
                    self.plan.agents[slug] = record
            if record is None:
                self.errors.add(line.file, line.number, "access",
                                f"unknown community {slug!r}: define it in agents.jsonl (kind community)")
            elif record["kind"] != "community":
                self.errors.add(line.file, line.number, "access", f"agent {slug!r} is a {record['kind']}, not a community")

    def _check_collection_orders(self, collection_lines: list[_Line], item_lines: dict[str, int]) -> None:
        for line in collection_lines:
            slug = line.data.get("slug")
            for index, item_id in enumerate(self.plan.collection_orders.get(slug, [])):
                if item_id not in item_lines and not db.session.scalar(select(Item.id).where(Item.public_id == item_id)):
                    self.errors.add(line.file, line.number, f"items[{index}]", f"unknown item {item_id!r}")

    def _check_identifier_clashes(self) -> None:
        """A media or annotation id may not already belong to another item."""
        owners: dict[tuple[type, str], str] = {}
        for _line, record in self.plan.items:
            for media in record.get("media", []):
                if media:
                    owners[(Media, media["id"])] = record["id"]
            for annotation in record.get("annotations", []):
                owners[(Annotation, annotation["id"])] = record["id"]
        lines = {record["id"]: line for line, record in self.plan.items}
        for model in (Media, Annotation):
            ids = [key for (kind, key) in owners if kind is model]
            for chunk in _chunks(ids, 900):
                rows = db.session.execute(
                    select(model.public_id, Item.public_id).join(Item, model.item_id == Item.id).where(model.public_id.in_(chunk))
                )
                for public_id, owner in rows:
                    if owners[(model, public_id)] != owner:
                        line = lines[owners[(model, public_id)]]
                        self.errors.add(line.file, line.number, model.__tablename__,
                                        f"id {public_id!r} already belongs to item {owner!r}")


def _chunks(values: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# --------------------------------------------------------------------------------------------- writing


class _PackageWriter:
    def __init__(self, plan: _Plan, actor_label: str, report: ImportReport):
        self.plan = plan
        self.actor = actor_label
        self.report = report
        self.agents: dict[str, Agent] = {}
        self.collections: dict[str, Collection] = {}
        self.terms: dict[str, VocabularyTerm] = {}  # "vocabulary/term" -> term, loaded on first need
        self.created_blobs: list[str] = []
        self.changed_items: list[str] = []  # public ids to re-index after the commit
        self.public_changes = PublicChanges()

    def write(self, progress: Progress | None) -> None:
        self._store_files()
        self._write_agents()
        self._write_collections()
        self._write_vocabularies()
        slugs = [record["id"] for _line, record in self.plan.items]
        self.public_changes.note_before(slugs)
        existing: dict[str, Item] = {}
        for chunk in _chunks(slugs, 900):
            for item in db.session.scalars(select(Item).where(Item.public_id.in_(chunk)).options(*item_loading())):
                existing[item.public_id] = item
        pending: list[tuple[Item, dict[str, Any], str, list[tuple[str, Any, dict[str, Any], str]]]] = []
        for _line, record in self.plan.items:
            item = existing.get(record["id"])
            if item is not None and records.item_record(item) == record:
                self.report.items_unchanged += 1
            else:
                action = "update" if item else "create"
                item, layer_changes = self._apply_item(item, record)
                self.changed_items.append(record["id"])
                pending.append((item, record, action, layer_changes))
            if progress:
                progress(1)
            if len(pending) >= BATCH:
                self._flush_revisions(pending)
        self._flush_revisions(pending)
        self._order_collections()
        db.session.flush()
        self.public_changes.record(self.changed_items)

    def _store_files(self) -> None:
        store = media_store()
        for sha, path in self.plan.files.items():
            if store.exists(sha):
                self.report.files_already_stored += 1
                continue
            blob = store.put_file(path)
            if blob.sha256 != sha:  # the file changed on disk after validation
                store.remove(blob.sha256) if blob.created else None
                raise PackageError(f"{path} changed while it was being imported; nothing was changed")
            if blob.created:
                self.created_blobs.append(sha)
            self.report.files_stored += 1

    def _write_agents(self) -> None:
        for chunk in _chunks(list(self.plan.agents), 900):
            for agent in db.session.scalars(select(Agent).where(Agent.slug.in_(chunk))):
                self.agents[agent.slug] = agent
        new = []
        for slug, record in self.plan.agents.items():
            agent = self.agents.get(slug)
            if agent is None:
                agent = Agent(slug=slug, version=1)
                _apply_agent(agent, record)
                db.session.add(agent)
                self.agents[slug] = agent
                new.append((agent, record))
                self.report.agents_created += 1
            elif slug in self.plan.declared_agents and records.agent_record(agent) != record:
                _apply_agent(agent, record)
                agent.version += 1
                new.append((agent, record))
                self.report.agents_updated += 1
        db.session.flush()
        for agent, record in new:
            record_revision("agent", agent.id, agent.slug, agent.version, record, actor_label=self.actor,
                            action="create" if agent.version == 1 else "update")
        updated = [agent.id for agent, _record in new if agent.version > 1]
        if updated:  # their names (or consent) changed: the items crediting them are re-indexed
            self.changed_items.extend(db.session.scalars(
                select(Item.public_id).join(Contribution, Contribution.item_id == Item.id)
                .where(Contribution.agent_id.in_(updated)).distinct()))
            self.changed_items.extend(db.session.scalars(select(Item.public_id).where(Item.community_id.in_(updated))))

    def _write_collections(self) -> None:
        for collection in db.session.scalars(select(Collection).where(Collection.slug.in_(list(self.plan.collections)))):
            self.collections[collection.slug] = collection
        changed = []
        for slug, record in self.plan.collections.items():
            collection = self.collections.get(slug)
            comparable = {k: v for k, v in record.items()}
            if collection is None:
                collection = Collection(slug=slug, title=record["title"], description=record.get("description", []), version=1)
                db.session.add(collection)
                self.collections[slug] = collection
                changed.append(collection)
                self.report.collections_created += 1
            elif records.collection_record(collection) != comparable:
                collection.title = record["title"]
                collection.description = record.get("description", [])
                collection.version += 1
                changed.append(collection)
                self.report.collections_updated += 1
        db.session.flush()
        for collection in changed:
            record_revision("collection", collection.id, collection.slug, collection.version,
                            records.collection_record(collection), actor_label=self.actor,
                            action="create" if collection.version == 1 else "update")

    def _write_vocabularies(self) -> None:
        changed = []
        for slug, record in self.plan.vocabularies.items():
            vocabulary = db.session.scalar(select(Vocabulary).where(Vocabulary.slug == slug))
            if vocabulary is None:
                vocabulary = Vocabulary(slug=slug, version=1)
                db.session.add(vocabulary)
                self.report.vocabularies_created += 1
            elif records.vocabulary_record(vocabulary) != record:
                vocabulary.version += 1
                self.report.vocabularies_updated += 1
            else:
                continue
            vocabulary.label = record["label"]
            existing = {t.slug: t for t in vocabulary.terms}
            for position, term_record in enumerate(record["terms"]):
                term = existing.get(term_record["slug"])
                if term is None:
                    term = VocabularyTerm(slug=term_record["slug"], version=1)
                    vocabulary.terms.append(term)
                elif term.labels != term_record["labels"]:
                    term.version += 1
                term.labels, term.position = term_record["labels"], position
            vocabulary.terms.sort(key=lambda t: t.position)
            changed.append(vocabulary)
        db.session.flush()
        for vocabulary in changed:
            record_revision("vocabulary", vocabulary.id, vocabulary.slug, vocabulary.version,
                            records.vocabulary_record(vocabulary), actor_label=self.actor,
                            action="create" if vocabulary.version == 1 else "update")

    def _term(self, ref: str) -> VocabularyTerm:
        if ref not in self.terms:
            vocabulary_slug, term_slug = ref.split("/", 1)
            self.terms[ref] = db.session.scalars(select(VocabularyTerm).join(Vocabulary).where(
                Vocabulary.slug == vocabulary_slug, VocabularyTerm.slug == term_slug)).one()
        return self.terms[ref]

    def _apply_item(self, item: Item | None, record: dict[str, Any]):
        created = item is None
        if created:
            item = Item(public_id=record["id"], version=1)
            db.session.add(item)
            self.report.items_created += 1
        else:
            item.version += 1
            self.report.items_updated += 1
        item.kind = record["kind"]
        item.title = record["title"]
        for key in ("summary", "description", "text", "place", "languages", "subjects", "labels"):
            setattr(item, key, record.get(key, []))
        item.region = record.get("region")
        coordinates = record.get("coordinates")
        item.latitude = coordinates["lat"] if coordinates else None
        item.longitude = coordinates["lon"] if coordinates else None
        item.date_edtf = record.get("date")
        item.date_start, item.date_end = parse_edtf(record["date"]) if record.get("date") else (None, None)
        item.community = self.agents[record["community"]["id"]] if record.get("community") else None
        item.licence_id = record["license"]
        access = record["access"]
        if access.startswith("community:"):
            item.access, item.access_community = "community", self.agents[access.split(":", 1)[1]]
        else:
            item.access, item.access_community = access, None
        item.status = record["status"]
        item.source = record.get("source")
        item.source_url = record.get("source_url")
        self._apply_memberships(item, record.get("collections", []))
        layer_changes = self._apply_layers(item, record)
        return item, layer_changes

    def _apply_memberships(self, item: Item, slugs: list[str]) -> None:
        current = {m.collection.slug: m for m in item.memberships}
        for slug in list(current):
            if slug not in slugs:
                item.memberships.remove(current[slug])
        for slug in slugs:
            if slug not in current:
                collection = self.collections[slug]
                position = len(collection.memberships)
                item.memberships.append(CollectionMembership(collection=collection, position=position))

    def _apply_layers(self, item: Item, record: dict[str, Any]) -> list[tuple[str, Any, dict[str, Any], str]]:
        """Sync media, annotations and contributions; return the layers whose records changed."""
        changes = []
        old_media = {m.public_id: m for m in item.media}
        old_media_records = {m.public_id: records.media_record(m) for m in item.media}
        new_media: list[Media] = []
        for position, media_record in enumerate(record.get("media", [])):
            media = old_media.pop(media_record["id"], None)
            action = "update"
            if media is None:
                media, action = Media(public_id=media_record["id"], version=1), "create"
            found = self.plan.probes[media_record["sha256"]]
            media.position = position
            media.sha256 = media_record["sha256"]
            media.mime_type = media_record["mime"]
            media.kind = found.kind
            media.size_bytes = self.plan.files[media_record["sha256"]].stat().st_size
            media.width, media.height, media.duration_seconds = found.width, found.height, found.duration_seconds
            media.label = media_record.get("label", [])
            media.licence_id = media_record.get("license")
            media.creator = self.agents[media_record["creator"]["id"]] if media_record.get("creator") else None
            if action == "create" or old_media_records.get(media.public_id) != media_record:
                if action == "update":
                    media.version += 1
                changes.append(("media", media, media_record, action))
            new_media.append(media)
        item.media = new_media
        by_index = dict(enumerate(new_media))
        old_annotations = {a.public_id: a for a in item.annotations}
        media_index = {id(m): i for i, m in enumerate(new_media)}
        new_annotations = []
        for position, annotation_record in enumerate(record.get("annotations", [])):
            annotation = old_annotations.pop(annotation_record["id"], None)
            before = None
            action = "create"
            if annotation is not None:
                old_index = media_index.get(id(annotation.media)) if annotation.media is not None else None
                before = records.annotation_record(annotation, {annotation.media_id: old_index} if annotation.media_id else {})
                action = "update"
            else:
                annotation = Annotation(public_id=annotation_record["id"], version=1)
            annotation.position = position
            annotation.media = by_index[annotation_record["media"]] if "media" in annotation_record else None
            annotation.motivation = annotation_record["motivation"]
            body = annotation_record.get("body")
            annotation.body_value = body["value"] if body else None
            annotation.body_language = body["lang"] if body else None
            annotation.body_format = body.get("format", "text/plain") if body else "text/plain"
            annotation.tag = annotation_record.get("tag")
            annotation.term = self._term(annotation_record["term"]) if annotation_record.get("term") else None
            annotation.selector = annotation_record.get("selector")
            annotation.creator = self.agents[annotation_record["creator"]["id"]] if annotation_record.get("creator") else None
            annotation.reviewer = self.agents[annotation_record["reviewer"]["id"]] if annotation_record.get("reviewer") else None
            annotation.status = annotation_record["status"]
            annotation.provenance = annotation_record.get("provenance", "human")
            if before != annotation_record:
                if action == "update":
                    annotation.version += 1
                changes.append(("annotation", annotation, annotation_record, action))
            new_annotations.append(annotation)
        item.annotations = new_annotations
        kept = [c for c in item.contributions if c.media_id is not None]
        item.contributions = kept + [
            Contribution(agent=self.agents[c["id"]], role=c["role"], position=position)
            for position, c in enumerate(record.get("contributors", []))
        ] + [
            Contribution(agent=self.agents[c["id"]], role=c["role"], annotation=annotation, position=position)
            for annotation, annotation_record in zip(new_annotations, record.get("annotations", []))
            for position, c in enumerate(annotation_record.get("contributors", []))
        ]
        return changes

    def _flush_revisions(self, pending: list) -> None:
        if not pending:
            return
        db.session.flush()
        for item, record, action, layer_changes in pending:
            record_revision("item", item.id, item.public_id, item.version, record, actor_label=self.actor, action=action)
            for entity_type, layer, layer_record, layer_action in layer_changes:
                record_revision(entity_type, layer.id, layer.public_id, layer.version, layer_record,
                                actor_label=self.actor, action=layer_action)
        pending.clear()

    def _order_collections(self) -> None:
        for slug, order in self.plan.collection_orders.items():
            collection = self.collections[slug]
            rank = {item_id: index for index, item_id in enumerate(order)}
            members = sorted(collection.memberships, key=lambda m: (rank.get(m.item.public_id, len(rank)), m.position))
            for position, membership in enumerate(members):
                membership.position = position


def _apply_agent(agent: Agent, record: dict[str, Any]) -> None:
    agent.name = record["name"]
    agent.kind = record.get("kind", "person")
    agent.pseudonym = record.get("pseudonym")
    agent.credit_as = record.get("credit_as", "name")
    agent.region = record.get("region")
    agent.bio = record.get("bio", [])
    agent.orcid = record.get("orcid")
    consent = record.get("consent", {})
    agent.consent_given_on = dt.date.fromisoformat(consent["given"]) if consent.get("given") else None
    agent.consent_withdrawn_on = dt.date.fromisoformat(consent["withdrawn"]) if consent.get("withdrawn") else None


def import_package(path: Path, *, actor_label: str | None = None, progress: Progress | None = None,
                   on_validated: Callable[[int], None] | None = None) -> ImportReport:
    """Validate the package at ``path`` and write it in one transaction.

    Raises PackageError (every problem in ``details``) and leaves the archive unchanged when the package
    is refused or when writing fails.
    """
    path = Path(path)
    plan = _PackageReader(path).read()
    if on_validated:
        on_validated(len(plan.items))
    report = ImportReport()
    writer = _PackageWriter(plan, actor_label or f"import:{path.resolve()}", report)
    try:
        writer.write(progress)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        store = media_store()
        for sha in writer.created_blobs:
            store.remove(sha)
        raise
    from archive.services.images import build_pyramids
    from archive.services.indexing import index_items

    index_items(list(dict.fromkeys(writer.changed_items)))
    # Large images are cut into tile pyramids now, so that their first tiles come fast.
    build_pyramids((sha, probe.width, probe.height) for sha, probe in plan.probes.items() if probe.kind == "image")
    return report


def export_package(dest: Path, *, progress: Progress | None = None) -> ExportReport:
    """Write every item, agent, collection and vocabulary with their media as a package into ``dest`` (an empty or
    new folder). Raises PackageError when ``dest`` holds files."""
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise PackageError(f"{dest} is not empty; export into a new folder", details=[f"{dest}: (folder): not empty"])
    dest.mkdir(parents=True, exist_ok=True)
    store = media_store()
    report = ExportReport()
    with open(dest / "agents.jsonl", "w", encoding="utf-8") as out:
        for agent in db.session.scalars(select(Agent).order_by(Agent.slug)):
            out.write(_json_line(records.agent_record(agent)))
            report.agents += 1
    with open(dest / "collections.jsonl", "w", encoding="utf-8") as out:
        collections = db.session.scalars(
            select(Collection).order_by(Collection.slug).options(
                selectinload(Collection.memberships).selectinload(CollectionMembership.item)
            )
        )
        for collection in collections:
            record = records.collection_record(collection)
            record["items"] = [m.item.public_id for m in collection.memberships]
            out.write(_json_line(record))
            report.collections += 1
    with open(dest / "vocabularies.jsonl", "w", encoding="utf-8") as out:
        for vocabulary in db.session.scalars(select(Vocabulary).order_by(Vocabulary.slug)
                                             .options(selectinload(Vocabulary.terms))):
            out.write(_json_line(records.vocabulary_record(vocabulary)))
            report.vocabularies += 1
    item_ids = list(db.session.scalars(select(Item.id).order_by(Item.public_id)))
    with open(dest / "items.jsonl", "w", encoding="utf-8") as out:
        for chunk in _chunks(item_ids, BATCH):
            items = db.session.scalars(
                select(Item).where(Item.id.in_(chunk)).order_by(Item.public_id).options(*item_loading())
            )
            for item in items:
                out.write(_json_line(records.item_record(item, records.export_media_path)))
                for media in item.media:
                    target = dest / records.export_media_path(item, media)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(store.path_for(media.sha256), target)
                    report.files += 1
                report.items += 1
                if progress:
                    progress(1)
            db.session.expunge_all()
    return report


def _json_line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
