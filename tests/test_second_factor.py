"""TOTP second factor: mandatory for staff, optional for families, codes used once."""

from __future__ import annotations

import re

import pyotp
import pytest
from flask import Flask

from portal.models import Role, User, db
from portal.web.access import ENDPOINT_ACCESS, PUBLIC, Stage
from tests.support.client import BrowserClient
from tests.support.factories import ISSUED_TOTP_SECRETS, Account, make_account
from tests.support.journeys import sign_in, sign_out

SECRET_ON_PAGE = re.compile(r'<p class="secret">([A-Z2-7 ]+)</p>')
RECOVERY_CODE = re.compile(r"<code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code>")


def full_access_get_pages(app: Flask) -> list[str]:
    """Every GET page without URL parameters that needs a completed sign-in."""
    pages = []
    for rule in app.url_map.iter_rules():
        access = ENDPOINT_ACCESS.get(rule.endpoint)
        if access is None or access == PUBLIC or rule.arguments:
            continue
        if "GET" in (rule.methods or ()) and access.stages == frozenset({Stage.FULL}):
            pages.append(rule.rule)
    return pages


def enrol_through_the_page(client: BrowserClient) -> tuple[str, list[str]]:
    """Read the typed secret off the enrolment page, answer with a code, keep the codes."""
    page = client.text("/account/second-factor")
    assert "<svg" in page  # the QR code, drawn on the server
    secret = SECRET_ON_PAGE.search(page).group(1).replace(" ", "")  # type: ignore[union-attr]
    ISSUED_TOTP_SECRETS.add(secret)
    response = client.submit("/account/second-factor", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    codes = RECOVERY_CODE.findall(response.get_data(as_text=True))
    return secret, codes


@pytest.mark.parametrize("role", [Role.ADVOCATE, Role.LEGAL_REVIEWER, Role.ADMIN])
def test_staff_reach_nothing_but_enrolment_until_they_enrol(
        app: Flask, client: BrowserClient, role: Role):
    account = make_account(app, role, second_factor=False)
    response = client.submit("/login", {"username": account.username,
                                        "passphrase": account.passphrase})
    assert response.status_code == 302
    pages = full_access_get_pages(app)
    assert "/admin/audit" in pages
    for page in pages:
        response = client.get(page)
        assert response.status_code == 302, page
        assert response.headers["Location"] == "/account/second-factor", page
    assert client.get("/account/second-factor").status_code == 200


def test_staff_enrolment_gives_ten_single_use_recovery_codes(app: Flask, client: BrowserClient):
    account = make_account(app, Role.ADVOCATE, second_factor=False)
    client.submit("/login", {"username": account.username, "passphrase": account.passphrase})
    _secret, codes = enrol_through_the_page(client)
    assert len(set(codes)) == 10
    assert client.get("/").status_code == 200  # enrolled: the portal opens
    with app.app_context():
        user = db.session.get(User, account.id)
        assert user is not None
        assert user.totp_secret_sealed is not None
        stored = {c.code_digest for c in user.recovery_codes}
        assert not stored & set(codes)  # only digests are stored


def test_wrong_enrolment_code_is_refused_with_a_message(app: Flask, client: BrowserClient):
    account = make_account(app, Role.ADMIN, second_factor=False)
    client.submit("/login", {"username": account.username, "passphrase": account.passphrase})
    client.get("/account/second-factor")
    response = client.submit("/account/second-factor", {"code": "000000"})
    assert "That code did not work" in response.get_data(as_text=True)
    assert client.get("/").headers["Location"] == "/account/second-factor"


def test_enrolled_staff_must_give_the_code_before_anything_else(
        app: Flask, client: BrowserClient):
    account = make_account(app, Role.LEGAL_REVIEWER)
    client.submit("/login", {"username": account.username, "passphrase": account.passphrase})
    for page in full_access_get_pages(app):
        response = client.get(page)
        assert response.status_code == 302, page
        assert response.headers["Location"] == "/login/code", page


def test_a_used_totp_code_is_refused_the_second_time(app: Flask, client: BrowserClient,
                                                    another_client: BrowserClient):
    account = make_account(app, Role.ADVOCATE)
    code = account.code()
    sign_in(client, account)
    another_client.submit("/login", {"username": account.username,
                                     "passphrase": account.passphrase})
    replay = another_client.submit("/login/code", {"code": code})
    assert replay.status_code == 200
    assert "That code did not work" in replay.get_data(as_text=True)
    assert another_client.get("/").headers["Location"] == "/login/code"


def test_codes_one_step_either_side_are_accepted_but_not_two(app: Flask):
    for offset, accepted in ((-1, True), (1, True), (2, False), (-2, False)):
        account = make_account(app, Role.ADVOCATE)
        client = app.test_client()
        client.submit("/login", {"username": account.username, "passphrase": account.passphrase})
        response = client.submit("/login/code", {"code": account.code(offset)})
        assert (response.status_code == 302) is accepted, offset


def test_recovery_codes_work_once(app: Flask, client: BrowserClient,
                                  another_client: BrowserClient):
    account = make_account(app, Role.ADMIN, second_factor=False)
    client.submit("/login", {"username": account.username, "passphrase": account.passphrase})
    _secret, codes = enrol_through_the_page(client)
    sign_out(client)

    another_client.submit("/login", {"username": account.username,
                                     "passphrase": account.passphrase})
    typed = "  " + codes[3].upper().replace("-", " ") + " "  # as someone might type it
    assert another_client.submit("/login/code", {"code": typed}).status_code == 302
    sign_out(another_client)

    another_client.submit("/login", {"username": account.username,
                                     "passphrase": account.passphrase})
    again = another_client.submit("/login/code", {"code": codes[3]})
    assert "That code did not work" in again.get_data(as_text=True)
    with app.app_context():
        user = db.session.get(User, account.id)
        assert user is not None
        assert sum(1 for c in user.recovery_codes if c.used_at is None) == 9


def test_family_member_may_skip_the_second_factor(app: Flask, client: BrowserClient):
    account = make_account(app, Role.FAMILY_MEMBER)
    sign_in(client, account)
    home = client.text("/")
    assert "/account/second-factor" in home  # offered, not imposed
    assert client.get("/account").status_code == 200


def test_family_member_who_enrols_is_asked_for_the_code_next_time(
        app: Flask, client: BrowserClient, another_client: BrowserClient):
    account = make_account(app, Role.FAMILY_MEMBER)
    sign_in(client, account)
    secret, _codes = enrol_through_the_page(client)
    enrolled = Account(account.id, account.username, account.passphrase, account.role, secret)
    response = another_client.submit("/login", {"username": enrolled.username,
                                                "passphrase": enrolled.passphrase})
    assert response.headers["Location"].startswith("/login/code")
    assert another_client.submit("/login/code", {"code": enrolled.code(1)}).status_code == 302


def test_totp_secret_is_sealed_at_rest(app: Flask):
    account = make_account(app, Role.ADVOCATE)
    with app.app_context():
        user = db.session.get(User, account.id)
        assert user is not None
        assert user.totp_secret_sealed is not None
        assert account.totp_secret
        assert account.totp_secret.encode() not in user.totp_secret_sealed
