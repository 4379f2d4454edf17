"""Per-person key pairs (decision 0027, first slice): made with the account, unlocked at
sign-in, held by the session under its cookie, useless to a copy of the database, kept
across a passphrase change, and dropped when the session ends."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import delete, select

from portal.crypto import person_keys as crypto
from portal.crypto.passwords import Argon2Params
from portal.crypto.person_keys import PersonKeyError
from portal.models import Role, User, UserSession, db
from portal.models.accounts import PersonKey
from portal.services import person_keys
from portal.services.person_keys import PersonKeyUnavailable
from portal.web.auth.keyring import unseal_in_this_session
from tests.conftest import KNOWN_SECRETS
from tests.support.client import BrowserClient
from tests.support.factories import Account, make_account
from tests.support.journeys import sign_in, sign_out

NEW_PASSPHRASE = "heron walnut lagoon saffron tide"
KNOWN_SECRETS.add(NEW_PASSPHRASE)
CANARY = b"canary-person-key-7f3a: the narrative only its reader may open"


def cookie_token(app: Flask, client: BrowserClient) -> str:
    """The session token inside this browser's cookie (what only the browser holds)."""
    cookie = client.get_cookie("portal")
    assert cookie is not None
    token = app.session_interface.get_signing_serializer(app).loads(  # type: ignore[attr-defined]
        cookie.value)["sid"]
    assert isinstance(token, str)
    return token


def sealed_to(app: Flask, account: Account, data: bytes = CANARY,
              context: str = "test:person-key") -> bytes:
    """A value sealed to `account` as a later slice will (public key only, no session)."""
    with app.app_context():
        return person_keys.seal_to(person_keys.public_key_of(account.reload()), data, context)


@contextmanager
def in_their_session(app: Flask, client: BrowserClient) -> Iterator[None]:
    """Run the body inside a request carrying this browser's cookie, as a view would."""
    cookie = client.get_cookie("portal")
    assert cookie is not None
    with app.test_request_context("/account", headers={"Cookie": f"portal={cookie.value}"}):
        yield


