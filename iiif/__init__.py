"""IIIF: pure builders (item -> Manifest, AnnotationPage) with iiif-prezi3, the Image API, and their blueprints."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from iiif.image_views import ImageFastPath, image_api
    from iiif.views import iiif, item_documents

    app.register_blueprint(iiif)
    app.register_blueprint(image_api)
    app.extensions["twiza.item_documents"] = item_documents
    app.wsgi_app = ImageFastPath(app, app.wsgi_app)  # type: ignore[method-assign]
