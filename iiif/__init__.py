"""IIIF: pure builders (item -> Manifest, AnnotationPage) with iiif-prezi3, and their blueprint."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from iiif.views import iiif, item_documents

    app.register_blueprint(iiif)
    app.extensions["twiza.item_documents"] = item_documents
