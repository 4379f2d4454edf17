"""The signed-in person's private key, for this request only (decision 0027).

The session row holds the key encrypted under the cookie's token; this module is where
the web layer, which alone sees the cookie, hands that token to the service. Nothing
here keeps the key beyond the call.
"""

from __future__ import annotations

from portal.dependencies import crypto_kit, session_policy
from portal.models import User
from portal.services import person_keys
from portal.services.person_keys import PersonKeyUnavailable
from portal.services.sessions import drop_stale_held_keys
from portal.web.authn import browser_session_token, current_session


def unlock_after_passphrase(user: User, passphrase: str) -> bool:
    """Right after `start_session`: unlock (or make) `user`'s key pair with the passphrase
    just proven and hold it in the new session. False when it could not be unlocked.

    Every sign-in also empties the keys held by abandoned sessions (anyone's), so no
    held key outlives its session's limits by more than the time to the next sign-in.
    """
    drop_stale_held_keys(session_policy())
    token = browser_session_token()
    if token is None:
        return False
    return person_keys.unlock_at_sign_in(crypto_kit(), user, passphrase, token)


def unseal_in_this_session(sealed: bytes, context: str) -> bytes:
    """Open a value sealed to the signed-in person, with the key their session holds.

    Raises:
        PersonKeyUnavailable: not signed in (fully), or the session holds no usable key.
        PersonKeyError: the value is not for this person, or was altered.
    """
    live = current_session()
    token = browser_session_token()
    if live is None or token is None:
        raise PersonKeyUnavailable("no signed-in session")
    return person_keys.unseal_for_session(live, token, sealed, context)
