"""People: certification of workers from their approved work, role management with its audit, and how
agents (knowledge holders and data workers) are credited: their choice, their consent and its withdrawal.

Permissions are checked here, once, whatever the route: curators and admins manage people; only admins
give, take or touch the curator and admin roles; nobody manages their own account; only certified workers
hold the reviewer role (``accounts.invite`` refuses it for the same reason: a new account has no work yet).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from archive.db import db
from archive.errors import AccessDenied, Conflict, InvalidInput, NotFound
from archive.models import (
    AccountChange,
    Agent,
    Annotation,
    Certification,
    Contribution,
    Item,
    Media,
    Revision,
    User,
    WorkflowEvent,
)
from archive.records import agent_record
from archive.services.accounts import check_roles, new_user
from archive.services.publication import PublicChanges
from archive.services.revisions import history as revision_history
from archive.services.revisions import record_revision
from archive.vocabulary import CERTIFICATION_LEVELS, CERTIFYING_LEVELS, CREDIT_AS

MANAGER_ROLES = {"curator", "admin"}
ADMIN_ONLY_ROLES = {"curator", "admin"}
WORKER_ROLES = {"data_worker", "reviewer"}
CREDITED_ROLES = {"data_worker", "reviewer", "curator", "admin"}  # the accounts whose work is credited
MAX_NOTE_LENGTH = 2000


def _roles(user: Any) -> set[str]:
    return set(getattr(user, "roles", None) or [])


def _today() -> dt.date:
    return dt.date.today()


def _check_manager(acting: Any, what: str) -> User:
    if acting is None or not _roles(acting) & MANAGER_ROLES:
        raise AccessDenied(f"Only curators and admins {what}.")
    return acting


def _note(note: str | None, *, required: bool = False) -> str | None:
    note = (note or "").strip() or None
    if required and not note:
        raise InvalidInput("Say why: a note is needed.", details=["note: a note is needed"])
    if note and len(note) > MAX_NOTE_LENGTH:
        raise InvalidInput("This note is too long.", details=[f"note: at most {MAX_NOTE_LENGTH} characters"])
    return note


def _managed_account(acting: User, user_id: int) -> User:
    """The account ``acting`` may manage. Raises NotFound, or AccessDenied for their own account and, unless
    ``acting`` is an admin, for curators' and admins' accounts."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such account.")
    if user.id == acting.id:
        raise AccessDenied("Nobody manages their own account: ask another curator or an admin.")
    if _roles(user) & ADMIN_ONLY_ROLES and "admin" not in _roles(acting):
        raise AccessDenied("Only an admin manages curators' and admins' accounts.")
    return user


# ------------------------------------------------------------------------------------------ approved work

@dataclass(frozen=True)
class WorkRecord:
    """A worker's work as curators weigh it when certifying: items and annotations, and how much of each
    was approved."""

    items_created: int
    items_submitted: int  # submitted for review at least once
    items_published: int
    annotations_written: int
    annotations_approved: int
    reviews: int  # items they approved as a reviewer

    def as_evidence(self) -> dict[str, int]:
        return dict(self.__dict__)


def work_record(user: User) -> WorkRecord:
    created = select(Item.id).where(Item.created_by_id == user.id)

    def count(query: Any) -> int:
        return db.session.scalar(query) or 0

    submitted = count(select(func.count(func.distinct(WorkflowEvent.item_id)))
                      .where(WorkflowEvent.action == "submit", WorkflowEvent.item_id.in_(created)))
    written = approved = 0
    if user.agent_id is not None:
        by_status = dict(db.session.execute(select(Annotation.status, func.count()).where(
            Annotation.creator_id == user.agent_id).group_by(Annotation.status)).all())
        written, approved = sum(by_status.values()), by_status.get("approved", 0)
    return WorkRecord(
        items_created=count(select(func.count()).select_from(created.subquery())),
        items_submitted=submitted,
        items_published=count(select(func.count()).where(Item.created_by_id == user.id, Item.status == "published")),
        annotations_written=written,
        annotations_approved=approved,
        reviews=count(select(func.count()).where(WorkflowEvent.actor_user_id == user.id, WorkflowEvent.action == "approve")),
    )


# ------------------------------------------------------------------------------------------ certification

def current_certification(user: User | None) -> Certification | None:
    """The level a worker holds now (the latest grant not revoked), or None."""
    if user is None:
        return None
    return db.session.scalar(select(Certification).where(Certification.user_id == user.id,
                                                         Certification.revoked_on.is_(None))
                             .order_by(Certification.id.desc()).limit(1))


