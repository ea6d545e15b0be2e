"""View objects shared by the HTML pages and, later, the JSON, IIIF and OAI serializers."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from archive.licensing import reuses
from archive.models import Agent, Item, Licence
from archive.vocabulary import ROLES, direction_of, script_of


@dataclass(frozen=True)
class LocalizedValue:
    value: str
    lang: str

    @property
    def dir(self) -> str:
        return direction_of(self.lang)

    @property
    def script(self) -> str:
        return script_of(self.lang)


def localized(values: list[dict[str, str]] | None) -> list[LocalizedValue]:
    return [LocalizedValue(v["value"], v["lang"]) for v in values or []]


@dataclass(frozen=True)
class Credit:
    name: str | None  # None: credited anonymously, or consent withdrawn
    agent_slug: str
    roles: list[str]
    knowledge_holder: bool
    translated_into: list[str] = field(default_factory=list)  # language tags of their translations


@dataclass
class Credits:
    knowledge_holders: list[Credit] = field(default_factory=list)
    community: str | None = None
    data_workers: list[Credit] = field(default_factory=list)


def _credit_lines(pairs: list[tuple[Agent, str, str | None]], knowledge_holder: bool) -> list[Credit]:
    """One line per agent, in order of first appearance; agents who withdrew consent are left out."""
    by_agent: dict[int, tuple[Agent, list[str], list[str]]] = {}
    for agent, role, language in pairs:
        if agent.consent_withdrawn:
            continue
        _agent, roles, languages = by_agent.setdefault(agent.id, (agent, [], []))
        if role not in roles:
            roles.append(role)
        if role == "trl" and language and language not in languages:
            languages.append(language)
    return [Credit(agent.credited_name, agent.slug, roles, knowledge_holder, languages)
            for agent, roles, languages in by_agent.values()]


def item_credits(item: Item) -> Credits:
    """Knowledge holders and community first, then each data worker with the layers they made."""
    holders: list[tuple[Agent, str, str | None]] = []
    workers: list[tuple[Agent, str, str | None]] = []
    for contribution in item.contributions:
        role = ROLES.get(contribution.role)
        (holders if role and role.knowledge_holder else workers).append((contribution.agent, contribution.role, None))
    for media in item.media:
        if media.creator is not None:
            workers.append((media.creator, "pht" if media.kind == "image" else "rcd", None))
    for annotation in item.annotations:
        if annotation.status == "approved":
            workers.extend((agent, role, annotation.body_language if role == "trl" else None)
                           for agent, role in _layer_pairs(annotation))
    community = item.community.credited_name if item.community else None
    return Credits(_credit_lines(holders, True), community, _credit_lines(workers, False))


def _layer_pairs(annotation: Any) -> list[tuple[Agent, str]]:
    """(agent, role) for each credit of a layer: its creator, its own contributions, its reviewer (layers
    imported without contributions still credit their creator and reviewer)."""
    pairs = [(c.agent, c.role) for c in annotation.item.contributions if c.annotation is annotation]
    credited = {id(agent) for agent, _role in pairs}
    if annotation.creator is not None and id(annotation.creator) not in credited:
        pairs.insert(0, (annotation.creator, annotation_role(annotation, annotation.item)))
    if annotation.reviewer is not None and (annotation.reviewer, "rev") not in pairs:
        pairs.append((annotation.reviewer, "rev"))
    return pairs


def layer_credits(annotation: Any) -> list[Credit]:
    """Who made a layer and who reviewed it, one line per agent (their consent respected)."""
    return _credit_lines([(agent, role, None) for agent, role in _layer_pairs(annotation)], False)


def annotation_role(annotation: Any, item: Item) -> str:
    """The MARC role of an annotation's creator: transcriber, translator or annotator."""
    if annotation.motivation != "supplementing":
        return "ann"
    content = {tag.split("-")[0] for tag in item.languages or []}
    language = (annotation.body_language or "").split("-")[0]
    return "trc" if not content or language in content else "trl"


# Local Contexts TK Community Voice: the community's own description of the material comes first.
COMMUNITY_VOICE = "TK-CV"


@dataclass(frozen=True)
class Description:
    value: LocalizedValue
    layer: Any = None  # the approved annotation it comes from; None for the item record's own description
    community: bool = False  # the community's own words: a describing layer made by (or credited to) the community


def is_community_description(annotation: Any, item: Item) -> bool:
    """An approved 'describing' layer on the item as a whole whose creator is the item's community, or that
    credits the community among its contributors: the community's own description."""
    if item.community_id is None or annotation.motivation != "describing" or annotation.media_id is not None:
        return False
    return annotation.creator_id == item.community_id or any(
        c.agent_id == item.community_id for c in item.contributions if c.annotation is annotation)


