"""Annotation layers: transcriptions, translations, descriptions and tags on an item's media files, made in
the editor by data workers, or by machines and imported, and reviewed like items.

A layer is saved as a draft by its author, submitted, then approved, corrected (and approved), sent back
(to draft, with a comment) or rejected by a reviewer; nobody approves their own layer. Every save is a
revision of the annotation (entity type "annotation") holding its package record. Credits are kept per
layer as contributions with ``annotation_id``: the author as transcriber, translator or annotator, the
reviewer who corrects it with the same role for the correction (the author keeps theirs), and the
approving reviewer as reviewer. A machine's layer corrected by a person becomes "machine-corrected".
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from archive import identifiers
from archive.db import db
from archive.errors import AccessDenied, Conflict, InvalidInput, NotFound
from archive.models import Agent, Annotation, Contribution, Item, Media, User, Vocabulary, VocabularyTerm
from archive.presenters import annotation_role
from archive.records import annotation_record, vocabulary_record
from archive.services.editing import EDITOR_ROLES, STAFF_ROLES, agent_for, may_see, roles_of
from archive.services.publication import PublicChanges
from archive.services.revisions import record_revision
from archive.vocabulary import MOTIVATIONS, normalize_language_tag

REVIEWER_ROLES = {"reviewer"} | STAFF_ROLES
REVIEW_ACTIONS = ("approve", "correct", "send_back", "reject")
MAX_COMMENT_LENGTH = 5000
MAX_BODY_LENGTH = 100_000
SELECTOR_PATTERN = re.compile(r"^(xywh=\d+,\d+,\d+,\d+|t=\d+(\.\d+)?,\d+(\.\d+)?)$")
SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{2,63}$")


def selector_problem(selector: str, media: Any) -> str | None:
    """Why ``selector`` does not fit ``media`` (anything with kind, width, height, duration_seconds), or
    None when it fits: an xywh= region inside an image, a t= range inside an audio or video file."""
    kind, _, numbers = selector.partition("=")
    values = [float(v) for v in numbers.split(",")]
    if kind == "xywh":
        if media.kind != "image":
            return f"an xywh= region needs an image, not {media.kind}"
        x, y, w, h = values
        if w <= 0 or h <= 0 or x + w > media.width or y + h > media.height:
            return f"region {numbers} lies outside the {media.width}x{media.height} image"
        return None
    if media.kind not in ("audio", "video"):
        return f"a t= time range needs audio or video, not {media.kind}"
    start, end = values
    if start >= end:
        return f"time range {numbers} ends before it starts"
    if media.duration_seconds is not None and end > media.duration_seconds + 0.5:
        return f"time range {numbers} ends after the recording ({media.duration_seconds} s)"
    return None


# ------------------------------------------------------------------------------------------ permissions

def can_add_layers(user: Any, item: Item) -> bool:
    """Data workers, reviewers and curators annotate the media of any item they may see."""
    return user is not None and bool(roles_of(user) & EDITOR_ROLES) and bool(item.media) and may_see(user, item)


def is_own_layer(user: Any, annotation: Annotation) -> bool:
    if user is None:
        return False
    if annotation.created_by_id is not None:
        return annotation.created_by_id == user.id
    return user.agent_id is not None and annotation.creator_id == user.agent_id


def can_edit_layer(user: Any, annotation: Annotation) -> bool:
    """As for items: curators edit any layer; authors their own drafts; reviewers correct through review."""
    roles = roles_of(user)
    if user is None or not roles & EDITOR_ROLES:
        return False
    return bool(roles & STAFF_ROLES) or (is_own_layer(user, annotation) and annotation.status == "draft")


def may_review_layer(user: Any, annotation: Annotation, *, two_person_rule: bool = True) -> bool:
    """Reviewers and curators review submitted layers, except (with the two-person rule) their own."""
    if user is None or not roles_of(user) & REVIEWER_ROLES or annotation.status != "pending":
        return False
    return not (two_person_rule and is_own_layer(user, annotation))


def _item(public_id: str, user: Any) -> Item:
    item = db.session.scalar(select(Item).where(Item.public_id == public_id))
    if item is None or user is None or not may_see(user, item):
        raise NotFound("No such item.")
    return item


def layer(public_id: str, user: Any) -> Annotation:
    """The layer as the people who work on its item see it. Raises NotFound otherwise."""
    annotation = db.session.scalar(select(Annotation).where(Annotation.public_id == public_id))
    if annotation is None or user is None or not may_see(user, annotation.item):
        raise NotFound("No such annotation.")
    return annotation


# ------------------------------------------------------------------------------------------ validation

def _term(term_id: Any) -> VocabularyTerm | None:
    if term_id in (None, ""):
        return None
    term = db.session.get(VocabularyTerm, int(term_id)) if str(term_id).isdigit() else None
    if term is None:
        raise InvalidInput("The tag was not saved.", details=["term: no such term in the vocabularies"])
    return term


def validate_layer(item: Item, fields: dict[str, Any]) -> dict[str, Any]:
    """The layer's fields, checked: ``media`` (a media public id of the item), ``motivation``, ``body``
    ({value, lang}) and/or ``tag`` (free text) or ``term`` (a vocabulary term id), ``selector``. Raises
    InvalidInput listing every problem as 'field: message'."""
    problems: list[str] = []
    media = next((m for m in item.media if m.public_id == fields.get("media")), None)
    if media is None:
        problems.append("media: one of this item's media files")
    motivation = fields.get("motivation") or ("tagging" if fields.get("tag") or fields.get("term") else "supplementing")
    if motivation not in MOTIVATIONS:
        problems.append(f"motivation: one of {', '.join(MOTIVATIONS)}")
    body = fields.get("body") or {}
    value = (body.get("value") or "").strip()
    language = (body.get("lang") or "").strip()
    clean_body = None
    if value:
        if len(value) > MAX_BODY_LENGTH:
            problems.append(f"body: at most {MAX_BODY_LENGTH} characters")
        try:
            clean_body = {"value": value, "lang": normalize_language_tag(language)}
        except ValueError as exc:
            problems.append(f"body.lang: {exc}")
    term = None
    try:
        term = _term(fields.get("term"))
    except InvalidInput as exc:
        problems.extend(exc.details)
    tag = (fields.get("tag") or "").strip() or None
    if term is not None and tag is None:
        tag = term.labels[0]["value"] if term.labels else term.slug
    if tag is not None and len(tag) > 200:
        problems.append("tag: at most 200 characters")
    if clean_body is None and tag is None:
        problems.append("body: a text (with its language) or a tag")
    selector = (fields.get("selector") or "").strip() or None
    if selector is not None:
        if not SELECTOR_PATTERN.match(selector):
            problems.append("selector: xywh=x,y,w,h (a region in pixels) or t=start,end (seconds)")
        elif media is not None and (problem := selector_problem(selector, media)):
            problems.append(f"selector: {problem}")
    if problems:
        raise InvalidInput("The annotation was not saved: correct the fields shown.", details=problems)
    return {"media": media, "motivation": motivation, "body": clean_body, "tag": tag, "term": term, "selector": selector}


def _apply(annotation: Annotation, fields: dict[str, Any]) -> None:
    annotation.media = fields["media"]
    annotation.motivation = fields["motivation"]
    body = fields["body"]
    annotation.body_value = body["value"] if body else None
    annotation.body_language = body["lang"] if body else None
    annotation.tag = fields["tag"]
    annotation.term = fields["term"]
    annotation.selector = fields["selector"]


def _content(annotation: Annotation) -> tuple:
    return (annotation.media_id, annotation.motivation, annotation.body_value, annotation.body_language, annotation.tag,
            annotation.term_id, annotation.selector)


# ------------------------------------------------------------------------------------------ credits

def layer_contributions(annotation: Annotation) -> list[Contribution]:
    """The layer's credits, in order (its ``contributions`` relationship may not have seen new ones yet)."""
    return [c for c in annotation.item.contributions if c.annotation is annotation]


