"""HTML blueprints. Thin: parse input, call one service, render."""
from __future__ import annotations

from flask import Flask, Response, request

from archive.presenters import item_descriptions, layer_credits
from archive.views import labels
from archive.vocabulary import KINDS, LANGUAGES, REGIONS, ROLES, direction_of


def init_app(app: Flask) -> None:
    from archive.views.accounts import accounts
    from archive.views.community import community
    from archive.views.downloads import downloads
    from archive.api.search import api
    from archive.views.find import find
    from archive.views.language import language
    from archive.views.layers import layers_pages
    from archive.views.people import people
    from archive.views.public import public
    from archive.views.releases import releases
    from archive.views.teachers import teachers
    from archive.views.work import work

    app.register_blueprint(public)
    app.register_blueprint(language)
    app.register_blueprint(find)
    app.register_blueprint(api)
    app.register_blueprint(community)
    app.register_blueprint(teachers)
    app.register_blueprint(accounts)
    app.register_blueprint(work)
    app.register_blueprint(downloads)
    app.register_blueprint(layers_pages)
    app.register_blueprint(people)
    app.register_blueprint(releases)
    app.jinja_env.globals.update(KINDS=KINDS, REGIONS=REGIONS, ROLES=ROLES, LANGUAGES=LANGUAGES,
                                 SITE_NAME=app.config["SITE_NAME"])
    app.jinja_env.filters["dir"] = direction_of
    app.jinja_env.filters["role_labels"] = lambda codes: ", ".join(labels.label_of(labels.ROLE_LABELS, c) for c in codes)
    app.jinja_env.filters["kind_label"] = lambda code: labels.label_of(labels.KIND_LABELS, code)
    app.jinja_env.filters["region_label"] = lambda code: labels.label_of(labels.REGION_LABELS, code)
    app.jinja_env.filters["media_kind_label"] = lambda code: labels.label_of(labels.MEDIA_KIND_LABELS, code)
    app.jinja_env.filters["motivation_label"] = lambda code: labels.label_of(labels.MOTIVATION_LABELS, code)
    app.jinja_env.filters["language_label"] = labels.language_label
    app.jinja_env.filters["certification_label"] = lambda code: labels.label_of(labels.CERTIFICATION_LABELS, code)
    app.jinja_env.filters["credit_as_label"] = lambda code: labels.label_of(labels.CREDIT_AS_LABELS, code)
    app.jinja_env.filters["account_role_label"] = lambda code: labels.label_of(labels.ACCOUNT_ROLE_LABELS, code)
    app.jinja_env.filters["timecode"] = lambda seconds: f"{int(seconds) // 60}:{int(seconds) % 60:02d}"
    app.jinja_env.globals["CULTURAL_LABEL_TEXTS"] = labels.CULTURAL_LABEL_TEXTS
    app.jinja_env.globals["layer_credits"] = layer_credits
    app.jinja_env.globals["item_descriptions"] = item_descriptions

    @app.after_request
    def revalidate_pages(response: Response) -> Response:
        # Pages change with the archive and with the visitor's language: cache them, but revalidate
        # each time by ETag so that an unchanged page costs a 304.
        if request.method == "GET" and response.status_code == 200 and response.mimetype == "text/html":
            response.headers["Cache-Control"] = "no-cache"
            response.vary.update(("Cookie", "Accept-Language"))
            response.add_etag()
            response.make_conditional(request)
        return response
