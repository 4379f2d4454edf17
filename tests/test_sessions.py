"""Server-side sessions: rotated at sign-in, revocable at once, short-lived."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from portal.models import Role, UserSession, db, utcnow
from tests.support.client import BrowserClient
from tests.support.factories import Account, make_account
from tests.support.journeys import sign_in, sign_out


def session_cookie(client: BrowserClient) -> str:
    cookie = client.get_cookie("portal")
    assert cookie is not None
    return cookie.value


def replay(app: Flask, cookie_value: str, path: str = "/") -> int:
    """Present a copied cookie from another browser."""
    thief = app.test_client()
    thief.set_cookie("portal", cookie_value)
    return thief.get(path).status_code


def age_sessions(app: Flask, account: Account, **ago: timedelta) -> None:
    with app.app_context():
        query = select(UserSession).where(UserSession.user_id == account.id)
        for live in db.session.scalars(query):
            for column, delta in ago.items():
                setattr(live, column, utcnow() - delta)
        db.session.commit()


def test_sign_in_rotates_the_session(app: Flask, client: BrowserClient):
    account = make_account(app, Role.FAMILY_MEMBER)
    client.get("/login")
    before = session_cookie(client)
    sign_in(client, account)
    after = session_cookie(client)
    assert before != after
    assert replay(app, before) == 302  # the pre-login cookie opens nothing


def test_logout_invalidates_the_old_cookie(app: Flask, client: BrowserClient):
    account = make_account(app, Role.FAMILY_MEMBER)
    sign_in(client, account)
    copied = session_cookie(client)
    assert replay(app, copied) == 200
    sign_out(client)
    assert replay(app, copied) == 302


def test_end_all_sessions_signs_out_every_browser(app: Flask, client: BrowserClient,
                                                  another_client: BrowserClient):
    account = make_account(app, Role.ADVOCATE)
    sign_in(client, account)
    sign_in(another_client, account, code_offset=1)
    copied = session_cookie(client)
    sessions_page = another_client.text("/account/sessions")
    assert len(re.findall(r"<tr[ >]", sessions_page)) == 3  # header and two sessions
    response = another_client.submit("/account/sessions", {}, action="/account/sessions/end")
    assert response.status_code == 302
    assert "cookies" in response.headers["Clear-Site-Data"]
    assert client.get("/").status_code == 302
    assert another_client.get("/").status_code == 302
    assert replay(app, copied) == 302


def test_sessions_page_names_browsers_not_addresses(app: Flask, client: BrowserClient):
    account = make_account(app, Role.FAMILY_MEMBER)
    client.environ_base["HTTP_USER_AGENT"] = (
        "Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/20100101 Firefox/128.0")
    sign_in(client, account)
    page = client.text("/account/sessions")
    assert "Firefox / Android" in page
    assert "127.0.0.1" not in page


@pytest.mark.parametrize(("role", "idle_minutes", "still_signed_in"), [
    (Role.ADVOCATE, 14, True),
    (Role.ADVOCATE, 16, False),
    (Role.FAMILY_MEMBER, 16, True),
    (Role.FAMILY_MEMBER, 29, True),
    (Role.FAMILY_MEMBER, 31, False),
])
def test_idle_timeout_is_15_minutes_for_staff_and_30_for_families(
        app: Flask, client: BrowserClient, role: Role, idle_minutes: int, still_signed_in: bool):
    account = make_account(app, role)
    sign_in(client, account)
    age_sessions(app, account, last_seen_at=timedelta(minutes=idle_minutes))
    assert (client.get("/").status_code == 200) is still_signed_in


def test_sessions_end_after_twelve_hours_however_active(app: Flask, client: BrowserClient):
    account = make_account(app, Role.FAMILY_MEMBER)
    sign_in(client, account)
    age_sessions(app, account, created_at=timedelta(hours=11, minutes=59))
    assert client.get("/").status_code == 200
    age_sessions(app, account, created_at=timedelta(hours=12, minutes=1))
    assert client.get("/").status_code == 302


def test_an_expired_session_stays_dead(app: Flask, client: BrowserClient):
    account = make_account(app, Role.FAMILY_MEMBER)
    sign_in(client, account)
    age_sessions(app, account, last_seen_at=timedelta(minutes=31))
    assert client.get("/").status_code == 302
    age_sessions(app, account, last_seen_at=timedelta(minutes=0))  # clock games do not revive it
    assert client.get("/").status_code == 302


def test_cookie_is_httponly_samesite_and_not_persistent(app: Flask, client: BrowserClient):
    account = make_account(app, Role.FAMILY_MEMBER)
    client.get("/login")
    token = client.csrf_token("/login")
    response = client.post("/login", data={"csrf_token": token, "username": account.username,
                                           "passphrase": account.passphrase})
    header = response.headers["Set-Cookie"]
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Expires" not in header  # a browser-session cookie


def test_deactivation_takes_effect_on_the_next_request(app: Flask, client: BrowserClient):
    account = make_account(app, Role.FAMILY_MEMBER)
    sign_in(client, account)
    with app.app_context():
        account.reload().is_active = False
        db.session.commit()
    assert client.get("/").status_code == 302


def test_changing_the_passphrase_ends_the_other_sessions(
        app: Flask, client: BrowserClient, another_client: BrowserClient):
    account = make_account(app, Role.FAMILY_MEMBER)
    sign_in(client, account)
    sign_in(another_client, account)
    new = "a brand new passphrase of many words"
    response = client.submit("/account/passphrase", {"current": account.passphrase, "new": new})
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this session goes on
    assert another_client.get("/").status_code == 302  # the other one is gone


def test_signing_in_again_ends_the_browsers_previous_session(app: Flask, client: BrowserClient):
    account = make_account(app, Role.FAMILY_MEMBER)
    sign_in(client, account)
    first = session_cookie(client)
    sign_in(client, account)
    assert replay(app, first) == 302
    with app.app_context():
        live = db.session.scalars(select(UserSession).where(
            UserSession.user_id == account.id, UserSession.revoked_at.is_(None))).all()
    assert len(live) == 1



def test_touching_a_session_leaves_the_request_clean_and_is_committed_at_once(app: Flask):
    """A slow upload must not hold the database's write lock from its first line:
    session bookkeeping is committed on the side, leaving the request's unit of work
    untouched (nothing dirty, nothing to flush)."""
    from portal.dependencies import session_policy
    from portal.services.sessions import find_live_session, open_session

    account = make_account(app, Role.FAMILY_MEMBER)
    with app.app_context():
        token = open_session(account.reload(), "", second_factor_done=True)
        db.session.commit()
    age_sessions(app, account, last_seen_at=timedelta(minutes=5))
    with app.test_request_context():
        live = find_live_session(token, session_policy())
        assert live is not None
        assert not db.session.dirty
        assert not db.session.new
        with db.engine.connect() as other:  # another connection already sees the touch
            seen = other.execute(select(UserSession.last_seen_at).where(
                UserSession.id == live.id)).scalar_one()
        db.session.rollback()  # the request fails: the touch stays
    assert utcnow() - seen < timedelta(seconds=5)
