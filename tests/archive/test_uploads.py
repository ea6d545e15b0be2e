"""Uploading media: accepted files are measured, credited and stored once; GPS data is removed unless kept;
every kind of bad file is refused with a clear message and leaves nothing behind (no row, no file)."""
from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from archive.db import db
from archive.errors import InvalidInput, TooLarge
from archive.models import Item, Media
from archive.services import editing, uploads
from archive.storage import media_store
from tests.conftest import Auth, archive_state, csrf_token_of, tiny_wav

GPS_IFD = 0x8825


@pytest.fixture
def draft(app):
    worker = Auth.user("worker@example.org", roles=("data_worker",), name="Amina Aït Ali")
    item = editing.create_item(worker, {"kind": "craft", "title": [{"value": "Tapis de Taznakht", "lang": "fr"}],
                                        "license": "CC-BY-4.0", "access": "public"})
    return worker, item


def _upload(app, worker, item, data: bytes, filename: str, **options):
    config = app.config
    return uploads.add_media(worker, item.public_id, io.BytesIO(data), filename, store=media_store(),
                             max_bytes=options.pop("max_bytes", config["MAX_MEDIA_BYTES"]),
                             max_pixels=options.pop("max_pixels", config["MAX_IMAGE_PIXELS"]), **options)


def _jpeg(with_gps: bool = True, size=(64, 48)) -> bytes:
    image = Image.new("RGB", size, (180, 90, 40))
    exif = Image.Exif()
    exif[0x010F] = "Twiza test camera"  # Make
    if with_gps:
        exif[GPS_IFD] = {1: "N", 2: (31.0, 30.0, 0.0), 3: "W", 4: (9.0, 46.0, 0.0)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, exif=exif.tobytes())
    return buffer.getvalue()


