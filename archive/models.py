"""Typed SQLAlchemy models: the archive's data and its invariants. No URLs, no JSON shaping here
(presenters and serializers do that)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    event,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from archive.db import Base, JSONType
from archive.vocabulary import (
    ACCESS_LEVELS,
    AGENT_KINDS,
    ANNOTATION_STATUSES,
    CERTIFICATION_LEVELS,
    CREDIT_AS,
    ITEM_STATUSES,
    KINDS,
    MEDIA_KINDS,
    MOTIVATIONS,
    PROVENANCES,
)

LangValues = list[dict[str, str]]
PUBLIC_ACTIVITIES = ("Create", "Update", "Delete")
REVISION_ENTITY_TYPES = ("item", "media", "annotation", "agent", "collection", "vocabulary")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Timestamped:
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=_utcnow, onupdate=_utcnow, server_default=func.now()
    )
    # Incremented on every change; the revision log keeps each version's snapshot.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class Licence(Base):
    """A licence or rights statement of the registry."""

    __tablename__ = "licences"
    __table_args__ = (CheckConstraint(_one_of("kind", ("cc", "public-domain", "rights-statement", "community")), name="kind"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # "CC-BY-4.0"
    kind: Mapped[str] = mapped_column(String(24))
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(64))
    uri: Mapped[str] = mapped_column(String(300), unique=True)
    commercial_use: Mapped[bool]
    derivatives: Mapped[bool]
    share_alike: Mapped[bool]
    attribution: Mapped[bool]
    click_through: Mapped[bool]
    terms: Mapped[str | None] = mapped_column(Text)  # the community's own words, for community licences
    community_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))


class Agent(Timestamped, Base):
    """A person (knowledge holder or data worker) or a community."""

    __tablename__ = "agents"
    __table_args__ = (
        CheckConstraint(_one_of("kind", AGENT_KINDS), name="kind"),
        CheckConstraint(_one_of("credit_as", CREDIT_AS), name="credit_as"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="person")
    name: Mapped[str] = mapped_column(String(300))
    pseudonym: Mapped[str | None] = mapped_column(String(300))
    credit_as: Mapped[str] = mapped_column(String(16), default="name")
    region: Mapped[str | None] = mapped_column(String(64))
    bio: Mapped[LangValues] = mapped_column(JSONType, default=list)
    orcid: Mapped[str | None] = mapped_column(String(19))
    consent_given_on: Mapped[dt.date | None] = mapped_column(Date)
    consent_withdrawn_on: Mapped[dt.date | None] = mapped_column(Date)

    @property
    def consent_withdrawn(self) -> bool:
        return self.consent_withdrawn_on is not None

    @property
    def credited_name(self) -> str | None:
        """The name under which this agent may be credited publicly, or None when they may not be named."""
        if self.consent_withdrawn or self.credit_as == "anonymous":
            return None
        if self.credit_as == "pseudonym" and self.pseudonym:
            return self.pseudonym
        return self.name


class Collection(Timestamped, Base):
    __tablename__ = "collections"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[LangValues] = mapped_column(JSONType, default=list)
    description: Mapped[LangValues] = mapped_column(JSONType, default=list)

    memberships: Mapped[list[CollectionMembership]] = relationship(
        back_populates="collection", order_by="CollectionMembership.position", cascade="all, delete-orphan"
    )


class CollectionMembership(Base):
    """An item's place in a collection (ordered)."""

    __tablename__ = "collection_memberships"

    collection_id: Mapped[int] = mapped_column(ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    collection: Mapped[Collection] = relationship(back_populates="memberships")
    item: Mapped[Item] = relationship(back_populates="memberships")


class Item(Timestamped, Base):
    """A work of heritage: a tale, a song, a craft technique, a motif..."""

    __tablename__ = "items"
    __table_args__ = (
        CheckConstraint(_one_of("kind", KINDS), name="kind"),
        CheckConstraint(_one_of("status", ITEM_STATUSES), name="status"),
        CheckConstraint(_one_of("access", ACCESS_LEVELS), name="access"),
        CheckConstraint("(access = 'community') = (access_community_id IS NOT NULL)", name="access_community"),
        CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name="latitude"),
        CheckConstraint("longitude IS NULL OR (longitude BETWEEN -180 AND 180)", name="longitude"),
        CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="coordinates_pair"),
        CheckConstraint("date_start IS NULL OR date_end IS NULL OR date_start <= date_end", name="date_range"),
        Index("ix_items_status_access", "status", "access"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The stable public identifier: short, URL-safe, never reused (items are withdrawn, never deleted).
    public_id: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(24), index=True)
    title: Mapped[LangValues] = mapped_column(JSONType)
    summary: Mapped[LangValues] = mapped_column(JSONType, default=list)
    description: Mapped[LangValues] = mapped_column(JSONType, default=list)
    text: Mapped[LangValues] = mapped_column(JSONType, default=list)
    languages: Mapped[list[str]] = mapped_column(JSONType, default=list)
    region: Mapped[str | None] = mapped_column(String(64), index=True)
    place: Mapped[LangValues] = mapped_column(JSONType, default=list)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    date_edtf: Mapped[str | None] = mapped_column(String(64))
    # The EDTF date's earliest and latest days as sortable YYYYMMDD integers (negative years allowed).
    date_start: Mapped[int | None] = mapped_column(Integer, index=True)
    date_end: Mapped[int | None] = mapped_column(Integer)
    subjects: Mapped[list[str]] = mapped_column(JSONType, default=list)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    licence_id: Mapped[str] = mapped_column(ForeignKey("licences.id"))
    access: Mapped[str] = mapped_column(String(16), default="public")
    access_community_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    labels: Mapped[list[str]] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    source: Mapped[str | None] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(String(2000))
    # The account that created the record in the archive (None for imported records).
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)

    community: Mapped[Agent | None] = relationship(foreign_keys=[community_id])
    access_community: Mapped[Agent | None] = relationship(foreign_keys=[access_community_id])
    licence: Mapped[Licence] = relationship()
    media: Mapped[list[Media]] = relationship(
        back_populates="item", order_by="Media.position", cascade="all, delete-orphan"
    )
    annotations: Mapped[list[Annotation]] = relationship(
        back_populates="item", order_by="Annotation.position", cascade="all, delete-orphan"
    )
    contributions: Mapped[list[Contribution]] = relationship(
        back_populates="item", order_by="Contribution.position", cascade="all, delete-orphan"
    )
    memberships: Mapped[list[CollectionMembership]] = relationship(back_populates="item", cascade="all, delete-orphan")

    def title_in(self, *languages: str) -> str:
        """The first title value in one of ``languages`` (by primary subtag), else the first title."""
        return first_value(self.title, *languages)


