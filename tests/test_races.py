"""One-time secrets and attempt limits hold under truly parallel requests.

Each test starts a real threaded server (`flask run`) on the suite's database (SQLite
or PostgreSQL), opens one connection per request, and lets every request leave at
once through a barrier: a one-time TOTP code, recovery code or invitation link works
exactly once, and no more guesses are evaluated than the limit allows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.audit import AuditAction, Outcome
from portal.dependencies import crypto_kit
from portal.models import AuditEvent, Family, FamilyMembership, Role, User, db
from portal.services.invitations import create_invitation
from portal.services.second_factor import regenerate_recovery_codes
from tests.conftest import KNOWN_SECRETS
from tests.support.factories import Account, make_account, make_family
from tests.support.faults import kill_server, live_environment, start_server
from tests.support.http_client import LoopbackBrowser
from tests.support.parallel import Post, guesses, statuses, together

LIMIT = 5  # LOGIN_FAILURES_PER_MINUTE
INVITED_PASSPHRASE = "copper lantern meadow quietly drifting"
KNOWN_SECRETS.add(INVITED_PASSPHRASE)


@pytest.fixture
def port(app: Flask, tmp_path: Path) -> Iterator[int]:
    """A real threaded server of the suite's database, fresh for each test (its
    in-memory rate limits start empty)."""
    server, port = start_server(live_environment(app), tmp_path / "server.log")
    try:
        yield port
    finally:
        kill_server(server)


def half_signed_in(port: int, account: Account) -> LoopbackBrowser:
    """A browser that gave the right passphrase and is asked for the code."""
    browser = LoopbackBrowser(port)
    token = browser.csrf_token("/login")
    reply = browser.post_form("/login", {"csrf_token": token, "username": account.username,
                                         "passphrase": account.passphrase, "next": ""})
    assert reply.status == 302, reply.status
    assert "/login/code" in reply.location
    return browser


def code_posts(browsers: list[LoopbackBrowser], code: str) -> list[Post]:
    return [(b, "/login/code", {"csrf_token": b.csrf_token("/login/code"), "code": code})
            for b in browsers]


def signed_in(browser: LoopbackBrowser) -> bool:
    return browser.get("/").status == 200


ROUNDS = 3  # a fresh account each round: failed codes keep their places for a minute


def test_one_totp_code_signs_in_one_of_six_parallel_sessions(app: Flask, port: int):
    for _ in range(ROUNDS):
        account = make_account(app, Role.ADVOCATE)
        browsers = [half_signed_in(port, account) for _ in range(6)]
        replies = together(port, code_posts(browsers, account.code()))
        assert statuses(replies)[302] == 1, statuses(replies)
        assert sum(signed_in(browser) for browser in browsers) == 1


def test_one_recovery_code_signs_in_one_of_six_parallel_sessions(app: Flask, port: int):
    for _ in range(ROUNDS):
        account = make_account(app, Role.ADVOCATE)
        with app.app_context():
            codes = regenerate_recovery_codes(crypto_kit(), account.reload())
            db.session.commit()
        browsers = [half_signed_in(port, account) for _ in range(6)]
        replies = together(port, code_posts(browsers, codes[0]))
        assert statuses(replies)[302] == 1, statuses(replies)
        assert sum(signed_in(browser) for browser in browsers) == 1
        with app.app_context():
            user = account.reload()
            assert sum(1 for code in user.recovery_codes if code.used_at is None) == 9


def test_one_invitation_link_makes_one_account_when_sent_six_times_at_once(
        app: Flask, port: int):
    advocate = make_account(app, Role.ADVOCATE)
    family_id = make_family(app, advocates=[advocate])
    with app.app_context():
        family = db.session.get(Family, family_id)
        _invitation, token = create_invitation(
            advocate.reload(), role=Role.FAMILY_MEMBER, display_name="Invited", locale="en",
            ttl=timedelta(hours=1), family=family)
        db.session.commit()
    browsers = [LoopbackBrowser(port) for _ in range(6)]
    posts = [(browser, f"/invite/{token}", {
        "csrf_token": browser.csrf_token(f"/invite/{token}"), "username": f"invited-{n}",
        "passphrase": INVITED_PASSPHRASE, "confirm": INVITED_PASSPHRASE})
        for n, browser in enumerate(browsers)]
    replies = together(port, posts)
    assert statuses(replies)[302] == 1, statuses(replies)
    assert statuses(replies)[404] == 5, statuses(replies)
    with app.app_context():
        created = db.session.scalars(select(User).where(User.username.like("invited-%"))).all()
        assert len(created) == 1
        members = db.session.scalar(select(func.count()).select_from(FamilyMembership).where(
            FamilyMembership.family_id == family_id))
        assert members == 1


def failed_logins(app: Flask, account: Account) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == str(AuditAction.LOGIN),
            AuditEvent.outcome == str(Outcome.FAILURE), AuditEvent.actor_id == account.id)) or 0


def test_twenty_parallel_passphrase_guesses_are_evaluated_at_most_five_times(
        app: Flask, port: int):
    account = make_account(app, Role.FAMILY_MEMBER)
    posts = guesses([LoopbackBrowser(port) for _ in range(20)], account.username)
    replies = together(port, posts)
    assert statuses(replies) == Counter({200: LIMIT, 429: 20 - LIMIT})
    assert failed_logins(app, account) == LIMIT
    late = LoopbackBrowser(port)
    reply = late.post_form("/login", {"csrf_token": late.csrf_token("/login"),
                                      "username": account.username,
                                      "passphrase": account.passphrase, "next": ""})
    assert reply.status == 429  # the right passphrase, but the minute's places are used


def test_twenty_parallel_code_guesses_are_evaluated_at_most_five_times(
        app: Flask, port: int):
    account = make_account(app, Role.ADVOCATE)
    browser = half_signed_in(port, account)
    wrong = f"{(int(account.code()) + 1) % 1_000_000:06d}"
    replies = together(port, code_posts([browser] * 20, wrong))
    assert statuses(replies) == Counter({200: LIMIT, 429: 20 - LIMIT})
    with app.app_context():
        evaluated = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == str(AuditAction.LOGIN_SECOND_FACTOR),
            AuditEvent.actor_id == account.id))
    assert evaluated == LIMIT
    right = browser.post_form("/login/code", {"csrf_token": browser.csrf_token("/login/code"),
                                              "code": account.code()})
    assert right.status == 429
    assert not signed_in(browser)
