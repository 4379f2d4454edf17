"""Deny by default: every route has a rule, and every protected route refuses
anonymous visitors and wrong roles without changing anything."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal import create_app
from portal.models import AuditEvent, Invitation, Role, User, db, utcnow
from portal.policy.permissions import ROLE_PERMISSIONS, Permission, can
from portal.web.access import PUBLIC, Stage, access_rule
from tests.conftest import app_config, table_counts
from tests.support.client import BrowserClient
from tests.support.factories import Account, build_family_world, make_account
from tests.support.journeys import sign_in

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def routes(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, rule) for every route the app answers."""
    return sorted(
        (rule.endpoint, method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in (rule.methods or set()) - IGNORED_METHODS
    )


def protected_routes(app: Flask) -> list[tuple[str, str, str]]:
    return [r for r in routes(app) if access_rule(r[0], r[1]) != PUBLIC]


def concrete_url(rule: str, ids: dict[str, int | str]) -> str:
    """Fill every URL parameter with the id of a real object of that kind."""
    return re.sub(r"<(?:int:)?(\w+)>", lambda m: str(ids[m.group(1)]), rule)


def test_every_endpoint_and_method_has_an_access_rule(app: Flask):
    missing = [(e, m) for e, m, _ in routes(app) if access_rule(e, m) is None]
    assert missing == []


def test_public_allow_list_is_short_and_known(app: Flask):
    public = {e for e, m, _ in routes(app) if access_rule(e, m) == PUBLIC}
    assert public == {"static", "main.health", "main.set_language", "auth.login",
                      "invitations.accept", "auth.quick_exit"}


def test_the_actions_that_need_a_recent_sign_in_are_known(app: Flask):
    needing = set()
    for endpoint, method, _ in routes(app):
        rule = access_rule(endpoint, method)
        if rule is not None and rule.recent_login and method in rule.recent_login.methods:
            needing.add((endpoint, method, rule.recent_login.when_posted))
    assert needing == {
        ("admin.change_role", "POST", None),
        ("admin.set_active", "POST", None),
        ("admin.reset_second_factor", "POST", None),
        ("register.add_member", "POST", None),
        ("register.assign_advocate", "POST", None),
        ("register.decide_assignment", "POST", ("decision", "confirm")),  # not declining
        ("families.decide_assignment", "POST", ("decision", "confirm")),
        ("evidence.approve_withdrawal", "POST", None),
        ("dossiers.review", "POST", ("decision", "approve")),  # not returning it
        ("dossiers.export", "POST", None),  # not opening the form
        ("account.recovery_codes", "GET", None),  # the form, then its passphrase
        ("account.recovery_codes", "POST", None),
    }


def test_an_unlisted_endpoint_is_refused(tmp_path: Path):
    probe_app = create_app(app_config(tmp_path, "sqlite://"))
    probe_app.add_url_rule("/__unlisted_probe", "unlisted_probe", lambda: "should never be seen")
    response = probe_app.test_client().get("/__unlisted_probe")
    assert response.status_code == 404
    assert b"should never be seen" not in response.data


def _object_ids(app: Flask, owner: Account) -> dict[str, int | str]:
    """Ids of real objects for every URL parameter, so refusals are not mere 'not found'."""
    with app.app_context():
        invitation = Invitation(token_digest="0" * 64, role=Role.FAMILY_MEMBER,
                                display_name="Probe", invited_by_id=owner.id,
                                expires_at=utcnow())
        db.session.add(invitation)
        world = build_family_world(owner.id)
        db.session.commit()
        return {"user_id": owner.id, "invitation_id": invitation.id, "token": 0,
                "advocate_id": owner.id, "number": 1, "purpose": "thumbnail", "step": "when",
                **world}


def test_anonymous_visitor_is_sent_to_login_from_every_protected_route(
        app: Flask, client: BrowserClient):
    owner = make_account(app, Role.ADMIN)
    ids = _object_ids(app, owner)
    token = client.csrf_token("/login")
    for endpoint, method, rule in protected_routes(app):
        with app.app_context():
            before = table_counts()
        url = concrete_url(rule, ids)
        response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code == 302, (endpoint, method, response.status_code)
        assert response.headers["Location"].startswith("/login?next="), endpoint
        with app.app_context():
            assert table_counts() == before, f"{method} {url} changed the database"


@pytest.mark.parametrize("role", [Role.FAMILY_MEMBER, Role.LEGAL_REVIEWER, Role.ADVOCATE])
def test_wrong_role_gets_404_and_changes_nothing_but_the_denial_record(
        app: Flask, client: BrowserClient, role: Role):
    owner = make_account(app, Role.ADMIN)
    ids = _object_ids(app, owner)
    visitor = make_account(app, role)
    sign_in(client, visitor)
    token = client.csrf_token("/account")
    refused = 0
    for endpoint, method, rule in protected_routes(app):
        rule_access = access_rule(endpoint, method)
        assert rule_access is not None
        if rule_access.permission is None or Stage.FULL not in rule_access.stages:
            continue
        if rule_access.permission in ROLE_PERMISSIONS[role]:
            continue
        with app.app_context():
            before = table_counts()
            denials_before = _denials()
        response = client.open(concrete_url(rule, ids), method=method,
                               data={"csrf_token": token})
        assert response.status_code == 404, (endpoint, method, response.status_code)
        with app.app_context():
            after = table_counts()
            assert _denials() == denials_before + 1, endpoint
        before.pop("audit_events"), after.pop("audit_events")
        before.pop("audit_chain_head"), after.pop("audit_chain_head")
        assert after == before, f"{method} {endpoint} changed the database"
        refused += 1
    assert refused >= 3  # the test really exercised refusals


def _denials() -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "access.denied")
    ) or 0