def credit_layer(annotation: Annotation, agent: Agent, role: str) -> None:
    """Credit ``agent`` with ``role`` on the layer (once per role: others keep their credits)."""
    if not any(c.agent is agent and c.role == role for c in layer_contributions(annotation)):
        annotation.item.contributions.append(Contribution(agent=agent, role=role, annotation=annotation,
                                                          position=len(layer_contributions(annotation))))


# ------------------------------------------------------------------------------------------ saving

def _save(annotation: Annotation, user: User, action: str, *, public_before: bool) -> Annotation:
    """Write the layer's revision, and when the public saw it change, the item's public change; commit,
    then the index."""
    item = annotation.item
    changes = PublicChanges()
    if public_before or annotation.status == "approved":
        changes.note_before([item.public_id])
    db.session.flush()
    media_index = {m.id: i for i, m in enumerate(item.media)}
    record_revision("annotation", annotation.id, annotation.public_id, annotation.version,
                    annotation_record(annotation, media_index), actor_label=user.display_name,
                    actor_user_id=user.id, action=action)
    if public_before or annotation.status == "approved":
        changes.record([item.public_id])
    db.session.commit()
    from archive.services.indexing import index_items

    index_items([item.public_id])
    return annotation


def create_layer(user: User, item_public_id: str, fields: dict[str, Any]) -> Annotation:
    """A new draft layer on one of the item's media files, made and credited to ``user``. Raises
    NotFound (unseen item), AccessDenied (may not annotate), InvalidInput (bad fields)."""
    item = _item(item_public_id, user)
    if not can_add_layers(user, item):
        raise AccessDenied("Only data workers, reviewers and curators annotate media files.")
    clean = validate_layer(item, fields)
    public_id = identifiers.mint("a")
    while db.session.scalar(select(Annotation.id).where(Annotation.public_id == public_id)) is not None:
        public_id = identifiers.mint("a")
    annotation = Annotation(public_id=public_id, item=item, position=len(item.annotations), status="draft",
                            provenance="human", created_by_id=user.id, creator=agent_for(user), version=1)
    _apply(annotation, clean)
    db.session.add(annotation)
    credit_layer(annotation, annotation.creator, annotation_role(annotation, item))
    return _save(annotation, user, "create", public_before=False)


