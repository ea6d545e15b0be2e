"""View objects shared by the HTML pages and, later, the JSON, IIIF and OAI serializers."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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


@dataclass
class Credits:
    knowledge_holders: list[Credit] = field(default_factory=list)
    community: str | None = None
    data_workers: list[Credit] = field(default_factory=list)


def _credit_lines(pairs: list[tuple[Agent, str]], knowledge_holder: bool) -> list[Credit]:
    by_agent: dict[int, tuple[Agent, list[str]]] = {}
    for agent, role in pairs:
        roles = by_agent.setdefault(agent.id, (agent, []))[1]
        if role not in roles:
            roles.append(role)
    return [Credit(agent.credited_name, agent.slug, roles, knowledge_holder) for agent, roles in by_agent.values()]


def item_credits(item: Item) -> Credits:
    """Knowledge holders and community first, then each data worker with the layers they made."""
    holders: list[tuple[Agent, str]] = []
    workers: list[tuple[Agent, str]] = []
    for contribution in item.contributions:
        role = ROLES.get(contribution.role)
        (holders if role and role.knowledge_holder else workers).append((contribution.agent, contribution.role))
    for media in item.media:
        if media.creator is not None:
            workers.append((media.creator, "pht" if media.kind == "image" else "rcd"))
    for annotation in item.annotations:
        if annotation.status != "approved":
            continue
        if annotation.creator is not None:
            workers.append((annotation.creator, _annotation_role(annotation, item)))
        if annotation.reviewer is not None:
            workers.append((annotation.reviewer, "rev"))
    community = item.community.credited_name if item.community else None
    return Credits(_credit_lines(holders, True), community, _credit_lines(workers, False))


def _annotation_role(annotation: Any, item: Item) -> str:
    if annotation.motivation != "supplementing":
        return "ann"
    content = {tag.split("-")[0] for tag in item.languages or []}
    language = (annotation.body_language or "").split("-")[0]
    return "trc" if not content or language in content else "trl"


@dataclass(frozen=True)
class LicenceSummary:
    licence: Licence
    in_class: bool
    commercial: bool
    adapt: bool
    share_alike: bool
    attribution: bool


def licence_summary(licence: Licence) -> LicenceSummary:
    """Plain answers to 'may I show it in class, use it commercially, adapt it?'."""
    in_class = licence.kind in ("cc", "public-domain") or licence.id == "InC-EDU"
    return LicenceSummary(licence, in_class, licence.commercial_use, licence.derivatives, licence.share_alike,
                          licence.attribution)


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
