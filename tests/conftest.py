"""Fixtures: an app on a migrated database (SQLite by default, PostgreSQL when TWIZA_TEST_DATABASE_URL
names one), its client and CLI runner, packages to import, and the shared data folder."""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import struct
import uuid
import zlib
from pathlib import Path
from typing import Any, Callable

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from archive.db import db

ROOT = Path(__file__).resolve().parents[1]
TEST_DATABASE_URL = os.environ.get("TWIZA_TEST_DATABASE_URL")
# 'postgres' runs the suite on the PostgreSQL search backend (it needs TWIZA_TEST_DATABASE_URL).
TEST_SEARCH_BACKEND = os.environ.get("TWIZA_TEST_SEARCH_BACKEND", "whoosh")
KEEP_TABLES = {"licences", "alembic_version"}  # seeded by the migration


def pytest_report_header(config: Any) -> str:
    return (f"twiza database: {TEST_DATABASE_URL or 'SQLite (a file per test)'}; "
            f"search backend: {TEST_SEARCH_BACKEND}")


def _app_for(data_dir: Path, database_url: str | None, **extra: Any):
    settings = {"TESTING": True, "DATA_DIR": str(data_dir), "SECRET_KEY": "test", "DATABASE_URL": database_url,
                "SEARCH_BACKEND": TEST_SEARCH_BACKEND if database_url else "whoosh",
                # The test client speaks plain HTTP; tests of the production cookie flags turn this back on.
                "SECURE_COOKIES": False}
    settings.update(extra)
    return create_app(settings)


@pytest.fixture(scope="session", autouse=True)
def compiled_translations() -> None:
    """The interface catalogs, compiled as ./twiza does, so that a bare `pytest` sees them too."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in (ROOT / "archive" / "translations").glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            with open(po_path, "rb") as po_file:
                catalog = read_po(po_file, locale=po_path.parts[-3])
            with open(mo_path, "wb") as mo_file:
                write_mo(mo_file, catalog)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str | None:
    """Migrate once per run: a template SQLite file copied per test, or the PostgreSQL test database."""
    if TEST_DATABASE_URL:
        engine = sa.create_engine(TEST_DATABASE_URL)
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
        app = _app_for(tmp_path_factory.mktemp("template"), TEST_DATABASE_URL)
        with app.app_context():
            upgrade()
            db.engine.dispose()
        return None
    data_dir = tmp_path_factory.mktemp("template")
    app = _app_for(data_dir, None)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return str(data_dir / "twiza.sqlite3")


def _empty_postgres_tables() -> None:
    # DELETE, not TRUNCATE ... CASCADE, which would also empty the licences (they reference agents).
    from archive.db import Base

    from search.postgres_backend import search_documents

    engine = sa.create_engine(TEST_DATABASE_URL)
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in KEEP_TABLES:
                connection.execute(table.delete())
        connection.execute(search_documents.delete())
    engine.dispose()


@contextlib.contextmanager
def fresh_app(data_dir: Path, migrated_template: str | None, **settings: Any):
    """An app on an empty, migrated archive in ``data_dir`` (with ``settings`` over the test ones), its app
    context pushed."""
    data_dir.mkdir()
    if TEST_DATABASE_URL:
        _empty_postgres_tables()
    else:
        shutil.copyfile(migrated_template, data_dir / "twiza.sqlite3")
    app = _app_for(data_dir, TEST_DATABASE_URL, **settings)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(tmp_path: Path, migrated_template: str | None):
    with fresh_app(tmp_path / "data", migrated_template) as app:
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def shared_dir() -> Path:
    path = Path(os.environ.get("TWIZA_SHARED_DIR", ROOT.parent / "shared"))
    if not path.is_dir():
        pytest.skip(f"the shared data folder {path} is absent (set TWIZA_SHARED_DIR)")
    return path


# ------------------------------------------------------------------------------------------ packages


def tiny_png(width: int = 4, height: int = 3) -> bytes:
    """A valid PNG of ``width`` x ``height`` grey pixels, built without an image library."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def tiny_wav(seconds: float = 2.0, rate: int = 8000) -> bytes:
    import io
    import wave

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x00\x00" * int(seconds * rate))
    return buffer.getvalue()


