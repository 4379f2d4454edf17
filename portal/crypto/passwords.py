"""Passphrase hashing (Argon2id) and the passphrase strength policy.

Security assumptions:
- Every passphrase is put in its passphrase form (passphrase_form.py: NFKC, and
  the Arabic letters ك ي ى ە ۀ as the Persian ک ی ی ه هٔ) before hashing,
  verifying or policy checks, so the same text typed on different keyboards (a
  Persian phone keyboard, an Arabic layout, a desktop) produces the same bytes.
  A hash made before that form existed (of the NFC text) is still accepted, and
  the caller is told to replace it (`verify_and_update`).
- Passphrases and hashes are never logged or put into exception messages here.
- The policy scores a passphrase against the words of this portal's context
  (passphrase_context.py) as well as the person's own names: neither adds strength.
"""

from __future__ import annotations

import secrets
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from portal.crypto.passphrase_context import CONTEXT_WORDS
from portal.crypto.passphrase_form import passphrase_form

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
    "passphrase_form",
]

MAX_PASSPHRASE_CHARS = 256
"""Upper bound (in code points of the passphrase form) accepted by the policy."""

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

    The form account passphrases were hashed in before :func:`passphrase_form`
    (still tried at sign-in, see :meth:`PassphraseHasher.verify_and_update`), and
    the form of the audit checkpoint key's passphrase, whose derived key must not
    change. Canonically equivalent strings (precomposed vs. combining sequences)
    are the same; no other transformation (case folding, trimming) is applied.

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
    time. Inputs are hashed in their passphrase form (:func:`passphrase_form`);
    verification also tries the NFC form older hashes were made of, only when it
    differs, and a login for an unknown account does the same work
    (:meth:`dummy_verify`), so the time taken says nothing about the account.
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
        """Return an Argon2id PHC-format hash of the passphrase form of ``passphrase``.

        Raises:
            TypeError: if ``passphrase`` is not a ``str``.
            argon2.exceptions.HashingError: if hashing fails (e.g. out of memory).
        """
        return self._hasher.hash(passphrase_form(passphrase))

    def verify(self, stored_hash: str, passphrase: str) -> bool:
        """Return True iff ``passphrase`` matches ``stored_hash`` (in its passphrase
        form, or in the NFC form of hashes made before it).

        Returns False (never raises) for a wrong passphrase and for a
        malformed or unsupported stored hash, so a corrupted row cannot be
        turned into a distinguishable error at login.

        Raises:
            TypeError: if ``passphrase`` is not a ``str``.
        """
        matched, _ = self.verify_and_update(stored_hash, passphrase)
        return matched

    def verify_and_update(self, stored_hash: str, passphrase: str) -> tuple[bool, str | None]:
        """Whether ``passphrase`` matches ``stored_hash``, and the hash to store instead.

        The second value is a new hash when the stored one should be replaced: it
        matched only the NFC form of a hash made before the passphrase form, or its
        parameters are not ours; otherwise None. Never raises for a wrong
        passphrase or a malformed hash (False, None).

        Raises:
            TypeError: if ``passphrase`` is not a ``str``.
            argon2.exceptions.HashingError: if making the new hash fails.
        """
        current = passphrase_form(passphrase)
        if self._matches(stored_hash, current):
            return True, self.hash(passphrase) if self.needs_rehash(stored_hash) else None
        legacy = normalize_passphrase(passphrase)
        if legacy != current and self._matches(stored_hash, legacy):
            return True, self.hash(passphrase)
        return False, None

    def _matches(self, stored_hash: str, candidate: str) -> bool:
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


# Only for scoring: the same word typed on a Persian, an Arabic or a Latin keyboard
# (Persian, Arabic-Indic or ASCII digits; Arabic or Persian yeh and kaf; with or
# without the zero-width non-joiner) is the same guess.
_SCORING_FOLD = str.maketrans({
    **{chr(0x06F0 + d): str(d) for d in range(10)},
    **{chr(0x0660 + d): str(d) for d in range(10)},
    "\u064a": "\u06cc", "\u0649": "\u06cc", "\u0643": "\u06a9", "\u200c": None,
})


def _scoring_form(text: str) -> str:
    return passphrase_form(text).translate(_SCORING_FOLD)


def _expand_user_inputs(user_inputs: Iterable[str]) -> list[str]:
    """Return the inputs plus their word parts and separator-free joins, lowercased.

    zxcvbn only matches whole inputs, so a display name "Mahsa Rezaei" would
    otherwise not be found in "mahsarezaei2024".
    """
    expanded: list[str] = []
    for raw in user_inputs:
        value = _scoring_form(str(raw)).strip().lower()
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


_CONTEXT_INPUTS = tuple(_expand_user_inputs(CONTEXT_WORDS))


