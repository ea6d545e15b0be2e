"""Interface languages: French (default), Arabic (right to left), English, Tamazight in Tifinagh.

The visitor's choice (a cookie set by the language switcher) wins over the browser's Accept-Language.
Content values carry their own language tags; these settings only concern the interface around them.
"""
from __future__ import annotations

from pathlib import Path

from babel import Locale
from flask import Flask, current_app, request
from flask_babel import Babel, get_locale, refresh

LOCALE_COOKIE = "twiza_lang"
babel = Babel()


def interface_languages() -> list[str]:
    return current_app.config["INTERFACE_LANGUAGES"]


def select_locale() -> str:
    chosen = request.cookies.get(LOCALE_COOKIE)
    if chosen in interface_languages():
        return chosen
    return request.accept_languages.best_match(interface_languages()) or current_app.config["DEFAULT_INTERFACE_LANGUAGE"]


def current_language() -> str:
    return str(get_locale() or current_app.config["DEFAULT_INTERFACE_LANGUAGE"])


def current_direction() -> str:
    return Locale.parse(current_language()).text_direction


def language_name(code: str) -> str:
    """A language's name in that language (français, العربية, English, ⵜⴰⵎⴰⵣⵉⵖⵜ)."""
    return Locale.parse(code).display_name or code


def init_app(app: Flask) -> None:
    app.config.setdefault(
        "BABEL_TRANSLATION_DIRECTORIES", str(Path(__file__).resolve().parent / "translations")
    )
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["DEFAULT_INTERFACE_LANGUAGE"]
    babel.init_app(app, locale_selector=select_locale)
    # Flask-Babel caches the locale on the app context, which outlives one request when a context was
    # already pushed (CLI, tests): decide afresh for every request.
    app.before_request(refresh)
    app.jinja_env.globals.update(
        current_language=current_language,
        current_direction=current_direction,
        language_name=language_name,
        interface_languages=interface_languages,
    )
