"""Package records: the JSON form of items, agents, collections and vocabularies in a Twiza package.

The same functions write exports and revision snapshots, and the importer normalises incoming lines to
this form, so 'unchanged' means 'equal records' and export -> import -> export is byte-identical.
Empty values are left out and keys keep a fixed order.
"""
from __future__ import annotations

from typing import Any, Callable

from archive.models import Agent, Annotation, Collection, Item, Media, Vocabulary, VocabularyTerm
from archive.sniff import extension_for


def _put(record: dict[str, Any], key: str, value: Any) -> None:
    if value not in (None, "", [], {}):
        record[key] = value


def reference(slug: str, name: str | None, withdrawn: bool, **extra: str) -> dict[str, str]:
    """How an item's line names an agent: ``{name, ...extra, id}``, or ``{...extra, id}`` once they withdrew
    their consent: their name is then written in agents.jsonl alone, beside the withdrawal, and never spread
    over the lines of the items they took part in."""
    ref = {} if withdrawn or name is None else {"name": name}
    ref.update(extra)
    ref["id"] = slug
    return ref


def agent_ref(agent: Agent | None, **extra: str) -> dict[str, str] | None:
    return reference(agent.slug, agent.name, agent.consent_withdrawn, **extra) if agent else None


def export_media_path(item: Item, media: Media) -> str:
    """Where an export writes a media file: stable, readable, unique within the package."""
    return f"media/{item.public_id}/{media.position + 1:03d}-{media.sha256[:12]}{extension_for(media.mime_type)}"


def term_ref(term: VocabularyTerm | None) -> str | None:
    """A vocabulary term as packages name it: ``vocabulary-slug/term-slug``."""
    return f"{term.vocabulary.slug}/{term.slug}" if term is not None else None


def vocabulary_record(vocabulary: Vocabulary) -> dict[str, Any]:
    """One line of vocabularies.jsonl (and a vocabulary's revision snapshot): its terms in their order."""
    return {"slug": vocabulary.slug, "label": vocabulary.label,
            "terms": [{"slug": t.slug, "labels": t.labels} for t in vocabulary.terms]}


def media_record(media: Media, path: str | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {}
    _put(record, "path", path)
    record["id"] = media.public_id
    record["sha256"] = media.sha256
    record["mime"] = media.mime_type
    _put(record, "label", media.label)
    _put(record, "license", media.licence_id)
    _put(record, "creator", agent_ref(media.creator))
    return record


def annotation_record(annotation: Annotation, media_index: dict[int, int]) -> dict[str, Any]:
    record: dict[str, Any] = {"id": annotation.public_id}
    if annotation.media_id is not None:
        record["media"] = media_index[annotation.media_id]
    record["motivation"] = annotation.motivation
    if annotation.body_value is not None:
        body = {"value": annotation.body_value, "lang": annotation.body_language}
        if annotation.body_format != "text/plain":
            body["format"] = annotation.body_format
        record["body"] = body
    _put(record, "tag", annotation.tag)
    _put(record, "term", term_ref(annotation.term))
    _put(record, "selector", annotation.selector)
    if annotation.provenance != "human":
        record["provenance"] = annotation.provenance
    _put(record, "creator", agent_ref(annotation.creator))
    _put(record, "reviewer", agent_ref(annotation.reviewer))
    _put(record, "contributors", [agent_ref(c.agent, role=c.role)
                                  for c in annotation.item.contributions if c.annotation is annotation])
    record["status"] = annotation.status
    return record


def access_value(item: Item) -> str:
    if item.access == "community" and item.access_community is not None:
        return f"community:{item.access_community.slug}"
    return item.access


def item_record(item: Item, media_path: Callable[[Item, Media], str] | None = None) -> dict[str, Any]:
    """The package line of ``item``; with ``media_path`` each media entry names its file."""
    record: dict[str, Any] = {"id": item.public_id, "kind": item.kind, "title": item.title}
    _put(record, "summary", item.summary)
    _put(record, "description", item.description)
    _put(record, "text", item.text)
    _put(record, "languages", item.languages)
    _put(record, "region", item.region)
    _put(record, "place", item.place)
    if item.latitude is not None:
        record["coordinates"] = {"lat": item.latitude, "lon": item.longitude}
    _put(record, "date", item.date_edtf)
    _put(record, "subjects", item.subjects)
    _put(record, "community", agent_ref(item.community))
    _put(record, "collections", sorted(m.collection.slug for m in item.memberships))
    record["license"] = item.licence_id
    record["access"] = access_value(item)
    _put(record, "labels", item.labels)
    record["status"] = item.status
    _put(
        record,
        "contributors",
        [agent_ref(c.agent, role=c.role) for c in item.contributions if c.media_id is None and c.annotation_id is None],
    )
    _put(record, "media", [media_record(m, media_path(item, m) if media_path else None) for m in item.media])
    media_index = {m.id: i for i, m in enumerate(item.media)}
    _put(record, "annotations", [annotation_record(a, media_index) for a in item.annotations])
    _put(record, "source", item.source)
    _put(record, "source_url", item.source_url)
    return record


def agent_record(agent: Agent) -> dict[str, Any]:
    record: dict[str, Any] = {"id": agent.slug, "name": agent.name, "kind": agent.kind}
    _put(record, "pseudonym", agent.pseudonym)
    if agent.credit_as != "name":
        record["credit_as"] = agent.credit_as
    _put(record, "region", agent.region)
    _put(record, "bio", agent.bio)
    _put(record, "orcid", agent.orcid)
    if agent.consent_given_on or agent.consent_withdrawn_on:
        consent: dict[str, str] = {}
        _put(consent, "given", agent.consent_given_on.isoformat() if agent.consent_given_on else None)
        _put(consent, "withdrawn", agent.consent_withdrawn_on.isoformat() if agent.consent_withdrawn_on else None)
        record["consent"] = consent
    return record


def collection_record(collection: Collection) -> dict[str, Any]:
    record: dict[str, Any] = {"slug": collection.slug, "title": collection.title}
    _put(record, "description", collection.description)
    return record
