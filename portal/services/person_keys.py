"""Each person's key pair: made with the account, unlocked at sign-in, held per session.

Decision 0027, first slice. The private key is stored only under the person's
passphrase (`person_keys.private_key_wrapped`) and, while a session lives, under its
cookie token (`user_sessions.person_key_held`, emptied when the session ends). The
master key and INDEX_KEY have no part in either, so a copy of the server taken while
nobody is signed in cannot open what is sealed to a person.

The API later slices build on: `public_key_of(user)` and `seal_to(public_key, data,
context)` need no secret (a report can be sealed to an advocate who is signed out);
`unseal_for_session(session, cookie_token, sealed, context)` opens with the private key
held by that session. Services flush and never commit.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from portal.crypto import person_keys as crypto
from portal.crypto.kit import CryptoKit
from portal.crypto.passwords import Argon2Params
from portal.crypto.person_keys import PersonKeyError, PrivateKey
from portal.crypto.tokens import token_digest
from portal.models import User, UserSession, db, utcnow
from portal.models.accounts import PersonKey

__all__ = [
    "NoPersonKey",
    "PersonKeyError",
    "PersonKeyUnavailable",
    "create_person_key",
    "hold_in_session",
    "public_key_of",
    "rewrap_for_new_passphrase",
    "seal_to",
    "session_private_key",
    "unlock_at_sign_in",
    "unseal_for_session",
]

log = logging.getLogger(__name__)


class NoPersonKey(LookupError):
    """The account has no key pair yet (made before pairs existed, never signed in since)."""


class PersonKeyUnavailable(Exception):
    """No private key is usable in this session: it ended, its second factor is not
    done yet, the key could not be unlocked at sign-in, or the cookie is not its own."""


def _wrap_binding(user_id: int, public_keyset: bytes) -> str:
    return f"users:{user_id}:pub:{crypto.public_key_fingerprint(public_keyset)}"


def _hold_binding(session: UserSession) -> str:
    return f"user_sessions:{session.id}:users:{session.user_id}"


def _row_of(user: User) -> PersonKey | None:
    return db.session.scalar(select(PersonKey).where(PersonKey.user_id == user.id))


def public_key_of(user: User) -> bytes:
    """The serialized public keyset of `user`: anyone may seal to it.

    Raises:
        NoPersonKey: the account has none yet (it gets one at its next sign-in).
    """
    row = _row_of(user)
    if row is None:
        raise NoPersonKey(f"account {user.id} has no key pair yet")
    return bytes(row.public_keyset)


def seal_to(public_key: bytes, data: bytes, context: str) -> bytes:
    """Encrypt `data` to the holder of `public_key`, bound to `context` (see
    `portal.crypto.person_keys.seal_to`). Needs no secret and no session."""
    return crypto.seal_to(public_key, data, context)


def _store_wrapped(row: PersonKey, key: PrivateKey, passphrase: str,
                   params: Argon2Params) -> None:
    wrapped = crypto.wrap_under_passphrase(key, passphrase, params,
                                           _wrap_binding(row.user_id, row.public_keyset))
    row.private_key_wrapped = wrapped.ciphertext
    row.kdf_salt = wrapped.salt
    row.kdf_time_cost = params.time_cost
    row.kdf_memory_kib = params.memory_cost_kib
    row.kdf_parallelism = params.parallelism
    row.wrapped_at = utcnow()


def _open_wrapped(row: PersonKey, passphrase: str) -> PrivateKey:
    wrapped = crypto.WrappedPrivateKey(bytes(row.private_key_wrapped), bytes(row.kdf_salt),
                                       _params_of(row))
    return crypto.unwrap_with_passphrase(wrapped, passphrase,
                                         _wrap_binding(row.user_id, row.public_keyset))


def _params_of(row: PersonKey) -> Argon2Params:
    return Argon2Params(time_cost=row.kdf_time_cost, memory_cost_kib=row.kdf_memory_kib,
                        parallelism=row.kdf_parallelism)


def create_person_key(kit: CryptoKit, user: User, passphrase: str) -> PrivateKey:
    """Make `user`'s key pair, the private half wrapped under `passphrase` at the
    portal's Argon2 cost (the login hash's, so neither is the cheaper target). Returns
    the private key, so a sign-in need not derive the passphrase key twice.

    Raises:
        ValueError: the account already has a pair (it is never replaced silently:
            whatever was sealed to it would be lost).
    """
    if _row_of(user) is not None:
        raise ValueError(f"account {user.id} already has a key pair")
    key = PrivateKey.generate()
    row = PersonKey(user_id=user.id, public_keyset=key.public_keyset())
    _store_wrapped(row, key, passphrase, kit.hasher.params)
    db.session.add(row)
    db.session.flush()
    return key


def unlock_at_sign_in(kit: CryptoKit, user: User, passphrase: str,
                      cookie_token: str) -> bool:
    """After the passphrase was proven: unlock `user`'s private key (making the pair if
    the account predates pairs) and hold it in the session `cookie_token` names.

    Re-wraps the key when it was made at another Argon2 cost. Returns False, logging
    no secret, when the key does not open with the proven passphrase (the wrap was
    altered, or its public key swapped): the person is signed in without it.
    """
    session = db.session.scalar(
        select(UserSession).where(UserSession.token_digest == token_digest(cookie_token)))
    if session is None or session.user_id != user.id:
        raise PersonKeyUnavailable("the cookie names no session of this account")
    row = _row_of(user)
    if row is None:
        key = create_person_key(kit, user, passphrase)
    else:
        try:
            key = _open_wrapped(row, passphrase)
        except PersonKeyError:
            log.warning("the key pair of account %s did not open with its passphrase", user.id)
            return False
        if _params_of(row) != kit.hasher.params:
            _store_wrapped(row, key, passphrase, kit.hasher.params)
    hold_in_session(session, cookie_token, key)
    return True


def hold_in_session(session: UserSession, cookie_token: str, key: PrivateKey) -> None:
    """Keep `key` on the session row, encrypted under its cookie token."""
    session.person_key_held = crypto.hold_for_session(key, cookie_token, _hold_binding(session))


def session_private_key(session: UserSession, cookie_token: str) -> PrivateKey:
    """The private key held by `session`, opened with the browser's `cookie_token`.

    Raises:
        PersonKeyUnavailable: the session ended, its second factor is not done, it holds
            no key, or the token is not this session's.
    """
    if (session.revoked_at is not None or not session.second_factor_done
            or session.person_key_held is None
            or token_digest(cookie_token) != session.token_digest):
        raise PersonKeyUnavailable("no private key is usable in this session")
    try:
        return crypto.release_from_session(bytes(session.person_key_held), cookie_token,
                                           _hold_binding(session))
    except PersonKeyError:
        raise PersonKeyUnavailable("the held key does not open with this cookie") from None


def unseal_for_session(session: UserSession, cookie_token: str, sealed: bytes,
                       context: str) -> bytes:
    """Open a value sealed to the session's person with the key the session holds.

    Raises:
        PersonKeyUnavailable: see `session_private_key`.
        PersonKeyError: the value was sealed to someone else, under another context, or
            altered.
    """
    return session_private_key(session, cookie_token).open(sealed, context)


def rewrap_for_new_passphrase(kit: CryptoKit, user: User, current: str, new: str) -> None:
    """Wrap `user`'s private key under `new` (fresh salt), once `current` was proven.

    The key pair stays the same, so whatever was sealed to it stays readable, and a
    session holding it keeps working. An account without a pair gets one under `new`.
    If the key does not open with the proven passphrase (altered) it is left as it
    is and a warning logged: replacing it would lose what was sealed to it.
    """
    row = _row_of(user)
    if row is None:
        create_person_key(kit, user, new)
        return
    try:
        key = _open_wrapped(row, current)
    except PersonKeyError:
        log.warning("the key pair of account %s did not open with its passphrase", user.id)
        return
    _store_wrapped(row, key, new, kit.hasher.params)
