"""Quick exit ends the session on the server and leaves for the neutral site: the old
cookie opens nothing, and no stale form, missing session or broken database turns the
exit into an error page. Another site cannot use /exit to sign anyone out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from portal.audit import AuditAction
from portal.models import AuditEvent, Role, UserSession, db
from portal.web.access import ENDPOINT_ACCESS
from tests.support.client import BrowserClient
from tests.support.factories import Account, make_account, make_family
from tests.support.journeys import sign_in

EXIT_URL = "https://weather.example/today?city=toronto"
CLEAR_SITE_DATA = '"cache", "cookies", "storage"'
COOKIE = "portal"


@pytest.fixture
def family_member(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Account:
    monkeypatch.setitem(app.config, "QUICK_EXIT_URL", EXIT_URL)
    member = make_account(app, Role.FAMILY_MEMBER)
    make_family(app, members=[member])
    return member


def sessions_of(app: Flask, account: Account) -> list[UserSession]:
    with app.app_context():
        return list(db.session.scalars(select(UserSession).where(
            UserSession.user_id == account.id).order_by(UserSession.id)))


def quick_exits_recorded(app: Flask, account: Account) -> list[dict[str, object]]:
    with app.app_context():
        return [event.details for event in db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == str(AuditAction.LOGOUT), AuditEvent.actor_id == account.id))]


def assert_left_for_the_neutral_site(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    assert response.headers["Location"] == EXIT_URL
    assert response.headers["Cache-Control"] == "no-store"


def assert_signed_out(client: BrowserClient) -> None:
    again = client.get("/reports")
    assert again.status_code == 302
    assert again.headers["Location"].startswith("/login?next=")


def test_quick_exit_from_my_reports_ends_the_session_and_leaves(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        family_member: Account):
    sign_in(client, family_member)
    assert client.get("/reports").status_code == 200
    old_cookie = client.get_cookie(COOKIE)
    assert old_cookie is not None

    response = client.submit("/reports", {}, action="/exit")

    assert_left_for_the_neutral_site(response)
    assert response.headers["Clear-Site-Data"] == CLEAR_SITE_DATA
    assert_signed_out(client)
    assert client.get("/").headers["Location"].startswith("/login")
    [row] = sessions_of(app, family_member)
    assert row.revoked_at is not None
    assert quick_exits_recorded(app, family_member) == [{"via": "quick_exit"}]
    # The cookie as it was before the exit (a copy, or a browser that ignored
    # Clear-Site-Data) opens nothing either: the row it names is revoked.
    another_client.set_cookie(COOKIE, old_cookie.value)
    assert_signed_out(another_client)


def test_quick_exit_with_a_stale_form_still_signs_out_and_leaves(
        app: Flask, client: BrowserClient, family_member: Account):
    """A tab opened before signing in again carries a token of the old session."""
    sign_in(client, family_member)
    response = client.post("/exit", data={"csrf_token": "stale-token-of-an-old-page"},
                           headers={"Origin": "http://localhost"})
    assert_left_for_the_neutral_site(response)
    assert response.headers["Clear-Site-Data"] == CLEAR_SITE_DATA
    assert_signed_out(client)
    assert [row.revoked_at is not None for row in sessions_of(app, family_member)] == [True]


def test_quick_exit_after_the_session_expired_leaves_without_an_error(
        app: Flask, client: BrowserClient, family_member: Account):
    sign_in(client, family_member)
    page = client.open_page("/reports")
    with app.app_context():  # the person stayed away longer than the idle limit
        for row in db.session.scalars(select(UserSession)):
            row.last_seen_at -= timedelta(hours=2)
        db.session.commit()
    response = page.submit({}, action="/exit")
    assert_left_for_the_neutral_site(response)
    assert_signed_out(client)


@pytest.mark.parametrize("headers", [
    {}, {"Origin": "http://localhost"}, {"Sec-Fetch-Site": "same-origin"},
], ids=["no-browser-word", "origin", "fetch-metadata"])
def test_quick_exit_without_any_session_or_token_leaves(
        client: BrowserClient, family_member: Account, headers: dict[str, str]):
    assert_left_for_the_neutral_site(client.post("/exit", headers=headers))
    assert_left_for_the_neutral_site(client.get("/exit", headers=headers))


def test_javascript_exit_posts_then_replaces_the_page_with_a_get(
        app: Flask, client: BrowserClient, family_member: Account):
    """quick-exit.js sends the form in the background (fetch, same-origin), then
    location.replace('/exit'): one sign-out, recorded once, and the neutral site."""
    sign_in(client, family_member)
    background = client.submit("/reports", {}, action="/exit",
                               headers={"Sec-Fetch-Site": "same-origin"})
    assert_left_for_the_neutral_site(background)
    replaced = client.get("/exit", headers={"Sec-Fetch-Site": "same-origin"})
    assert_left_for_the_neutral_site(replaced)
    assert replaced.headers["Clear-Site-Data"] == CLEAR_SITE_DATA
    assert_signed_out(client)
    assert quick_exits_recorded(app, family_member) == [{"via": "quick_exit"}]


def test_a_get_of_exit_from_our_own_page_signs_out(
        app: Flask, client: BrowserClient, family_member: Account):
    sign_in(client, family_member)
    response = client.get("/exit", headers={"Sec-Fetch-Site": "same-origin"})
    assert_left_for_the_neutral_site(response)
    assert_signed_out(client)


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_site_cannot_sign_a_person_out_through_exit(
        app: Flask, client: BrowserClient, family_member: Account, method: str):
    sign_in(client, family_member)
    send = getattr(client, method)
    response = send("/exit", headers={"Sec-Fetch-Site": "cross-site",
                                      "Origin": "https://elsewhere.example"})
    assert_left_for_the_neutral_site(response)  # the exit itself still works
    assert "Clear-Site-Data" not in response.headers
    assert client.get("/reports").status_code == 200
    assert [row.revoked_at for row in sessions_of(app, family_member)] == [None]
    assert quick_exits_recorded(app, family_member) == []


def test_quick_exit_leaves_even_when_the_database_fails(
        app: Flask, client: BrowserClient, family_member: Account,
        monkeypatch: pytest.MonkeyPatch):
    sign_in(client, family_member)

    def database_gone() -> None:
        raise OperationalError("UPDATE user_sessions", {}, Exception("connection lost"))

    monkeypatch.setattr("portal.web.auth.quick_exit.end_current_session", database_gone)
    response = client.submit("/reports", {}, action="/exit")
    assert_left_for_the_neutral_site(response)
    assert response.headers["Clear-Site-Data"] == CLEAR_SITE_DATA
    assert_signed_out(client)  # the cookie was emptied all the same


def test_every_signed_in_page_is_never_stored(client: BrowserClient, family_member: Account):
    """Back or reopening the browser must ask the server again, which then says no."""
    sign_in(client, family_member)
    for path in ("/", "/reports", "/account", "/account/sessions"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
        assert response.headers["Pragma"] == "no-cache", path


def test_the_page_policy_lets_the_exit_form_reach_the_neutral_site_only(
        client: BrowserClient, family_member: Account):
    """Browsers check form-action on the redirect after a form is sent."""
    csp = client.get("/login").headers["Content-Security-Policy"]
    assert "form-action 'self' https://weather.example;" in csp + ";"
    assert "weather.example/" not in csp


def test_exit_is_public_in_the_access_table():
    assert ENDPOINT_ACCESS["auth.quick_exit"].permission is None
