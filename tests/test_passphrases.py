"""Passphrase rules, as a person meets them: when accepting an invitation and when
changing the passphrase. Long and memorable is welcome, in any script; short,
common or personal is refused with advice."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.audit import AuditAction
from portal.dependencies import crypto_kit
from portal.models import AuditEvent, Invitation, Role, User, db
from tests.conftest import KNOWN_SECRETS
from tests.support.client import BrowserClient
from tests.support.factories import Account, make_account, make_family
from tests.support.journeys import sign_in, sign_out

LINK = re.compile(r'<p class="secret">https?://[^<\s]+/invite/([A-Za-z0-9_\-]+)</p>')

ELEVEN = "rain-cloud7"
FOURTEEN = "copper-dune-fo"
PERSIAN_FOUR_WORDS = "ماه دریا کتاب پرنده"
STRONG_NEW = "kestrel marigold dune copper"
STAFF_STRONG = "harbour quilt ember saffron lattice"
LONGEST = ("kestrel marigold dune copper " * 10)[:256]
TOO_LONG = LONGEST + "x"
GUESSABLE = "password1234"
KNOWN_SECRETS.update({ELEVEN, FOURTEEN, PERSIAN_FOUR_WORDS, STRONG_NEW, STAFF_STRONG, LONGEST,
                      TOO_LONG, GUESSABLE, "sample.example2020", "sampleexample1234"})

TOO_EASY = "This passphrase is too easy to guess"
PERSONAL = "This passphrase contains your name or username"


def field_error(page: str, field: str) -> str:
    match = re.search(rf'<p class="error-message" id="{field}-error">(.*?)</p>', page, re.S)
    assert match, f"no error shown beside {field!r}"
    return match.group(1)


def invitation_token(app: Flask, client: BrowserClient, role: Role) -> str:
    """An inviter who may invite `role` creates an invitation; return the link's token."""
    inviter = make_account(app, Role.ADMIN if role.is_staff else Role.ADVOCATE)
    if not role.is_staff:
        make_family(app, advocates=[inviter])
    sign_in(client, inviter)
    response = client.submit("/invitations/new", {
        "display_name": "Bahar Nouri", "role": role.value, "locale": "en"})
    match = LINK.search(response.get_data(as_text=True))
    assert match
    return match.group(1)


def accept(client: BrowserClient, token: str, passphrase: str, username: str = "sample.example"):
    return client.submit(f"/invite/{token}", {
        "username": username, "passphrase": passphrase, "confirm": passphrase})


def assert_refused_at_invitation(app: Flask, response, expected: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert expected in field_error(page, "passphrase")
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "sample.example")) is None
        assert db.session.scalar(select(Invitation.accepted_at)) is None


def change(client: BrowserClient, current: str, new: str):  # type: ignore[no-untyped-def]
    return client.submit("/account/passphrase", {"current": current, "new": new})


def stored_hash(app: Flask, account: Account) -> str:
    with app.app_context():
        return account.reload().passphrase_hash


# --- accepting an invitation ---------------------------------------------------------------


def test_invitation_refuses_eleven_characters_for_a_family_member(
        app: Flask, client: BrowserClient, another_client: BrowserClient):
    token = invitation_token(app, client, Role.FAMILY_MEMBER)
    page = another_client.text(f"/invite/{token}")
    assert "at least 12 characters" in page
    response = accept(another_client, token, ELEVEN)
    assert_refused_at_invitation(app, response, "Use at least 12 characters")


def test_invitation_refuses_fourteen_characters_for_staff(
        app: Flask, client: BrowserClient, another_client: BrowserClient):
    token = invitation_token(app, client, Role.ADVOCATE)
    page = another_client.text(f"/invite/{token}")
    assert "at least 15 characters" in page
    response = accept(another_client, token, FOURTEEN)
    assert_refused_at_invitation(app, response, "Use at least 15 characters")


def test_invitation_refuses_257_characters_and_accepts_256(
        app: Flask, client: BrowserClient, another_client: BrowserClient):
    token = invitation_token(app, client, Role.FAMILY_MEMBER)
    response = accept(another_client, token, TOO_LONG)
    assert_refused_at_invitation(app, response, "Use at most 256 characters")
    response = accept(another_client, token, LONGEST)
    assert response.status_code == 302


