"""Editing items: create drafts, save changes as revisions, detect concurrent edits, compare and restore.

Every save is a revision holding the item's whole record (the package line of ``records.item_record``, as
import and export write it). A save names the version it started from; when someone saved in between, the
save is refused with both versions (EditConflict) and nothing is lost: the editor sees theirs and the
other, and saves again from the newer one.
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from sqlalchemy import select

from archive import identifiers
from archive.db import db
from archive.edtf import EDTFError, parse_edtf
from archive.errors import AccessDenied, ArchiveError, Conflict, InvalidInput, NotFound
from archive.models import Agent, Contribution, Item, Licence, Revision, User
from archive.records import item_record
from archive.services.publication import PublicChanges
from archive.services.revisions import record_revision
from archive.vocabulary import CULTURAL_LABELS, KINDS, REGIONS, normalize_language_tag

EDITOR_ROLES = {"data_worker", "reviewer", "curator", "admin"}
STAFF_ROLES = {"curator", "admin"}
# The fields a person edits through the forms (the rest of the record: media, annotations, credits and
# status have their own services).
EDITABLE_FIELDS = ("kind", "title", "summary", "description", "text", "languages", "region", "place", "coordinates",
                   "date", "subjects", "license", "access", "labels", "source", "source_url")
MULTILINGUAL_FIELDS = ("title", "summary", "description", "text", "place")
ACCESS_PATTERN = re.compile(r"^(public|registered|researcher|private|community:[a-z0-9][a-z0-9-]{2,63})$")
MAX_VALUE_LENGTH = 200_000


class EditConflict(Conflict):
    """Someone saved the item after the editor opened it. ``current`` is the saved record, ``yours`` the
    record the editor tried to save; ``fields`` the fields where they differ."""

    def __init__(self, item: Item, current: dict[str, Any], yours: dict[str, Any]):
        super().__init__(f"{item.public_id} was changed by someone else (now version {item.version}) while you "
                         "edited it: compare, then save again.")
        self.item = item
        self.current = current
        self.yours = yours
        self.fields = [name for name in EDITABLE_FIELDS if current.get(name) != yours.get(name)]


def roles_of(user: Any) -> set[str]:
    return set(getattr(user, "roles", None) or [])


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


# ------------------------------------------------------------------------------------------ permissions

def can_edit(user: Any, item: Item) -> bool:
    """Curators and admins edit anything; reviewers edit what is waiting for review (their corrections are
    credited to them) and their own drafts; data workers edit their own items while they are drafts."""
    roles = roles_of(user)
    if user is None or not roles & EDITOR_ROLES:
        return False
    if roles & STAFF_ROLES:
        return True
    own_draft = item.created_by_id == user.id and item.status == "draft"
    return own_draft or ("reviewer" in roles and item.status in ("submitted", "in_review"))


def item_for_editing(public_id: str, user: Any) -> Item:
    """The item ``user`` may edit. Raises NotFound when there is no such item or the user may not even see
    it, and AccessDenied when they may see but not edit it."""
    item = db.session.scalar(select(Item).where(Item.public_id == public_id))
    if item is None or user is None:
        raise NotFound("No such item.")
    if not can_edit(user, item):
        if item.created_by_id == user.id or may_see(user, item):
            raise AccessDenied(f"{item.public_id} cannot be edited now (its status is {item.status}).")
        raise NotFound("No such item.")
    return item


def may_see(user: Any, item: Item) -> bool:
    """Whether ``user`` may know the item exists: the public rules, or the editorial ones (reviewers see what
    waits for review; authors their own items)."""
    from archive.services.access import check_can_view

    if item.created_by_id is not None and item.created_by_id == getattr(user, "id", None):
        return True
    if "reviewer" in roles_of(user) and item.status in ("submitted", "in_review"):
        return True
    try:
        check_can_view(item, user)
    except ArchiveError:
        return False
    return True


# ------------------------------------------------------------------------------------------ validation

@dataclass
class _Problems:
    details: list[str] = field(default_factory=list)

    def add(self, name: str, message: str) -> None:
        self.details.append(f"{name}: {message}")


def _lang_values(problems: _Problems, name: str, values: Any, *, required: bool = False) -> list[dict[str, str]]:
    clean = []
    for index, value in enumerate(values or []):
        text = (value.get("value") or "").strip() if isinstance(value, dict) else ""
        tag = (value.get("lang") or "").strip() if isinstance(value, dict) else ""
        if not text and not tag:
            continue  # an empty row of the form
        if not text:
            problems.add(f"{name}[{index}]", "a value is needed (or remove its language)")
            continue
        if len(text) > MAX_VALUE_LENGTH:
            problems.add(f"{name}[{index}]", f"at most {MAX_VALUE_LENGTH} characters")
            continue
        try:
            clean.append({"value": text, "lang": normalize_language_tag(tag)})
        except ValueError as exc:
            problems.add(f"{name}[{index}]", str(exc))
    if required and not clean and not any(d.startswith(f"{name}[") for d in problems.details):
        problems.add(name, "at least one value, with its language")
    return clean


def validate_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The editable part of an item record, checked and normalised. Raises InvalidInput listing every
    problem as 'field: message' (the forms show each next to its field)."""
    problems = _Problems()
    record: dict[str, Any] = {}
    kind = fields.get("kind")
    if kind not in KINDS:
        problems.add("kind", f"one of {', '.join(KINDS)}")
    record["kind"] = kind
    for name in MULTILINGUAL_FIELDS:
        values = _lang_values(problems, name, fields.get(name), required=name == "title")
        if values or name == "title":
            record[name] = values
    languages = []
    for index, tag in enumerate(fields.get("languages") or []):
        if not (tag or "").strip():
            continue
        try:
            languages.append(normalize_language_tag(tag.strip()))
        except ValueError as exc:
            problems.add(f"languages[{index}]", str(exc))
    if languages:
        record["languages"] = list(dict.fromkeys(languages))
    region = fields.get("region") or None
    if region is not None and region not in REGIONS:
        problems.add("region", "one of Morocco's twelve regions")
    if region:
        record["region"] = region
    coordinates = fields.get("coordinates")
    if coordinates not in (None, "", {}):
        try:
            lat, lon = float(coordinates["lat"]), float(coordinates["lon"])
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValueError
            record["coordinates"] = {"lat": lat, "lon": lon}
        except (KeyError, TypeError, ValueError):
            problems.add("coordinates", "a latitude between -90 and 90 and a longitude between -180 and 180")
    date = (fields.get("date") or "").strip()
    if date:
        try:
            parse_edtf(date)
            record["date"] = date
        except EDTFError as exc:
            problems.add("date", str(exc))
    subjects = [s.strip() for s in fields.get("subjects") or [] if s and s.strip()]
    if subjects:
        record["subjects"] = list(dict.fromkeys(subjects))
    licence = fields.get("license")
    if not licence or db.session.get(Licence, licence) is None:
        problems.add("license", "a licence of the registry")
    record["license"] = licence
    access = fields.get("access") or "public"
    if not ACCESS_PATTERN.match(access):
        problems.add("access", "public, registered, researcher, private or community:<community>")
    elif access.startswith("community:"):
        slug = access.split(":", 1)[1]
        if db.session.scalar(select(Agent.id).where(Agent.slug == slug, Agent.kind == "community")) is None:
            problems.add("access", f"no community {slug!r}")
    record["access"] = access
    labels = [label for label in fields.get("labels") or [] if label]
    for index, label in enumerate(labels):
        if label not in CULTURAL_LABELS:
            problems.add(f"labels[{index}]", f"unknown cultural label {label!r}")
    if labels:
        record["labels"] = list(dict.fromkeys(labels))
    for name in ("source", "source_url"):
        value = (fields.get(name) or "").strip()
        if value:
            record[name] = value
    if record.get("source_url") and not re.match(r"^https?://\S+$", record["source_url"]):
        problems.add("source_url", "an http:// or https:// address")
    if problems.details:
        raise InvalidInput("The item was not saved: correct the fields shown.", details=problems.details)
    return record


