"""Rate-limit keys that identify an account without storing an IP address or a name."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app, request
from flask_login import current_user

from portal.dependencies import crypto_kit


def _keyed(purpose: str, value: str) -> str:
    mac = hmac.new(crypto_kit().rate_limit_key, f"{purpose}:{value}".encode(), hashlib.sha256)
    return mac.hexdigest()[:32]


def account_key() -> str:
    """The login throttle key: an HMAC of the submitted username, never the client address."""
    username = (request.form.get("username") or "").strip().lower()
    return _keyed("login", username)


def signed_in_account_key() -> str:
    """For guesses made inside a session (the second-factor code, re-authentication):
    an HMAC of the account id. Flask-Limiter scopes it per endpoint."""
    return _keyed("signed-in", str(getattr(current_user, "id", "")))


def login_limit() -> str:
    return f"{current_app.config['LOGIN_FAILURES_PER_MINUTE']}/minute"


def counts_as_failure(response: object) -> bool:
    """Only failed attempts use up the allowance; a success redirects (302)."""
    return getattr(response, "status_code", 200) != 302