@pytest.mark.parametrize(("passphrase", "advice"), [
    (GUESSABLE, TOO_EASY),
    ("sample.example2020", PERSONAL),
])
def test_invitation_refuses_guessable_passphrases_with_helpful_advice(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        passphrase: str, advice: str):
    token = invitation_token(app, client, Role.FAMILY_MEMBER)
    response = accept(another_client, token, passphrase)
    assert_refused_at_invitation(app, response, advice)


def test_four_word_persian_passphrase_is_accepted_for_a_family_member(
        app: Flask, client: BrowserClient, another_client: BrowserClient):
    token = invitation_token(app, client, Role.FAMILY_MEMBER)
    response = accept(another_client, token, PERSIAN_FOUR_WORDS)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    sign_out(another_client)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "sample.example"))
        assert user is not None
        assert user.passphrase_hash.startswith("$argon2id$")
        account = Account(user.id, user.username, PERSIAN_FOUR_WORDS, user.role)
    third: BrowserClient = app.test_client()  # type: ignore[assignment]
    sign_in(third, account)
    assert "Welcome, Bahar Nouri" in third.text("/")


# --- changing the passphrase ---------------------------------------------------------------


def test_change_passphrase_page_explains_the_rule(app: Flask, client: BrowserClient):
    sign_in(client, make_account(app, Role.FAMILY_MEMBER))
    page = client.text("/account/passphrase")
    assert "At least 12 characters (15 for staff)" in page


def test_changing_passphrase_needs_the_right_current_one(app: Flask, client: BrowserClient):
    family = make_account(app, Role.FAMILY_MEMBER)
    sign_in(client, family)
    before = stored_hash(app, family)
    response = change(client, "not the current one at all", STRONG_NEW)
    assert response.status_code == 200
    assert "Your current passphrase is not right." in field_error(
        response.get_data(as_text=True), "current")
    assert stored_hash(app, family) == before


def test_after_a_change_only_the_new_passphrase_signs_in(
        app: Flask, client: BrowserClient, another_client: BrowserClient):
    family = make_account(app, Role.FAMILY_MEMBER)
    sign_in(client, family)
    before = stored_hash(app, family)
    response = change(client, family.passphrase, STRONG_NEW)
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    assert "Your passphrase has been changed." in client.text("/account")

    after = stored_hash(app, family)
    assert after != before
    assert after.startswith("$argon2id$")
    assert STRONG_NEW not in after

    old = another_client.submit("/login", {"username": family.username,
                                           "passphrase": family.passphrase})
    assert old.status_code == 200
    assert "The username or passphrase is not right." in old.get_data(as_text=True)
    new = another_client.submit("/login", {"username": family.username,
                                           "passphrase": STRONG_NEW})
    assert new.status_code == 302
    assert another_client.get("/").status_code == 200
    with app.app_context():
        changed = db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == AuditAction.PASSPHRASE_CHANGED,
            AuditEvent.actor_id == family.id))
        assert changed == 1


@pytest.mark.parametrize(("role", "new", "advice"), [
    (Role.FAMILY_MEMBER, ELEVEN, "Use at least 12 characters"),
    (Role.ADVOCATE, FOURTEEN, "Use at least 15 characters"),
    (Role.FAMILY_MEMBER, TOO_LONG, "Use at most 256 characters"),
    (Role.FAMILY_MEMBER, GUESSABLE, TOO_EASY),
    (Role.FAMILY_MEMBER, "sampleexample1234", PERSONAL),
])
def test_change_passphrase_refuses_weak_new_passphrases(
        app: Flask, client: BrowserClient, role: Role, new: str, advice: str):
    account = make_account(app, role, username="sample.example")
    sign_in(client, account)
    before = stored_hash(app, account)
    response = change(client, account.passphrase, new)
    assert response.status_code == 200
    assert advice in field_error(response.get_data(as_text=True), "new")
    assert stored_hash(app, account) == before


def test_staff_can_change_to_a_long_enough_passphrase(app: Flask, client: BrowserClient):
    advocate = make_account(app, Role.ADVOCATE)
    sign_in(client, advocate)
    response = change(client, advocate.passphrase, STAFF_STRONG)
    assert response.status_code == 302
    with app.app_context():
        user = advocate.reload()
        assert crypto_kit().hasher.verify(user.passphrase_hash, STAFF_STRONG)
