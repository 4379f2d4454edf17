"""Choosing the language of a response, and what templates need to lay it out."""

from __future__ import annotations

from flask import g, has_request_context, request, session
from flask_babel import get_locale, refresh
from flask_login import current_user

from portal.localization import (
    DEFAULT_LOCALE,
    LOCALE_NAMES,
    SUPPORTED_LOCALES,
    text_direction,
)

LOCALE_KEY = "locale"  # the session key holding the language chosen before sign-in


def suggest_locale(locale: str | None) -> None:
    """Use `locale` for this page unless the person chose a language themselves.

    An invitation carries the language the inviter picked for the invitee.
    """
    g.suggested_locale = locale
    refresh()


def select_locale() -> str:
    """The person's own choice wins; until they choose, the browser's Accept-Language.

    Outside a request (the CLI) messages are in the default language.
    """
    if not has_request_context():
        return DEFAULT_LOCALE
    chosen = g.get("chosen_locale")
    if chosen in SUPPORTED_LOCALES:
        return str(chosen)
    if current_user and current_user.is_authenticated and current_user.locale in SUPPORTED_LOCALES:
        return str(current_user.locale)
    remembered = session.get(LOCALE_KEY)
    if remembered in SUPPORTED_LOCALES:
        return str(remembered)
    suggested = g.get("suggested_locale")
    if suggested in SUPPORTED_LOCALES:
        return str(suggested)
    return request.accept_languages.best_match(SUPPORTED_LOCALES) or DEFAULT_LOCALE


def template_globals() -> dict[str, object]:
    locale = str(get_locale() or DEFAULT_LOCALE)
    return {
        "current_locale": locale,
        "text_dir": text_direction(locale),
        "locale_names": LOCALE_NAMES,
        "supported_locales": SUPPORTED_LOCALES,
    }