def editable_part(record: dict[str, Any]) -> dict[str, Any]:
    return {name: record[name] for name in EDITABLE_FIELDS if name in record}


# ------------------------------------------------------------------------------------------ saving

def agent_for(user: User) -> Agent:
    """The agent under which ``user`` is credited, made on first need from their account name."""
    if user.agent is None:
        base = identifiers.slugify(user.display_name)
        slug, number = base, 1
        while db.session.scalar(select(Agent.id).where(Agent.slug == slug)) is not None:
            number += 1
            slug = f"{base}-{number}"[:64]
        user.agent = Agent(slug=slug, kind="person", name=user.display_name, credit_as="name",
                           consent_given_on=dt.date.today())
        db.session.add(user.agent)
        db.session.flush()
    return user.agent


def credit(item: Item, user: User, role: str) -> None:
    """Credit ``user`` with ``role`` on the item itself (once per role: others keep their credits)."""
    agent = agent_for(user)
    if not any(c.agent_id == agent.id and c.role == role and c.media_id is None and c.annotation_id is None
               for c in item.contributions):
        item.contributions.append(Contribution(agent=agent, role=role, position=len(item.contributions)))


def _apply(item: Item, record: dict[str, Any]) -> None:
    item.kind = record["kind"]
    for name in ("title", "summary", "description", "text", "place"):
        setattr(item, name, record.get(name, []))
    item.languages = record.get("languages", [])
    item.region = record.get("region")
    coordinates = record.get("coordinates")
    item.latitude, item.longitude = (coordinates["lat"], coordinates["lon"]) if coordinates else (None, None)
    item.date_edtf = record.get("date")
    item.date_start, item.date_end = parse_edtf(item.date_edtf) if item.date_edtf else (None, None)
    item.subjects = record.get("subjects", [])
    item.licence_id = record["license"]
    access = record.get("access", "public")
    if access.startswith("community:"):
        item.access = "community"
        item.access_community = db.session.scalar(select(Agent).where(Agent.slug == access.split(":", 1)[1]))
    else:
        item.access, item.access_community = access, None
    item.labels = record.get("labels", [])
    item.source = record.get("source")
    item.source_url = record.get("source_url")


