"""`flask audit verify`: check the audit log's hash chain."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from portal.audit import verify_chain
from portal.models import AuditEvent, db

audit_cli = AppGroup("audit", help="The audit log.")


@audit_cli.command("verify")
def verify() -> None:
    """Exit 0 when the chain is intact; otherwise name the first bad row and exit 1."""
    broken = verify_chain()
    count = db.session.scalar(select(func.count(AuditEvent.id))) or 0
    if broken is None:
        click.echo(f"audit chain intact: {count} events")
        return
    click.echo(f"audit chain BROKEN at seq {broken.seq}: {broken.reason}", err=True)
    sys.exit(1)