def _user_input_matches(matches: Iterable[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    """The matches that are one of the user inputs, or repeat one."""
    for match in matches:
        if match.get("dictionary_name") == "user_inputs" or any(
                _user_input_matches(match.get("base_matches") or ())):
            yield match


def _matched_words(match: Mapping[str, Any]) -> Iterator[str]:
    if match.get("dictionary_name") == "user_inputs":
        yield str(match.get("matched_word", ""))
    for base in _user_input_matches(match.get("base_matches") or ()):
        yield from _matched_words(base)


def _without(sample: str, matches: Iterable[Mapping[str, Any]]) -> str:
    """`sample` with the characters of `matches` taken out."""
    covered = {index for match in matches for index in range(match["i"], match["j"] + 1)}
    return "".join(ch for index, ch in enumerate(sample) if index not in covered)


def _score_without_known_words(
    sample: str, inputs: list[str]
) -> tuple[int, list[Mapping[str, Any]]]:
    """The zxcvbn score of `sample`, then of what is left once the known words zxcvbn
    found are taken out, again until it finds none or the score is too low; and the
    known-word matches found on the way. zxcvbn may leave a known word inside a
    brute-force stretch when that makes its sequence shorter, hence the rounds.
    Call with _ZXCVBN_LOCK held."""
    # Imported here: its dictionaries take ~12 MiB, which a process that never sets a
    # passphrase (an upload worker) should not carry.
    from zxcvbn import zxcvbn

    known: list[Mapping[str, Any]] = []
    rest = sample
    while rest:
        result = zxcvbn(rest, user_inputs=inputs, max_length=ZXCVBN_MAX_CHARS)
        found = list(_user_input_matches(result.get("sequence", ())))
        known += found
        if not found or int(result["score"]) < MIN_ACCEPTABLE_SCORE:
            return int(result["score"]), known
        rest = _without(rest, found)
    return 0, known


def check_passphrase(
    passphrase: str, *, min_chars: int, user_inputs: Sequence[str] = (),
    context: Sequence[str] = (),
) -> PassphraseVerdict:
    """Apply the passphrase policy and return a verdict (never raises on content).

    Rules, in order: length in Unicode code points of the passphrase form
    (:func:`passphrase_form`, the form that is hashed) must be within
    ``[min_chars, MAX_PASSPHRASE_CHARS]``; then the zxcvbn score must be at
    least :data:`MIN_ACCEPTABLE_SCORE`, both for the whole passphrase and for
    what is left of it once the known words (below) found in it are taken out:
    zxcvbn credits any sequence of three words with 10^8 guesses, so
    "Ukraine752Flight" would pass on the whole alone. There are deliberately no
    composition rules (digits, symbols, case), which push users towards
    predictable patterns and do not fit non-Latin scripts. ``user_inputs``
    (username, display name, e-mail...) and ``context`` (the portal's name)
    are given to zxcvbn with the portal's context words (CONTEXT_WORDS), scored
    in a folded form (Persian digits as ASCII, Arabic yeh and kaf as Persian).
    If a refused passphrase holds one of ``user_inputs`` the problem is
    CONTAINS_PERSONAL_INFO, else TOO_GUESSABLE.

    Raises:
        TypeError: if ``passphrase`` is not a ``str``.
        ValueError: if ``min_chars`` is not in ``1..MAX_PASSPHRASE_CHARS``.
    """
    if not 1 <= min_chars <= MAX_PASSPHRASE_CHARS:
        raise ValueError(f"min_chars must be between 1 and {MAX_PASSPHRASE_CHARS}")
    normalized = passphrase_form(passphrase)
    length = len(normalized)
    if length < min_chars:
        return PassphraseVerdict(PassphraseProblem.TOO_SHORT, min_chars)
    if length > MAX_PASSPHRASE_CHARS:
        return PassphraseVerdict(PassphraseProblem.TOO_LONG, min_chars)

    # zxcvbn is slow on long strings (and refuses them outright). A
    # passphrase longer than ZXCVBN_MAX_CHARS that passed the length checks
    # is long enough: the extra characters can only add strength, so scoring
    # the prefix is a conservative lower bound.
    sample = _scoring_form(normalized[:ZXCVBN_MAX_CHARS])
    personal = _expand_user_inputs(user_inputs)
    # Most likely first, each word once: zxcvbn ranks a word by its last position.
    inputs = list(dict.fromkeys([*personal, *_expand_user_inputs(context), *_CONTEXT_INPUTS]))
    with _ZXCVBN_LOCK:
        score, known = _score_without_known_words(sample, inputs)
    if score >= MIN_ACCEPTABLE_SCORE:
        return PassphraseVerdict(None, min_chars)
    if any(word in personal for match in known for word in _matched_words(match)):
        return PassphraseVerdict(PassphraseProblem.CONTAINS_PERSONAL_INFO, min_chars)
    return PassphraseVerdict(PassphraseProblem.TOO_GUESSABLE, min_chars)
