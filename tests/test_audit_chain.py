"""The audit log is hash-chained; `flask audit verify` finds tampering by the database's
owner, past the append-only triggers (tests/test_audit_tamper.py tests those, and the
rewrites only checkpoints reveal)."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import delete, select, update

from portal.audit import AuditAction, Outcome, record_event
from portal.models import AuditEvent, Role, db
from tests.support.client import BrowserClient
from tests.support.factories import make_account
from tests.support.journeys import sign_in, sign_out
from tests.support.tampering import append_only_lifted


def some_history(app: Flask, client: BrowserClient) -> None:
    """Real events from real requests: sign-ins, failures, sign-outs."""
    account = make_account(app, Role.FAMILY_MEMBER)
    sign_in(client, account)
    sign_out(client)
    client.submit("/login", {"username": account.username, "passphrase": "wrong"})
    sign_in(client, account)


def verify(app: Flask) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def rows(app: Flask) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_verify_passes_on_a_fresh_log(app: Flask, client: BrowserClient):
    some_history(app, client)
    code, output = verify(app)
    assert code == 0, output
    assert "intact" in output
    assert len(rows(app)) >= 5


def test_events_record_who_did_what_and_the_outcome(app: Flask, client: BrowserClient):
    some_history(app, client)
    actions = [(e.action, e.outcome) for e in rows(app)]
    assert ("login", "success") in actions
    assert ("login", "failure") in actions
    assert ("logout", "success") in actions


def test_verify_fails_on_a_changed_row(app: Flask, client: BrowserClient):
    some_history(app, client)
    target = rows(app)[2]
    with app.app_context(), append_only_lifted(db.session):
        db.session.execute(update(AuditEvent).where(AuditEvent.id == target.id)
                           .values(outcome="success" if target.outcome != "success" else "failure"))
    code, output = verify(app)
    assert code == 1
    assert f"seq {target.seq}" in output


def test_verify_fails_on_a_deleted_row(app: Flask, client: BrowserClient):
    some_history(app, client)
    target = rows(app)[1]
    with app.app_context(), append_only_lifted(db.session):
        db.session.execute(delete(AuditEvent).where(AuditEvent.id == target.id))
    code, output = verify(app)
    assert code == 1
    assert f"seq {target.seq}" in output


def test_verify_fails_when_the_newest_rows_are_deleted(app: Flask, client: BrowserClient):
    some_history(app, client)
    last = rows(app)[-1]
    with app.app_context(), append_only_lifted(db.session):
        db.session.execute(delete(AuditEvent).where(AuditEvent.id == last.id))
    code, output = verify(app)
    assert code == 1
    assert f"seq {last.seq}" in output


def test_verify_fails_on_swapped_rows(app: Flask, client: BrowserClient):
    some_history(app, client)
    first, second = rows(app)[1:3]
    columns = ["seq", "occurred_at", "actor_id", "actor_label", "action", "target_type",
               "target_id", "outcome", "details", "prev_hash", "row_hash"]
    with app.app_context(), append_only_lifted(db.session):
        values = [{c: getattr(e, c) for c in columns} for e in (first, second)]
        # Park one row's seq out of the way: seq is unique.
        db.session.execute(update(AuditEvent).where(AuditEvent.id == first.id).values(seq=-1))
        db.session.execute(update(AuditEvent).where(AuditEvent.id == second.id).values(**values[0]))
        db.session.execute(update(AuditEvent).where(AuditEvent.id == first.id).values(**values[1]))
    code, output = verify(app)
    assert code == 1
    assert f"seq {first.seq}" in output


@pytest.mark.parametrize("details", [
    {"passphrase": "hunter2"}, {"totp_code": "123456"}, {"ip": "x"},
    {"note": "from 192.0.2.7"}, {"note": "via 2001:db8::1"},
])
def test_events_refuse_secrets_and_addresses(app: Flask, details: dict[str, str]):
    with app.app_context(), pytest.raises(ValueError, match="audit detail"):
        record_event(AuditAction.LOGIN, Outcome.FAILURE, details=details)


def test_denied_access_is_recorded(app: Flask, client: BrowserClient):
    account = make_account(app, Role.FAMILY_MEMBER)
    sign_in(client, account)
    assert client.get("/admin/audit").status_code == 404
    denied = [e for e in rows(app) if e.action == "access.denied"]
    assert len(denied) == 1
    assert denied[0].actor_id == account.id
    assert denied[0].outcome == "denied"
