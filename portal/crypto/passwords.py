"""Passphrase hashing (Argon2id) and the passphrase strength policy.

Security assumptions:
- Every passphrase is NFC-normalised before hashing, verifying or policy
  checks, so the same text typed on different keyboards (e.g. a Persian
  phone keyboard and a desktop) produces the same bytes.
- Passphrases and hashes are never logged or put into exception messages here.
"""

from __future__ import annotations

import secrets
import threading
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = [
    "MAX_PASSPHRASE_CHARS",
    "MIN_ACCEPTABLE_SCORE",
    "ZXCVBN_MAX_CHARS",
    "Argon2Params",
    "PassphraseHasher",
    "PassphraseProblem",
    "PassphraseVerdict",
    "check_passphrase",
    "normalize_passphrase",
]

MAX_PASSPHRASE_CHARS = 256
"""Upper bound (in code points after NFC) accepted by the policy."""

MIN_ACCEPTABLE_SCORE = 3
"""Lowest zxcvbn score (0-4) that the policy accepts."""

ZXCVBN_MAX_CHARS = 100
"""Only this many leading characters are given to zxcvbn (see check_passphrase)."""

# zxcvbn stores the per-call user_inputs dictionary in a module-level global
# (matching.RANKED_DICTIONARIES) before matching, so two concurrent calls
# could evaluate one user's passphrase against another user's inputs. A lock
# keeps each call's inputs and matching together.
_ZXCVBN_LOCK = threading.Lock()

# Short fragments of names (e.g. "al") would match too much ordinary text.
_MIN_USER_INPUT_PART_CHARS = 3


def normalize_passphrase(p: str) -> str:
    """Return ``p`` in Unicode NFC form.

    Used by hashing, verification and the policy so that canonically
    equivalent strings (precomposed vs. combining sequences, as produced by
    different keyboards and input methods) are treated as the same
    passphrase. No other transformation (case folding, trimming) is applied:
    every other character the user typed is significant.

    Raises:
        TypeError: if ``p`` is not a ``str``.
    """
    if not isinstance(p, str):
        raise TypeError("passphrase must be a str")
    return unicodedata.normalize("NFC", p)


@dataclass(frozen=True)
class Argon2Params:
    """Argon2id cost parameters.

    The defaults follow RFC 9106's second recommended option (t=3, 64 MiB)
    and the OWASP password-storage guidance. Tests use much cheaper values.
    """

    time_cost: int = 3
    memory_cost_kib: int = 65536
    parallelism: int = 4


class PassphraseHasher:
    """Hashes and verifies passphrases with Argon2id.

    Security assumptions: hashes are PHC strings produced by argon2-cffi with
    a random 16-byte salt per hash; argon2-cffi compares digests in constant
    time. Inputs are NFC-normalised (see :func:`normalize_passphrase`).
    Callers must bound request sizes: Argon2 pre-hashes its input, so cost
    grows linearly with passphrase length.
    """

    def __init__(self, params: Argon2Params | None = None) -> None:
        """Build a hasher for ``params`` (defaults to :class:`Argon2Params`()).

        Raises:
            argon2.exceptions.UnsupportedParametersError or ValueError: if the
                parameters are rejected by argon2-cffi.
        """
        self._params = params if params is not None else Argon2Params()
        self._hasher = PasswordHasher(
            time_cost=self._params.time_cost,
            memory_cost=self._params.memory_cost_kib,
            parallelism=self._params.parallelism,
            hash_len=32,
            salt_len=16,
            type=Type.ID,
        )
        self._dummy_hash: str | None = None

    @property
    def params(self) -> Argon2Params:
        """The cost parameters new hashes are created with."""
        return self._params

    def hash(self, passphrase: str) -> str:
        """Return an Argon2id PHC-format hash of the NFC-normalised passphrase.

        Raises:
            TypeError: if ``passphrase`` is not a ``str``.
            argon2.exceptions.HashingError: if hashing fails (e.g. out of memory).
        """
        return self._hasher.hash(normalize_passphrase(passphrase))

    def verify(self, stored_hash: str, passphrase: str) -> bool:
        """Return True iff ``passphrase`` matches ``stored_hash``.

        Returns False (never raises) for a wrong passphrase and for a
        malformed or unsupported stored hash, so a corrupted row cannot be
        turned into a distinguishable error at login.

        Raises:
            TypeError: if ``passphrase`` is not a ``str``.
        """
        candidate = normalize_passphrase(passphrase)
        try:
            return self._hasher.verify(stored_hash, candidate)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        """Return True if ``stored_hash`` was made with parameters other than ours.

        Call after a successful :meth:`verify` and, if True, store
        ``hash(passphrase)``. A malformed hash also returns True (it should be
        replaced); it never raises for bad input.
        """
        try:
            return self._hasher.check_needs_rehash(stored_hash)
        except (InvalidHashError, ValueError):
            return True

    def dummy_verify(self, passphrase: str) -> None:
        """Spend the same time as :meth:`verify` and discard the result.

        Call this when the account named at login does not exist, so the
        response time does not reveal which accounts exist. The fixed hash is
        of a random secret and is computed once per hasher (lazily, so the
        first call pays one extra hash; call it at startup to warm it up).

        Raises:
            TypeError: if ``passphrase`` is not a ``str``.
        """
        dummy = self._dummy_hash
        if dummy is None:
            # A benign race here only computes an equivalent hash twice.
            dummy = self._hasher.hash(secrets.token_urlsafe(32))
            self._dummy_hash = dummy
        self.verify(dummy, passphrase)


