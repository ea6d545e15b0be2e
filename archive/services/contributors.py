"""Contributors for the public: who did what, among the items the viewer may see.

A contributor is an agent (a person or a community) credited with work on visible items. Their work is
counted in units, each credited on the item pages too (see ``archive.presenters.item_credits``):

- a contribution credited on the item (a narrator, a collector ...), or on one of its media files or
  approved annotations;
- a media file they made: ``pht`` for an image, ``rcd`` otherwise;
- an approved annotation they wrote: ``trc``, ``trl`` or ``ann`` (as on the item page);
- an approved annotation they reviewed: ``rev``;
- for a community, each item that is theirs: ``community``.

Agents who may not be named (credited anonymously, or whose consent is withdrawn) have no public page and
appear in no list. Nothing here exposes an agent's civil name: the view objects carry the credited name only.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, NamedTuple

from sqlalchemy import and_, or_, select

from archive.db import db
from archive.errors import NotFound
from archive.models import Agent, Annotation, Contribution, Item, LangValues, Media, User, WorkflowEvent
from archive.presenters import annotation_role
from archive.services.access import readable_access_clause, visible_items_clause
from archive.services.people import certification_of_agent
from archive.vocabulary import ROLES

COMMUNITY_ROLE = "community"
# The order of roles on a page: a community's own items, knowledge holders, then data workers.
ROLE_ORDER = (COMMUNITY_ROLE, *ROLES)


class _Unit(NamedTuple):
    """One piece of credited work: ``agent_id`` did ``role`` on item ``item_id`` (in ``language``, for an
    annotation they wrote)."""

    agent_id: int
    role: str
    item_id: int
    language: str | None = None


class _AnnotationFacts(NamedTuple):  # what presenters.annotation_role reads of an annotation
    motivation: str
    body_language: str | None


class _ItemFacts(NamedTuple):  # ... and of its item
    languages: list[str]


@dataclass
class _Tally:
    approved: int = 0
    written: int = 0


@dataclass(frozen=True)
class RoleWork:
    role: str  # a MARC relator code, or "community"
    count: int  # units of work in this role (credits, files, annotations, reviews, community items)
    items: list[Item]  # the items concerned, each once, newest dates first


@dataclass(frozen=True)
class ContributorView:
    slug: str
    name: str  # the credited name: the pseudonym when the agent chose one, never a withheld name
    kind: str  # "person" or "community"
    region: str | None
    bio: LangValues
    roles: list[RoleWork]
    languages: list[str]  # language tags of the approved annotations they wrote, most used first
    regions: list[str]  # regions of the items they worked on, most frequent first
    annotations_written: int  # on visible items, whatever their status
    annotations_approved: int
    # Items the person's account submitted for review among those the viewer could see once published, and
    # how many of them are published (and so visible): counted, never shown.
    items_submitted: int = 0
    items_published: int = 0
    certification: str | None = None  # their current certification level, shown as a badge
    certified_on: dt.date | None = None

    @property
    def count(self) -> int:
        return sum(work.count for work in self.roles)

    @property
    def approval_share(self) -> float | None:
        """The share of their annotations that was approved, or None when they wrote none."""
        return self.annotations_approved / self.annotations_written if self.annotations_written else None

    @property
    def publication_share(self) -> float | None:
        """The share of the items they submitted that was published, or None when they submitted none."""
        return self.items_published / self.items_submitted if self.items_submitted else None


@dataclass(frozen=True)
class ContributorSummary:
    slug: str
    name: str
    kind: str
    region: str | None
    count: int
    roles: list[tuple[str, int]] = field(default_factory=list)  # (role, units), in ROLE_ORDER


def list_contributors(viewer: Any) -> list[ContributorSummary]:
    """Every agent who may be named and has credited work on an item ``viewer`` may see, sorted by name."""
    units, _tallies = _work(viewer)
    by_agent: dict[int, Counter[str]] = defaultdict(Counter)
    for unit in units:
        by_agent[unit.agent_id][unit.role] += 1
    summaries = []
    for agent in _agents(list(by_agent)):
        name = agent.credited_name
        if name is None:
            continue
        roles = by_agent[agent.id]
        summaries.append(ContributorSummary(agent.slug, name, agent.kind, agent.region, sum(roles.values()),
                                            _ordered(roles)))
    return sorted(summaries, key=lambda s: (s.name.casefold(), s.slug))


def get_contributor(slug: str, viewer: Any) -> ContributorView:
    """The page data of agent ``slug``: their credited work among the items ``viewer`` may see, by role.

    Raises NotFound when there is no such agent, when they may not be named (anonymous, or consent
    withdrawn), or when the viewer may see none of their work (their existence is not revealed).
    """
    agent = db.session.scalar(select(Agent).where(Agent.slug == slug))
    name = agent.credited_name if agent is not None else None
    if agent is None or name is None:
        raise NotFound("No such contributor.")
    units, tallies = _work(viewer, agent.id)
    if not units:
        raise NotFound("No such contributor.")
    items = _items({unit.item_id for unit in units})
    roles: dict[str, list[_Unit]] = defaultdict(list)
    for unit in units:
        roles[unit.role].append(unit)
    works = []
    for role, count in _ordered(Counter({role: len(found) for role, found in roles.items()})):
        item_ids = {unit.item_id for unit in roles[role]}
        works.append(RoleWork(role, count, [item for item in items if item.id in item_ids]))
    languages = Counter(unit.language for unit in units if unit.language)
    regions = Counter(item.region for item in items if item.region)
    tally = tallies.get(agent.id, _Tally())
    submitted, published = _submitted_items(agent, viewer)
    certification = certification_of_agent(agent)
    return ContributorView(
        slug=agent.slug,
        name=name,
        kind=agent.kind,
        region=agent.region,
        bio=agent.bio or [],
        roles=works,
        languages=[tag for tag, _n in sorted(languages.items(), key=lambda tc: (-tc[1], tc[0]))],
        regions=[region for region, _n in sorted(regions.items(), key=lambda rc: (-rc[1], rc[0]))],
        annotations_written=tally.written,
        annotations_approved=tally.approved,
        items_submitted=submitted,
        items_published=published,
        certification=certification.level if certification else None,
        certified_on=certification.granted_on if certification else None,
    )


def _submitted_items(agent: Agent, viewer: Any) -> tuple[int, int]:
    """How many items the account credited as ``agent`` made and submitted for review, among those ``viewer`` could
    see once published, and how many of these ``viewer`` sees published."""
    accounts = select(User.id).where(User.agent_id == agent.id)
    submitted = select(WorkflowEvent.item_id).where(WorkflowEvent.action == "submit")
    rows = db.session.execute(
        select(Item.id, and_(Item.status == "published", visible_items_clause(viewer))).where(
            Item.created_by_id.in_(accounts), Item.id.in_(submitted), readable_access_clause(viewer))
    ).all()
    return len(rows), sum(1 for _id, visible in rows if visible)


def _work(viewer: Any, agent_id: int | None = None) -> tuple[list[_Unit], dict[int, _Tally]]:
    """Every unit of credited work on the items ``viewer`` may see (of one agent, or of all), and per agent
    how many annotations they wrote on those items and how many of them were approved."""
    visible = visible_items_clause(viewer)

    def of_agent(column: Any, query: Any) -> Any:
        return query.where(column == agent_id) if agent_id is not None else query

    units: list[_Unit] = []
    credited = of_agent(Contribution.agent_id, (
        select(Contribution.agent_id, Contribution.role, Contribution.item_id)
        .join(Item, Item.id == Contribution.item_id)
        .outerjoin(Annotation, Annotation.id == Contribution.annotation_id)
        # A credit on an annotation counts once the annotation is approved, like the annotation itself.
        .where(visible, or_(Contribution.annotation_id.is_(None), Annotation.status == "approved"))
    ))
    units += [_Unit(agent, role, item) for agent, role, item in db.session.execute(credited)]

    media = of_agent(Media.creator_id, (
        select(Media.creator_id, Media.kind, Media.item_id)
        .join(Item, Item.id == Media.item_id)
        .where(visible, Media.creator_id.is_not(None))
    ))
    # The same rule as presenters.item_credits, so that the item page and the contributor page agree.
    units += [_Unit(agent, "pht" if kind == "image" else "rcd", item) for agent, kind, item in db.session.execute(media)]

    tallies: dict[int, _Tally] = defaultdict(_Tally)
    written = of_agent(Annotation.creator_id, (
        select(Annotation.creator_id, Annotation.status, Annotation.motivation, Annotation.body_language,
               Annotation.item_id, Item.languages)
        .join(Item, Item.id == Annotation.item_id)
        .where(visible, Annotation.creator_id.is_not(None))
    ))
    for agent, status, motivation, language, item, item_languages in db.session.execute(written):
        tallies[agent].written += 1
        if status != "approved":
            continue  # pending and rejected annotations are not public work
        tallies[agent].approved += 1
        role = annotation_role(_AnnotationFacts(motivation, language), _ItemFacts(item_languages or []))
        units.append(_Unit(agent, role, item, language))

    reviewed = of_agent(Annotation.reviewer_id, (
        select(Annotation.reviewer_id, Annotation.item_id)
        .join(Item, Item.id == Annotation.item_id)
        .where(visible, Annotation.status == "approved", Annotation.reviewer_id.is_not(None))
    ))
    units += [_Unit(agent, "rev", item) for agent, item in db.session.execute(reviewed)]

    communities = of_agent(Item.community_id, select(Item.community_id, Item.id).where(visible, Item.community_id.is_not(None)))
    units += [_Unit(agent, COMMUNITY_ROLE, item) for agent, item in db.session.execute(communities)]
    return units, dict(tallies)


def _ordered(counts: Counter[str]) -> list[tuple[str, int]]:
    rank = {role: index for index, role in enumerate(ROLE_ORDER)}
    return sorted(counts.items(), key=lambda rc: (rank.get(rc[0], len(rank)), rc[0]))


def _chunks(values: list[int], size: int = 900) -> Iterable[list[int]]:
    # SQLite accepts at most 999 bound parameters in a statement.
    return (values[i : i + size] for i in range(0, len(values), size))


def _agents(ids: list[int]) -> list[Agent]:
    return [agent for chunk in _chunks(ids) for agent in db.session.scalars(select(Agent).where(Agent.id.in_(chunk)))]


def _items(ids: set[int]) -> list[Item]:
    items = [item for chunk in _chunks(sorted(ids)) for item in db.session.scalars(select(Item).where(Item.id.in_(chunk)))]
    return sorted(items, key=lambda item: (item.date_start is None, -(item.date_start or 0), item.public_id))