def test_unknown_object_and_forbidden_object_look_the_same(app: Flask, client: BrowserClient):
    admin = make_account(app, Role.ADMIN)
    sign_in(client, admin)
    own_page = client.get(f"/admin/users/{admin.id}")  # an admin may not manage themself
    missing = client.get("/admin/users/999999")
    assert own_page.status_code == missing.status_code == 404
    def without_return_path(page: str) -> str:
        return re.sub(r'name="next" value="[^"]*"', "", page)

    assert without_return_path(own_page.get_data(as_text=True)) == without_return_path(
        missing.get_data(as_text=True))


# What each role may do at all, written out by hand from DESIGN §1 (users and their
# journeys) so that a wrong grant in the policy fails here instead of being copied into
# the expectation. A new permission or role fails until it gets its line or column.
GRANTS = """
permission                  family_member  advocate  legal_reviewer  admin
account:use                       Y           Y            Y           Y
invitation:create                 -           Y            -           Y
invitation:revoke                 -           Y            -           Y
user:manage                       -           -            -           Y
audit:read                        -           -            -           Y
register:manage                   -           -            -           Y
assignment:confirm                -           Y            -           Y
assignment:decline                -           Y            -           Y
assignment:confirm                -           Y            -           Y
assignment:decline                -           Y            -           Y
family:read                       Y           Y            -           -
person:manage                     Y           Y            -           -
incident:create                   Y           -            -           -
incident:read                     Y           Y            -           -
incident:amend                    Y           -            -           -
incident:discuss                  Y           Y            -           -
incident:review                   -           Y            -           -
legal_tag:confirm                 -           -            Y           -
workspace:use                     -           Y            -           -
evidence:add                      Y           Y            -           -
evidence:read                     Y           Y            Y           -
evidence:describe                 Y           Y            -           -
evidence:withdraw_request         Y           -            -           -
evidence:withdraw_approve         -           -            Y           -
dossier:create                    -           Y            -           -
dossier:read                      -           Y            Y           -
dossier:edit                      -           Y            -           -
dossier:review                    -           -            Y           -
dossier:new_version               -           Y            -           -
dossier:export                    -           -            Y           -
dossier:verify                    -           -            Y           -
translation:manage                -           Y            -           -
"""


def expected_grants() -> dict[tuple[str, str], bool]:
    """(role, permission) -> allowed, read from the table above."""
    header, *rows = GRANTS.strip().splitlines()
    roles = header.split()[1:]
    table = {}
    for row in rows:
        permission, *marks = row.split()
        assert len(marks) == len(roles), f"row {permission!r} has {len(marks)} columns"
        assert set(marks) <= {"Y", "-"}, row
        table.update({(role, permission): mark == "Y"
                      for role, mark in zip(roles, marks, strict=True)})
    return table


def test_the_grants_table_names_every_role_and_every_permission():
    table = expected_grants()
    assert {role for role, _ in table} == {role.value for role in Role}, (
        "a role was added or removed: give it a column in GRANTS")
    assert {permission for _, permission in table} == {p.value for p in Permission}, (
        "a permission was added or removed: give it a line in GRANTS")


def test_each_role_holds_exactly_the_permissions_the_design_gives_it(app: Flask):
    accounts = {role.value: make_account(app, role) for role in Role}
    with app.app_context():
        answered = {
            (role, permission.value): can(db.session.get(User, account.id), permission)
            for role, account in accounts.items() for permission in Permission
        }
    wrong = sorted(f"{role} {permission}: policy says {'allow' if allowed else 'deny'}"
                   for (role, permission), allowed in answered.items()
                   if expected_grants().get((role, permission)) != allowed)
    assert wrong == []
