"""Invitations: the only way into the portal. Links work once, expire, can be withdrawn."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.audit import AuditAction
from portal.models import (
    AuditEvent,
    FamilyMembership,
    Invitation,
    Role,
    User,
    UserSession,
    db,
    utcnow,
)
from tests.conftest import CAPTURED, KNOWN_SECRETS
from tests.support.client import BrowserClient
from tests.support.factories import make_account, make_family
from tests.support.journeys import sign_in

ADVOCATE_PASSPHRASE = "harbour quilt ember saffron lattice"
FAMILY_PASSPHRASE = "kestrel marigold dune copper"
KNOWN_SECRETS.update({ADVOCATE_PASSPHRASE, FAMILY_PASSPHRASE})

LINK = re.compile(r'<p class="secret">(https?://[^<\s]+/invite/([A-Za-z0-9_\-]+))</p>')
NOT_WORKING = "This link does not work"


def create_invitation(client: BrowserClient, display_name: str, role: str | None = None,
                      locale: str = "en") -> tuple[str, str]:
    """Fill in the invitation form as the signed-in inviter; return (link, token)."""
    data = {"display_name": display_name, "locale": locale}
    if role is not None:
        data["role"] = role
    response = client.submit("/invitations/new", data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Invitation created" in page
    match = LINK.search(page)
    assert match, page[:2000]
    return match.group(1), match.group(2)


def invite_path(token: str) -> str:
    return f"/invite/{token}"


def accept(client: BrowserClient, token: str, username: str, passphrase: str,
           confirm: str | None = None):  # type: ignore[no-untyped-def]
    return client.submit(invite_path(token), {
        "username": username, "passphrase": passphrase,
        "confirm": passphrase if confirm is None else confirm,
    })


def the_invitation(app: Flask) -> Invitation:
    invitations = list(db.session.scalars(select(Invitation)))
    assert len(invitations) == 1
    return invitations[0]


def user_count() -> int:
    return db.session.scalar(select(func.count(User.id))) or 0


def assert_link_refused(client: BrowserClient, token: str) -> None:
    response = client.get(invite_path(token))
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert NOT_WORKING in page
    assert 'name="username"' not in page
    assert 'name="passphrase"' not in page


def test_admin_invitation_link_is_shown_once_and_only_its_digest_is_stored(
        app: Flask, client: BrowserClient):
    admin = make_account(app, Role.ADMIN)
    sign_in(client, admin)
    response = client.submit("/invitations/new", {
        "display_name": "Shirin Example", "role": "advocate", "locale": "en"})
    assert response.status_code == 200
    created = response.get_data(as_text=True)
    assert "This link is shown only now" in created
    match = LINK.search(created)
    assert match
    link, token = match.groups()

    assert link == f"http://localhost/invite/{token}"
    assert len(token) >= 43  # 32 random bytes, URL-safe base64
    # The list of invitations never shows the link again.
    listing = client.text("/invitations")
    assert "Shirin Example" in listing
    assert token not in listing

    with app.app_context():
        invitation = the_invitation(app)
        assert invitation.token_digest == hashlib.sha256(token.encode()).hexdigest()
        assert invitation.role is Role.ADVOCATE
        assert invitation.invited_by_id == admin.id
        assert invitation.accepted_at is None
        assert invitation.revoked_at is None
        hours_left = (invitation.expires_at - utcnow()) / timedelta(hours=1)
        assert 71 < hours_left <= 72
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(select(table)):
                for value in row:
                    if isinstance(value, bytes):
                        assert token.encode() not in value, f"token stored in {table.name}"
                    elif value is not None:
                        assert token not in str(value), f"token stored in {table.name}"
        created = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == AuditAction.INVITATION_CREATED)).all()
        assert [e.actor_id for e in created] == [admin.id]


def test_invited_advocate_chooses_credentials_and_is_sent_to_second_factor_enrolment(
        app: Flask, client: BrowserClient, another_client: BrowserClient):
    admin = make_account(app, Role.ADMIN)
    sign_in(client, admin)
    _, token = create_invitation(client, "Shirin Example", role="advocate")

    page = another_client.text(invite_path(token))
    assert "Create your account" in page
    assert "Shirin Example" in page
    assert "at least 15 characters" in page

    response = accept(another_client, token, "shirin.example", ADVOCATE_PASSPHRASE)
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/second-factor"
    # Staff can reach nothing else until the second factor is set up.
    home = another_client.get("/")
    assert home.status_code == 302
    assert home.headers["Location"] == "/account/second-factor"
    enrolment = another_client.get("/account/second-factor")
    assert enrolment.status_code == 200
    assert "Set up a second factor" in enrolment.get_data(as_text=True)

    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "shirin.example"))
        assert user is not None
        assert user.role is Role.ADVOCATE
        assert user.display_name == "Shirin Example"
        assert user.passphrase_hash.startswith("$argon2id$")
        assert not user.has_second_factor
        invitation = the_invitation(app)
        assert invitation.accepted_at is not None
        assert invitation.accepted_user_id == user.id
    # Neither the token nor the passphrase reached the logs.
    assert not any(token in line for line in CAPTURED.lines)


def test_invitation_link_works_only_once(app: Flask, client: BrowserClient,
                                         another_client: BrowserClient):
    admin = make_account(app, Role.ADMIN)
    sign_in(client, admin)
    _, token = create_invitation(client, "Shirin Example", role="advocate")
    assert accept(another_client, token, "shirin.example",
                  ADVOCATE_PASSPHRASE).status_code == 302

    third: BrowserClient = app.test_client()  # type: ignore[assignment]
    assert_link_refused(third, token)
    # Sending the form again (with a valid CSRF token) creates nothing either.
    response = third.post(invite_path(token), data={
        "csrf_token": third.csrf_token("/login"),
        "username": "second.person", "passphrase": ADVOCATE_PASSPHRASE,
        "confirm": ADVOCATE_PASSPHRASE})
    assert response.status_code == 404
    assert NOT_WORKING in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "second.person")) is None


def test_family_member_invited_by_advocate_lands_on_home_without_second_factor(
        app: Flask, client: BrowserClient, another_client: BrowserClient):
    advocate = make_account(app, Role.ADVOCATE)
    make_family(app, advocates=[advocate])
    sign_in(client, advocate)
    form = client.text("/invitations/new")
    assert 'value="family_member"' in form
    assert 'value="advocate"' not in form
    assert 'value="admin"' not in form
    _, token = create_invitation(client, "Laleh Example")  # the only role is preselected

    response = accept(another_client, token, "laleh.example", FAMILY_PASSPHRASE)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = another_client.get("/")
    assert home.status_code == 200
    assert "Welcome, Laleh Example" in home.get_data(as_text=True)

    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "laleh.example"))
        assert user is not None
        assert user.role is Role.FAMILY_MEMBER
        assert not user.has_second_factor
        live = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)).all()
        assert len(live) == 1
        assert live[0].second_factor_done
        # The new account's key pair is held by this first session (decision 0027).
        assert live[0].person_key_held is not None


def test_expired_invitation_is_refused(app: Flask, client: BrowserClient,
                                       another_client: BrowserClient):
    advocate = make_account(app, Role.ADVOCATE)
    make_family(app, advocates=[advocate])
    sign_in(client, advocate)
    _, token = create_invitation(client, "Laleh Example")
    # The invitee opened the page while it was valid...
    csrf = another_client.csrf_token(invite_path(token))
    with app.app_context():
        the_invitation(app).expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        users_before = user_count()

    assert_link_refused(another_client, token)
    # ...and sends the form after it expired.
    response = another_client.post(invite_path(token), data={
        "csrf_token": csrf, "username": "laleh.example", "passphrase": FAMILY_PASSPHRASE,
        "confirm": FAMILY_PASSPHRASE})
    assert response.status_code == 404
    assert NOT_WORKING in response.get_data(as_text=True)
    with app.app_context():
        assert user_count() == users_before
        assert the_invitation(app).accepted_at is None
    assert "Expired" in client.text("/invitations")


def test_withdrawn_invitation_is_refused(app: Flask, client: BrowserClient,
                                         another_client: BrowserClient):
    advocate = make_account(app, Role.ADVOCATE)
    make_family(app, advocates=[advocate])
    sign_in(client, advocate)
    _, token = create_invitation(client, "Laleh Example")
    assert another_client.get(invite_path(token)).status_code == 200
    with app.app_context():
        invitation_id = the_invitation(app).id

    response = client.submit("/invitations", {}, action=f"/invitations/{invitation_id}/revoke")
    assert response.status_code == 302
    assert response.headers["Location"] == "/invitations"
    assert "Withdrawn" in client.text("/invitations")

    assert_link_refused(another_client, token)
    with app.app_context():
        invitation = the_invitation(app)
        assert invitation.revoked_at is not None
        revoked = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == AuditAction.INVITATION_REVOKED)).all()
        assert [(e.actor_id, e.target_id) for e in revoked] == [(advocate.id, str(invitation_id))]


@pytest.mark.parametrize("role", ["admin", "advocate", "legal_reviewer"])
def test_advocate_can_invite_only_family_members(app: Flask, client: BrowserClient, role: str):
    advocate = make_account(app, Role.ADVOCATE)
    make_family(app, advocates=[advocate])
    sign_in(client, advocate)
    # The form offers advocates the family member role only: the others are forged.
    response = client.post_form("/invitations/new", {
        "display_name": "Someone Else", "role": role, "locale": "en"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert "Not a valid choice" in page
    assert "Invitation created" not in page
    with app.app_context():
        assert db.session.scalar(select(func.count(Invitation.id))) == 0


def test_family_member_cannot_reach_invitations(app: Flask, client: BrowserClient):
    family = make_account(app, Role.FAMILY_MEMBER)
    sign_in(client, family)
    assert client.get("/invitations").status_code == 404
    assert client.get("/invitations/new").status_code == 404
    response = client.post_form("/invitations/new", {
        "display_name": "Someone", "role": "family_member", "locale": "en"},
        token_page="/account")
    assert response.status_code == 404
    assert "Invitations" not in client.text("/")
    with app.app_context():
        assert db.session.scalar(select(func.count(Invitation.id))) == 0
        denied = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == AuditAction.ACCESS_DENIED)).all()
        assert len(denied) == 3
        assert all(e.actor_id == family.id for e in denied)


def test_advocate_cannot_withdraw_another_advocates_invitation(
        app: Flask, client: BrowserClient, another_client: BrowserClient):
    first = make_account(app, Role.ADVOCATE)
    make_family(app, advocates=[first])
    second = make_account(app, Role.ADVOCATE)
    make_family(app, advocates=[second])
    sign_in(client, first)
    _, token = create_invitation(client, "Laleh Example")
    with app.app_context():
        invitation_id = the_invitation(app).id

    sign_in(another_client, second)
    assert "Laleh Example" not in another_client.text("/invitations")
    response = another_client.post_form(f"/invitations/{invitation_id}/revoke", {},
                                        token_page="/invitations")
    assert response.status_code == 404
    with app.app_context():
        invitation = the_invitation(app)
        assert invitation.revoked_at is None
        assert invitation.accepted_at is None
    assert app.test_client().get(invite_path(token)).status_code == 200


def test_admin_can_withdraw_an_advocates_invitation(
        app: Flask, client: BrowserClient, another_client: BrowserClient):
    advocate = make_account(app, Role.ADVOCATE)
    make_family(app, advocates=[advocate])
    admin = make_account(app, Role.ADMIN)
    sign_in(client, advocate)
    _, token = create_invitation(client, "Laleh Example")
    with app.app_context():
        invitation_id = the_invitation(app).id
    sign_in(another_client, admin)
    assert "Laleh Example" in another_client.text("/invitations")
    response = another_client.submit("/invitations", {},
                                     action=f"/invitations/{invitation_id}/revoke")
    assert response.status_code == 302
    assert_link_refused(app.test_client(), token)  # type: ignore[arg-type]


def test_taken_username_gives_field_error_and_keeps_invitation_usable(
        app: Flask, client: BrowserClient, another_client: BrowserClient):
    make_account(app, Role.FAMILY_MEMBER, username="taken.name")
    advocate = make_account(app, Role.ADVOCATE)
    make_family(app, advocates=[advocate])
    sign_in(client, advocate)
    _, token = create_invitation(client, "Laleh Example")
    with app.app_context():
        users_before = user_count()

    for attempt in ("taken.name", "Taken.Name"):  # usernames compare case-insensitively
        response = accept(another_client, token, attempt, FAMILY_PASSPHRASE)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        error = re.search(r'<p class="error-message" id="username-error">(.*?)</p>', page, re.S)
        assert error, page[:3000]
        assert "This username is taken" in error.group(1)
    with app.app_context():
        assert user_count() == users_before
        assert the_invitation(app).accepted_at is None

    response = accept(another_client, token, "laleh.example", FAMILY_PASSPHRASE)
    assert response.status_code == 302
    with app.app_context():
        assert the_invitation(app).accepted_at is not None


def test_mismatching_confirmation_gives_an_error(app: Flask, client: BrowserClient,
                                                 another_client: BrowserClient):
    advocate = make_account(app, Role.ADVOCATE)
    make_family(app, advocates=[advocate])
    sign_in(client, advocate)
    _, token = create_invitation(client, "Laleh Example")
    response = accept(another_client, token, "laleh.example", FAMILY_PASSPHRASE,
                      confirm=FAMILY_PASSPHRASE + " extra")
    assert response.status_code == 200
    assert "The two passphrases are not the same." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "laleh.example")) is None
        assert the_invitation(app).accepted_at is None
    assert another_client.get("/").status_code == 302  # not signed in


def test_unknown_invitation_token_gets_the_same_page(client: BrowserClient):
    assert_link_refused(client, "x" * 43)


def test_invitation_page_speaks_the_language_the_inviter_chose(
        app: Flask, client: BrowserClient, another_client: BrowserClient):
    advocate = make_account(app, Role.ADVOCATE)
    make_family(app, advocates=[advocate])
    sign_in(client, advocate)
    _link, token = create_invitation(client, "Invitee Example", locale="fa")
    page = another_client.get(invite_path(token), headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert '<html lang="fa" dir="rtl">' in html
    chosen = another_client.submit(invite_path(token), {"locale": "fr"}, action="/language")
    assert chosen.status_code == 302
    assert '<html lang="fr"' in another_client.text(invite_path(token))  # their choice wins


def test_invited_family_member_joins_the_family_file_the_advocate_chose(
        app: Flask, client: BrowserClient, another_client: BrowserClient):
    advocate = make_account(app, Role.ADVOCATE)
    make_family(app, advocates=[advocate])
    chosen = make_family(app, advocates=[advocate])
    sign_in(client, advocate)
    created = client.submit("/invitations/new", {"display_name": "Invitee Example",
                                                 "role": "family_member", "locale": "en",
                                                 "family_id": str(chosen)})
    token = LINK.search(created.get_data(as_text=True)).group(2)  # type: ignore[union-attr]
    accept(another_client, token, "invitee.example", FAMILY_PASSPHRASE)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "invitee.example"))
        assert user is not None
        memberships = db.session.scalars(select(FamilyMembership).where(
            FamilyMembership.user_id == user.id)).all()
        assert [m.family_id for m in memberships] == [chosen]
    assert "Start a new report" in another_client.text("/reports")


def test_advocate_cannot_invite_into_a_family_file_not_assigned_to_them(
        app: Flask, client: BrowserClient):
    advocate = make_account(app, Role.ADVOCATE)
    make_family(app, advocates=[advocate])
    make_family(app, advocates=[advocate])
    foreign = make_family(app)
    sign_in(client, advocate)
    # The form offers only the advocate's own family files: this one is forged.
    response = client.post_form("/invitations/new", {"display_name": "Invitee Example",
                                                     "role": "family_member", "locale": "en",
                                                     "family_id": str(foreign)})
    assert response.status_code == 200
    assert "Choose one of the family files assigned to you." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0
