"""The interface language switcher: remembers the choice in a cookie and returns to the page."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, request
from werkzeug.exceptions import NotFound

from archive.i18n import LOCALE_COOKIE

language = Blueprint("language", __name__)
ONE_YEAR = 365 * 24 * 3600


def _safe_next(target: str | None) -> str:
    # Only paths on this site: an open redirect would let others borrow our name.
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@language.get("/language/<code>")
def choose(code: str):
    if code not in current_app.config["INTERFACE_LANGUAGES"]:
        raise NotFound(f"Unknown interface language {code!r}.")
    response = redirect(_safe_next(request.args.get("next")))
    response.set_cookie(LOCALE_COOKIE, code, max_age=ONE_YEAR, samesite="Lax", httponly=True,
                        secure=request.is_secure)
    return response