def is_certified(user: User | None) -> bool:
    """Whether ``user`` holds a level that certifies them (any level above trainee)."""
    current = current_certification(user)
    return current is not None and current.level in CERTIFYING_LEVELS


def certification_of_agent(agent: Agent) -> Certification | None:
    """The current certification of the account credited as ``agent``, for the contributor page's badge."""
    user = db.session.scalar(select(User).where(User.agent_id == agent.id, User.active.is_(True)).limit(1))
    return current_certification(user)


def certifications(user: User) -> list[Certification]:
    """Every level ``user`` was granted, newest first, revoked ones included."""
    return list(db.session.scalars(select(Certification).where(Certification.user_id == user.id)
                                   .order_by(Certification.id.desc())))


def certify(acting: Any, user_id: int, level: str, *, note: str | None = None) -> Certification:
    """Grant ``level`` to a data worker or reviewer, dated today, with the work they had approved then; it
    replaces their previous level. Raises AccessDenied (not a curator or admin, own account), NotFound,
    InvalidInput (unknown level, not a worker, inactive account, long note), Conflict (a reviewer lowered to
    trainee: take the reviewer role away first)."""
    acting = _check_manager(acting, "certify workers")
    if level not in CERTIFICATION_LEVELS:
        raise InvalidInput(f"Unknown certification level {level!r}.",
                           details=[f"level: one of {', '.join(CERTIFICATION_LEVELS)}"])
    note = _note(note)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such account.")
    if user.id == acting.id:
        raise AccessDenied("Nobody certifies themselves: ask another curator.")
    if not _roles(user) & WORKER_ROLES or not user.active:
        raise InvalidInput("Only active data workers and reviewers are certified.",
                           details=["level: only active data workers and reviewers are certified"])
    if "reviewer" in _roles(user) and level not in CERTIFYING_LEVELS:
        raise Conflict("A reviewer must stay certified: take the reviewer role away first.")
    previous = current_certification(user)
    if previous is not None:
        previous.revoked_on, previous.revoked_by_id = _today(), acting.id
        previous.revoke_note = f"replaced by {level}"
    certification = Certification(user_id=user.id, level=level, granted_on=_today(), granted_by_id=acting.id,
                                  note=note, evidence=work_record(user).as_evidence())
    db.session.add(certification)
    db.session.commit()
    return certification


def create_account(email: str, display_name: str, password: str, *, roles: list[str],
                   communities: list[str] | None = None, certify: str | None = None,
                   grantor_label: str = "cli", note: str | None = None) -> User:
    """Create an account outside the web pages (the command line), under the same rule as ``change_roles``:
    only certified workers hold the reviewer role. ``certify`` grants a level at once, dated today and
    recorded as granted by ``grantor_label`` (no account). The account and its level are written together
    or not at all. Raises InvalidInput (as ``accounts.create_user``; an unknown level; a level for an
    account that is no data worker or reviewer; the reviewer role without a level above trainee)."""
    roles = check_roles(roles)
    note = _note(note)
    if certify is not None:
        if certify not in CERTIFICATION_LEVELS:
            raise InvalidInput(f"Unknown certification level {certify!r}.",
                               details=[f"certify: one of {', '.join(CERTIFICATION_LEVELS)}"])
        if not set(roles) & WORKER_ROLES:
            raise InvalidInput("Only data workers and reviewers are certified.",
                               details=["certify: give the data_worker or reviewer role too"])
    if "reviewer" in roles and certify not in CERTIFYING_LEVELS:
        raise InvalidInput(
            "Only certified workers hold the reviewer role: certify them at the same time with a level above trainee "
            f"({', '.join(CERTIFYING_LEVELS)}), or create a data worker and certify them on the People page.",
            details=["roles: the reviewer role needs a certification above trainee"])
    user = new_user(email, display_name, password, roles=roles, communities=communities)
    if certify is not None:
        db.session.add(Certification(user_id=user.id, level=certify, granted_on=_today(), granted_by_id=None,
                                     grantor_label=grantor_label, note=note, evidence=work_record(user).as_evidence()))
    db.session.commit()
    return user


def revoke_certification(acting: Any, certification_id: int, *, note: str | None) -> Certification:
    """Revoke a worker's current level, dated today, saying why. Raises AccessDenied, NotFound,
    InvalidInput (no note), Conflict (revoked already, or the worker is a reviewer: take that role first)."""
    acting = _check_manager(acting, "revoke certifications")
    note = _note(note, required=True)
    certification = db.session.get(Certification, certification_id)
    if certification is None:
        raise NotFound("No such certification.")
    if certification.user_id == acting.id:
        raise AccessDenied("Nobody manages their own certification.")
    if certification.revoked_on is not None:
        raise Conflict("This certification was revoked already.")
    if "reviewer" in _roles(certification.user) and certification.level in CERTIFYING_LEVELS:
        raise Conflict("A reviewer must stay certified: take the reviewer role away first.")
    certification.revoked_on, certification.revoked_by_id, certification.revoke_note = _today(), acting.id, note
    db.session.commit()
    return certification


