"""Every POST needs the session's CSRF token; a refused POST changes nothing."""

from __future__ import annotations

import itsdangerous.timed
import pytest
from flask import Flask

from portal.models import Role
from tests.conftest import table_counts
from tests.support.client import BrowserClient
from tests.support.factories import make_account
from tests.support.journeys import sign_in


@pytest.mark.parametrize("token", [None, "", "forged-token-value"])
def test_post_without_a_valid_token_is_refused_and_changes_nothing(
        app: Flask, client: BrowserClient, token: str | None):
    account = make_account(app, Role.FAMILY_MEMBER)
    sign_in(client, account)
    with app.app_context():
        before = table_counts()
        old_hash = account.reload().passphrase_hash
    data = {"current": account.passphrase, "new": "a completely different long passphrase"}
    if token is not None:
        data["csrf_token"] = token
    response = client.post("/account/passphrase", data=data)
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    with app.app_context():
        assert table_counts() == before
        assert account.reload().passphrase_hash == old_hash


def test_token_of_another_session_is_refused(app: Flask, client: BrowserClient,
                                             another_client: BrowserClient):
    victim = make_account(app, Role.FAMILY_MEMBER)
    sign_in(client, victim)
    attacker_token = another_client.csrf_token("/login")
    response = client.post("/account/sessions/end", data={"csrf_token": attacker_token})
    assert response.status_code == 400
    assert client.get("/").status_code == 200  # the victim is still signed in


def test_login_form_needs_a_token_too(app: Flask, client: BrowserClient):
    account = make_account(app, Role.FAMILY_MEMBER)
    response = client.post("/login", data={"username": account.username,
                                           "passphrase": account.passphrase})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_token_outlives_a_two_hour_long_form(app: Flask, client: BrowserClient,
                                             monkeypatch: pytest.MonkeyPatch):
    """Long incident forms must not expire under a writer: the token lives with the session."""
    account = make_account(app, Role.FAMILY_MEMBER)
    sign_in(client, account)
    token = client.csrf_token("/account/sessions")
    real_time = itsdangerous.timed.time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real_time() + 2 * 3600)
    response = client.post("/account/sessions/end", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/").status_code == 302  # the action really happened
