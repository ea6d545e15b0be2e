"""Downloads: who may take which file or bundle, click-through terms, and the download log.

Access is the archive's one rule (``access.check_can_view``); on top of it, a licence whose terms must be
accepted (rights statements such as In Copyright, community licences) needs a signed-in person who accepted
that version of its terms. Every download is logged without the visitor's address.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select

from archive.db import db
from archive.errors import AuthenticationRequired, InvalidInput, TermsNotAccepted
from archive.models import Download, Item, Licence, Media, TermsAcceptance
from archive.services.items import get_item, get_media


def terms_version(licence: Licence) -> str:
    """A short digest of what a person reads before accepting: the licence's address and its terms."""
    return hashlib.sha256(f"{licence.uri}\n{licence.terms or ''}".encode()).hexdigest()[:16]


def licences_of(item: Item, media: Media | None = None) -> list[Licence]:
    """The licences a download of the item (or of one of its files) carries: the item's and the files' own."""
    files = [media] if media is not None else list(item.media)
    found = {item.licence.id: item.licence}
    for file in files:
        if file.licence is not None:
            found.setdefault(file.licence.id, file.licence)
    return list(found.values())


def has_accepted(viewer: Any, licence: Licence) -> bool:
    if not licence.click_through:
        return True
    if viewer is None:
        return False
    return db.session.scalar(select(TermsAcceptance.id).where(
        TermsAcceptance.user_id == viewer.id, TermsAcceptance.licence_id == licence.id,
        TermsAcceptance.terms_version == terms_version(licence))) is not None


def pending_terms(viewer: Any, licences: list[Licence]) -> list[Licence]:
    """The licences whose terms ``viewer`` must still accept."""
    return [licence for licence in licences if not has_accepted(viewer, licence)]


def accept_terms(viewer: Any, licence_id: str) -> TermsAcceptance:
    """Record that ``viewer`` accepted the current terms of a licence (once per version)."""
    if viewer is None:
        raise AuthenticationRequired("Sign in to accept these terms: the acceptance is recorded with your account.")
    licence = db.session.get(Licence, licence_id)
    if licence is None:
        raise InvalidInput(f"No licence {licence_id!r}.")
    version = terms_version(licence)
    existing = db.session.scalar(select(TermsAcceptance).where(
        TermsAcceptance.user_id == viewer.id, TermsAcceptance.licence_id == licence.id,
        TermsAcceptance.terms_version == version))
    if existing is not None:
        return existing
    acceptance = TermsAcceptance(user_id=viewer.id, licence_id=licence.id, terms_version=version)
    db.session.add(acceptance)
    db.session.commit()
    return acceptance


def require_terms(viewer: Any, licences: list[Licence]) -> None:
    """Raises TermsNotAccepted naming each of ``licences`` whose terms ``viewer`` has not accepted."""
    missing = pending_terms(viewer, licences)
    if missing:
        names = ", ".join(licence.short_name for licence in missing)
        raise TermsNotAccepted(f"Accept the terms of {names} before downloading.",
                               details=[f"licence: {licence.id}" for licence in missing])


@dataclass(frozen=True)
class FileDownload:
    media: Media
    licence: Licence


def file_for_download(media_public_id: str, viewer: Any) -> FileDownload:
    """The file ``viewer`` may download. Raises NotFound / AuthenticationRequired / AccessDenied as the item's
    page would, and TermsNotAccepted when the file's licence asks for terms not yet accepted."""
    media = get_media(media_public_id, viewer)
    licence = media.licence or media.item.licence
    require_terms(viewer, [licence])
    return FileDownload(media, licence)


def item_for_bundle(public_id: str, viewer: Any) -> Item:
    """The item whose bundle ``viewer`` may download (every file's terms accepted)."""
    item = get_item(public_id, viewer)
    require_terms(viewer, licences_of(item))
    return item


def log_download(viewer: Any, kind: Literal["file", "bundle", "release"], *, item: Item | None = None,
                 media: Media | None = None, licence: Licence | None = None, release: Any = None,
                 channel: str = "web") -> None:
    """Record one download (its own small transaction: a failed log must not undo anything else)."""
    db.session.add(Download(user_id=getattr(viewer, "id", None), kind=kind, item_id=item.id if item else None,
                            media_id=media.id if media else None, licence_id=licence.id if licence else None,
                            release_id=release.id if release else None, channel=channel))
    db.session.commit()


_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/tiff": ".tif",
               "audio/wav": ".wav", "audio/x-wav": ".wav", "audio/mpeg": ".mp3", "audio/ogg": ".ogg",
               "audio/flac": ".flac", "video/mp4": ".mp4", "video/webm": ".webm", "application/pdf": ".pdf"}


def download_name(media: Media) -> str:
    """A file name safe on every system, in the media's own script when it has one: the original name
    (without folders or control characters) or the item and file identifiers, with the right extension."""
    import re
    import unicodedata

    extension = _EXTENSIONS.get(media.mime_type, "")
    original = (media.original_filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem = original.rsplit(".", 1)[0] if "." in original else original
    stem = "".join(ch for ch in unicodedata.normalize("NFC", stem) if unicodedata.category(ch)[0] not in "CZ" or ch == " ")
    stem = re.sub(r'[<>:"/\\|?*]+', "-", stem).strip(" .-")[:120]
    return f"{stem or f'{media.item.public_id}-{media.public_id}'}{extension}"
