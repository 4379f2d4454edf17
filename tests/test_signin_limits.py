"""Ceilings beyond one account: one browser session cannot spread its guesses over many
accounts, and a wave of failures across the portal raises an alarm and slows every
sign-in down without refusing anyone. Nothing is keyed by an address."""

from __future__ import annotations

import os
import socket
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.audit import AuditAction, Outcome
from portal.logs import IP_LITERAL
from portal.models import AuditEvent, Role, db
from tests.conftest import CAPTURED
from tests.support.client import BrowserClient
from tests.support.factories import make_account
from tests.support.faults import kill_server, live_environment, start_server
from tests.support.http_client import LoopbackBrowser
from tests.support.parallel import guesses, statuses, together

PER_SESSION = 10  # LOGIN_ATTEMPTS_PER_SESSION_PER_MINUTE
PER_ACCOUNT = 5  # LOGIN_FAILURES_PER_MINUTE


def guess(client: BrowserClient, username: str) -> int:
    return client.submit("/login", {"username": username,
                                    "passphrase": "a wrong guess"}).status_code


def failed_sign_ins(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == str(AuditAction.LOGIN),
            AuditEvent.outcome == str(Outcome.FAILURE))) or 0


def test_one_session_cannot_spread_its_guesses_over_many_accounts(
        app: Flask, client: BrowserClient):
    accounts = [make_account(app, Role.FAMILY_MEMBER) for _ in range(8)]
    answers = Counter(guess(client, account.username)
                      for account in accounts for _ in range(PER_ACCOUNT))
    assert answers == Counter({200: PER_SESSION, 429: 8 * PER_ACCOUNT - PER_SESSION})
    assert failed_sign_ins(app) == PER_SESSION
    # The session is held back even with the right passphrase of an untouched account...
    untouched = accounts[-1]
    assert client.submit("/login", {"username": untouched.username,
                                    "passphrase": untouched.passphrase}).status_code == 429
    # ...while another browser session signs in to it.
    other = app.test_client()
    assert other.submit("/login", {"username": untouched.username,
                                   "passphrase": untouched.passphrase}).status_code == 302


@pytest.fixture
def alarm_at_three(app: Flask, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The alarm past 3 failures a minute, 100 ms more per failure, at most 250 ms; the
    waits asked for are recorded instead of slept."""
    monkeypatch.setitem(app.config, "LOGIN_ALARM_FAILURES_PER_MINUTE", 3)
    monkeypatch.setitem(app.config, "LOGIN_ALARM_DELAY_STEP_MS", 100)
    monkeypatch.setitem(app.config, "LOGIN_ALARM_MAX_DELAY_SECONDS", 0.25)
    waits: list[float] = []
    monkeypatch.setattr("portal.web.auth.attempts.sleep", waits.append)
    return waits


def test_failures_across_the_portal_slow_every_sign_in_down_progressively(
        app: Flask, alarm_at_three: list[float]):
    for number in range(7):  # each from its own session, on its own name
        assert guess(app.test_client(), f"nobody-{number}") == 200  # type: ignore[arg-type]
    assert alarm_at_three == [0.1, 0.2, 0.25]
    # Nobody is refused: the right passphrase still signs in, after the longest wait.
    account = make_account(app, Role.FAMILY_MEMBER)
    client = app.test_client()
    assert client.submit("/login", {"username": account.username,  # type: ignore[attr-defined]
                                    "passphrase": account.passphrase}).status_code == 302
    assert alarm_at_three[-1] == 0.25


def test_the_alarm_is_raised_once_a_minute_without_names_or_addresses(
        app: Flask, alarm_at_three: list[float]):
    names = [f"nobody-{number}" for number in range(8)]
    for name in names:
        guess(app.test_client(), name)  # type: ignore[arg-type]
    with app.app_context():
        alarms = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == str(AuditAction.LOGIN_THROTTLED))).all()
        assert [(a.actor_id, a.outcome, a.details["scope"]) for a in alarms] == [
            (None, str(Outcome.DENIED), "portal")]
        assert alarms[0].details["failures_last_minute"] == 4
    lines = [line for line in CAPTURED.lines if "sign-in alarm" in line]
    assert len(lines) == 1
    assert not any(name in lines[0] for name in names)
    assert not IP_LITERAL.search(lines[0])


# -- the same ceilings with the counters in Redis, under parallel requests ------------------

REDIS = ("127.0.0.1", 6379)
REDIS_URL = "redis://127.0.0.1:6379/14"  # a database of its own (test_real_server uses 15)


def redis_answers() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_port(app: Flask, tmp_path: Path) -> Iterator[int]:
    """A real threaded server whose rate limits live in an emptied Redis database."""
    if not redis_answers():
        if os.environ.get("CI"):
            pytest.fail("Redis must run on CI (.ci/run starts it)")
        pytest.skip("no Redis server on 127.0.0.1:6379")
    import redis

    store = redis.Redis.from_url(REDIS_URL)
    store.flushdb()
    server, port = start_server(live_environment(app, PORTAL_REDIS_URL=REDIS_URL),
                                tmp_path / "server.log")
    try:
        yield port
    finally:
        kill_server(server)
        keys = b" ".join(store.keys("*")).decode()
        store.flushdb()
    assert "LIMITER" in keys  # the counters really were in Redis
    assert not IP_LITERAL.search(keys)


def test_redis_counts_parallel_guesses_before_they_are_evaluated(
        app: Flask, redis_port: int):
    account = make_account(app, Role.FAMILY_MEMBER)
    posts = guesses([LoopbackBrowser(redis_port) for _ in range(20)], account.username)
    assert statuses(together(redis_port, posts)) == Counter(
        {200: PER_ACCOUNT, 429: 20 - PER_ACCOUNT})
    one_session = LoopbackBrowser(redis_port)
    spread = [post for number in range(PER_SESSION + 2)
              for post in guesses([one_session], f"nobody-{number}")]
    assert statuses(together(redis_port, spread)) == Counter(
        {200: PER_SESSION, 429: 2})
