"""The Twiza application factory: configuration layers, extensions, blueprints, error mapping, CLI."""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Mapping

from flask import Flask, jsonify, make_response, render_template, request
from flask_migrate import Migrate
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.exceptions import HTTPException

import config as default_config
from archive.db import db
from archive.errors import ArchiveError

migrate = Migrate(render_as_batch=True, compare_type=True)
log = logging.getLogger(__name__)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application. Reads settings, wires extensions; creates no tables, files or connections."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(default_config)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("TWIZA")
    if test_config:
        app.config.update(test_config)
    _derive_settings(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path) / "migrations"))

    import search
    from archive import init_app as init_archive

    search.init_app(app)
    init_archive(app)
    from iiif import init_app as init_iiif

    init_iiif(app)
    _register_error_handlers(app)
    return app


def _derive_settings(app: Flask) -> None:
    data_dir = Path(app.config["DATA_DIR"]).resolve()
    app.config["DATA_DIR"] = str(data_dir)
    url = app.config.get("DATABASE_URL") or f"sqlite:///{data_dir / 'twiza.sqlite3'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        # Uploads larger than a media file may be are cut off before they are read (413).
        app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_MEDIA_BYTES"]) + 1024 * 1024
    if not app.config.get("SECRET_KEY"):
        key_file = data_dir / "secret_key"
        if key_file.is_file():
            app.config["SECRET_KEY"] = key_file.read_text().strip()
        else:
            # Sessions will not survive a restart; `./twiza setup` writes a persistent key.
            log.warning("TWIZA_SECRET_KEY is unset and %s is missing: using a temporary key", key_file)
            app.config["SECRET_KEY"] = os.urandom(32).hex()


@event.listens_for(Engine, "do_connect")
def _sqlite_data_dir(dialect: Any, connection_record: Any, cargs: Any, cparams: Any) -> None:
    # The data folder is made when the database is first opened, not when the app is built.
    if dialect.name == "sqlite" and cargs and cargs[0] not in ("", ":memory:"):
        Path(cargs[0]).parent.mkdir(parents=True, exist_ok=True)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def _wants_json() -> bool:
    # A client that accepts anything (curl's */*) gets the page; one that prefers JSON gets JSON.
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return request.path.startswith(("/api/", "/iiif/")) or best == "application/json"


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ArchiveError)
    def archive_error(error: ArchiveError):
        db.session.rollback()
        response = make_response(_error_response(error.status_code, error.message, error.details))
        if getattr(error, "retry_after", None):
            response.headers["Retry-After"] = str(error.retry_after)
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        response = make_response(_error_response(error.code or 500, error.description or error.name, []))
        # The exception's own headers say what to do next: Allow on 405, Content-Range on 416, Retry-After on 429.
        for key, value in error.get_headers():
            if key.lower() != "content-type":
                response.headers[key] = value
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        db.session.rollback()
        if app.testing and app.config.get("PROPAGATE_EXCEPTIONS") is not False:
            raise error  # tests see the real traceback
        app.logger.exception("unhandled error")
        return _error_response(500, "Something went wrong on our side. The error was logged.", [])


def _error_response(status: int, message: str, details: list[str]):
    if _wants_json():
        return jsonify({"status": status, "message": message, "details": details}), status
    return render_template("errors/error.html", status=status, message=message, details=details), status
