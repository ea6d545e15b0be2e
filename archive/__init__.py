"""The domain of the archive: models, services, HTML views, API and CLI."""
from __future__ import annotations

from pathlib import Path

from flask import Flask


def init_app(app: Flask) -> None:
    from archive import auth, cli, i18n, views
    from archive.services.images import ImageCache
    from archive.sniff import allow_pillow_up_to
    from archive.storage import MediaStore

    allow_pillow_up_to(app.config["MAX_IMAGE_PIXELS"])

    app.extensions["twiza.media_store"] = MediaStore(app.config["DATA_DIR"])
    app.extensions["twiza.image_cache"] = ImageCache(Path(app.config["DATA_DIR"]) / "cache" / "images",
                                                     app.config["IMAGE_CACHE_MAX_BYTES"])
    i18n.init_app(app)
    auth.init_app(app)
    views.init_app(app)
    cli.init_app(app)