def _editable(public_id: str, user: User, base_version: int | None) -> Annotation:
    annotation = layer(public_id, user)
    if not can_edit_layer(user, annotation):
        raise AccessDenied(f"{annotation.public_id} cannot be changed now (it is {annotation.status}).")
    if base_version is not None and base_version != annotation.version:
        raise Conflict(f"{annotation.public_id} was changed meanwhile (now version {annotation.version}): reload it.")
    return annotation


def update_layer(user: User, public_id: str, fields: dict[str, Any], base_version: int | None = None) -> Annotation:
    """Save new content for a layer ``user`` may edit (their draft; any, for curators). Raises NotFound,
    AccessDenied, Conflict (changed since ``base_version``), InvalidInput. Saving the same writes nothing."""
    annotation = _editable(public_id, user, base_version)
    clean = validate_layer(annotation.item, fields)
    before = _content(annotation)
    _apply(annotation, clean)
    if _content(annotation) == before:
        return annotation
    public_before = annotation.status == "approved"
    annotation.version += 1
    if not is_own_layer(user, annotation):
        credit_layer(annotation, agent_for(user), annotation_role(annotation, annotation.item))
        if annotation.provenance == "machine":
            annotation.provenance = "machine-corrected"
    return _save(annotation, user, "update", public_before=public_before)


def withdraw_layer(user: User, public_id: str) -> Annotation:
    """Take a layer away: it becomes rejected (never deleted, its history stays). Authors withdraw their
    drafts; curators any layer."""
    annotation = _editable(public_id, user, None)
    public_before = annotation.status == "approved"
    annotation.status = "rejected"
    annotation.version += 1
    return _save(annotation, user, "update", public_before=public_before)


