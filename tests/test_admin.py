"""Running the portal: users, roles, deactivation, second-factor resets, the audit log.

Sensitive changes need a recent login, end the person's sessions and are audited;
everyone but an admin meets 404 on every /admin address.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from portal.audit import AuditAction, Outcome
from portal.models import AuditEvent, RecoveryCode, Role, UserSession, db, utcnow
from tests.conftest import table_counts
from tests.support.client import BrowserClient
from tests.support.factories import Account, make_account
from tests.support.journeys import sign_in

VAGUE = "The username or passphrase is not right."
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
SENSITIVE_ACTIONS = [("role", {"role": "admin"}), ("active", {}), ("second-factor/reset", {})]


def signed_in_admin(app: Flask, client: BrowserClient) -> Account:
    admin = make_account(app, Role.ADMIN, username="azadeh.admin")
    sign_in(client, admin)
    return admin


def make_login_stale(app: Flask, account: Account) -> None:
    with app.app_context():
        db.session.execute(
            update(UserSession).where(UserSession.user_id == account.id)
            .values(authenticated_at=utcnow() - timedelta(minutes=6)))
        db.session.commit()


def user_page(account: Account) -> str:
    return f"/admin/users/{account.id}"


def act(client: BrowserClient, target: Account, action: str, data: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return client.submit(user_page(target), data or {},
                         action=f"/admin/users/{target.id}/{action}")


def events(action: AuditAction) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                   .order_by(AuditEvent.seq)))


def event_count(page: str) -> int:
    match = re.search(r'<p class="muted">(\d+) events?</p>', page)
    assert match, "no event count on the audit page"
    return int(match.group(1))


def audit_rows(page: str) -> list[list[str]]:
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.S)
    assert body
    rows = re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)
    return [[html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
             for cell in re.findall(r"<td>(.*?)</td>", row, re.S)] for row in rows]


def is_signed_out(client: BrowserClient) -> bool:
    response = client.get("/")
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


# --- users ----------------------------------------------------------------------------------


def test_admin_sees_every_user_and_can_filter_by_role(app: Flask, client: BrowserClient):
    admin = signed_in_admin(app, client)
    family = make_account(app, Role.FAMILY_MEMBER, username="neda.family")
    advocate = make_account(app, Role.ADVOCATE, username="kian.advocate")
    reviewer = make_account(app, Role.LEGAL_REVIEWER, username="sara.reviewer")

    page = client.text("/admin/users")
    for other in (family, advocate, reviewer):
        assert f'href="{user_page(other)}">{other.username}</a>' in page
    assert "azadeh.admin" in page
    assert f'href="{user_page(admin)}"' not in page  # oneself: no management link
    assert "(you)" in page

    only_family = client.text("/admin/users?role=family_member")
    assert "neda.family" in only_family
    assert "kian.advocate" not in only_family
    assert "sara.reviewer" not in only_family


def test_admin_user_page_shows_role_second_factor_and_status(app: Flask, client: BrowserClient):
    signed_in_admin(app, client)
    advocate = make_account(app, Role.ADVOCATE, username="kian.advocate")
    family = make_account(app, Role.FAMILY_MEMBER, username="neda.family")

    page = client.text(user_page(advocate))
    assert "Kian.Advocate" in page
    assert "(kian.advocate)" in page
    assert "<dd class=\"summary-list__value\">Advocate</dd>" in page
    assert "<dd class=\"summary-list__value\">On</dd>" in page
    assert "<dd class=\"summary-list__value\">Active</dd>" in page
    assert f'action="/admin/users/{advocate.id}/second-factor/reset"' in page
    assert re.search(r'<input checked[^>]*value="advocate"', page)

    page = client.text(user_page(family))
    assert "<dd class=\"summary-list__value\">Off</dd>" in page
    assert "second-factor/reset" not in page
    assert client.get("/admin/users/999999").status_code == 404


def test_role_change_with_fresh_login_is_applied_audited_and_ends_sessions(
        app: Flask, client: BrowserClient, another_client: BrowserClient):
    admin = signed_in_admin(app, client)
    family = make_account(app, Role.FAMILY_MEMBER, username="neda.family")
    sign_in(another_client, family)
    assert another_client.get("/").status_code == 200

    response = act(client, family, "role", {"role": "legal_reviewer"})
    assert response.status_code == 302
    assert response.headers["Location"] == user_page(family)
    assert "The role was changed" in client.text(user_page(family))

    with app.app_context():
        assert family.reload().role is Role.LEGAL_REVIEWER
        [event] = events(AuditAction.ROLE_CHANGED)
        assert event.actor_id == admin.id
        assert event.target_type == "user"
        assert event.target_id == str(family.id)
        assert event.outcome == Outcome.SUCCESS
        assert event.details == {"from": "family_member", "to": "legal_reviewer"}
        live = db.session.scalar(select(func.count(UserSession.id)).where(
            UserSession.user_id == family.id, UserSession.revoked_at.is_(None)))
        assert live == 0

    rows = audit_rows(client.text("/admin/audit?action=user.role_changed"))
    assert len(rows) == 1
    assert rows[0][2:6] == ["Role changed", "Success", "azadeh.admin", f"user {family.id}"]
    assert "from=family_member" in rows[0][6]
    assert "to=legal_reviewer" in rows[0][6]

    response = another_client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize(("action", "data"), SENSITIVE_ACTIONS,
                         ids=["role", "deactivate", "second-factor-reset"])
def test_stale_login_sends_sensitive_actions_to_reauthentication_and_changes_nothing(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        action: str, data: dict[str, str]):
    admin = signed_in_admin(app, client)
    advocate = make_account(app, Role.ADVOCATE, username="kian.advocate")
    sign_in(another_client, advocate)
    make_login_stale(app, admin)
    with app.app_context():
        before = table_counts()

    response = act(client, advocate, action, data)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/reauthenticate?next=")
    assert unquote(location.split("next=", 1)[1]) == user_page(advocate)

    with app.app_context():
        assert table_counts() == before
        user = advocate.reload()
        assert user.role is Role.ADVOCATE
        assert user.is_active
        assert user.has_second_factor
    assert another_client.get("/").status_code == 200


def test_after_reauthenticating_the_admin_returns_to_the_user_page_and_can_submit(
        app: Flask, client: BrowserClient):
    admin = signed_in_admin(app, client)
    family = make_account(app, Role.FAMILY_MEMBER, username="neda.family")
    make_login_stale(app, admin)
    location = act(client, family, "role", {"role": "advocate"}).headers["Location"]

    page = client.text(location)
    assert "Confirm your passphrase" in page
    hidden = re.search(r'<input id="next" name="next" type="hidden" value="([^"]*)"', page)
    assert hidden, "the return address is not kept in the form"
    back_to = html.unescape(hidden.group(1))
    assert back_to == user_page(family)

    wrong = client.submit(location, {"passphrase": "not my passphrase", "next": back_to})
    assert wrong.status_code == 200
    assert "That passphrase is not right." in wrong.get_data(as_text=True)
    assert act(client, family, "role", {"role": "advocate"}).headers["Location"].startswith(
        "/reauthenticate")

    response = client.submit(location, {"passphrase": admin.passphrase, "next": back_to})
    assert response.status_code == 302
    assert response.headers["Location"] == user_page(family)
    assert "Passphrase confirmed" in client.text(user_page(family))

    response = act(client, family, "role", {"role": "advocate"})
    assert response.status_code == 302
    assert response.headers["Location"] == user_page(family)
    with app.app_context():
        assert family.reload().role is Role.ADVOCATE
        assert [e.outcome for e in events(AuditAction.REAUTHENTICATE)] == [
            Outcome.FAILURE, Outcome.SUCCESS]


def test_deactivating_a_user_ends_their_sessions_and_blocks_sign_in(
        app: Flask, client: BrowserClient, another_client: BrowserClient):
    admin = signed_in_admin(app, client)
    family = make_account(app, Role.FAMILY_MEMBER, username="neda.family")
    sign_in(another_client, family)

    response = act(client, family, "active")
    assert response.status_code == 302
    assert "The account was deactivated" in client.text(user_page(family))
    assert "Deactivated" in client.text("/admin/users")
    with app.app_context():
        assert family.reload().is_active is False
        [event] = events(AuditAction.USER_DEACTIVATED)
        assert (event.actor_id, event.target_id) == (admin.id, str(family.id))

    assert is_signed_out(another_client)
    right = another_client.submit("/login", {"username": family.username,
                                             "passphrase": family.passphrase})
    unknown = another_client.submit("/login", {"username": "nobody.here",
                                               "passphrase": family.passphrase})
    assert right.status_code == unknown.status_code == 200
    assert VAGUE in right.get_data(as_text=True)
    assert VAGUE in unknown.get_data(as_text=True)
    assert is_signed_out(another_client)

    # Reactivating lets the person back in.
    assert act(client, family, "active").status_code == 302
    with app.app_context():
        assert family.reload().is_active is True
    assert another_client.submit("/login", {"username": family.username,
                                            "passphrase": family.passphrase}).status_code == 302
    assert another_client.get("/").status_code == 200


def test_admin_cannot_manage_their_own_account(app: Flask, client: BrowserClient):
    admin = signed_in_admin(app, client)
    assert client.get(user_page(admin)).status_code == 404
    for action, data in SENSITIVE_ACTIONS:
        response = client.post_form(f"/admin/users/{admin.id}/{action}", data,
                                    token_page="/admin/users")
        assert response.status_code == 404, action
    with app.app_context():
        user = admin.reload()
        assert user.role is Role.ADMIN
        assert user.is_active
        assert user.has_second_factor
        denied = events(AuditAction.ACCESS_DENIED)
        assert len(denied) == 4
        assert {e.target_id for e in denied} == {str(admin.id)}
    assert client.get("/").status_code == 200  # still signed in


ADMIN_GETS = ["/admin/users", "/admin/users?role=admin", "/admin/audit", "/admin/audit?page=2"]


@pytest.mark.parametrize("role", [Role.FAMILY_MEMBER, Role.ADVOCATE, Role.LEGAL_REVIEWER])
def test_non_admins_get_404_on_every_admin_address(app: Flask, client: BrowserClient,
                                                   role: Role):
    target = make_account(app, Role.ADVOCATE, username="kian.advocate")
    person = make_account(app, role)
    sign_in(client, person)
    for path in [*ADMIN_GETS, user_page(target)]:
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Page not found" in response.get_data(as_text=True)
    for action, data in SENSITIVE_ACTIONS:
        response = client.post_form(f"/admin/users/{target.id}/{action}", data,
                                    token_page="/account")
        assert response.status_code == 404, action
    with app.app_context():
        user = target.reload()
        assert (user.role, user.is_active, user.has_second_factor) == (Role.ADVOCATE, True, True)
        assert len(events(AuditAction.ACCESS_DENIED)) == len(ADMIN_GETS) + 1 + 3
    page = client.text("/")
    assert "/admin/" not in page


def test_anonymous_visitors_are_sent_to_sign_in_from_admin_pages(client: BrowserClient):
    for path in ("/admin/users", "/admin/audit"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")


def test_second_factor_reset_removes_the_users_second_factor(
        app: Flask, client: BrowserClient, another_client: BrowserClient):
    admin = signed_in_admin(app, client)
    advocate = make_account(app, Role.ADVOCATE, username="kian.advocate")
    sign_in(another_client, advocate)
    assert another_client.submit("/account/recovery-codes",
                                 {"passphrase": advocate.passphrase}).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count(RecoveryCode.id)).where(
            RecoveryCode.user_id == advocate.id)) == 10

    response = act(client, advocate, "second-factor/reset")
    assert response.status_code == 302
    page = client.text(user_page(advocate))
    assert "The second factor was removed" in page
    assert "<dd class=\"summary-list__value\">Off</dd>" in page

    with app.app_context():
        user = advocate.reload()
        assert not user.has_second_factor
        assert user.totp_secret_sealed is None
        assert user.totp_last_step is None
        assert db.session.scalar(select(func.count(RecoveryCode.id)).where(
            RecoveryCode.user_id == advocate.id)) == 0
        [event] = events(AuditAction.SECOND_FACTOR_RESET)
        assert (event.actor_id, event.target_id) == (admin.id, str(advocate.id))

    assert is_signed_out(another_client)
    login = another_client.submit("/login", {"username": advocate.username,
                                             "passphrase": advocate.passphrase})
    assert login.status_code == 302
    step = another_client.get(login.headers["Location"])
    assert step.headers["Location"] == "/account/second-factor"
    assert another_client.get("/").headers["Location"] == "/account/second-factor"


# --- audit log ------------------------------------------------------------------------------


def fail_login(client: BrowserClient, username: str, token: str) -> None:
    response = client.post("/login", data={"csrf_token": token, "username": username,
                                           "passphrase": "wrong words here"})
    assert response.status_code == 200
    assert VAGUE in response.get_data(as_text=True)


def test_audit_log_filters_by_event_outcome_username_and_date(
        app: Flask, client: BrowserClient, another_client: BrowserClient):
    signed_in_admin(app, client)
    family = make_account(app, Role.FAMILY_MEMBER, username="neda.family")
    token = another_client.csrf_token("/login")
    fail_login(another_client, "neda.family", token)
    fail_login(another_client, "neda.family", token)
    fail_login(another_client, "someone.unknown", token)
    sign_in(another_client, family)
    with app.app_context():
        total = db.session.scalar(select(func.count(AuditEvent.id)))
    assert event_count(client.text("/admin/audit")) == total

    failures = client.text("/admin/audit?action=login&outcome=failure")
    assert event_count(failures) == 3
    assert all(row[2:4] == ["Sign-in", "Failure"] for row in audit_rows(failures))
    assert [row[4] for row in audit_rows(failures)] == ["—", "neda.family", "neda.family"]

    successes = client.text("/admin/audit?action=login&outcome=success")
    assert sorted(row[4] for row in audit_rows(successes)) == ["azadeh.admin", "neda.family"]

    by_person = client.text("/admin/audit?actor=NEDA.family")
    assert event_count(by_person) == 4  # account created, two failures, one success
    assert {row[4] for row in audit_rows(by_person)} == {"neda.family"}
    assert event_count(client.text("/admin/audit?actor=neda.family&outcome=failure")) == 2

    today = datetime.now(UTC).date()
    def persian(day) -> str:  # type: ignore[no-untyped-def]
        return day.isoformat().translate(PERSIAN)
    dated = client.text(f"/admin/audit?since={persian(today)}&until={persian(today)}")
    assert event_count(dated) == total
    assert event_count(client.text(
        f"/admin/audit?since={persian(today + timedelta(days=1))}")) == 0
    assert event_count(client.text(
        f"/admin/audit?until={persian(today - timedelta(days=1))}")) == 0
    assert event_count(client.text(
        f"/admin/audit?action=login&outcome=failure&since={today.isoformat()}")) == 3


def test_audit_log_shows_fifty_events_per_page_newest_first(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        monkeypatch: pytest.MonkeyPatch):
    # 55 failed sign-ins from one session: above the per-session ceiling and the
    # portal-wide alarm, which have tests of their own.
    monkeypatch.setitem(app.config, "LOGIN_ATTEMPTS_PER_SESSION_PER_MINUTE", 100)
    monkeypatch.setitem(app.config, "LOGIN_ALARM_FAILURES_PER_MINUTE", 100)
    signed_in_admin(app, client)
    token = another_client.csrf_token("/login")
    for number in range(55):  # different names: the throttle counts per account
        fail_login(another_client, f"nobody.{number:02d}", token)
    with app.app_context():
        total = db.session.scalar(select(func.count(AuditEvent.id)))
        newest = db.session.scalar(select(func.max(AuditEvent.seq)))
    assert 50 < total <= 100

    first = client.text("/admin/audit")
    assert "Page 1 of 2" in first
    rows = audit_rows(first)
    assert len(rows) == 50
    seqs = [int(row[0]) for row in rows]
    assert seqs == sorted(seqs, reverse=True)
    assert seqs[0] == newest
    assert "Newer" not in first
    older = re.search(r'<a href="([^"]*)">Older</a>', first)
    assert older
    second = client.text("/admin/audit" + html.unescape(older.group(1)))
    assert "Page 2 of 2" in second
    assert len(audit_rows(second)) == total - 50
    assert int(audit_rows(second)[0][0]) == seqs[-1] - 1
    assert "Older" not in second
    assert "Newer" in second

    # Filters are kept when moving between pages.
    filtered = client.text("/admin/audit?action=login&outcome=failure")
    assert event_count(filtered) == 55
    older = re.search(r'<a href="([^"]*)">Older</a>', filtered)
    assert older
    href = html.unescape(older.group(1))
    assert "action=login" in href
    assert "outcome=failure" in href
    assert "page=2" in href
    rest = client.text("/admin/audit" + href)
    assert "Page 2 of 2" in rest
    assert len(audit_rows(rest)) == 5
    assert all(row[2:4] == ["Sign-in", "Failure"] for row in audit_rows(rest))

    # Out-of-range pages are clamped, not errors.
    assert "Page 2 of 2" in client.text("/admin/audit?page=99")
    assert "Page 1 of 2" in client.text("/admin/audit?page=0")
