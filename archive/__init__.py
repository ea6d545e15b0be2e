"""The domain of the archive: models, services, HTML views, API and CLI."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from archive import auth, cli, i18n, views
    from archive.storage import MediaStore

    app.extensions["twiza.media_store"] = MediaStore(app.config["DATA_DIR"])
    i18n.init_app(app)
    auth.init_app(app)
    views.init_app(app)
    cli.init_app(app)