def item_descriptions(item: Item, *, layers: bool = True) -> list[Description]:
    """The item's description: the record's own values, then the approved layers on the item as a whole
    (descriptions and comments; with ``layers=False`` only the community's own description among them). Under
    TK Community Voice the community's own description comes first, each part keeping its order."""
    found = [Description(value) for value in localized(item.description)]
    for annotation in item.annotations:
        if annotation.media_id is not None or annotation.status != "approved" or not annotation.body_value:
            continue
        community = is_community_description(annotation, item)
        if layers or community:
            found.append(Description(LocalizedValue(annotation.body_value, annotation.body_language or "und"),
                                     annotation, community))
    if COMMUNITY_VOICE in (item.labels or []):
        found.sort(key=lambda description: not description.community)
    return found


@dataclass(frozen=True)
class LicenceSummary:
    licence: Licence
    in_class: bool
    commercial: bool
    adapt: bool
    share_alike: bool
    attribution: bool


def licence_summary(licence: Licence, labels: list[str] | None = None) -> LicenceSummary:
    """Plain answers to 'may I show it in class, use it commercially, adapt it?'."""
    allowed = reuses(licence, labels or [])
    return LicenceSummary(licence, "education" in allowed, "commercial" in allowed, "remix" in allowed,
                          licence.share_alike, licence.attribution)


def attribution_line(item: Item, site_name: str, url: str) -> str:
    """'Title' — narrators, community. Source. Licence. Data workers: ...: ready to copy."""
    credits = item_credits(item)
    holders = ", ".join(c.name for c in credits.knowledge_holders if c.name)
    workers = "; ".join(
        f"{c.name} ({', '.join(ROLES[r].label for r in c.roles if r in ROLES)})" for c in credits.data_workers if c.name
    )
    parts = [f"“{item.title[0]['value']}”"]
    if holders:
        parts.append(holders)
    if credits.community:
        parts.append(credits.community)
    parts.append(f"{site_name}, {url}")
    parts.append(item.licence.short_name)
    line = ", ".join(parts) + "."
    if workers:
        line += f" Data work: {workers}."
    return line


@dataclass(frozen=True)
class ParallelText:
    """An item's texts side by side: one column per language, one row per segment (paragraph)."""

    columns: list[LocalizedValue]
    rows: list[list[LocalizedValue | None]]


def parallel_text(values: list[dict[str, str]] | None, originals: list[str] | None = None) -> ParallelText:
    """Columns in order: the originals (the item's content languages), then the translations."""
    columns = localized(values)
    original = {tag.split("-")[0] for tag in originals or []}
    columns.sort(key=lambda v: v.lang.split("-")[0] not in original)
    split = [[part.strip() for part in v.value.split("\n") if part.strip()] for v in columns]
    height = max((len(parts) for parts in split), default=0)
    rows = [
        [LocalizedValue(parts[i], column.lang) if i < len(parts) else None for column, parts in zip(columns, split)]
        for i in range(height)
    ]
    return ParallelText(columns, rows)


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    values: list[LocalizedValue]  # the transcription first, then translations
    layers: list[Any] = field(default_factory=list)  # the annotation of each value, for its credits


def timed_segments(media: Any, item: Item) -> list[Segment]:
    """The approved, time-coded transcriptions and translations of a recording, grouped by time range."""
    groups: dict[tuple[float, float], list[tuple[LocalizedValue, Any]]] = {}
    for annotation in item.annotations:
        if (annotation.media_id != media.id or annotation.status != "approved" or not annotation.selector
                or not annotation.selector.startswith("t=") or annotation.body_value is None):
            continue
        start, end = (float(v) for v in annotation.selector[2:].split(","))
        groups.setdefault((start, end), []).append((LocalizedValue(annotation.body_value, annotation.body_language), annotation))
    original = {tag.split("-")[0] for tag in item.languages or []}
    segments = []
    for (start, end), pairs in sorted(groups.items()):
        pairs.sort(key=lambda pair: pair[0].lang.split("-")[0] not in original)
        segments.append(Segment(start, end, [value for value, _ in pairs], [layer for _, layer in pairs]))
    return segments


def image_regions(media: Any, item: Item) -> list[Any]:
    """The approved annotations of an image that select a region of it (xywh=)."""
    return [a for a in item.annotations if a.media_id == media.id and a.status == "approved"
            and (a.selector or "").startswith("xywh=")]