class PassphraseProblem(StrEnum):
    """Why a passphrase was refused by :func:`check_passphrase`."""

    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    TOO_GUESSABLE = "too_guessable"
    CONTAINS_PERSONAL_INFO = "contains_personal_info"


@dataclass(frozen=True)
class PassphraseVerdict:
    """Outcome of :func:`check_passphrase`.

    ``suggestions`` is intentionally left empty by this layer: the web layer
    writes translated advice based on ``problem``; zxcvbn's English feedback
    must not reach users.
    """

    problem: PassphraseProblem | None
    min_chars: int
    suggestions: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True if the passphrase is acceptable."""
        return self.problem is None


def _expand_user_inputs(user_inputs: Iterable[str]) -> list[str]:
    """Return the inputs plus their word parts and separator-free joins.

    zxcvbn only matches whole inputs, so a display name "Mahsa Rezaei" would
    otherwise not be found in "mahsarezaei2024".
    """
    expanded: list[str] = []
    for raw in user_inputs:
        value = normalize_passphrase(str(raw)).strip().lower()
        if not value:
            continue
        parts = [
            part
            for part in "".join(ch if ch.isalnum() else " " for ch in value).split()
            if len(part) >= _MIN_USER_INPUT_PART_CHARS
        ]
        for candidate in (value, "".join(parts), *parts):
            if candidate and candidate not in expanded:
                expanded.append(candidate)
    return expanded


def _mentions_user_input(matches: Iterable[Mapping[str, Any]]) -> bool:
    """True if any match (including repeats' base matches) is a user input."""
    for match in matches:
        if match.get("dictionary_name") == "user_inputs":
            return True
        base = match.get("base_matches")
        if base and _mentions_user_input(base):
            return True
    return False


def check_passphrase(
    passphrase: str, *, min_chars: int, user_inputs: Sequence[str] = ()
) -> PassphraseVerdict:
    """Apply the passphrase policy and return a verdict (never raises on content).

    Rules, in order: length in Unicode code points after NFC must be within
    ``[min_chars, MAX_PASSPHRASE_CHARS]``; then the zxcvbn score must be at
    least :data:`MIN_ACCEPTABLE_SCORE`. There are deliberately no
    composition rules (digits, symbols, case), which push users towards
    predictable patterns and do not fit non-Latin scripts. ``user_inputs``
    (username, display name, e-mail...) are given to zxcvbn so passphrases
    built around them score low; if such a match is found in a low-scoring
    passphrase the problem is CONTAINS_PERSONAL_INFO, else TOO_GUESSABLE.

    Raises:
        TypeError: if ``passphrase`` is not a ``str``.
        ValueError: if ``min_chars`` is not in ``1..MAX_PASSPHRASE_CHARS``.
    """
    if not 1 <= min_chars <= MAX_PASSPHRASE_CHARS:
        raise ValueError(f"min_chars must be between 1 and {MAX_PASSPHRASE_CHARS}")
    normalized = normalize_passphrase(passphrase)
    length = len(normalized)
    if length < min_chars:
        return PassphraseVerdict(PassphraseProblem.TOO_SHORT, min_chars)
    if length > MAX_PASSPHRASE_CHARS:
        return PassphraseVerdict(PassphraseProblem.TOO_LONG, min_chars)

    # zxcvbn is slow on long strings (and refuses them outright). A
    # passphrase longer than ZXCVBN_MAX_CHARS that passed the length checks
    # is long enough: the extra characters can only add strength, so scoring
    # the prefix is a conservative lower bound.
    sample = normalized[:ZXCVBN_MAX_CHARS]
    inputs = _expand_user_inputs(user_inputs)
    # Imported here: its dictionaries take ~12 MiB, which a process that never sets a
    # passphrase (an upload worker) should not carry.
    from zxcvbn import zxcvbn

    with _ZXCVBN_LOCK:
        result = zxcvbn(sample, user_inputs=inputs, max_length=ZXCVBN_MAX_CHARS)
    score = int(result["score"])
    if score >= MIN_ACCEPTABLE_SCORE:
        return PassphraseVerdict(None, min_chars)
    if _mentions_user_input(result.get("sequence", ())):
        return PassphraseVerdict(PassphraseProblem.CONTAINS_PERSONAL_INFO, min_chars)
    return PassphraseVerdict(PassphraseProblem.TOO_GUESSABLE, min_chars)
