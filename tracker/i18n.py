"""Language: Norwegian Bokmål by default, English on request; ``no`` means ``nb``."""

from __future__ import annotations

from flask import Flask, request, session
from flask_babel import get_locale

from tracker.extensions import babel

# Browser language tags that mean Bokmål (``no`` matches neither nb nor nn in Babel).
_ALIASES = {"no": "nb", "nb": "nb", "nn": "nb", "en": "en"}


def select_locale() -> str:
    """The user's explicit choice, else the best Accept-Language match, else nb."""
    chosen = session.get("lang")
    if chosen in ("nb", "en"):
        return chosen
    for tag, _quality in request.accept_languages:
        primary = tag.lower().replace("_", "-").split("-")[0]
        if primary in _ALIASES:
            return _ALIASES[primary]
    return "nb"


def current_language() -> str:
    return str(get_locale() or "nb")


def in_language(obj, field: str) -> str:
    """``obj.<field>_en`` on English pages when it is filled in, else the Norwegian ``obj.<field>``."""
    if current_language() == "en":
        return getattr(obj, f"{field}_en", "") or getattr(obj, field)
    return getattr(obj, field)


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals.update(current_language=current_language, in_language=in_language)
