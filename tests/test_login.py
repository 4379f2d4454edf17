"""Signing in and out, as people do it."""

from __future__ import annotations

from flask import Flask

from portal.models import Role
from tests.support.client import BrowserClient
from tests.support.factories import make_account
from tests.support.journeys import sign_in, sign_out


def test_family_member_signs_in_with_passphrase_and_sees_home(app: Flask, client: BrowserClient):
    account = make_account(app, Role.FAMILY_MEMBER)
    sign_in(client, account)
    page = client.text("/")
    assert "Welcome" in page
    assert "quick-exit" in page


def test_wrong_passphrase_gets_one_vague_message(app: Flask, client: BrowserClient):
    account = make_account(app, Role.FAMILY_MEMBER)
    wrong = client.submit("/login", {"username": account.username, "passphrase": "not it at all"})
    unknown = client.submit("/login", {"username": "nobody-here", "passphrase": "not it at all"})
    assert wrong.status_code == unknown.status_code == 200
    message = "The username or passphrase is not right."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)


def test_staff_sign_in_asks_for_the_code(app: Flask, client: BrowserClient):
    account = make_account(app, Role.ADVOCATE)
    sign_in(client, account)
    assert client.get("/").status_code == 200


def test_anonymous_visitor_is_sent_to_login_with_return_path(client: BrowserClient):
    response = client.get("/account/sessions")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_login_ignores_a_next_that_leaves_the_site(app: Flask, client: BrowserClient):
    account = make_account(app, Role.FAMILY_MEMBER)
    response = client.submit("/login?next=//evil.example/x", {
        "username": account.username, "passphrase": account.passphrase,
        "next": "//evil.example/x"})
    assert response.headers["Location"] == "/"


def test_sign_out_is_a_post_that_clears_site_data(app: Flask, client: BrowserClient):
    account = make_account(app, Role.FAMILY_MEMBER)
    sign_in(client, account)
    assert client.get("/logout").status_code == 405
    response = sign_out(client)
    assert response.status_code == 302
    assert '"cookies"' in response.headers["Clear-Site-Data"]
    assert client.get("/").status_code == 302