def first_value(values: LangValues, *languages: str) -> str:
    for language in languages:
        for value in values:
            if value["lang"].split("-")[0] == language.split("-")[0]:
                return value["value"]
    return values[0]["value"] if values else ""


@event.listens_for(Item, "before_delete")
def _items_are_never_deleted(mapper: Any, connection: Any, item: Item) -> None:
    # Public identifiers are never reused: an item leaves the public archive by being withdrawn.
    from archive.errors import InvalidInput

    raise InvalidInput(f"item {item.public_id} cannot be deleted; withdraw it instead")


class Media(Timestamped, Base):
    """An image, audio, video or document file of an item, stored by its SHA-256."""

    __tablename__ = "media"
    __table_args__ = (
        CheckConstraint(_one_of("kind", MEDIA_KINDS), name="kind"),
        CheckConstraint("size_bytes >= 0", name="size"),
        CheckConstraint("(width IS NULL) = (height IS NULL)", name="pixel_size_pair"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(64), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(16))
    mime_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(Integer)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    label: Mapped[LangValues] = mapped_column(JSONType, default=list)
    original_filename: Mapped[str | None] = mapped_column(String(500))
    licence_id: Mapped[str | None] = mapped_column(ForeignKey("licences.id"))
    creator_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))

    item: Mapped[Item] = relationship(back_populates="media")
    licence: Mapped[Licence | None] = relationship()
    creator: Mapped[Agent | None] = relationship()


