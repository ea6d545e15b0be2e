"""How items are loaded when they are shown or written whole: their layers in a few queries, not one
query per relationship."""
from __future__ import annotations

from sqlalchemy.orm import selectinload

from archive.models import Annotation, CollectionMembership, Contribution, Item, Media, VocabularyTerm


def item_loading() -> tuple:
    """Loader options for an Item with its media, annotations, contributions, collections and licence."""
    return (
        selectinload(Item.media).selectinload(Media.creator),
        selectinload(Item.annotations).selectinload(Annotation.creator),
        selectinload(Item.annotations).selectinload(Annotation.reviewer),
        selectinload(Item.annotations).selectinload(Annotation.media),
        selectinload(Item.annotations).selectinload(Annotation.term).selectinload(VocabularyTerm.vocabulary),
        selectinload(Item.contributions).selectinload(Contribution.agent),
        selectinload(Item.memberships).selectinload(CollectionMembership.collection),
        selectinload(Item.community),
        selectinload(Item.access_community),
        selectinload(Item.licence),
    )
