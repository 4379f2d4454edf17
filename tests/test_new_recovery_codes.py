"""New recovery codes sign in without the phone: making them takes a recent sign-in and
the passphrase typed on the form, and guesses at that passphrase are throttled."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from sqlalchemy import update

from portal.dependencies import crypto_kit
from portal.models import UserSession, db, utcnow
from portal.models.accounts import Role
from portal.services.second_factor import regenerate_recovery_codes
from tests.support.client import BrowserClient
from tests.support.factories import Account, make_account
from tests.support.journeys import sign_in

FORM = "/account/recovery-codes"
RECOVERY_CODE = re.compile(r"<code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code>")
LIMIT = 5


def advocate_with_codes(app: Flask) -> tuple[Account, set[str]]:
    account = make_account(app, Role.ADVOCATE)
    with app.app_context():
        regenerate_recovery_codes(crypto_kit(), account.reload())
        db.session.commit()
    return account, stored_digests(app, account)


def stored_digests(app: Flask, account: Account) -> set[str]:
    with app.app_context():
        return {code.code_digest for code in account.reload().recovery_codes}


def sign_in_an_hour_ago(app: Flask, account: Account) -> None:
    with app.app_context():
        db.session.execute(update(UserSession).where(UserSession.user_id == account.id)
                           .values(authenticated_at=utcnow() - timedelta(hours=1)))
        db.session.commit()


def test_a_session_signed_in_an_hour_ago_must_confirm_the_passphrase_first(
        app: Flask, client: BrowserClient):
    account, before = advocate_with_codes(app)
    sign_in(client, account)
    sign_in_an_hour_ago(app, account)
    opened = client.get(FORM)
    assert opened.status_code == 302
    assert opened.headers["Location"].startswith("/reauthenticate?next=")
    sent = client.post_form(FORM, {"passphrase": account.passphrase}, token_page="/account")
    assert sent.status_code == 302
    assert sent.headers["Location"].startswith("/reauthenticate?next=")
    assert stored_digests(app, account) == before


def test_new_codes_need_the_passphrase_typed_on_the_form(app: Flask, client: BrowserClient):
    account, before = advocate_with_codes(app)
    sign_in(client, account)
    without = client.post_form(FORM, {}, token_page="/account")
    assert without.status_code == 200
    assert "Enter your passphrase." in without.get_data(as_text=True)
    wrong = client.submit(FORM, {"passphrase": "not my passphrase at all"})
    assert wrong.status_code == 200
    assert "That passphrase is not right." in wrong.get_data(as_text=True)
    assert stored_digests(app, account) == before

    made = client.submit(FORM, {"passphrase": account.passphrase})
    assert made.status_code == 200
    assert len(set(RECOVERY_CODE.findall(made.get_data(as_text=True)))) == 10
    assert stored_digests(app, account).isdisjoint(before)


def test_the_account_page_leads_to_the_form(app: Flask, client: BrowserClient):
    account, _ = advocate_with_codes(app)
    sign_in(client, account)
    assert f'href="{FORM}"' in client.text("/account")


def test_guesses_at_the_passphrase_on_the_form_are_throttled(
        app: Flask, client: BrowserClient):
    account, before = advocate_with_codes(app)
    sign_in(client, account)
    for _ in range(LIMIT):
        assert client.submit(FORM, {"passphrase": "a wrong guess"}).status_code == 200
    assert client.submit(FORM, {"passphrase": account.passphrase}).status_code == 429
    assert stored_digests(app, account) == before