def ebml(element_id: int, payload: bytes, *, unknown_size: bool = False) -> bytes:
    """One EBML element: its ID (marker bits included), its size as the shortest variable-size integer (or
    the 8-byte "unknown size"), its data (RFC 8794)."""
    head = element_id.to_bytes((element_id.bit_length() + 7) // 8, "big")
    if unknown_size:
        return head + b"\x01" + b"\xff" * 7 + payload
    length = next(n for n in range(1, 9) if len(payload) < (1 << (7 * n)) - 1)
    return head + ((1 << (7 * length)) | len(payload)).to_bytes(length, "big") + payload


def ebml_uint(element_id: int, value: int) -> bytes:
    return ebml(element_id, value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big"))


def tiny_webm(frames: int = 100, *, with_duration: bool = True, timecode_scale: int = 1_000_000) -> bytes:
    """A WebM file built byte by byte after the Matroska specification (RFC 9559): one Opus track of
    ``frames`` 20 ms silence packets (the 3-byte Opus silence frame F8 FF FE), in one cluster. With
    ``with_duration`` the Segment's Info says how long it lasts (in ``timecode_scale`` nanoseconds), and
    every size is known; without it the file is as a live recorder (a browser's MediaRecorder) writes it:
    no Duration, Segment and Cluster of unknown size."""
    import struct

    opus_head = b"OpusHead" + bytes([1, 1]) + (312).to_bytes(2, "little") + (48000).to_bytes(4, "little") + b"\0\0\0"
    header = ebml(0x1A45DFA3, b"".join([
        ebml_uint(0x4286, 1), ebml_uint(0x42F7, 1), ebml_uint(0x42F2, 4), ebml_uint(0x42F3, 8),
        ebml(0x4282, b"webm"), ebml_uint(0x4287, 4), ebml_uint(0x4285, 2)]))
    ticks_per_frame = 20_000_000 // timecode_scale
    info = [ebml_uint(0x2AD7B1, timecode_scale), ebml(0x4D80, b"twiza-tests"), ebml(0x5741, b"twiza-tests")]
    if with_duration:
        info.append(ebml(0x4489, struct.pack(">d", float(frames * ticks_per_frame))))
    audio = ebml(0xE1, ebml(0xB5, struct.pack(">d", 48000.0)) + ebml_uint(0x9F, 1))
    track = ebml(0xAE, b"".join([
        ebml_uint(0xD7, 1), ebml_uint(0x73C5, 1), ebml_uint(0x83, 2), ebml(0x86, b"A_OPUS"),
        ebml(0x63A2, opus_head), ebml_uint(0x56AA, 6_500_000), ebml_uint(0x56BB, 80_000_000), audio]))
    blocks = b"".join(ebml(0xA3, b"\x81" + (n * ticks_per_frame).to_bytes(2, "big", signed=True) + b"\x80\xf8\xff\xfe")
                      for n in range(frames))
    cluster = ebml(0x1F43B675, ebml_uint(0xE7, 0) + blocks, unknown_size=not with_duration)
    segment = ebml(0x1549A966, b"".join(info)) + ebml(0x1654AE6B, track) + cluster
    return header + ebml(0x18538067, segment, unknown_size=not with_duration)


def tale(item_id: str = "tw-tale-0001", **overrides: Any) -> dict[str, Any]:
    """A valid package line: a Darija tale with an audio file, a transcription and a translation."""
    line = {
        "id": item_id,
        "kind": "tale",
        "title": [{"value": "حكاية الحوت", "lang": "ary-Arab"}, {"value": "7ekayat l7out", "lang": "ary-Latn"},
                  {"value": "Le conte du poisson", "lang": "fr"}],
        "summary": [{"value": "Un pêcheur d'Essaouira et un poisson qui parle.", "lang": "fr"}],
        "text": [{"value": "كان يا ما كان واحد الصياد", "lang": "ary-Arab"}],
        "languages": ["ary-Arab"],
        "region": "marrakech-safi",
        "place": [{"value": "الصويرة", "lang": "ary-Arab"}, {"value": "Essaouira", "lang": "fr"}],
        "coordinates": {"lat": 31.51, "lon": -9.77},
        "date": "1978~",
        "subjects": ["sea", "fishing"],
        "community": {"name": "Fishers of Essaouira", "id": "fishers-essaouira"},
        "collections": ["coastal-tales"],
        "license": "CC-BY-4.0",
        "access": "public",
        "labels": ["TK-A"],
        "status": "published",
        "contributors": [{"name": "Lalla Rqia", "role": "nrt"}, {"name": "Samir Oubella", "role": "trc", "id": "samir"}],
        "media": [{"path": "media/tale.wav", "label": [{"value": "Enregistrement", "lang": "fr"}]},
                  {"path": "media/drawing.png", "creator": {"name": "Samir Oubella", "id": "samir"}}],
        "annotations": [
            {"media": 0, "motivation": "supplementing", "selector": "t=0,1.5",
             "body": {"value": "كان يا ما كان", "lang": "ary-Arab"}, "creator": {"name": "Samir Oubella", "id": "samir"}},
            {"media": 0, "motivation": "supplementing", "selector": "t=0,1.5",
             "body": {"value": "Il était une fois", "lang": "fr"}},
            {"media": 1, "motivation": "tagging", "tag": "fish", "selector": "xywh=0,0,2,2"},
        ],
        "source": "Fieldwork 2024",
    }
    line.update(overrides)
    return line


@pytest.fixture
def make_package(tmp_path: Path) -> Callable[..., Path]:
    """Write a package: ``make_package([line, ...], files={"media/x.png": bytes}, name=...)``."""
    def make(lines: list[Any], files: dict[str, bytes] | None = None, name: str | None = None,
             agents: list[dict[str, Any]] | None = None, collections: list[dict[str, Any]] | None = None,
             vocabularies: list[dict[str, Any]] | None = None) -> Path:
        root = tmp_path / (name or f"package-{uuid.uuid4().hex[:8]}")
        root.mkdir()
        default_files = {"media/tale.wav": tiny_wav(), "media/drawing.png": tiny_png()}
        for relative, content in (default_files if files is None else files).items():
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        (root / "items.jsonl").write_text(
            "".join((line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n" for line in lines),
            encoding="utf-8",
        )
        for file_name, rows in (("agents.jsonl", agents), ("collections.jsonl", collections),
                                ("vocabularies.jsonl", vocabularies)):
            if rows is not None:
                (root / file_name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        return root

    return make


def archive_state() -> dict[str, Any]:
    """Every row of every table and every file of the media store: equal states mean nothing changed."""
    from flask import current_app

    state: dict[str, Any] = {}
    inspector = sa.inspect(db.engine)
    for table_name in sorted(inspector.get_table_names()):
        table = sa.Table(table_name, sa.MetaData(), autoload_with=db.engine)
        rows = db.session.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
        state[table_name] = [tuple(map(str, row)) for row in rows]
    media_root = Path(current_app.config["DATA_DIR"]) / "media"
    state["files"] = sorted(str(p.relative_to(media_root)) for p in media_root.rglob("*")) if media_root.exists() else []
    return state


def empty_archive() -> None:
    """Delete every row but the seeded licences, and the media store: an archive as after `db upgrade`."""
    from flask import current_app

    from archive.db import Base

    for table in reversed(Base.metadata.sorted_tables):
        if table.name not in KEEP_TABLES:
            db.session.execute(table.delete())
    if db.engine.dialect.name == "postgresql":
        from search.postgres_backend import search_documents

        db.session.execute(search_documents.delete())
    db.session.commit()
    shutil.rmtree(Path(current_app.config["DATA_DIR"]) / "media", ignore_errors=True)


# ------------------------------------------------------------------------------------------ accounts

TEST_PASSWORD = "correct horse battery"


def csrf_token_of(page: str) -> str:
    """The CSRF token of the first form on ``page``, as a browser would send it."""
    import re

    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


class Auth:
    """Accounts and signing in through the real forms (CSRF included): ``auth.user(...)``, ``auth.sign_in(...)``."""

    def __init__(self, client):
        self.client = client

    @staticmethod
    def user(email: str = "worker@example.org", *, roles: tuple[str, ...] = (), communities: tuple[str, ...] = (),
             name: str = "Fatima Zahra", password: str = TEST_PASSWORD):
        from archive.services.accounts import create_user

        return create_user(email, name, password, roles=list(roles), communities=list(communities))

    def post_form(self, form_url: str, data: dict[str, Any], *, to: str | None = None, client=None):
        client = client or self.client
        token = csrf_token_of(client.get(form_url).get_data(as_text=True))
        return client.post(to or form_url, data={"csrf_token": token, **data})

    def sign_in(self, email: str = "worker@example.org", password: str = TEST_PASSWORD, *, remember: bool = False,
                client=None, next_url: str | None = None):
        url = "/sign-in" + (f"?next={next_url}" if next_url else "")
        data = {"email": email, "password": password}
        if remember:
            data["remember"] = "y"
        return self.post_form(url, data, client=client)

    def sign_out(self, client=None):
        client = client or self.client
        return self.post_form("/account", {}, to="/sign-out", client=client)


_account_serial = iter(range(1, 1_000_000))


def quick_account(roles: tuple[str, ...] = (), name: str = "Fatima Zahra"):
    """An account without a password (no scrypt hash to compute), for tests that sign in through the
    session with ``session_sign_in``; the sign-in form has tests of its own."""
    from archive.models import User

    user = User(email=f"account-{next(_account_serial)}@example.org", display_name=name, roles=list(roles))
    db.session.add(user)
    db.session.commit()
    return user


def session_sign_in(client, user) -> None:
    """Sign ``user`` in on ``client`` as Flask-Login does after a successful sign-in."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def post_with_csrf(client, url: str, data: dict[str, Any]):
    """POST a form as a browser would, with the CSRF token of the client's session."""
    token = csrf_token_of(client.get("/sign-in").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


@pytest.fixture
def people(app) -> dict[str, Any]:
    """Accounts of every role, for the editing and review services."""
    return {
        "worker": Auth.user("worker@example.org", roles=("data_worker",), name="Amina Aït Ali"),
        "other_worker": Auth.user("other@example.org", roles=("data_worker",), name="Hassan"),
        "reviewer": Auth.user("reviewer@example.org", roles=("reviewer",), name="Khadija Reviewer"),
        "second_reviewer": Auth.user("reviewer2@example.org", roles=("reviewer",), name="Omar Reviewer"),
        "curator": Auth.user("curator@example.org", roles=("curator",), name="Curator"),
        "reader": Auth.user("reader@example.org", name="Reader"),
    }


def signed_in(app, email: str, role: str, name: str):
    """A test client signed in as a new account with ``role``."""
    Auth.user(email, roles=(role,), name=name)
    client = app.test_client()
    Auth(client).sign_in(email)
    return client


@pytest.fixture
def auth(client) -> Auth:
    return Auth(client)


class SmtpSink:
    """A small SMTP server on 127.0.0.1 (HELO/EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) that keeps what it
    receives: a real socket and a real protocol exchange for smtplib, nothing sent anywhere."""

    def __init__(self) -> None:
        import socketserver
        import threading

        sink = self
        self.messages: list[tuple[str, list[str], str]] = []

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write((line + "\r\n").encode())

            def handle(self) -> None:
                sender, recipients = "", []
                self.reply("220 twiza-test ESMTP")
                while line := self.rfile.readline().decode("utf-8", "replace").rstrip("\r\n"):
                    verb = line[:4].upper()
                    if verb in ("HELO", "EHLO"):
                        self.reply("250 twiza-test")
                    elif verb == "MAIL":
                        sender, recipients = line.partition(":")[2].strip().strip("<>"), []
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        recipients.append(line.partition(":")[2].strip().strip("<>"))
                        self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 end with <CRLF>.<CRLF>")
                        body = []
                        while (data := self.rfile.readline().decode("utf-8", "replace")) not in (".\r\n", ""):
                            body.append(data[1:] if data.startswith("..") else data)
                        sink.messages.append((sender, recipients, "".join(body)))
                        self.reply("250 OK")
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    else:
                        self.reply("250 OK")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def smtp_server():
    sink = SmtpSink()
    yield sink
    sink.close()
