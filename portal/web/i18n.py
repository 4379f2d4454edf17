"""Choosing the language of a response, and what templates need to lay it out."""

from __future__ import annotations

from flask import g, request, session
from flask_babel import get_locale
from flask_login import current_user

from portal.localization import (
    DEFAULT_LOCALE,
    LOCALE_NAMES,
    SUPPORTED_LOCALES,
    text_direction,
)


def select_locale() -> str:
    """The person's own choice wins; until they choose, the browser's Accept-Language."""
    chosen = g.get("chosen_locale")
    if chosen in SUPPORTED_LOCALES:
        return str(chosen)
    if current_user and current_user.is_authenticated and current_user.locale in SUPPORTED_LOCALES:
        return str(current_user.locale)
    remembered = session.get("locale")
    if remembered in SUPPORTED_LOCALES:
        return str(remembered)
    return request.accept_languages.best_match(SUPPORTED_LOCALES) or DEFAULT_LOCALE


def template_globals() -> dict[str, object]:
    locale = str(get_locale() or DEFAULT_LOCALE)
    return {
        "current_locale": locale,
        "text_dir": text_direction(locale),
        "locale_names": LOCALE_NAMES,
        "supported_locales": SUPPORTED_LOCALES,
    }
