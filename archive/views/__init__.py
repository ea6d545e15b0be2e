"""HTML blueprints. Thin: parse input, call one service, render."""
from __future__ import annotations

from flask import Flask

from archive.vocabulary import KINDS, LANGUAGES, REGIONS, ROLES, direction_of


def init_app(app: Flask) -> None:
    from archive.views.public import public

    app.register_blueprint(public)
    app.jinja_env.globals.update(KINDS=KINDS, REGIONS=REGIONS, ROLES=ROLES, LANGUAGES=LANGUAGES,
                                 SITE_NAME=app.config["SITE_NAME"])
    app.jinja_env.filters["dir"] = direction_of
    app.jinja_env.filters["role_labels"] = lambda codes: ", ".join(ROLES[c].label if c in ROLES else c for c in codes)