class Annotation(Timestamped, Base):
    """A W3C Web Annotation on an item or on one of its media files."""

    __tablename__ = "annotations"
    __table_args__ = (
        CheckConstraint(_one_of("motivation", MOTIVATIONS), name="motivation"),
        CheckConstraint(_one_of("status", ANNOTATION_STATUSES), name="status"),
        CheckConstraint("body_value IS NOT NULL OR tag IS NOT NULL", name="body_or_tag"),
        CheckConstraint("selector IS NULL OR media_id IS NOT NULL", name="selector_needs_media"),
        CheckConstraint(_one_of("provenance", PROVENANCES), name="provenance"),
        # Revisions name annotations by row id: SQLite must not give a deleted annotation's id to a new one.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(64), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    media_id: Mapped[int | None] = mapped_column(ForeignKey("media.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    motivation: Mapped[str] = mapped_column(String(24))
    body_value: Mapped[str | None] = mapped_column(Text)
    body_language: Mapped[str | None] = mapped_column(String(35))
    body_format: Mapped[str] = mapped_column(String(40), default="text/plain")
    tag: Mapped[str | None] = mapped_column(String(200))
    # A W3C fragment selector value: "xywh=x,y,w,h" on an image, "t=start,end" on audio or video.
    selector: Mapped[str | None] = mapped_column(String(100))
    creator_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    provenance: Mapped[str] = mapped_column(String(24), default="human", server_default="human")
    # A tag from a curated vocabulary (``tag`` then holds the label chosen); free tags have none.
    term_id: Mapped[int | None] = mapped_column(ForeignKey("vocabulary_terms.id"))
    # The account that made the layer in the editor (None for imported layers): who may change it.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    review_comment: Mapped[str | None] = mapped_column(Text)  # why it was sent back or rejected

    item: Mapped[Item] = relationship(back_populates="annotations")
    media: Mapped[Media | None] = relationship()
    creator: Mapped[Agent | None] = relationship(foreign_keys=[creator_id])
    reviewer: Mapped[Agent | None] = relationship(foreign_keys=[reviewer_id])
    term: Mapped[VocabularyTerm | None] = relationship()
    contributions: Mapped[list[Contribution]] = relationship(
        viewonly=True, order_by="Contribution.position", primaryjoin="Annotation.id == Contribution.annotation_id")


class Vocabulary(Timestamped, Base):
    """A controlled vocabulary curators maintain for tagging layers: motifs, techniques, materials."""

    __tablename__ = "vocabularies"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[LangValues] = mapped_column(JSONType, default=list)
    terms: Mapped[list[VocabularyTerm]] = relationship(
        back_populates="vocabulary", order_by="VocabularyTerm.position", cascade="all, delete-orphan")


class VocabularyTerm(Timestamped, Base):
    """One term, with its labels in several languages and scripts (Tifinagh, Arabic, Latin ...)."""

    __tablename__ = "vocabulary_terms"
    __table_args__ = (Index("uq_vocabulary_terms_slug", "vocabulary_id", "slug", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vocabulary_id: Mapped[int] = mapped_column(ForeignKey("vocabularies.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(64))
    labels: Mapped[LangValues] = mapped_column(JSONType, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)

    vocabulary: Mapped[Vocabulary] = relationship(back_populates="terms")


class Contribution(Base):
    """An agent's part in an item, a media file or an annotation, by MARC relator role."""

    __tablename__ = "contributions"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN media_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN annotation_id IS NULL THEN 0 ELSE 1 END) <= 1",
            name="one_target",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), index=True)
    role: Mapped[str] = mapped_column(String(8))
    # Every contribution belongs to an item; media_id or annotation_id narrows it to one layer.
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    media_id: Mapped[int | None] = mapped_column(ForeignKey("media.id", ondelete="CASCADE"))
    annotation_id: Mapped[int | None] = mapped_column(ForeignKey("annotations.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)

    agent: Mapped[Agent] = relationship()
    item: Mapped[Item] = relationship(back_populates="contributions")
    media: Mapped[Media | None] = relationship()
    annotation: Mapped[Annotation | None] = relationship()


class User(Base):
    """An account (data worker, reviewer, curator, admin, researcher)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(300))
    roles: Mapped[list[str]] = mapped_column(JSONType, default=list)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow, server_default=func.now())
    # Part of every session's identity: raising it signs the account out on every device.
    session_generation: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    agent: Mapped[Agent | None] = relationship()
    communities: Mapped[list[Agent]] = relationship(secondary="community_memberships", order_by="Agent.name")

    # Flask-Login's user protocol, kept here because it is only identity, not presentation.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_generation}"


class CommunityMembership(Base):
    """A user belongs to a community (an agent of kind 'community'): it opens community-restricted items."""

    __tablename__ = "community_memberships"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), primary_key=True)


class Invitation(Base):
    """A curator invites someone by e-mail to an account with given roles; the link works once, until it expires."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    roles: Mapped[list[str]] = mapped_column(JSONType, default=list)
    community_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    # Only a hash of the link's secret is kept: a leaked database does not open accounts.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow, server_default=func.now())
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class LoginFailure(Base):
    """One failed sign-in for an account name, kept only as long as the throttling window needs it.
    No address is stored: throttling is per account, not per visitor."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_email_at", "email", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)


class Certification(Base):
    """A certification level granted to a worker by a curator, from their approved work; it stays in the
    record when revoked (who, when, why) or replaced by a later level."""

    __tablename__ = "certifications"
    __table_args__ = (
        CheckConstraint(_one_of("level", CERTIFICATION_LEVELS), name="level"),
        CheckConstraint("(revoked_on IS NULL) = (revoked_by_id IS NULL)", name="revoked_pair"),
        CheckConstraint("granted_by_id IS NOT NULL OR grantor_label IS NOT NULL", name="grantor"),
        Index("ix_certifications_user", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    level: Mapped[str] = mapped_column(String(24))
    granted_on: Mapped[dt.date] = mapped_column(Date)
    # A curator's account, or none when the level was granted outside the web pages (``grantor_label`` then
    # says how: "cli" for `flask archive create-user --certify`).
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    grantor_label: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    # What the grantor saw: the worker's approved work when the level was granted.
    evidence: Mapped[dict[str, int]] = mapped_column(JSONType, default=dict)
    revoked_on: Mapped[dt.date | None] = mapped_column(Date)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoke_note: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    granted_by: Mapped[User | None] = relationship(foreign_keys=[granted_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])


class AccountChange(Base):
    """The audit of account management: who changed which account's roles or active state, when, from what
    to what, and why."""

    __tablename__ = "account_changes"
    __table_args__ = (
        CheckConstraint(_one_of("field", ("roles", "active")), name="field"),
        Index("ix_account_changes_user", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    actor_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    field: Mapped[str] = mapped_column(String(16))
    before: Mapped[Any] = mapped_column(JSONType, nullable=False)
    after: Mapped[Any] = mapped_column(JSONType, nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    actor: Mapped[User] = relationship(foreign_keys=[actor_user_id])


class WorkflowEvent(Base):
    """One step of an item's editorial life: submitted, taken for review, published, sent back, rejected,
    withdrawn; who did it, when, and what they said."""

    __tablename__ = "workflow_events"
    __table_args__ = (
        CheckConstraint(_one_of("to_status", ITEM_STATUSES), name="to_status"),
        Index("ix_workflow_events_item", "item_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    item_version: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)

    item: Mapped[Item] = relationship()
    actor: Mapped[User | None] = relationship()


class ApiToken(Base):
    """A researcher's token for programmatic downloads (``Authorization: Bearer``). Only its hash is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # shown in lists, so that a person knows which token is which
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Requests in the current rate-limit window: one row per token, so that every worker process counts alike.
    window_start: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    window_count: Mapped[int] = mapped_column(Integer, default=0)

    user: Mapped[User] = relationship()


class TermsAcceptance(Base):
    """A person accepted a licence's click-through terms, in the version they were shown."""

    __tablename__ = "terms_acceptances"
    __table_args__ = (Index("ix_terms_acceptances_user_licence", "user_id", "licence_id", "terms_version", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    licence_id: Mapped[str] = mapped_column(ForeignKey("licences.id"))
    # A digest of what the person read (the licence's URI and terms): new terms need a new acceptance.
    terms_version: Mapped[str] = mapped_column(String(16))
    accepted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)


class Download(Base):
    """One download: who (or an anonymous visitor), what, under which licence, when, and how. No address is kept."""

    __tablename__ = "downloads"
    __table_args__ = (
        CheckConstraint(_one_of("kind", ("file", "bundle", "release")), name="kind"),
        CheckConstraint(_one_of("channel", ("web", "token")), name="channel"),
        Index("ix_downloads_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(8))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    media_id: Mapped[int | None] = mapped_column(ForeignKey("media.id"))
    licence_id: Mapped[str | None] = mapped_column(ForeignKey("licences.id"))
    release_id: Mapped[int | None] = mapped_column(ForeignKey("releases.id"))
    channel: Mapped[str] = mapped_column(String(8), default="web")
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)


class Revision(Base):
    """One version of an item, media record, annotation, agent or collection: who, when, full snapshot."""

    __tablename__ = "revisions"
    __table_args__ = (
        CheckConstraint(_one_of("entity_type", REVISION_ENTITY_TYPES), name="entity_type"),
        CheckConstraint(_one_of("action", ("create", "update", "delete")), name="action"),
        Index("ix_revisions_entity", "entity_type", "entity_id", "version", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[int] = mapped_column(Integer)
    entity_key: Mapped[str] = mapped_column(String(64))  # the public id or slug, readable in the log
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(8))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(200))  # "user:3", "import:/path/to/package" ...
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow, server_default=func.now())
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONType)


class PublicChange(Base):
    """A change the public saw: an item's public record appeared (Create), changed (Update) or left the
    public archive (Delete: withdrawn, unpublished or restricted). The IIIF Change Discovery stream reads
    these in order; items nobody outside the staff could see never appear here."""

    __tablename__ = "public_changes"
    __table_args__ = (CheckConstraint(_one_of("activity", PUBLIC_ACTIVITIES), name="activity"),)

    id: Mapped[int] = mapped_column(primary_key=True)  # the order of the stream
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    activity: Mapped[str] = mapped_column(String(8))
    happened_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)

    item: Mapped[Item] = relationship()


DATASET_AUDIENCES = ("public", "researcher")
DATASET_LAYERS = ("text", "translations", "audio")


class Dataset(Base):
    """A curator's definition of a dataset: where its items come from (a collection, or a saved search by
    facets and words), which licences it keeps, which layers it carries, for whom, and its data card's own words.
    Published as versioned, immutable releases."""

    __tablename__ = "datasets"
    __table_args__ = (CheckConstraint(_one_of("audience", DATASET_AUDIENCES), name="audience"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    audience: Mapped[str] = mapped_column(String(16), default="public")
    # Offered for commercial use: items whose licence or labels (TK-NC, BC-NC) forbid it are left out.
    commercial: Mapped[bool] = mapped_column(default=False)
    collection_id: Mapped[int | None] = mapped_column(ForeignKey("collections.id"))
    # A saved search by facets: {"kind": [...], "region": [...], "language": [...]}; empty keys select all.
    filters: Mapped[dict[str, list[str]]] = mapped_column(JSONType, default=dict)
    # The saved search's words, in the site search's query language ("" : none), matched by the search engine.
    query: Mapped[str] = mapped_column(Text, default="", server_default="")
    licence_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)  # empty: every licence
    layers: Mapped[list[str]] = mapped_column(JSONType, default=list)
    motivation: Mapped[str] = mapped_column(Text, default="")
    collection_process: Mapped[str] = mapped_column(Text, default="")
    known_limits: Mapped[str] = mapped_column(Text, default="")
    # What a researcher accepts before downloading a researcher release (versioned by its digest).
    terms: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)

    collection: Mapped[Collection | None] = relationship()
    releases: Mapped[list[Release]] = relationship(back_populates="dataset", order_by="Release.number")


class Release(Base):
    """One published version of a dataset. Its files live once under DATA_DIR/releases/<slug>/<version>/ and
    never change; the row keeps their list (name, size, SHA-256) and who was credited, for later notices."""

    __tablename__ = "releases"
    __table_args__ = (Index("ix_releases_dataset_number", "dataset_id", "number", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"))
    number: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    files: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    licence_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)
    agent_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")

    dataset: Mapped[Dataset] = relationship(back_populates="releases")

    @property
    def version(self) -> str:
        return f"{self.number}.0.0"


RELEASE_JOB_STATUSES = ("queued", "running", "done", "failed")


class ReleaseJob(Base):
    """A release asked for from the curators' page, built outside the request: its progress while it runs,
    and then the release it made or why it failed."""

    __tablename__ = "release_jobs"
    __table_args__ = (
        CheckConstraint(_one_of("status", RELEASE_JOB_STATUSES), name="status"),
        Index("ix_release_jobs_dataset_requested", "dataset_id", "requested_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    # When the job last said it was alive: a job whose process died stops beating and is then seen as failed.
    heartbeat_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    done_items: Mapped[int] = mapped_column(Integer, default=0)
    total_items: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    release_id: Mapped[int | None] = mapped_column(ForeignKey("releases.id"))

    dataset: Mapped[Dataset] = relationship()
    release: Mapped[Release | None] = relationship()


class DatasetTermsAcceptance(Base):
    """A researcher accepted a dataset's terms, in the version they were shown."""

    __tablename__ = "dataset_terms_acceptances"
    __table_args__ = (Index("ix_dataset_terms_user_dataset", "user_id", "dataset_id", "terms_version", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"))
    terms_version: Mapped[str] = mapped_column(String(16))
    accepted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
