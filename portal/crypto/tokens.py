"""Random tokens, token digests for storage, and recovery codes.

Security assumptions: all randomness comes from :mod:`secrets` (the OS
CSPRNG). Tokens and recovery codes are secrets: never log them; store only
their digests.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

__all__ = [
    "MIN_TOKEN_BYTES",
    "RECOVERY_CODE_ALPHABET",
    "RECOVERY_CODE_CHARS",
    "constant_time_equal",
    "new_recovery_codes",
    "new_token",
    "normalize_recovery_code",
    "recovery_code_digest",
    "token_digest",
]

MIN_TOKEN_BYTES = 32
"""token_digest's unsalted fast hash is only safe for >= 256-bit tokens."""

RECOVERY_CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
"""Lowercase letters and digits without the look-alikes 0, o, 1, l and i."""

RECOVERY_CODE_CHARS = 12
"""12 symbols from a 31-symbol alphabet: about 59.4 bits of entropy."""

_RECOVERY_CODE_GROUP = 4

_MIN_HMAC_KEY_BYTES = 32

# Persian (U+06F0..U+06F9) and Arabic-Indic (U+0660..U+0669) digits are what
# phone keyboards in Iran and Afghanistan produce; codes only contain ASCII.
_DIGIT_MAP = {
    **{0x06F0 + i: str(i) for i in range(10)},
    **{0x0660 + i: str(i) for i in range(10)},
}

# Hyphen-like characters that keyboards and autocorrect substitute for "-".
_DASHES = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d")


def new_token(nbytes: int = 32) -> str:
    """Return a URL-safe random token built from ``nbytes`` random bytes.

    Raises:
        ValueError: if ``nbytes`` < :data:`MIN_TOKEN_BYTES`, because such a
            token would be unsafe to store with :func:`token_digest`.
    """
    if nbytes < MIN_TOKEN_BYTES:
        raise ValueError(f"tokens need at least {MIN_TOKEN_BYTES} random bytes")
    return secrets.token_urlsafe(nbytes)


def token_digest(token: str) -> str:
    """Return the hex SHA-256 of ``token`` (UTF-8), for storing it at rest.

    Used for invitation and session tokens. Because tokens from
    :func:`new_token` carry >= 256 bits of entropy, brute force and
    precomputation are infeasible, so an unsalted fast hash is the right
    tool (a slow password hash would only cost CPU per request) and lets us
    look the token up by digest. Do not use this for low-entropy secrets.

    Raises:
        TypeError: if ``token`` is not a ``str``.
    """
    if not isinstance(token, str):
        raise TypeError("token must be a str")
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def constant_time_equal(a: str, b: str) -> bool:
    """Compare two strings in time independent of where they differ.

    Both are UTF-8 encoded first, so non-ASCII input is allowed. The length
    of the inputs may still leak; compare fixed-length digests where that
    matters.

    Raises:
        TypeError: if either argument is not a ``str``.
    """
    if not isinstance(a, str) or not isinstance(b, str):
        raise TypeError("constant_time_equal compares str values")
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def new_recovery_codes(count: int = 10) -> list[str]:
    """Return ``count`` distinct recovery codes formatted like ``ab3d-9fkq-x2m7``.

    Each code has 12 symbols from :data:`RECOVERY_CODE_ALPHABET` drawn with
    :mod:`secrets` (~59 bits), enough for a single-use, rate-limited code
    stored as a keyed HMAC (:func:`recovery_code_digest`).

    Raises:
        ValueError: if ``count`` < 1.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    codes: list[str] = []
    seen: set[str] = set()
    while len(codes) < count:
        raw = "".join(
            secrets.choice(RECOVERY_CODE_ALPHABET) for _ in range(RECOVERY_CODE_CHARS)
        )
        # Collisions are astronomically unlikely, but duplicates in one set
        # would silently reduce the number of usable codes.
        if raw in seen:
            continue
        seen.add(raw)
        codes.append(
            "-".join(
                raw[i : i + _RECOVERY_CODE_GROUP]
                for i in range(0, RECOVERY_CODE_CHARS, _RECOVERY_CODE_GROUP)
            )
        )
    return codes


def normalize_recovery_code(typed: str) -> str:
    """Canonicalise a code as typed by a user before digesting it.

    Maps Persian and Arabic-Indic digits to ASCII, lowercases, and removes
    all whitespace and hyphen-like characters. It does not validate the
    result; a malformed code simply won't match any stored digest.

    Raises:
        TypeError: if ``typed`` is not a ``str``.
    """
    if not isinstance(typed, str):
        raise TypeError("recovery code must be a str")
    mapped = typed.translate(_DIGIT_MAP).lower()
    return "".join(ch for ch in mapped if not ch.isspace() and ch not in _DASHES)


def recovery_code_digest(code: str, key: bytes) -> str:
    """Return hex HMAC-SHA256(key, normalize_recovery_code(code)).

    A keyed MAC rather than a plain hash because recovery codes have only
    ~59 bits: without the key (kept outside the database, e.g. derived with
    ``envelope.derive_subkey``), a database leak does not allow offline
    guessing.

    Raises:
        TypeError: if ``code`` is not a ``str`` or ``key`` is not bytes.
        ValueError: if ``key`` is shorter than 32 bytes.
    """
    if not isinstance(key, (bytes, bytearray)):
        raise TypeError("key must be bytes")
    if len(key) < _MIN_HMAC_KEY_BYTES:
        raise ValueError(f"key must be at least {_MIN_HMAC_KEY_BYTES} bytes")
    normalized = normalize_recovery_code(code)
    return hmac.new(bytes(key), normalized.encode("utf-8"), hashlib.sha256).hexdigest()