def submit_layers(user: User, item_public_id: str) -> list[Annotation]:
    """Submit ``user``'s draft layers on the item for review; returns them (none: nothing to submit)."""
    item = _item(item_public_id, user)
    drafts = [a for a in item.annotations if a.status == "draft" and is_own_layer(user, a)]
    for annotation in drafts:
        annotation.status = "pending"
        annotation.review_comment = None
        annotation.version += 1
        db.session.flush()
        media_index = {m.id: i for i, m in enumerate(item.media)}
        record_revision("annotation", annotation.id, annotation.public_id, annotation.version,
                        annotation_record(annotation, media_index), actor_label=user.display_name,
                        actor_user_id=user.id, action="update")
    db.session.commit()
    return drafts


def review_layer(user: User, public_id: str, action: str, *, comment: str | None = None,
                 fields: dict[str, Any] | None = None, base_version: int | None = None,
                 two_person_rule: bool = True) -> Annotation:
    """Approve, correct (new ``fields``, then approve), send back (to draft) or reject a submitted layer.
    Raises InvalidInput (unknown action, missing comment, bad fields), NotFound, AccessDenied (not a
    reviewer, or one's own layer), Conflict (not submitted, or changed since ``base_version``)."""
    if action not in REVIEW_ACTIONS:
        raise InvalidInput(f"Unknown review action {action!r}.", details=[f"action: one of {', '.join(REVIEW_ACTIONS)}"])
    comment = (comment or "").strip() or None
    if action in ("send_back", "reject") and not comment:
        raise InvalidInput("Say why, for the author: a comment is needed.", details=["comment: a comment is needed"])
    if comment and len(comment) > MAX_COMMENT_LENGTH:
        raise InvalidInput("This comment is too long.", details=[f"comment: at most {MAX_COMMENT_LENGTH} characters"])
    annotation = layer(public_id, user)
    if not roles_of(user) & REVIEWER_ROLES:
        raise AccessDenied("Only reviewers and curators review annotations.")
    if two_person_rule and is_own_layer(user, annotation):
        raise AccessDenied("Nobody approves their own work: another reviewer must review this annotation.")
    if annotation.status != "pending":
        raise Conflict(f"{annotation.public_id} is {annotation.status}: only submitted annotations are reviewed.")
    if base_version is not None and base_version != annotation.version:
        raise Conflict(f"{annotation.public_id} was changed meanwhile (now version {annotation.version}): reload it.")
    reviewer = agent_for(user)
    if action == "correct":
        before = _content(annotation)
        _apply(annotation, validate_layer(annotation.item, fields or {}))
        if _content(annotation) != before:
            credit_layer(annotation, reviewer, annotation_role(annotation, annotation.item))
            if annotation.provenance == "machine":
                annotation.provenance = "machine-corrected"
    if action in ("approve", "correct"):
        annotation.status, annotation.reviewer = "approved", reviewer
        credit_layer(annotation, reviewer, "rev")
    else:
        annotation.status = "draft" if action == "send_back" else "rejected"
    annotation.review_comment = comment
    annotation.version += 1
    return _save(annotation, user, "update", public_before=False)


def review_queue(user: User, *, two_person_rule: bool = True) -> list[Annotation]:
    """Submitted layers, oldest first, that ``user`` may review. Raises AccessDenied for non-reviewers."""
    if not roles_of(user) & REVIEWER_ROLES:
        raise AccessDenied("Only reviewers and curators see the review queue.")
    pending = db.session.scalars(select(Annotation).where(Annotation.status == "pending").order_by(Annotation.updated_at))
    return [a for a in pending if may_review_layer(user, a, two_person_rule=two_person_rule)]


@dataclass(frozen=True)
class MediaLayers:
    media: Media
    layers: list[Annotation]


def layers_by_media(item: Item, user: Any) -> list[MediaLayers]:
    """The item's media files with the layers ``user`` may see in the editor: approved and submitted ones,
    their own drafts, and everything for reviewers."""
    reviewer = bool(roles_of(user) & REVIEWER_ROLES)
    by_media = []
    for media in item.media:
        layers = [a for a in item.annotations if a.media_id == media.id
                  and (a.status in ("approved", "pending") or reviewer or is_own_layer(user, a))]
        by_media.append(MediaLayers(media, layers))
    return by_media


