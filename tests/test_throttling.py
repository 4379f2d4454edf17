"""At most five failed sign-ins per account per minute; per account, not global."""

from __future__ import annotations

from flask import Flask

from portal.models import Role
from portal.web.extensions import limiter
from tests.support.client import CSRF_FIELD, BrowserClient
from tests.support.factories import Account, make_account
from tests.support.journeys import sign_in

LIMIT = 5


def fail_to_sign_in(client: BrowserClient, username: str, times: int) -> None:
    for _ in range(times):
        response = client.submit("/login", {"username": username, "passphrase": "wrong guess"})
        assert response.status_code == 200


def right_passphrase(client: BrowserClient, account: Account) -> int:
    return client.submit("/login", {"username": account.username,
                                    "passphrase": account.passphrase}).status_code


def test_sixth_attempt_is_refused_even_with_the_right_passphrase(
        app: Flask, client: BrowserClient):
    account = make_account(app, Role.FAMILY_MEMBER)
    fail_to_sign_in(client, account.username, LIMIT)
    response = client.submit("/login", {"username": account.username,
                                        "passphrase": account.passphrase})
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still signed out


def test_another_account_is_unaffected(app: Flask, client: BrowserClient):
    target = make_account(app, Role.FAMILY_MEMBER)
    bystander = make_account(app, Role.FAMILY_MEMBER)
    fail_to_sign_in(client, target.username, LIMIT)
    assert right_passphrase(client, target) == 429
    assert right_passphrase(client, bystander) == 302  # same client, other account


def test_the_limit_does_not_reveal_whether_an_account_exists(app: Flask, client: BrowserClient):
    existing = make_account(app, Role.FAMILY_MEMBER)
    fail_to_sign_in(client, existing.username, LIMIT)
    fail_to_sign_in(client, "no-such-person", LIMIT)
    for username in (existing.username, "no-such-person"):
        response = client.submit("/login", {"username": username, "passphrase": "x"})
        assert response.status_code == 429
    first = client.submit("/login", {"username": existing.username, "passphrase": "x"})
    second = client.submit("/login", {"username": "no-such-person", "passphrase": "x"})
    # The same page, byte for byte, but for the CSRF tokens: they carry the second they
    # were signed in, and the two answers may fall on either side of a second.
    assert without_tokens(first.get_data(as_text=True)) == \
        without_tokens(second.get_data(as_text=True))


def without_tokens(page: str) -> str:
    return CSRF_FIELD.sub('name="csrf_token" value="…"', page)


def test_successful_sign_ins_do_not_use_up_the_allowance(app: Flask):
    account = make_account(app, Role.FAMILY_MEMBER)
    for _ in range(LIMIT + 2):
        client = app.test_client()
        assert right_passphrase(client, account) == 302


def test_throttle_message_is_translated(app: Flask, client: BrowserClient):
    account = make_account(app, Role.FAMILY_MEMBER)
    fail_to_sign_in(client, account.username, LIMIT)
    token = client.csrf_token("/login")
    response = client.post("/login", data={"csrf_token": token, "username": account.username,
                                           "passphrase": "x"},
                           headers={"Accept-Language": "fa"})
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert 'dir="rtl"' in page
    assert "Too many attempts" not in page


def test_rate_limit_keys_hold_no_address_and_no_username(app: Flask, client: BrowserClient):
    account = make_account(app, Role.FAMILY_MEMBER)
    fail_to_sign_in(client, account.username, 2)
    storage = limiter.storage
    keys = " ".join(str(k) for k in getattr(storage, "events", {}))
    assert keys  # the moving-window storage recorded the failures
    assert "127.0.0.1" not in keys
    assert account.username not in keys


def test_second_factor_guesses_are_throttled_too(app: Flask, client: BrowserClient):
    account = make_account(app, Role.ADVOCATE)
    client.submit("/login", {"username": account.username, "passphrase": account.passphrase})
    for _ in range(LIMIT):
        assert client.submit("/login/code", {"code": "000000"}).status_code == 200
    assert client.submit("/login/code", {"code": account.code()}).status_code == 429


def test_re_authentication_guesses_are_throttled(app: Flask, client: BrowserClient):
    account = make_account(app, Role.FAMILY_MEMBER)
    sign_in(client, account)
    for _ in range(LIMIT):
        assert client.submit("/reauthenticate", {"passphrase": "a wrong guess"}).status_code == 200
    right = client.submit("/reauthenticate", {"passphrase": account.passphrase})
    assert right.status_code == 429
