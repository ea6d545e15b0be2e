"""IIIF Image API 3.0 endpoints at /iiif/3/image/<media id>/...: thin, the parsing in iiif.image_api and
the access check, rendering and caching in archive.services.images. The identifier is the media file's
public id (the one in its /media/ URL)."""
from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Callable, Iterable

from flask import Blueprint, Flask, Response, current_app, redirect, request, url_for
from werkzeug.datastructures import ETags
from werkzeug.http import HTTP_STATUS_CODES, parse_etags
from werkzeug.wsgi import get_current_url

from archive.auth import current_viewer
from archive.services import images
from iiif.image_api import CONTEXT, PROFILE_URI, build_info, parse_image_request

image_api = Blueprint("iiif_image", __name__, url_prefix="/iiif/3/image")

INFO_MAX_AGE = 3600
IMAGE_MAX_AGE = 30 * 24 * 3600  # an image's bytes never change under its URL (media are content-addressed)


@image_api.get("/<identifier>")
def base(identifier: str):
    return redirect(url_for(".info", identifier=identifier), 303)


@image_api.get("/<identifier>/info.json")
def info(identifier: str):
    image = images.image_for_viewer(identifier, current_viewer())
    document = build_info(url_for(".base", identifier=identifier, _external=True), image.width, image.height,
                          tile_size=images.TILE_SIZE, scale_factors=images.pyramid_factors(image.width, image.height),
                          max_area=current_app.config["IMAGE_MAX_AREA"])
    body = json.dumps(document, separators=(",", ":"))
    wants_ld = request.accept_mimetypes.best_match(["application/json", "application/ld+json"]) == "application/ld+json"
    content_type = f'application/ld+json;profile="{CONTEXT}"' if wants_ld else "application/json"
    response = Response(body, content_type=content_type)
    response.vary.add("Accept")
    return _cacheable(response, hashlib.sha256(body.encode()).hexdigest()[:32], image.public, INFO_MAX_AGE)


@image_api.get("/<identifier>/<region>/<size>/<rotation>/<quality_format>")
def image(identifier: str, region: str, size: str, rotation: str, quality_format: str):
    status, body, headers = answer_image(identifier, region, size, rotation, quality_format, viewer=current_viewer(),
                                         url_root=request.url_root, if_none_match=request.if_none_match)
    return Response(body, status=status, headers=headers)


def answer_image(identifier: str, region: str, size: str, rotation: str, quality_format: str, *, viewer: Any,
                 url_root: str, if_none_match: ETags) -> tuple[int, bytes, dict[str, str]]:
    """An image request answered: status (200 or 304), body and headers. Raises the archive's errors
    (NotFound, AuthenticationRequired, AccessDenied) and InvalidQuery for bad parameters."""
    image = images.image_for_viewer(identifier, viewer)
    wanted = parse_image_request(region, size, rotation, quality_format, width=image.width, height=image.height,
                                 max_area=current_app.config["IMAGE_MAX_AREA"])
    canonical = wanted.canonical(image.width, image.height)
    etag = hashlib.sha256(f"{image.sha256}/{canonical}".encode()).hexdigest()[:32]
    headers = {
        "ETag": f'"{etag}"',
        # Only what anyone may see is offered to shared caches; the rest stays in the viewer's own.
        "Cache-Control": f"{'public' if image.public else 'private'}, max-age={IMAGE_MAX_AGE}",
        "Link": f'<{url_root}iiif/3/image/{identifier}/{canonical}>;rel="canonical",<{PROFILE_URI}>;rel="profile"',
        "Access-Control-Allow-Origin": "*",
    }
    if etag in if_none_match:
        return 304, b"", headers
    body = images.render(image, images.Rendition(wanted.x, wanted.y, wanted.width, wanted.height, wanted.out_width,
                                                 wanted.out_height, wanted.mirror, wanted.rotation, wanted.quality,
                                                 wanted.format))
    headers["Content-Type"] = wanted.media_type
    return 200, body, headers


def _cacheable(response: Response, etag: str, public: bool, max_age: int) -> Response:
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"{'public' if public else 'private'}, max-age={max_age}"
    return response.make_conditional(request)


def _url_root(environ: dict[str, Any]) -> str:
    """request.url_root for plain ASCII hosts, without werkzeug's IRI decoding (a tenth of a tile's time)."""
    host = environ.get("HTTP_HOST")
    if not host or not host.isascii():
        return get_current_url(environ, root_only=True)
    return f"{environ['wsgi.url_scheme']}://{host}{environ.get('SCRIPT_NAME', '')}/"


_IMAGE_PATH = re.compile(r"^/iiif/3/image/([^/]+)/([^/]+)/([^/]+)/([^/]+)/([^/]+)$")


class ImageFastPath:
    """WSGI middleware that answers a visitor's image request without Flask's request machinery.

    Tiles are most of an image viewer's traffic, and Flask's request context, session, routing and hooks
    cost more than the tile itself (see bench/README.md). The answer is made by ``answer_image``, the
    Flask view's own function, with the same access check. Anything else goes to Flask: other paths,
    other methods, requests carrying a session (Flask knows the signed-in viewer), and every request
    that fails, so that errors are answered in one place.
    """

    def __init__(self, app: Flask, wsgi_app: Callable[..., Iterable[bytes]]):
        self.app = app
        self.wsgi_app = wsgi_app
        self.session_cookies = tuple(f"{name}=" for name in (app.config["SESSION_COOKIE_NAME"],
                                                             app.config.get("REMEMBER_COOKIE_NAME", "remember_token")))

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        match = _IMAGE_PATH.match(environ.get("PATH_INFO", ""))
        cookies = environ.get("HTTP_COOKIE", "")
        if match and environ["REQUEST_METHOD"] == "GET" and not any(c in cookies for c in self.session_cookies):
            try:
                with self.app.app_context():
                    status, body, headers = answer_image(
                        *match.groups(), viewer=None, url_root=_url_root(environ),
                        if_none_match=parse_etags(environ.get("HTTP_IF_NONE_MATCH")))
            except Exception:  # noqa: BLE001 - Flask answers again, with its error handling and logging
                pass
            else:
                start_response(f"{status} {HTTP_STATUS_CODES[status]}",
                               [*headers.items(), ("Content-Length", str(len(body)))])
                return [body]
        return self.wsgi_app(environ, start_response)


@image_api.after_request
def cors(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