# ------------------------------------------------------------------------------------------ vocabularies

def _check_curator(user: Any) -> None:
    if user is None or not roles_of(user) & STAFF_ROLES:
        raise AccessDenied("Only curators maintain the vocabularies.")


def _labels(labels: list[dict[str, str]]) -> list[dict[str, str]]:
    clean, problems = [], []
    for index, label in enumerate(labels or []):
        value, tag = (label.get("value") or "").strip(), (label.get("lang") or "").strip()
        if not value and not tag:
            continue
        try:
            if not value:
                raise ValueError("a label is needed (or remove its language)")
            clean.append({"value": value, "lang": normalize_language_tag(tag)})
        except ValueError as exc:
            problems.append(f"labels[{index}]: {exc}")
    if not clean and not problems:
        problems.append("labels: at least one label, with its language")
    if problems:
        raise InvalidInput("Not saved: correct the labels.", details=problems)
    return clean


def _save_vocabulary(vocabulary: Vocabulary, user: User, action: str) -> Vocabulary:
    db.session.flush()
    record_revision("vocabulary", vocabulary.id, vocabulary.slug, vocabulary.version, vocabulary_record(vocabulary),
                    actor_label=user.display_name, actor_user_id=user.id, action=action)
    db.session.commit()
    return vocabulary


def vocabularies() -> list[Vocabulary]:
    """Every vocabulary with its terms, by slug."""
    return list(db.session.scalars(select(Vocabulary).order_by(Vocabulary.slug)))


def create_vocabulary(user: User, slug: str, label: list[dict[str, str]]) -> Vocabulary:
    """A new vocabulary (motifs, techniques, materials ...). Raises AccessDenied for non-curators,
    InvalidInput for a bad slug or labels, Conflict when the slug is taken."""
    _check_curator(user)
    if not SLUG_PATTERN.match(slug or ""):
        raise InvalidInput("Not saved.", details=["slug: 3 to 64 lower-case letters, digits and hyphens"])
    if db.session.scalar(select(Vocabulary.id).where(Vocabulary.slug == slug)) is not None:
        raise Conflict(f"There is already a vocabulary {slug!r}.")
    vocabulary = Vocabulary(slug=slug, label=_labels(label), version=1)
    db.session.add(vocabulary)
    return _save_vocabulary(vocabulary, user, "create")


def add_term(user: User, vocabulary_slug: str, slug: str, labels: list[dict[str, str]]) -> VocabularyTerm:
    """A new term with labels in several languages and scripts. Raises AccessDenied, NotFound (no such
    vocabulary), InvalidInput, Conflict (slug taken in the vocabulary)."""
    _check_curator(user)
    vocabulary = db.session.scalar(select(Vocabulary).where(Vocabulary.slug == vocabulary_slug))
    if vocabulary is None:
        raise NotFound("No such vocabulary.")
    if not SLUG_PATTERN.match(slug or ""):
        raise InvalidInput("Not saved.", details=["slug: 3 to 64 lower-case letters, digits and hyphens"])
    if any(t.slug == slug for t in vocabulary.terms):
        raise Conflict(f"{vocabulary.slug} already has a term {slug!r}.")
    term = VocabularyTerm(slug=slug, labels=_labels(labels), position=len(vocabulary.terms), version=1)
    vocabulary.terms.append(term)
    vocabulary.version += 1
    _save_vocabulary(vocabulary, user, "update")
    return term


def update_term(user: User, term_id: int, labels: list[dict[str, str]]) -> VocabularyTerm:
    """New labels for a term (layers tagged with it keep the label they chose)."""
    _check_curator(user)
    term = db.session.get(VocabularyTerm, term_id)
    if term is None:
        raise NotFound("No such term.")
    term.labels = _labels(labels)
    term.version += 1
    term.vocabulary.version += 1
    _save_vocabulary(term.vocabulary, user, "update")
    return term
