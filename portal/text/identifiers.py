"""The one form of an identifier that families type in many ways (decision 0028).

Two families must reach the same form for the same phone number or account, or
the blind index cannot tie them together: ``۰۹۱۲ ۱۲۳ ۴۵۶۷``, ``+98 912 123 4567``,
``00989121234567`` and ``989121234567`` are all ``+989121234567``; ``@Sample_Agent``,
``https://www.instagram.com/sample_agent/`` and ``sample_agent`` are one Instagram
account. Pure functions over ``str`` (and the ``phonenumbers`` library): a value
that cannot be read raises :class:`IdentifierRefused` with a reason code, which the
service turns into a translated message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import phonenumbers

from portal.text.normalise import normal_form

__all__ = ["KINDS", "PLATFORMS", "IdentifierRefused", "NormalIdentifier", "normalise_identifier",
           "phone_for_display"]

KINDS = ("phone", "account", "email", "official", "place", "vehicle_plate")
PLATFORMS = ("whatsapp", "telegram", "instagram", "x", "facebook", "other")
MAX_VALUE_CHARS = 300
# Numbers typed without a country code are read as Iranian (09xx, 021…): most of the
# calls and messages families record come from Iran. Others need their +code.
DEFAULT_REGION = "IR"

_HANDLE = re.compile(r"[a-z0-9._-]{1,100}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
# Hosts of profile addresses, so that a pasted link and a typed handle agree.
_PROFILE_HOSTS = ("instagram.com", "t.me", "telegram.me", "x.com", "twitter.com",
                  "facebook.com", "fb.com", "m.facebook.com", "wa.me")
# Path words before the handle in some profile addresses (t.me/s/handle).
_PATH_PREFIXES = frozenset({"s", "u", "profile", "people", "channel"})
_PLATE_NOISE = re.compile(r"[\s\-_|/.·]+|iran|ایران")


class IdentifierRefused(ValueError):
    """The value cannot be read as an identifier of its kind; `reason` says why
    (empty, too_long, phone_invalid, handle_invalid, email_invalid, platform_missing,
    kind_unknown)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class NormalIdentifier:
    """An identifier in the form it is matched on: `key` is what is hashed (kind,
    platform and normal form), `shown` what a reader sees."""

    kind: str
    platform: str
    normal: str

    @property
    def key(self) -> str:
        return f"{self.kind}\x00{self.platform}\x00{self.normal}"

    @property
    def shown(self) -> str:
        if self.kind == "phone" or (self.kind == "account" and self.normal.startswith("+")):
            return phone_for_display(self.normal)
        if self.kind == "account":
            return "@" + self.normal
        return self.normal


def normalise_identifier(kind: str, value: str, platform: str = "") -> NormalIdentifier:
    """The normal form of `value` as an identifier of `kind` (and `platform`, for an
    account). Raises IdentifierRefused when it cannot be read."""
    text = value.strip()
    if not text:
        raise IdentifierRefused("empty")
    if len(text) > MAX_VALUE_CHARS:
        raise IdentifierRefused("too_long")
    if kind == "phone":
        return NormalIdentifier(kind, "", normal_phone(text))
    if kind == "account":
        if platform not in PLATFORMS:
            raise IdentifierRefused("platform_missing")
        return NormalIdentifier(kind, platform, normal_account(platform, text))
    if kind == "email":
        return NormalIdentifier(kind, "", normal_email(text))
    if kind in ("official", "place"):
        return NormalIdentifier(kind, "", normal_form(text))
    if kind == "vehicle_plate":
        plate = _PLATE_NOISE.sub("", normal_form(text))
        if not plate:
            raise IdentifierRefused("empty")
        return NormalIdentifier(kind, "", plate)
    raise IdentifierRefused("kind_unknown")


def normal_phone(text: str) -> str:
    """E.164 (``+989121234567``). Persian and Arabic-Indic digits, spaces, dashes and
    brackets are read; a number without a country code is read as Iranian; an
    impossible number is refused rather than stored in a form that would never match."""
    digits = normal_form(text)
    try:
        number = phonenumbers.parse(digits, DEFAULT_REGION)
    except phonenumbers.NumberParseException as error:
        raise IdentifierRefused("phone_invalid") from error
    if not phonenumbers.is_valid_number(number):
        raise IdentifierRefused("phone_invalid")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_for_display(e164: str) -> str:
    """``+98 912 123 4567``: the international format, grouped as people read it."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def normal_account(platform: str, text: str) -> str:
    """The handle, lower case, without ``@`` or the profile address around it. A
    WhatsApp account is its phone number (E.164), whether typed or in a wa.me link."""
    handle = _handle_of(normal_form(text))
    if platform == "whatsapp":
        return normal_phone(handle)
    if not _HANDLE.fullmatch(handle):
        raise IdentifierRefused("handle_invalid")
    return handle


def _handle_of(text: str) -> str:
    text = text.strip().lstrip("@")
    try:
        parts = urlsplit(text if "://" in text else "//" + text)
    except ValueError:  # an unbalanced [ in what looked like an address
        return text
    host = (parts.hostname or "").removeprefix("www.")
    if host in _PROFILE_HOSTS or ("/" in text and "." in host):
        segments = [s for s in parts.path.split("/") if s]
        while segments and segments[0] in _PATH_PREFIXES:
            segments.pop(0)
        text = segments[0] if segments else ""
    return text.strip().lstrip("@")


def normal_email(text: str) -> str:
    """Lower case, digits in ASCII; refused unless it looks like name@domain.tld."""
    address = normal_form(text).removeprefix("mailto:")
    if not _EMAIL.fullmatch(address):
        raise IdentifierRefused("email_invalid")
    return address
