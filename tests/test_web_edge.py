"""The edge written once: a refusal a service raises is answered in one place (404 and
recorded for access, beside the field and undone for input), sensitive actions need a
recent sign-in because the access table says so, and a return address never leads
off the site or breaks the response."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from sqlalchemy import select, update
from werkzeug.exceptions import MethodNotAllowed

from portal.models import AuditEvent, Role, User, UserSession, db, utcnow
from portal.policy.permissions import ROLE_PERMISSIONS
from portal.services import accounts
from portal.services import thread as thread_service
from portal.services.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from portal.web.access import ENDPOINT_ACCESS
from tests.conftest import table_counts
from tests.support.client import BrowserClient
from tests.support.factories import Account, make_account
from tests.support.journeys import sign_in

UNSAFE_TARGETS = ["/\nLocation: https://evil.example", "\n", "/\r\nSet-Cookie: taken=1",
                  "\r\n", "//evil.example", "/\\evil.example", "https://evil.example",
                  "/\t/evil.example", "/\x00"]


def denials() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "access.denied")))


def display_name(app: Flask, account: Account) -> str:
    with app.app_context():
        user = db.session.get(User, account.id)
        assert user is not None
        return user.display_name


def refuse_after_a_change(error: DomainError) -> Callable[..., None]:
    """A stand-in for a service that flushes a change, then refuses."""
    def change_passphrase(_kit: object, user: User, *_args: object) -> None:
        user.display_name = "Changed before the refusal"
        db.session.flush()
        raise error
    return change_passphrase


@pytest.mark.parametrize("error", [NotFound("gone"), PermissionDenied("not yours")],
                         ids=["not-found", "permission-denied"])
def test_an_access_refusal_a_view_lets_through_is_a_recorded_404_that_keeps_nothing(
        app: Flask, client: BrowserClient, monkeypatch: pytest.MonkeyPatch, error: DomainError):
    account = make_account(app, Role.FAMILY_MEMBER)
    sign_in(client, account)
    before = display_name(app, account)
    monkeypatch.setattr(accounts, "change_passphrase", refuse_after_a_change(error))

    response = client.submit("/account/passphrase", {
        "current": account.passphrase, "new": "a brand new long passphrase"})

    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
    assert display_name(app, account) == before
    with app.app_context():
        [denial] = denials()
        assert denial.actor_id == account.id
        assert denial.outcome == "denied"
        assert denial.details == {"endpoint": "account.passphrase", "method": "POST"}
    assert client.get("/account").status_code == 200  # still signed in


def test_the_recorded_denial_names_the_object_ids_of_the_address(
        app: Flask, client: BrowserClient, monkeypatch: pytest.MonkeyPatch,
        reported: tuple[Account, Account, int]):
    reporter, _advocate, incident_id = reported

    def refuse(*_args: object) -> None:
        raise PermissionDenied("You cannot write in this conversation.")
    monkeypatch.setattr(thread_service, "post_message", refuse)

    response = client.submit(f"/reports/{incident_id}/thread", {"body": "A question"})

    assert response.status_code == 404
    with app.app_context():
        [denial] = denials()
        assert (denial.actor_id, denial.target_type, denial.target_id) == (
            reporter.id, "endpoint", "reports.thread")
        assert denial.details == {"endpoint": "reports.thread", "method": "POST",
                                  "incident_id": incident_id}


def test_a_refused_input_is_shown_beside_its_field_and_what_was_flushed_is_undone(
        app: Flask, client: BrowserClient, monkeypatch: pytest.MonkeyPatch):
    account = make_account(app, Role.FAMILY_MEMBER)
    sign_in(client, account)
    before = display_name(app, account)
    monkeypatch.setattr(accounts, "change_passphrase", refuse_after_a_change(
        ValidationFailed("This passphrase is on a list of leaked ones.", field="new")))

    response = client.submit("/account/passphrase", {
        "current": account.passphrase, "new": "a brand new long passphrase"})

    assert response.status_code == 200
    assert "This passphrase is on a list of leaked ones." in response.get_data(as_text=True)
    assert display_name(app, account) == before
    with app.app_context():
        assert denials() == []


# -- recent sign-in ----------------------------------------------------------------------


def make_login_stale(app: Flask, account: Account) -> None:
    with app.app_context():
        db.session.execute(update(UserSession).where(UserSession.user_id == account.id)
                           .values(authenticated_at=utcnow() - timedelta(hours=1)))
        db.session.commit()


def stale_client(app: Flask, role: Role) -> BrowserClient:
    client: BrowserClient = app.test_client()  # type: ignore[assignment]
    account = make_account(app, role)
    sign_in(client, account)
    make_login_stale(app, account)
    return client


def role_holding(permission: object) -> Role:
    return next(role for role in Role if permission in ROLE_PERMISSIONS[role])


def test_every_sensitive_action_with_a_stale_sign_in_asks_for_the_passphrase_first(
        app: Flask):
    sensitive = {endpoint: access for endpoint, access in ENDPOINT_ACCESS.items()
                 if access.recent_login is not None}
    adapter, checked = app.url_map.bind("localhost"), set()
    for rule in app.url_map.iter_rules():
        access = sensitive.get(rule.endpoint)
        if access is None or access.recent_login is None:
            continue
        client = stale_client(app, role_holding(access.permission))
        url = rule.build(dict.fromkeys(rule.arguments, 1))[1]
        fields = dict([access.recent_login.when_posted]) if access.recent_login.when_posted \
            else {}
        with app.app_context():
            before = table_counts()
        response = client.post(url, data={"csrf_token": client.csrf_token("/account"),
                                           **fields})
        assert response.status_code == 302, rule.endpoint
        location = urlsplit(response.headers["Location"])
        assert location.path == "/reauthenticate", rule.endpoint
        [back] = parse_qs(location.query)["next"]
        try:  # the page to come back to can be opened (a POST-only action could not)
            adapter.match(back, method="GET")
        except MethodNotAllowed:
            pytest.fail(f"{rule.endpoint} returns to {back}, which cannot be opened")
        with app.app_context():
            assert table_counts() == before, rule.endpoint
        checked.add(rule.endpoint)
    assert checked == set(sensitive) != set()
    page = client.text(response.headers["Location"])
    assert "For your safety, confirm your passphrase before this change." in page


def test_a_stale_sign_in_may_still_open_the_form_and_press_the_other_button(app: Flask):
    reviewer = stale_client(app, Role.LEGAL_REVIEWER)
    # Neither opening the export form nor returning a dossier is the sensitive action: the
    # dossier does not exist, so the view itself answers.
    assert reviewer.get("/dossiers/1/export").status_code == 404
    returned = reviewer.post("/dossiers/1/review", data={
        "csrf_token": reviewer.csrf_token("/account"), "decision": "return"})
    assert returned.status_code == 404


# -- return addresses ----------------------------------------------------------------------


@pytest.mark.parametrize("target", UNSAFE_TARGETS)
def test_signing_in_with_an_unsafe_return_address_goes_home(
        app: Flask, client: BrowserClient, target: str):
    account = make_account(app, Role.FAMILY_MEMBER)
    assert client.get("/login", query_string={"next": target}).status_code == 200
    response = client.post("/login", data={
        "csrf_token": client.csrf_token("/login"), "username": account.username,
        "passphrase": account.passphrase, "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", UNSAFE_TARGETS)
def test_choosing_a_language_with_an_unsafe_return_address_goes_to_the_login_page(
        client: BrowserClient, target: str):
    response = client.post("/language", data={
        "csrf_token": client.csrf_token("/login"), "locale": "fr", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"


def test_a_return_address_on_the_site_is_kept(app: Flask, client: BrowserClient):
    account = make_account(app, Role.FAMILY_MEMBER)
    response = client.post("/login", data={
        "csrf_token": client.csrf_token("/login"), "username": account.username,
        "passphrase": account.passphrase, "next": "/reports?from=login"})
    assert response.headers["Location"] == "/reports?from=login"
    response = client.post("/language", data={
        "csrf_token": client.csrf_token("/account"), "locale": "fa", "next": "/account"})
    assert response.headers["Location"] == "/account"


def test_a_family_filter_that_is_not_an_id_is_ignored(app: Flask, client: BrowserClient):
    sign_in(client, make_account(app, Role.ADVOCATE))
    for family in ("²", "1" * 30, "-1"):
        assert client.get("/workspace", query_string={"family": family}).status_code == 200
