"""What every page template needs: who is signed in, how far, and translated labels."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from flask import g
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import select

from portal.localization import persian_digits
from portal.models import IncidentTypeTerm, db, utcnow
from portal.policy import permissions_of
from portal.vocabulary import label
from portal.vocabulary.audit import ACTION_LABELS, OUTCOME_LABELS
from portal.vocabulary.evidence import CUSTODY_LABELS
from portal.vocabulary.people import role_label
from portal.web.access import Stage, current_stage
from portal.web.incident_display import field_label
from portal.web.plain_words import (
    comma,
    human_size,
    local_time,
    person_name,
    separator,
    timezone_name,
)
from portal.web.vocabulary import country_name


def layout_context() -> dict[str, object]:
    signed_in = bool(current_user and current_user.is_authenticated)
    return {
        "full_access": signed_in and current_stage() is Stage.FULL,
        "held_permissions": {str(p) for p in permissions_of(current_user)} if signed_in else set(),
        "role_label": role_label,
        "action_label": lambda action: ACTION_LABELS.get(action, action),
        "outcome_label": lambda outcome: OUTCOME_LABELS.get(outcome, outcome),
        "custody_label": lambda action: CUSTODY_LABELS.get(action, action),
        "now": utcnow(),
        "vocabulary_label": label,
        "country_name": country_name,
        "language_name": language_name,
        "type_label": type_label,
        "field_label": field_label,
        # Plain words for family members (portal/web/plain_words.py).
        "local_time": local_time,
        "human_size": human_size,
        "dot": separator(),
        "comma": comma(),
        "timezone_name": timezone_name,
        "person_name": person_name,
    }


def local_digits(value: object) -> str:
    """A number written with Persian digits on Persian pages, as a reader expects."""
    text = str(value)
    return persian_digits(text) if str(get_locale() or "") == "fa" else text


def type_label(code: str) -> str:
    """An incident type's name in the page's language (the terms are read once per request)."""
    if "type_labels" not in g:
        locale = str(get_locale() or "en")
        g.type_labels = {t.code: t.label(locale) for t in db.session.scalars(
            select(IncidentTypeTerm))}
    return str(g.type_labels.get(code, code))


def language_name(code: str) -> str:
    """A language's name in the page's language ("fa" reads "persan" on a French page)."""
    try:
        name = Locale.parse(code).get_display_name(str(get_locale() or "en"))
    except (ValueError, UnknownLocaleError):
        return code
    return name or code
