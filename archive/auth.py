"""Who is asking: Flask-Login sessions, CSRF protection of every form, and the viewer the services check.

Sessions name the account *and* its sign-in generation (``User.get_id``), so "sign out everywhere" and a
password change end every other session, remember-me cookies included.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask, Response, current_app, g
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from archive.errors import AuthenticationRequired

login_manager = LoginManager()
csrf = CSRFProtect()


def current_viewer() -> Any:
    """The signed-in user, or None for a visitor: what every service's ``viewer`` argument expects."""
    return current_user._get_current_object() if current_user and current_user.is_authenticated else None


def safe_next(target: str | None, fallback: str) -> str:
    """Only paths on this site: a sign-in link must not be usable to send people elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return fallback


def _forget_previous_request() -> None:
    # Flask-Login keeps the user, and Flask-WTF the CSRF token, on ``g``, which outlives a request when an app
    # context was pushed before it (CLI, tests): decide both afresh for every request, as i18n does the locale.
    g.pop("_login_user", None)
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


def init_app(app: Flask) -> None:
    from archive.services.accounts import load_session_user

    app.config.setdefault("REMEMBER_COOKIE_DURATION", dt.timedelta(days=app.config["REMEMBER_DAYS"]))
    for name in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        app.config[name] = bool(app.config["SECURE_COOKIES"])
    app.config["SESSION_COOKIE_HTTPONLY"] = app.config["REMEMBER_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = app.config["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    # A CSRF token lives as long as the session, not one hour: data workers fill long forms.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)

    login_manager.init_app(app)
    app.before_request(_forget_previous_request)
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_session_user)

    @login_manager.unauthorized_handler
    def unauthorized():
        raise AuthenticationRequired("Sign in to see this page.")

    csrf.init_app(app)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        from app import _error_response  # the one place errors become responses

        return _error_response(400, "This form has expired or did not come from this site: reload the page "
                                    "and send it again.", [error.description])

    app.jinja_env.globals["current_viewer"] = current_viewer

    @app.after_request
    def keep_personal_answers_private(response: Response) -> Response:
        # What a signed-in person sees may be restricted: no shared cache may keep it for the next visitor.
        if current_user and current_user.is_authenticated:
            response.cache_control.public = False
            response.cache_control.private = True
            response.vary.add("Cookie")
        return response