def sessions_of(app: Flask, account: Account) -> list[UserSession]:
    with app.app_context():
        rows = list(db.session.scalars(select(UserSession)
                                       .where(UserSession.user_id == account.id)
                                       .order_by(UserSession.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


def key_row(app: Flask, account: Account) -> PersonKey:
    with app.app_context():
        row = db.session.scalar(select(PersonKey).where(PersonKey.user_id == account.id))
        assert row is not None
        db.session.expunge(row)
        return row


def unwraps_with(row: PersonKey, passphrase: str) -> bool:
    params = Argon2Params(row.kdf_time_cost, row.kdf_memory_kib, row.kdf_parallelism)
    wrapped = crypto.WrappedPrivateKey(row.private_key_wrapped, row.kdf_salt, params)
    binding = f"users:{row.user_id}:pub:{crypto.public_key_fingerprint(row.public_keyset)}"
    try:
        crypto.unwrap_with_passphrase(wrapped, passphrase, binding)
    except PersonKeyError:
        return False
    return True


def test_signing_in_holds_the_key_and_opens_what_was_sealed_to_the_person(
        app: Flask, client: BrowserClient):
    family = make_account(app, Role.FAMILY_MEMBER)
    sealed = sealed_to(app, family)  # before they sign in: only the public key is needed
    sign_in(client, family)
    [live] = sessions_of(app, family)
    assert live.person_key_held is not None
    with in_their_session(app, client):
        assert unseal_in_this_session(sealed, "test:person-key") == CANARY
        with pytest.raises(PersonKeyError):  # bound to its context
            unseal_in_this_session(sealed, "test:another-context")


def test_the_private_key_is_stored_only_under_the_passphrase(app: Flask):
    family = make_account(app, Role.FAMILY_MEMBER)
    row = key_row(app, family)
    assert unwraps_with(row, family.passphrase)
    assert not unwraps_with(row, "saffron glacier compass meadow anchor")
    assert row.kdf_salt not in (row.private_key_wrapped, b"")
    with app.app_context():  # its own salt: the login hash's is not reused
        assert base64.b64encode(row.kdf_salt).rstrip(b"=").decode() not in (
            family.reload().passphrase_hash)


def test_an_account_made_before_key_pairs_gets_one_at_its_next_sign_in(
        app: Flask, client: BrowserClient):
    family = make_account(app, Role.FAMILY_MEMBER)
    with app.app_context():  # as an account from before migration 0021
        db.session.execute(delete(PersonKey).where(PersonKey.user_id == family.id))
        db.session.commit()
        with pytest.raises(person_keys.NoPersonKey):
            person_keys.public_key_of(family.reload())
    sign_in(client, family)
    assert unwraps_with(key_row(app, family), family.passphrase)
    sealed = sealed_to(app, family)
    with in_their_session(app, client):
        assert unseal_in_this_session(sealed, "test:person-key") == CANARY


def test_a_copy_of_the_database_and_configuration_cannot_open_the_held_key(
        app: Flask, client: BrowserClient, another_client: BrowserClient):
    family = make_account(app, Role.FAMILY_MEMBER)
    sign_in(client, family)
    sign_in(another_client, family)
    first, second = sessions_of(app, family)
    assert first.person_key_held is not None
    assert second.person_key_held is not None
    binding = f"user_sessions:{first.id}:users:{family.id}"
    # Every secret a copy of instance/ holds, and the session row's own columns.
    candidates = [first.token_digest, second.token_digest, app.config["SECRET_KEY"],
                  app.config["MASTER_KEY"], app.config["INDEX_KEY"], family.username,
                  cookie_token(app, another_client)]  # another session's cookie either
    for candidate in candidates:
        with pytest.raises(PersonKeyError):
            crypto.release_from_session(first.person_key_held, candidate, binding)
    row = key_row(app, family)
    for candidate in candidates[:6]:
        assert not unwraps_with(row, candidate)
    # The browser's cookie is the missing half: with it, the same row opens.
    key = crypto.release_from_session(first.person_key_held, cookie_token(app, client), binding)
    assert key.open(sealed_to(app, family), "test:person-key") == CANARY


def test_changing_the_passphrase_rewraps_the_same_key(app: Flask, client: BrowserClient):
    family = make_account(app, Role.FAMILY_MEMBER)
    sealed = sealed_to(app, family)
    sign_in(client, family)
    before = key_row(app, family)
    response = client.submit("/account/passphrase", {"current": family.passphrase,
                                                      "new": NEW_PASSPHRASE})
    assert response.status_code == 302
    after = key_row(app, family)
    assert after.public_keyset == before.public_keyset  # the same pair
    assert after.kdf_salt != before.kdf_salt
    assert not unwraps_with(after, family.passphrase)
    assert unwraps_with(after, NEW_PASSPHRASE)
    with in_their_session(app, client):  # the session keeps its key
        assert unseal_in_this_session(sealed, "test:person-key") == CANARY
    sign_out(client)
    sign_in(client, Account(family.id, family.username, NEW_PASSPHRASE, family.role))
    with in_their_session(app, client):
        assert unseal_in_this_session(sealed, "test:person-key") == CANARY


def test_signing_out_or_ending_sessions_drops_the_held_key(
        app: Flask, client: BrowserClient, another_client: BrowserClient):
    family = make_account(app, Role.FAMILY_MEMBER)
    sealed = sealed_to(app, family)
    sign_in(client, family)
    token = cookie_token(app, client)
    sign_out(client)
    [ended] = sessions_of(app, family)
    assert ended.person_key_held is None
    with pytest.raises(PersonKeyUnavailable):
        person_keys.unseal_for_session(ended, token, sealed, "test:person-key")

    sign_in(client, family)
    sign_in(another_client, family)
    response = another_client.submit("/account/sessions", {}, action="/account/sessions/end")
    assert response.status_code == 302
    assert all(row.person_key_held is None for row in sessions_of(app, family))


def test_a_session_left_idle_loses_its_key(app: Flask, client: BrowserClient):
    family = make_account(app, Role.FAMILY_MEMBER)
    sign_in(client, family)
    with app.app_context():
        live = db.session.scalars(select(UserSession)
                                  .where(UserSession.user_id == family.id)).one()
        live.last_seen_at = live.last_seen_at - timedelta(days=2)
        db.session.commit()
    assert client.get("/account").status_code == 302  # to the sign-in page
    [expired] = sessions_of(app, family)
    assert expired.revoked_at is not None
    assert expired.person_key_held is None


def test_the_key_is_usable_only_after_the_second_factor(app: Flask, client: BrowserClient):
    advocate = make_account(app, Role.ADVOCATE)
    sealed = sealed_to(app, advocate)
    response = client.submit("/login", {"username": advocate.username,
                                        "passphrase": advocate.passphrase})
    assert "/login/code" in response.headers["Location"]
    [waiting] = sessions_of(app, advocate)
    assert waiting.person_key_held is not None
    with pytest.raises(PersonKeyUnavailable):
        person_keys.unseal_for_session(waiting, cookie_token(app, client), sealed,
                                       "test:person-key")
    assert client.submit("/login/code", {"code": advocate.code()}).status_code == 302
    with in_their_session(app, client):
        assert unseal_in_this_session(sealed, "test:person-key") == CANARY


def test_a_wrong_passphrase_holds_nothing(app: Flask, client: BrowserClient):
    family = make_account(app, Role.FAMILY_MEMBER)
    response = client.submit("/login", {"username": family.username,
                                        "passphrase": "not the passphrase of anyone here"})
    assert response.status_code == 200
    assert sessions_of(app, family) == []
    with app.app_context():
        assert db.session.get(User, family.id) is not None


def test_a_session_without_its_key_gets_it_when_the_passphrase_is_asked_again(
        app: Flask, client: BrowserClient):
    family = make_account(app, Role.FAMILY_MEMBER)
    sealed = sealed_to(app, family)
    sign_in(client, family)
    with app.app_context():  # a session opened before this change
        live = db.session.scalars(select(UserSession)
                                  .where(UserSession.user_id == family.id)).one()
        live.person_key_held = None
        db.session.commit()
    with in_their_session(app, client), pytest.raises(PersonKeyUnavailable):
        unseal_in_this_session(sealed, "test:person-key")
    response = client.submit("/reauthenticate", {"passphrase": family.passphrase})
    assert response.status_code == 302
    with in_their_session(app, client):
        assert unseal_in_this_session(sealed, "test:person-key") == CANARY


def test_a_public_key_swapped_in_the_database_stops_the_owner_unlocking(
        app: Flask, client: BrowserClient):
    """Whoever writes to the database could seal new grants to a key of their own; the
    wrap names the owner's public key, so the owner's next sign-in notices."""
    family = make_account(app, Role.FAMILY_MEMBER)
    with app.app_context():
        row = db.session.scalars(select(PersonKey).where(PersonKey.user_id == family.id)).one()
        row.public_keyset = crypto.PrivateKey.generate().public_keyset()
        db.session.commit()
    sign_in(client, family)  # the person still signs in...
    [live] = sessions_of(app, family)
    assert live.person_key_held is None  # ...but no key is held under the swapped one


def test_an_abandoned_session_loses_its_key_at_anyone_s_next_sign_in(
        app: Flask, client: BrowserClient, another_client: BrowserClient):
    family = make_account(app, Role.FAMILY_MEMBER)
    other = make_account(app, Role.FAMILY_MEMBER)
    sign_in(client, family)
    with app.app_context():  # the browser was closed two days ago and never came back
        live = db.session.scalars(select(UserSession)
                                  .where(UserSession.user_id == family.id)).one()
        live.last_seen_at = live.last_seen_at - timedelta(days=2)
        db.session.commit()
    sign_in(another_client, other)
    [abandoned] = sessions_of(app, family)
    assert abandoned.person_key_held is None
    [fresh] = sessions_of(app, other)
    assert fresh.person_key_held is not None
