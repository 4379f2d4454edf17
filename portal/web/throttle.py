"""Guesses are counted before they are checked, under keys that hold no address or name.

Counters live in the rate limiter's storage (memory, or Redis shared by every process
when REDIS_URL is set); every key is an HMAC under a key derived from INDEX_KEY.

A guess at a secret (a passphrase, a code) first takes one of a limited number of
*places*; only then is it evaluated. Taking a place is one atomic step of the storage,
so parallel guesses cannot all be evaluated before any of them is counted. A failed
guess keeps its place for a minute; a successful one gives it back, so signing in
does not use up the allowance. Each place is a counter of its own that allows one hit
a minute: the storage increments it atomically and clears it at once, in memory and in
Redis alike.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from flask import current_app, request
from flask_login import current_user
from limits import RateLimitItemPerMinute
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

from portal.dependencies import crypto_kit
from portal.web import extensions  # the module: it imports this one for its default key

_ONCE_A_MINUTE = RateLimitItemPerMinute(1)


def keyed(purpose: str, value: str) -> str:
    """A rate-limit key for `value`: a keyed hash, so the storage never holds the value."""
    mac = hmac.new(crypto_kit().rate_limit_key, f"{purpose}:{value}".encode(), hashlib.sha256)
    return mac.hexdigest()[:32]


def account_key() -> str:
    """The key of the account named in a sign-in form, an HMAC of the username: the
    limiter's default key, so that no limit can ever fall back to the address."""
    username = (request.form.get("username") or "").strip().lower()
    return keyed("login", username)


def signed_in_account_key() -> str:
    """For guesses made inside a session (the second-factor code, a passphrase asked
    again): an HMAC of the account id."""
    return keyed("signed-in", str(getattr(current_user, "id", "")))


def login_failures_per_minute() -> int:
    return int(current_app.config["LOGIN_FAILURES_PER_MINUTE"])


@dataclass(frozen=True)
class Place:
    """One of the places a guess takes before it is evaluated."""

    scope: str
    key: str
    number: int

    def give_back(self) -> None:
        """The guess succeeded: it does not count against the allowance."""
        _places().clear(_ONCE_A_MINUTE, self.scope, self.key, str(self.number))


def take_place(scope: str, key: str, limit: int) -> Place:
    """Take one of `limit` places of `key` in `scope` before evaluating a guess.

    Raises TooManyRequests (429) when all are taken: `limit` guesses made in the last
    minute failed, or are being evaluated right now.
    """
    places = _places()
    for number in range(limit):
        if places.hit(_ONCE_A_MINUTE, scope, key, str(number)):
            return Place(scope, key, number)
    raise TooManyRequests()


def _places() -> FixedWindowRateLimiter:
    return FixedWindowRateLimiter(extensions.limiter.storage)


def count_in_window(scope: str, key: str, limit: int) -> None:
    """Count one event in the moving minute of `key`; raise TooManyRequests (429) when
    `limit` were counted already."""
    if not extensions.limiter.limiter.hit(RateLimitItemPerMinute(limit), scope, key):
        raise TooManyRequests()
