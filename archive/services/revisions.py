"""The revision log: every change to an item, media record, annotation, agent or collection is kept."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from archive.db import db
from archive.models import Revision


def record_revision(
    entity_type: str,
    entity_id: int,
    entity_key: str,
    version: int,
    snapshot: dict[str, Any],
    *,
    actor_label: str,
    actor_user_id: int | None = None,
    action: str = "update",
) -> Revision:
    """Add (not commit) the revision ``version`` of an entity with its full snapshot."""
    revision = Revision(
        entity_type=entity_type,
        entity_id=entity_id,
        entity_key=entity_key,
        version=version,
        action=action,
        actor_label=actor_label,
        actor_user_id=actor_user_id,
        snapshot=snapshot,
    )
    db.session.add(revision)
    return revision


def history(entity_type: str, entity_id: int) -> list[Revision]:
    """Every revision of an entity, oldest first."""
    return list(
        db.session.scalars(
            select(Revision)
            .where(Revision.entity_type == entity_type, Revision.entity_id == entity_id)
            .order_by(Revision.version)
        )
    )
