"""The editorial workflow: draft -> submitted -> in review -> published, or sent back (to draft) with a
comment, or rejected; published items may be withdrawn. Each step is a WorkflowEvent and a revision.

Nobody approves their own work: with the two-person rule (on by default) the reviewer who publishes an
item must be neither its creator nor the last person who edited it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from archive.db import db
from archive.errors import AccessDenied, Conflict, InvalidInput, NotFound
from archive.models import Contribution, Item, Revision, User, WorkflowEvent
from archive.services.editing import EDITOR_ROLES, STAFF_ROLES, credit, may_see, roles_of, save_revision
from archive.services.publication import PublicChanges

REVIEWER_ROLES = {"reviewer"} | STAFF_ROLES
MAX_COMMENT_LENGTH = 5000


@dataclass(frozen=True)
class Step:
    """One workflow action: from which statuses, to which, who may take it, whether a comment is required."""

    name: str
    sources: tuple[str, ...]
    target: str
    by_reviewer: bool
    comment_required: bool = False


STEPS = {
    step.name: step
    for step in (
        Step("submit", ("draft",), "submitted", by_reviewer=False),
        Step("take", ("submitted",), "in_review", by_reviewer=True),
        Step("approve", ("submitted", "in_review"), "published", by_reviewer=True),
        Step("send_back", ("submitted", "in_review"), "draft", by_reviewer=True, comment_required=True),
        Step("reject", ("submitted", "in_review"), "rejected", by_reviewer=True, comment_required=True),
        Step("withdraw", ("published",), "withdrawn", by_reviewer=True, comment_required=True),
    )
}


def workflow_item(public_id: str, user: Any) -> Item:
    """The item as its author, reviewers and curators see it in the workflow. Raises NotFound otherwise."""
    item = db.session.scalar(select(Item).where(Item.public_id == public_id))
    if item is None or user is None or not may_see(user, item):
        raise NotFound("No such item.")
    return item


def _last_editor_id(item: Item) -> int | None:
    # The versions made by workflow steps are not edits: skip them.
    steps = select(WorkflowEvent.item_version).where(WorkflowEvent.item_id == item.id)
    return db.session.scalar(select(Revision.actor_user_id).where(
        Revision.entity_type == "item", Revision.entity_id == item.id, Revision.version.not_in(steps))
        .order_by(Revision.version.desc()).limit(1))


def _check_allowed(step: Step, item: Item, user: User, *, two_person_rule: bool) -> None:
    roles = roles_of(user)
    if step.by_reviewer:
        if not roles & REVIEWER_ROLES:
            raise AccessDenied("Only reviewers and curators review items.")
        if step.name == "withdraw" and not roles & STAFF_ROLES:
            raise AccessDenied("Only curators withdraw published items.")
        if step.name == "approve" and two_person_rule and user.id in {item.created_by_id, _last_editor_id(item)}:
            raise AccessDenied("Nobody approves their own work: another reviewer must approve this item.")
    elif not roles & EDITOR_ROLES or (item.created_by_id != user.id and not roles & STAFF_ROLES):
        raise AccessDenied("Only the item's author (or a curator) submits it.")


def transition(user: User, public_id: str, action: str, *, comment: str | None = None, base_version: int | None = None,
               two_person_rule: bool = True) -> Item:
    """Take the workflow step ``action`` on the item. Raises NotFound (unknown or unseen item), InvalidInput
    (unknown step, missing or overlong comment), AccessDenied (not allowed to, or own work), Conflict (the
    item is not in a status the step starts from, or changed since ``base_version``)."""
    step = STEPS.get(action)
    if step is None:
        raise InvalidInput(f"Unknown workflow step {action!r}.", details=[f"action: one of {', '.join(STEPS)}"])
    comment = (comment or "").strip() or None
    if step.comment_required and not comment:
        raise InvalidInput("Say why, for the author: a comment is needed.", details=["comment: a comment is needed"])
    if comment and len(comment) > MAX_COMMENT_LENGTH:
        raise InvalidInput("This comment is too long.", details=[f"comment: at most {MAX_COMMENT_LENGTH} characters"])
    item = workflow_item(public_id, user)
    _check_allowed(step, item, user, two_person_rule=two_person_rule)
    if item.status not in step.sources:
        raise Conflict(f"{item.public_id} is {item.status}: it cannot be {action.replace('_', ' ')} now.")
    if base_version is not None and base_version != item.version:
        raise Conflict(f"{item.public_id} changed while you looked at it (now version {item.version}): reload it.")
    changes = PublicChanges()
    changes.note_before([item.public_id])
    db.session.add(WorkflowEvent(item_id=item.id, actor_user_id=user.id, action=action, from_status=item.status,
                                 to_status=step.target, item_version=item.version + 1, comment=comment))
    item.status = step.target
    item.version += 1
    if step.name == "approve":
        credit(item, user, "rev")
    save_revision(item, user, "update", changes)
    return item


def available_steps(user: User, item: Item, *, two_person_rule: bool = True) -> list[str]:
    """The workflow steps ``user`` may take on the item now."""
    steps = []
    for step in STEPS.values():
        if item.status not in step.sources:
            continue
        try:
            _check_allowed(step, item, user, two_person_rule=two_person_rule)
        except AccessDenied:
            continue
        steps.append(step.name)
    return steps


def events(item: Item) -> list[WorkflowEvent]:
    """The item's workflow steps, oldest first."""
    return list(db.session.scalars(select(WorkflowEvent).where(WorkflowEvent.item_id == item.id).order_by(WorkflowEvent.id)))


