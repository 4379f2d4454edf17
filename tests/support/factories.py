"""Build fictional users, in any role and state, directly through the services."""

from __future__ import annotations

import time
from dataclasses import dataclass
from itertools import count

import pyotp
from flask import Flask

from portal.dependencies import crypto_kit
from portal.models import Role, User, db, utcnow
from portal.models.sealed import sealed_context
from portal.services.accounts import create_user

_serial = count(1)
# Every TOTP secret handed out, so the leak check can look for them in the logs.
ISSUED_TOTP_SECRETS: set[str] = set()

PASSPHRASES = {
    Role.FAMILY_MEMBER: "سیب زرد کنار رودخانه آرام",
    Role.ADVOCATE: "lantern orchard pebble violin thunder",
    Role.LEGAL_REVIEWER: "marble falcon quiet harvest ribbon",
    Role.ADMIN: "saffron glacier compass meadow anchor",
}


@dataclass
class Account:
    """A user plus what only the person knows (passphrase, TOTP secret)."""

    id: int
    username: str
    passphrase: str
    role: Role
    totp_secret: str | None = None

    def code(self, offset_steps: int = 0) -> str:
        assert self.totp_secret, "this account has no second factor"
        totp = pyotp.TOTP(self.totp_secret)
        return totp.at(time.time() + 30 * offset_steps)

    def reload(self) -> User:
        user = db.session.get(User, self.id)
        assert user is not None
        return user


def make_account(app: Flask, role: Role, *, second_factor: bool | None = None,
                 username: str | None = None, locale: str | None = None) -> Account:
    """A committed user. Staff get a second factor unless told otherwise."""
    with_totp = role.is_staff if second_factor is None else second_factor
    username = username or f"{role.value.replace('_', '')}{next(_serial)}"
    passphrase = PASSPHRASES[role]
    with app.app_context():
        user = create_user(crypto_kit(), username=username, display_name=username.title(),
                           role=role, passphrase=passphrase, locale=locale)
        secret = None
        if with_totp:
            secret = pyotp.random_base32()
            ISSUED_TOTP_SECRETS.add(secret)
            user.totp_secret_sealed = crypto_kit().cipher.seal(
                secret.encode(), sealed_context("users", user.id, "totp_secret_sealed"))
            user.totp_enrolled_at = utcnow()
        db.session.commit()
        return Account(user.id, user.username, passphrase, role, secret)