def _png_bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    """A small PNG whose header claims a huge picture: the classic decompression bomb."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    row = b"\x00" + b"\x00" * width
    compressed = zlib.compress(row * 16, 9)  # only a few rows: the file stays tiny
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", compressed) + chunk(b"IEND", b""))


def test_a_picture_is_measured_stored_once_and_its_location_removed(app, draft):
    worker, item = draft
    original = _jpeg(with_gps=True)
    media = _upload(app, worker, item, original, "tapis.jpg", label=[{"value": "Le tapis", "lang": "fr"}])
    assert (media.kind, media.mime_type, media.width, media.height) == ("image", "image/jpeg", 64, 48)
    stored = media_store().path_for(media.sha256).read_bytes()
    with Image.open(io.BytesIO(stored)) as image:
        exif = image.getexif()
        assert GPS_IFD not in exif and exif[0x010F] == "Twiza test camera"  # only the location went
    with Image.open(io.BytesIO(stored)) as cleaned, Image.open(io.BytesIO(original)) as before:
        assert list(cleaned.getdata()) == list(before.getdata())  # the pixels were not re-encoded
    again = _upload(app, worker, item, original, "copie.jpg")
    assert again.sha256 == media.sha256 and len(list(media_store().root.rglob("*/*/*"))) == 1


def test_the_location_is_kept_when_asked(app, draft):
    worker, item = draft
    media = _upload(app, worker, item, _jpeg(with_gps=True), "lieu.jpg", keep_location=True)
    with Image.open(media_store().path_for(media.sha256)) as image:
        assert GPS_IFD in image.getexif()


def test_a_recording_is_measured_and_its_uploader_credited_when_they_made_it(app, draft):
    worker, item = draft
    media = _upload(app, worker, item, tiny_wav(2.5), "chant.wav", uploader_is_creator=True)
    assert media.kind == "audio" and media.duration_seconds == pytest.approx(2.5, abs=0.01)
    assert media.creator.name == "Amina Aït Ali"


@pytest.mark.parametrize("case, data, filename, options, error, message", [
    ("bomb", _png_bomb(), "motif.png", {}, InvalidInput, "exceeds the limit"),
    ("executable", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 2000, "photo.jpg", {}, InvalidInput, "not a recognised"),
    ("oversized", b"\xff\xd8\xff" + b"\x00" * 5000, "big.jpg", {"max_bytes": 4096}, TooLarge, "larger than the limit"),
    ("truncated", _jpeg(with_gps=False, size=(400, 300))[:1500], "cut.jpg", {}, InvalidInput, "truncated or corrupt"),
    ("empty", b"", "nothing.wav", {}, InvalidInput, "empty"),
])
def test_bad_files_are_refused_with_a_message_and_leave_nothing_behind(app, draft, case, data, filename, options, error,
                                                                      message):
    worker, item = draft
    if case == "bomb":
        options = {"max_pixels": 100_000_000}
    before = archive_state()
    with pytest.raises(error) as refused:
        _upload(app, worker, item, data, filename, **options)
    assert message in str(refused.value)
    assert archive_state() == before
    leftovers = [p for p in media_store().root.rglob("*") if p.is_file()] if media_store().root.exists() else []
    assert leftovers == []


def test_only_editors_of_the_item_upload(app, draft):
    _, item = draft
    other = Auth.user("other@example.org", roles=("data_worker",))
    from archive.errors import NotFound

    with pytest.raises(NotFound):
        _upload(app, other, item, _jpeg(), "x.jpg")
    assert db.session.scalar(select(Media)) is None


def test_upload_through_the_page(app, draft):
    worker, item = draft
    client = app.test_client()
    Auth(client).sign_in("worker@example.org")
    page = client.get(f"/work/items/{item.public_id}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    response = client.post(f"/work/items/{item.public_id}/media",
                           data={"csrf_token": csrf_token_of(page), "label": "Le tapis", "label_lang": "fr",
                                 "file": (io.BytesIO(_jpeg()), "tapis.jpg")}, content_type="multipart/form-data")
    assert response.status_code == 302
    refused = client.post(f"/work/items/{item.public_id}/media",
                          data={"csrf_token": csrf_token_of(page), "file": (io.BytesIO(b"MZ" + b"\x00" * 100), "x.jpg")},
                          content_type="multipart/form-data")
    assert refused.status_code == 422 and "not a recognised" in refused.get_data(as_text=True)
    item = db.session.scalar(select(Item).where(Item.public_id == item.public_id))
    assert [m.original_filename for m in item.media] == ["tapis.jpg"]


def test_the_files_of_a_draft_play_for_its_author_and_reviewers_only(app, draft):
    """The annotation editor plays a draft's recording: its author (and, once submitted, reviewers and
    curators) get the file; visitors and other workers do not learn it exists."""
    from archive.services import review
    from tests.conftest import quick_account, session_sign_in

    worker, item = draft
    media = _upload(app, worker, item, tiny_wav(), "chant.wav")
    accounts = {"author": worker, "other worker": quick_account(("data_worker",), "Other Worker"),
                "reviewer": quick_account(("reviewer",), "Reviewer"), "curator": quick_account(("curator",), "Curator")}

    def status(who: str | None) -> int:
        client = app.test_client()
        if who:
            session_sign_in(client, accounts[who])
        return client.get(f"/media/{media.public_id}", headers={"Range": "bytes=0-3"}).status_code

    assert {who: status(who) for who in (None, "author", "other worker", "reviewer", "curator")} == {
        None: 404, "author": 206, "other worker": 404, "reviewer": 404, "curator": 206}
    review.transition(worker, item.public_id, "submit")
    assert {who: status(who) for who in (None, "author", "other worker", "reviewer")} == {
        None: 404, "author": 206, "other worker": 404, "reviewer": 206}


def test_a_turned_picture_is_measured_as_shown(app, draft):
    # A phone's portrait photograph: stored 64x48 with EXIF Orientation 6 (turn 90 degrees clockwise to show).
    image, exif = Image.new("RGB", (64, 48), (180, 90, 40)), Image.Exif()
    exif[0x0112] = 6
    exif[GPS_IFD] = {1: "N", 2: (31.0, 30.0, 0.0)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, exif=exif.tobytes())
    worker, item = draft
    media = _upload(app, worker, item, buffer.getvalue(), "portrait.jpg")
    assert (media.width, media.height) == (48, 64)
    with Image.open(media_store().path_for(media.sha256)) as stored:
        assert stored.size == (64, 48) and stored.getexif()[0x0112] == 6  # kept as taken; only GPS removed
        assert GPS_IFD not in stored.getexif()