@dataclass(frozen=True)
class QueueEntry:
    item: Item
    submitted_by: User | None
    own_work: bool  # the two-person rule keeps this reviewer from approving it


def review_queue(user: User) -> list[QueueEntry]:
    """Items waiting for review, oldest submission first. Raises AccessDenied for non-reviewers."""
    if not roles_of(user) & REVIEWER_ROLES:
        raise AccessDenied("Only reviewers and curators see the review queue.")
    items = db.session.scalars(select(Item).where(Item.status.in_(("submitted", "in_review"))).order_by(Item.updated_at))
    entries = []
    for item in items:
        creator = db.session.get(User, item.created_by_id) if item.created_by_id else None
        entries.append(QueueEntry(item, creator, user.id in {item.created_by_id, _last_editor_id(item)}))
    return entries


def my_items(user: User) -> dict[str, list[Item]]:
    """The items ``user`` created, by status (drafts and sent-back items first)."""
    items = db.session.scalars(select(Item).where(Item.created_by_id == user.id).order_by(Item.updated_at.desc()))
    grouped: dict[str, list[Item]] = {}
    for item in items:
        grouped.setdefault(item.status, []).append(item)
    return grouped


def last_comment(item: Item) -> WorkflowEvent | None:
    """The latest step with a comment (why an item was sent back, say)."""
    return db.session.scalar(select(WorkflowEvent).where(WorkflowEvent.item_id == item.id, WorkflowEvent.comment.is_not(None))
                             .order_by(WorkflowEvent.id.desc()).limit(1))



def feedback_received(user: User, limit: int = 20) -> list[WorkflowEvent]:
    """What reviewers and curators said about ``user``'s items (steps with a comment, by others), newest first."""
    return list(db.session.scalars(
        select(WorkflowEvent).join(Item, Item.id == WorkflowEvent.item_id)
        .where(Item.created_by_id == user.id, WorkflowEvent.comment.is_not(None),
               WorkflowEvent.actor_user_id != user.id)
        .order_by(WorkflowEvent.id.desc()).limit(limit)))


@dataclass(frozen=True)
class MyContribution:
    item: Item
    roles: list[str]  # the MARC relator codes they are credited with on the item


def my_contributions(user: User) -> list[MyContribution]:
    """The items ``user`` is credited on (edited, reviewed ...), whoever created them, with their status now;
    most recently changed first."""
    if user.agent_id is None:
        return []
    rows = db.session.execute(
        select(Item, Contribution.role).join(Contribution, Contribution.item_id == Item.id)
        .where(Contribution.agent_id == user.agent_id).order_by(Item.updated_at.desc(), Item.id, Contribution.position))
    found: dict[int, MyContribution] = {}
    for item, role in rows:
        entry = found.setdefault(item.id, MyContribution(item, []))
        if role not in entry.roles:
            entry.roles.append(role)
    return list(found.values())