# ------------------------------------------------------------------------------------------ accounts

@dataclass(frozen=True)
class AccountSummary:
    user: User
    certification: Certification | None
    work: WorkRecord


def list_accounts(acting: Any) -> list[AccountSummary]:
    """Every account, with its level and approved work, for the people page. Raises AccessDenied."""
    _check_manager(acting, "manage people")
    users = db.session.scalars(select(User).order_by(User.display_name, User.id))
    return [AccountSummary(user, current_certification(user), work_record(user)) for user in users]


def account_for_management(acting: Any, user_id: int) -> AccountSummary:
    _check_manager(acting, "manage people")
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such account.")
    return AccountSummary(user, current_certification(user), work_record(user))


def account_changes(acting: Any, user_id: int) -> list[AccountChange]:
    """The audit of an account's roles and active state, newest first."""
    _check_manager(acting, "manage people")
    return list(db.session.scalars(select(AccountChange).where(AccountChange.user_id == user_id)
                                   .order_by(AccountChange.id.desc())))


def change_roles(acting: Any, user_id: int, roles: list[str], *, note: str | None = None) -> User:
    """Give ``user_id`` exactly ``roles``, audited. Raises AccessDenied (not a manager; own account; the
    curator or admin role, or such an account, without being an admin), NotFound, InvalidInput (unknown
    role; the reviewer role for a worker who is not certified)."""
    acting = _check_manager(acting, "change roles")
    roles = check_roles(roles)
    note = _note(note)
    user = _managed_account(acting, user_id)
    before = list(user.roles or [])
    if (set(roles) ^ set(before)) & ADMIN_ONLY_ROLES and "admin" not in _roles(acting):
        raise AccessDenied("Only an admin can give or take the curator or admin role.")
    if "reviewer" in roles and "reviewer" not in before and not is_certified(user):
        raise InvalidInput("Only certified workers become reviewers: certify them first.",
                           details=["roles: the reviewer role needs a certification above trainee"])
    if roles == before:
        return user
    user.roles = roles
    db.session.add(AccountChange(user_id=user.id, actor_user_id=acting.id, field="roles", before=before, after=roles,
                                 note=note))
    db.session.commit()
    return user


def set_active(acting: Any, user_id: int, active: bool, *, note: str | None = None) -> User:
    """Deactivate (every session ends, sign-in refused) or reactivate an account, audited. Raises as
    ``change_roles``; a note is needed to deactivate."""
    acting = _check_manager(acting, "deactivate accounts")
    note = _note(note, required=not active)
    user = _managed_account(acting, user_id)
    if user.active == active:
        return user
    db.session.add(AccountChange(user_id=user.id, actor_user_id=acting.id, field="active", before=user.active,
                                 after=active, note=note))
    user.active = active
    if not active:
        user.session_generation += 1
    db.session.commit()
    return user


# ------------------------------------------------------------------------------------------ consent

def items_crediting(agent: Agent) -> list[str]:
    """The public ids of every item whose credits name ``agent``: credits on the item, its media or its
    annotations, files they made, annotations they wrote or reviewed, a community's own items."""
    queries = [
        select(Item.public_id).join(Contribution, Contribution.item_id == Item.id).where(Contribution.agent_id == agent.id),
        select(Item.public_id).join(Media, Media.item_id == Item.id).where(Media.creator_id == agent.id),
        select(Item.public_id).join(Annotation, Annotation.item_id == Item.id).where(
            (Annotation.creator_id == agent.id) | (Annotation.reviewer_id == agent.id)),
        select(Item.public_id).where(Item.community_id == agent.id),
    ]
    found: dict[str, None] = {}
    for query in queries:
        found.update(dict.fromkeys(db.session.scalars(query.distinct())))
    return sorted(found)


def _credit_choice(credit_as: str, pseudonym: str | None) -> tuple[str, str | None]:
    if credit_as not in CREDIT_AS:
        raise InvalidInput(f"Unknown choice {credit_as!r}.", details=[f"credit_as: one of {', '.join(CREDIT_AS)}"])
    pseudonym = (pseudonym or "").strip() or None
    if credit_as == "pseudonym" and not pseudonym:
        raise InvalidInput("Choose the pseudonym to credit.", details=["pseudonym: a pseudonym is needed"])
    if pseudonym and len(pseudonym) > 300:
        raise InvalidInput("This pseudonym is too long.", details=["pseudonym: at most 300 characters"])
    return credit_as, pseudonym


