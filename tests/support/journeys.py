"""Steps a person takes, shared by many tests."""

from __future__ import annotations

from werkzeug.test import TestResponse

from tests.support.client import BrowserClient
from tests.support.factories import Account


def sign_in(client: BrowserClient, account: Account, *, code_offset: int = 0) -> TestResponse:
    """Passphrase, then (if the account has one) the second-factor code."""
    response = client.submit("/login", {"username": account.username,
                                        "passphrase": account.passphrase})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    if account.totp_secret:
        assert "/login/code" in response.headers["Location"]
        response = client.submit("/login/code", {"code": account.code(code_offset)})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def sign_out(client: BrowserClient) -> TestResponse:
    return client.submit("/account", {}, action="/logout")
