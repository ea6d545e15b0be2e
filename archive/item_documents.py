"""The documents that travel with an item's files: metadata as JSON-LD (schema.org), LICENSE.txt and
ATTRIBUTION.txt. Pure functions of the item; every name as its owner agreed to be credited."""
from __future__ import annotations

from typing import Any

from archive.models import Item
from archive.presenters import item_credits, item_descriptions, licence_summary
from archive.views.labels import CULTURAL_LABEL_TEXTS
from archive.vocabulary import CULTURAL_LABELS, ROLES

KIND_TYPES = {"song": "MusicComposition", "poem": "CreativeWork", "tale": "CreativeWork", "narrative": "CreativeWork",
              "proverb": "Quotation", "craft": "CreativeWork", "motif": "VisualArtwork", "technique": "HowTo",
              "gesture": "CreativeWork", "lexicon": "DefinedTermSet"}


def _values(values: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{"@value": v["value"], "@language": v["lang"]} for v in values or []]


def metadata_jsonld(item: Item, item_url: str, site_name: str) -> dict[str, Any]:
    """schema.org JSON-LD of the item: titles and texts with their language tags (the community's own
    description first under TK Community Voice), place, date (EDTF), licence, labels, and every credited person
    with their MARC role."""
    credits = item_credits(item)
    people = [{"@type": "Role", "roleName": ROLES[role].label if role in ROLES else role,
               "contributor": {"@type": "Person", "name": credit.name}}
              for credit in [*credits.knowledge_holders, *credits.data_workers] if credit.name for role in credit.roles]
    document: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": KIND_TYPES.get(item.kind, "CreativeWork"),
        "@id": item_url,
        "identifier": item.public_id,
        "url": item_url,
        "name": _values(item.title),
        "additionalType": item.kind,
        "inLanguage": item.languages,
        "license": item.licence.uri,
        "publisher": {"@type": "Organization", "name": site_name},
        "contributor": people,
        "keywords": item.subjects,
    }
    descriptions = [{"value": d.value.value, "lang": d.value.lang} for d in item_descriptions(item, layers=False)]
    for key, values in (("abstract", item.summary), ("description", descriptions), ("text", item.text)):
        if values:
            document[key] = _values(values)
    if item.place or item.latitude is not None:
        place: dict[str, Any] = {"@type": "Place", "name": _values(item.place)}
        if item.latitude is not None:
            place["geo"] = {"@type": "GeoCoordinates", "latitude": item.latitude, "longitude": item.longitude}
        if item.region:
            place["containedInPlace"] = item.region
        document["contentLocation"] = place
    if credits.community:
        document["sourceOrganization"] = {"@type": "Organization", "name": credits.community}
    if item.date_edtf:
        document["temporalCoverage"] = item.date_edtf
    if item.labels:
        document["conditionsOfAccess"] = [CULTURAL_LABELS.get(code, code) for code in item.labels]
    if item.source_url:
        document["isBasedOn"] = item.source_url
    return document


def licence_text(item: Item) -> str:
    """LICENSE.txt: the item's licence (and each file's own), what it allows, the community's own terms
    and labels."""
    summary = licence_summary(item.licence, item.labels)
    lines = [f"{item.licence.name} ({item.licence.short_name})", item.licence.uri, ""]
    answers = (("Show and share it in class", summary.in_class), ("Use it commercially", summary.commercial),
               ("Adapt it", summary.adapt))
    lines += [f"{question}: {'yes' if allowed else 'no'}" for question, allowed in answers]
    if summary.share_alike:
        lines.append("Share adaptations under the same licence.")
    if summary.attribution:
        lines.append("Credit the people named in ATTRIBUTION.txt.")
    if item.licence.terms:
        lines += ["", "The community's terms:", item.licence.terms]
    others = {m.licence.id: m.licence for m in item.media if m.licence is not None and m.licence.id != item.licence.id}
    for licence in others.values():
        files = ", ".join(m.public_id for m in item.media if m.licence is not None and m.licence.id == licence.id)
        lines += ["", f"Files {files}: {licence.name} ({licence.short_name}), {licence.uri}"]
    if item.labels:
        lines += ["", "Cultural labels (Local Contexts):"]
        for code in item.labels:
            name, meaning = CULTURAL_LABEL_TEXTS.get(code, (CULTURAL_LABELS.get(code, code), ""))
            lines.append(f"- {name}: {meaning}")
    return "\n".join(str(line) for line in lines) + "\n"


def attribution_text(item: Item, attribution: str) -> str:
    """ATTRIBUTION.txt: the line to copy, then the title, the knowledge holders, the community, the source,
    the licence, and every data worker by role."""
    credits = item_credits(item)
    lines = [attribution, "", "Title: " + " / ".join(v["value"] for v in item.title)]
    holders = [c for c in credits.knowledge_holders if c.name]
    if holders:
        lines.append("Knowledge holders: " + "; ".join(
            f"{c.name} ({', '.join(ROLES[r].label for r in c.roles if r in ROLES)})" for c in holders))
    if credits.community:
        lines.append(f"Community: {credits.community}")
    if item.source:
        lines.append(f"Source: {item.source}" + (f" <{item.source_url}>" if item.source_url else ""))
    lines.append(f"Licence: {item.licence.short_name} <{item.licence.uri}>")
    workers = [c for c in credits.data_workers if c.name]
    if workers:
        lines.append("Data workers:")
        lines += [f"- {c.name}: {', '.join(ROLES[r].label for r in c.roles if r in ROLES)}" for c in workers]
    return "\n".join(str(line) for line in lines) + "\n"