def save_revision(item: Item, user: User | None, action: str, changes: PublicChanges, *, actor_label: str | None = None) -> None:
    """Write the item's new version: revision with the whole record, public change, commit, then the index."""
    db.session.flush()
    record_revision("item", item.id, item.public_id, item.version, item_record(item),
                    actor_label=actor_label or (user.display_name if user else "system"),
                    actor_user_id=user.id if user else None, action=action)
    changes.record([item.public_id])
    db.session.commit()
    from archive.services.indexing import index_items

    index_items([item.public_id])


def create_item(user: User, fields: dict[str, Any]) -> Item:
    """A new draft item made by ``user`` (a data worker, reviewer or curator), credited to them as its
    editor. Raises AccessDenied for other accounts and InvalidInput for bad fields."""
    if not roles_of(user) & EDITOR_ROLES:
        raise AccessDenied("Only data workers, reviewers and curators create items.")
    record = validate_fields(fields)
    public_id = identifiers.mint("tw")
    while db.session.scalar(select(Item.id).where(Item.public_id == public_id)) is not None:
        public_id = identifiers.mint("tw")
    changes = PublicChanges()
    changes.note_before([public_id])
    item = Item(public_id=public_id, status="draft", created_by_id=user.id, version=1)
    _apply(item, record)
    db.session.add(item)
    credit(item, user, "edt")
    save_revision(item, user, "create", changes)
    return item


def update_item(user: User, public_id: str, fields: dict[str, Any], base_version: int) -> Item:
    """Save ``fields`` over version ``base_version`` of the item. Raises EditConflict when the item was
    saved since (nothing is written), NotFound/AccessDenied as ``item_for_editing``, InvalidInput for bad
    fields. Saving what is already there writes nothing."""
    item = item_for_editing(public_id, user)
    record = validate_fields(fields)
    current = editable_part(item_record(item))
    if item.version != base_version:
        raise EditConflict(item, current, record)
    if record == current:
        return item
    changes = PublicChanges()
    changes.note_before([item.public_id])
    _apply(item, record)
    item.version += 1
    credit(item, user, "edt")
    save_revision(item, user, "update", changes)
    return item


# ------------------------------------------------------------------------------------------ history

@dataclass(frozen=True)
class FieldDifference:
    field: str
    before: str
    after: str
    # The words of ``before`` and ``after`` marked 'equal', 'delete' or 'insert', to show the change inline.
    pieces: list[tuple[str, str]]


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(f"[{v['lang']}] {v['value']}" if isinstance(v, dict) and "lang" in v else str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def _pieces(before: str, after: str) -> list[tuple[str, str]]:
    old, new = re.findall(r"\s+|[^\s]+", before), re.findall(r"\s+|[^\s]+", after)
    pieces: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append(("equal", "".join(old[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(("delete", "".join(old[i1:i2])))
        if j2 > j1:
            pieces.append(("insert", "".join(new[j1:j2])))
    return pieces


def compare_records(before: dict[str, Any], after: dict[str, Any], names: Iterable[str] | None = None) -> list[FieldDifference]:
    """The fields that differ between two item records, each with an inline word difference."""
    differences = []
    for name in names or [*EDITABLE_FIELDS, "status"]:
        if before.get(name) != after.get(name):
            old, new = _as_text(before.get(name)), _as_text(after.get(name))
            differences.append(FieldDifference(name, old, new, _pieces(old, new)))
    return differences


def history(item: Item) -> list[Revision]:
    """The item's revisions, newest first."""
    return list(db.session.scalars(select(Revision).where(Revision.entity_type == "item", Revision.entity_id == item.id)
                                   .order_by(Revision.version.desc())))


def revision_of(item: Item, version: int) -> Revision:
    revision = db.session.scalar(select(Revision).where(Revision.entity_type == "item", Revision.entity_id == item.id,
                                                        Revision.version == version))
    if revision is None:
        raise NotFound(f"{item.public_id} has no version {version}.")
    return revision


def compare_versions(item: Item, older: int, newer: int) -> list[FieldDifference]:
    """What changed from version ``older`` to version ``newer`` (any two, either order)."""
    return compare_records(revision_of(item, older).snapshot, revision_of(item, newer).snapshot)


def restore_version(user: User, public_id: str, version: int, base_version: int) -> Item:
    """Bring back the editable fields of an old version. The restoration is itself a new revision; the
    versions between stay in the history."""
    item = item_for_editing(public_id, user)
    snapshot = revision_of(item, version).snapshot
    restored = editable_part(snapshot)
    fields = {**restored, "coordinates": restored.get("coordinates")}
    return update_item(user, public_id, fields, base_version)