def _change_agent(agent: Agent, acting: User, **values: Any) -> Agent:
    """Apply ``values`` to the agent as one new version: a revision, then, when what the public sees of
    them changed, a public Update of each public item crediting them, the commit, and their re-indexing."""
    before = (agent_record(agent), agent.credited_name)
    for name, value in values.items():
        setattr(agent, name, value)
    if agent_record(agent) == before[0]:
        db.session.commit()  # the agent may be new (made on first need by agent_for)
        return agent
    shown_changed = agent.credited_name != before[1]
    affected = items_crediting(agent) if shown_changed else []
    changes = PublicChanges()
    # Noted as they are: their visibility does not change, only their credits (an Update when public).
    changes.note_before(affected)
    agent.version = (agent.version or 1) + 1
    db.session.flush()
    record_revision("agent", agent.id, agent.slug, agent.version, agent_record(agent),
                    actor_label=acting.display_name, actor_user_id=acting.id, action="update")
    changes.record(affected)
    db.session.commit()
    if affected:
        from archive.services.indexing import index_items

        index_items(affected)
    return agent


def own_agent(user: Any) -> Agent:
    """The agent under which ``user``'s work is credited. Raises AccessDenied for visitors and for accounts
    whose work is not credited (readers, researchers)."""
    from archive.services.editing import agent_for

    if user is None or not _roles(user) & CREDITED_ROLES:
        raise AccessDenied("Only data workers, reviewers and curators are credited for their work.")
    return agent_for(user)


def choose_own_credit(user: Any, credit_as: str, pseudonym: str | None = None) -> Agent:
    """A worker chooses how their work is credited: by name, by a pseudonym, or not named. Choosing again
    after a withdrawal gives consent anew, dated today."""
    agent = own_agent(user)
    credit_as, pseudonym = _credit_choice(credit_as, pseudonym)
    values: dict[str, Any] = {"credit_as": credit_as, "pseudonym": pseudonym or agent.pseudonym}
    if agent.consent_withdrawn_on is not None:
        values.update(consent_withdrawn_on=None, consent_given_on=_today())
    return _change_agent(agent, user, **values)


def withdraw_own_consent(user: Any) -> Agent:
    """A worker withdraws their consent to be credited, dated today: their name leaves every page, manifest
    and search at once, and later exports carry the withdrawal."""
    agent = own_agent(user)
    if agent.consent_withdrawn_on is not None:
        return agent
    return _change_agent(agent, user, consent_withdrawn_on=_today())


def agent_for_consent(acting: Any, slug: str) -> Agent:
    _check_manager(acting, "record consent")
    agent = db.session.scalar(select(Agent).where(Agent.slug == slug))
    if agent is None:
        raise NotFound("No such agent.")
    return agent


def _date(name: str, value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise InvalidInput(f"{value!r} is not a date.", details=[f"{name}: a date as YYYY-MM-DD"]) from None
    if day > _today():
        raise InvalidInput("A consent date cannot be in the future.", details=[f"{name}: today or earlier"])
    return day


def record_consent(acting: Any, slug: str, *, credit_as: str, pseudonym: str | None = None,
                   given_on: Any = None, withdrawn_on: Any = None) -> Agent:
    """A curator records a person's choice (how they are credited, when they consented) and, when they
    withdraw, the date of the withdrawal. Raises AccessDenied, NotFound, InvalidInput (bad choice or date;
    a withdrawal before the consent)."""
    agent = agent_for_consent(acting, slug)
    credit_as, pseudonym = _credit_choice(credit_as, pseudonym)
    given, withdrawn = _date("given_on", given_on), _date("withdrawn_on", withdrawn_on)
    if given and withdrawn and withdrawn < given:
        raise InvalidInput("Consent is withdrawn after it was given.", details=["withdrawn_on: on or after the consent date"])
    return _change_agent(agent, acting, credit_as=credit_as, pseudonym=pseudonym, consent_given_on=given,
                         consent_withdrawn_on=withdrawn)


def list_agents(acting: Any) -> list[Agent]:
    """Every person and community, for curators recording consent. Raises AccessDenied."""
    _check_manager(acting, "record consent")
    return list(db.session.scalars(select(Agent).order_by(Agent.kind.desc(), Agent.name, Agent.slug)))


def agent_history(acting: Any, agent: Agent) -> list[Revision]:
    """The agent's versions, newest first (each consent change is one). Raises AccessDenied."""
    _check_manager(acting, "record consent")
    return list(reversed(revision_history("agent", agent.id)))
