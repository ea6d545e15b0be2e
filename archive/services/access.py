"""Who may see what, decided in one place. Every route that shows an item asks here."""
from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, or_, true

from archive.errors import AccessDenied, AuthenticationRequired, NotFound
from archive.models import Item

STAFF_ROLES = {"curator", "admin"}
# Local Contexts labels whose material is never public and never released, whatever its access level says:
# TK Secret/Sacred, and TK Seasonal (it may be heard only at certain times, which a website cannot honour).
NEVER_PUBLIC_LABELS = ("TK-SS", "TK-S")


def _roles(viewer: Any) -> set[str]:
    return set(getattr(viewer, "roles", None) or []) if viewer is not None else set()


def _is_staff(viewer: Any) -> bool:
    return bool(_roles(viewer) & STAFF_ROLES)


def _community_ids(viewer: Any) -> list[int]:
    return [community.id for community in getattr(viewer, "communities", None) or []]


def visible_items_clause(viewer: Any) -> ColumnElement[bool]:
    """A SQL condition selecting exactly the items ``viewer`` (a User, or None for a visitor) may see."""
    if _is_staff(viewer):
        return true()
    return and_(Item.status == "published", readable_access_clause(viewer))


def readable_access_clause(viewer: Any) -> ColumnElement[bool]:
    """The items whose access level and labels would let ``viewer`` see them once published, whatever their
    status now: what may be counted for them (a worker's submitted items) without being shown."""
    if _is_staff(viewer):
        return true()
    levels = ["public"]
    if viewer is not None:
        levels.append("registered")
        if "researcher" in _roles(viewer):
            levels.append("researcher")
    allowed = Item.access.in_(levels)
    if community_ids := _community_ids(viewer):
        allowed = or_(allowed, and_(Item.access == "community", Item.access_community_id.in_(community_ids)))
    return and_(allowed, ~_secret_clause())


def _secret_clause() -> ColumnElement[bool]:
    # Secret/Sacred and Seasonal material is never shown outside staff, whatever its access level says.
    from sqlalchemy import String, cast

    return or_(*(cast(Item.labels, String).like(f'%"{label}"%') for label in NEVER_PUBLIC_LABELS))


def never_public(item: Item) -> bool:
    return bool(set(item.labels or []) & set(NEVER_PUBLIC_LABELS))


def check_can_view(item: Item | None, viewer: Any) -> Item:
    """Return ``item`` when ``viewer`` may see it. Raises NotFound for missing, unpublished or private
    items (their existence is not revealed), AuthenticationRequired when a visitor who is not signed in
    might see it after signing in, and AccessDenied for items restricted to other readers."""
    if item is None:
        raise NotFound("No such item.")
    if _is_staff(viewer):
        return item
    if item.status != "published" or item.access == "private" or never_public(item):
        raise NotFound("No such item.")
    roles = _roles(viewer)
    allowed = (
        item.access == "public"
        or (item.access == "registered" and viewer is not None)
        or (item.access == "researcher" and "researcher" in roles)
        or (item.access == "community" and item.access_community_id in _community_ids(viewer))
    )
    if not allowed and viewer is None:
        raise AuthenticationRequired("This item is restricted: sign in with an account that may see it.")
    if not allowed:
        raise AccessDenied("This item is restricted: sign in with an account that may see it.")
    return item


def visibility_tokens(item: Item) -> list[str]:
    """Who may see ``item``, as tokens a search index stores: the same rules as check_can_view."""
    if item.status != "published" or item.access == "private" or never_public(item):
        return ["staff"]
    if item.access == "community":
        return [f"community:{item.access_community.slug}"]
    return [item.access]


def viewer_tokens(viewer: Any) -> list[str] | None:
    """The visibility tokens ``viewer`` may see; None means everything (staff)."""
    if _is_staff(viewer):
        return None
    tokens = ["public"]
    if viewer is not None:
        tokens.append("registered")
        if "researcher" in _roles(viewer):
            tokens.append("researcher")
        tokens.extend(f"community:{community.slug}" for community in getattr(viewer, "communities", None) or [])
    return tokens
