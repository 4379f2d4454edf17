"""Passphrase rules per role, with the advice a person sees when one is refused."""

from __future__ import annotations

from collections.abc import Sequence

from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.crypto.passwords import (
    MAX_PASSPHRASE_CHARS,
    PassphraseProblem,
    check_passphrase,
)
from portal.models import Role
from portal.services.errors import ValidationFailed

FAMILY_MIN_CHARS = 12
STAFF_MIN_CHARS = 15


def min_chars_for(role: Role) -> int:
    return STAFF_MIN_CHARS if role.is_staff else FAMILY_MIN_CHARS


def require_acceptable_passphrase(
    passphrase: str, role: Role, user_inputs: Sequence[str], field: str = "passphrase"
) -> None:
    """Raise ValidationFailed, with advice, unless the passphrase suits the role."""
    min_chars = min_chars_for(role)
    # The portal's own name is a word an attacker tries first, whatever it is set to.
    verdict = check_passphrase(passphrase, min_chars=min_chars, user_inputs=user_inputs,
                               context=[current_app.config["PORTAL_NAME"]])
    if verdict.ok:
        return
    messages = {
        PassphraseProblem.TOO_SHORT: _l(
            "Use at least %(min)d characters. A few unrelated words make a strong, "
            "memorable passphrase.", min=min_chars),
        PassphraseProblem.TOO_LONG: _l(
            "Use at most %(max)d characters.", max=MAX_PASSPHRASE_CHARS),
        PassphraseProblem.TOO_GUESSABLE: _l(
            "This passphrase is too easy to guess. Avoid common phrases, keyboard patterns "
            "and repeated characters; try four or five unrelated words."),
        PassphraseProblem.CONTAINS_PERSONAL_INFO: _l(
            "This passphrase contains your name or username, which makes it easy to guess. "
            "Choose words that have nothing to do with you."),
    }
    assert verdict.problem is not None
    raise ValidationFailed(messages[verdict.problem], field=field)
